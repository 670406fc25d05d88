"""The administrators' agency tree: the list of every agency, a new agency, an upload of many, merging and closing.
Moving one is the structure's own move page (``org.move``)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.accounts.services import policy
from app.core import messages, paging
from app.core.extensions import db, limiter
from app.org.services import agency_admin, org
from app.org.views.org import KIND_LABELS
from forms import cleaning
from forms.org import (
    TOP,
    UPLOAD_MAX_BYTES,
    UPLOAD_MAX_ROWS,
    AgencyForm,
    AgencyUploadForm,
    CloseForm,
    MergeForm,
    read_agency_upload,
    read_confirmed_upload,
)

bp = Blueprint("agency_admin", __name__, url_prefix="/agencies/admin")


@bp.before_request
@login_required
def _administrators_only():
    if not policy.is_admin(current_user):
        abort(403)


def _locale() -> str:
    return str(get_locale() or "th")


def _label(agency) -> str:
    return f"{'— ' * agency.depth}{agency.name(_locale())}"


def _load(agency_id: int):
    try:
        return agency_admin.get(agency_id)
    except org.AgencyNotFound:
        abort(404)


@bp.get("/")
def index():
    query = (request.args.get("q") or "")[:100]
    page = agency_admin.list_agencies(current_user, paging.page_number(request.args.get("page")), query)
    return render_template("org/admin/index.html", page=page, query=query, kind_labels=KIND_LABELS)


def _agency_form() -> AgencyForm:
    form = AgencyForm()
    form.kind.choices = [SelectChoice(kind, KIND_LABELS[kind]) for kind in agency_admin.KINDS]
    form.parent_id.choices = [SelectChoice(TOP, _("(None: at the top of the tree)"))] + [
        SelectChoice(str(a.id), _label(a)) for a in agency_admin.parent_choices(current_user)]
    return form


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = _agency_form()
    if request.method == "GET" and (parent := request.args.get("parent", type=int)):
        form.parent_id.data = str(parent)
    if form.validate_on_submit():
        values = form.values()
        try:
            agency = agency_admin.create(current_user, kind=values.pop("kind"), name_th=values.pop("name_th"),
                                         name_en=values.pop("name_en"), code=values.pop("code"),
                                         parent_id=form.parent(), profile=values)
            db.session.commit()
        except agency_admin.AgencyRefused as exc:
            db.session.rollback()
            target = form.code if exc.reason == "code_taken" else (
                form.kind if exc.reason == "unknown_kind" else form.parent_id)
            target.errors = [messages.for_error(exc)]
        except org.OrgError as exc:
            db.session.rollback()
            flash(messages.for_error(exc), "warning")
            return render_template("org/admin/new.html", form=form), 409
        else:
            flash(_("%(name)s was created. Fill in its profile.", name=agency.name_th), "success")
            return redirect(url_for("org.show", agency_id=agency.id))
    return render_template("org/admin/new.html", form=form), (422 if form.errors else 200)


# --- the upload ------------------------------------------------------------------------------------------------


def merge_problems(read, problems: dict) -> int:
    """Put the service's problems next to the form's, row by row; returns the number of rows with a problem."""
    for index, refusals in problems.items():
        read.rows[index].problems.extend(messages.for_error(refusal) for refusal in refusals)
    return sum(1 for row in read.rows if row.problems)


def _upload_page(form, read=None, status: int = 200, with_problems: int = 0):
    return render_template("org/admin/upload.html", form=form, read=read, with_problems=with_problems,
                           kind_labels=KIND_LABELS, max_kb=UPLOAD_MAX_BYTES // 1024, max_rows=UPLOAD_MAX_ROWS), status


@bp.route("/upload", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_AGENCY_UPLOAD"], methods=["POST"])
def upload():
    form = AgencyUploadForm()
    if request.method == "GET":
        return _upload_page(form)
    if not form.validate_on_submit():
        return _upload_page(form, status=422)
    confirming = bool(form.content.data)
    if confirming:
        read = read_confirmed_upload(form.content.data)
    elif form.file.data:
        # One byte past the limit tells that a file is too large without reading all of it.
        read = read_agency_upload(form.file.data.read(UPLOAD_MAX_BYTES + 1))
    else:
        form.file.errors = [_("Choose a CSV file.")]
        return _upload_page(form, status=422)
    if read.error:
        form.file.errors = [str(read.error)]
        return _upload_page(form, status=422)
    rows = [row.values for row in read.rows]
    with_problems = merge_problems(read, agency_admin.check_upload(current_user, rows))
    if with_problems or not confirming:
        form.content.data = read.encoded
        return _upload_page(form, read, 422 if with_problems else 200, with_problems)
    try:
        created = agency_admin.create_from_upload(current_user, rows)
        db.session.commit()
    except agency_admin.UploadRefused as exc:  # something changed between the check and the creation
        db.session.rollback()
        read = read_confirmed_upload(form.content.data)
        merge_problems(read, exc.problems)
        return _upload_page(form, read, 409, len(exc.problems))
    except org.OrgError as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
        return redirect(url_for("agency_admin.upload"))
    flash(_("%(count)s agencies were created.", count=len(created)), "success")
    return redirect(url_for("agency_admin.index"))


# --- merging and closing -----------------------------------------------------------------------------------------


def _version(value) -> int | None:
    return cleaning.whole_number(value)


@bp.route("/<int:agency_id>/merge", methods=["GET", "POST"])
def merge(agency_id: int):
    agency = _load(agency_id)
    if agency.closed_at is not None:
        flash(messages.for_error(agency_admin.AgencyRefused("closed", name=agency.name_th)), "warning")
        return redirect(url_for("org.show", agency_id=agency.id))
    form = MergeForm()
    form.survivor_id.choices = [SelectChoice(a.id, _label(a)) for a in agency_admin.survivors(current_user, agency)]
    if request.method == "GET":
        form.row_version.data = agency.row_version
    elif form.validate():
        try:
            survivor = agency_admin.merge(current_user, agency.id, form.survivor_id.data,
                                          expected_version=_version(form.row_version.data), survivor_version=None)
            db.session.commit()
        except agency_admin.AgencyRefused as exc:
            db.session.rollback()
            form.survivor_id.errors = [messages.for_error(exc)]
        except org.OrgError as exc:
            db.session.rollback()
            flash(messages.for_error(exc), "warning")
            return redirect(url_for("org.show", agency_id=agency_id)), 303
        else:
            flash(_("Merged into %(name)s. Its units, people and services are now there; it is closed and kept "
                    "for history.", name=survivor.name_th), "success")
            return redirect(url_for("org.show", agency_id=survivor.id))
    return render_template("org/admin/merge.html", agency=agency, form=form, held=agency_admin.held(agency)), \
        (422 if form.errors else 200)


@bp.route("/<int:agency_id>/close", methods=["GET", "POST"])
def close(agency_id: int):
    agency = _load(agency_id)
    form = CloseForm()
    if request.method == "GET":
        form.row_version.data = agency.row_version
    elif form.validate():
        try:
            agency_admin.close(current_user, agency.id, expected_version=_version(form.row_version.data))
            db.session.commit()
        except agency_admin.AgencyRefused as exc:
            db.session.rollback()
            flash(messages.for_error(exc), "warning")
            return render_template("org/admin/close.html", agency=agency, form=form,
                                   held=agency_admin.held(agency)), 422
        except org.OrgError as exc:
            db.session.rollback()
            flash(messages.for_error(exc), "warning")
            return redirect(url_for("org.show", agency_id=agency_id)), 303
        else:
            flash(_("%(name)s is closed: kept for history and hidden from the public site.", name=agency.name_th),
                  "success")
            return redirect(url_for("agency_admin.index"))
    return render_template("org/admin/close.html", agency=agency, form=form, held=agency_admin.held(agency)), \
        (422 if form.errors else 200)
