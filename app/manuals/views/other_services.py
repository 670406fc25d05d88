"""Other services (บริการอื่นๆ) of agencies without a legally required manual."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.core import messages, paging
from app.core.extensions import db
from app.manuals.models import OtherServiceStatus
from app.manuals.services import other_services
from app.org.models import CatalogueKind
from app.org.services import catalogue
from forms import cleaning
from forms.other_service import OtherServiceForm, form_data

bp = Blueprint("other_services", __name__, url_prefix="/other-services")

PER_PAGE = 20


def _locale() -> str:
    return str(get_locale() or "th")


def _with_choices(form: OtherServiceForm, agencies=None) -> OtherServiceForm:
    form.category_ids.choices = [SelectChoice(i, label) for i, label in catalogue.choices(CatalogueKind.category, _locale())]
    form.user_group_ids.choices = [SelectChoice(i, label)
                                   for i, label in catalogue.choices(CatalogueKind.user_group, _locale())]
    form.agency_id.choices = [SelectChoice(a.id, a.name(_locale())) for a in agencies or []]
    form.tags.render_kw = {"data-tag-suggestions": url_for("catalogue.tag_suggestions")}
    return form


def _version(form: OtherServiceForm) -> int | None:
    return cleaning.whole_number(form.row_version.data)


@bp.get("/")
@login_required
def index():
    page = paging.page_number(request.args.get("page"))
    status = request.args.get("status") or None
    query = request.args.get("q") or ""
    rows, total = other_services.list_services(current_user, page=page, per_page=PER_PAGE, status=status, q=query)
    return render_template("other_services/index.html", rows=rows, total=total, page=page, per_page=PER_PAGE,
                           status=status, q=query, can_create=bool(other_services.author_agencies(current_user)))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    agencies = other_services.author_agencies(current_user)
    if not agencies:
        abort(403)
    form = _with_choices(OtherServiceForm(), agencies)
    if form.validate_on_submit():
        try:
            service = other_services.create(current_user, agency_id=form.agency_id.data, title=form.title.data,
                                            summary=form.summary.data, content=form.raw_content(),
                                            publish=request.form.get("action") == "publish")
            db.session.commit()
        except other_services.InvalidService as exc:
            db.session.rollback()
            form.show_errors(exc.errors)
        except other_services.OtherServiceError as exc:
            db.session.rollback()
            flash(messages.for_error(exc), "danger")
        else:
            flash(_("Service published.") if service.status == OtherServiceStatus.published else _("Draft saved."),
                  "success")
            return redirect(url_for("other_services.show", service_id=service.id))
    form.add_blank_rows()
    # Success redirects: a submission that gets here was refused.
    return render_template("other_services/edit.html", form=form, service=None), (422 if form.is_submitted() else 200)


def _load(service_id: int):
    try:
        return other_services.get_service(current_user, service_id)
    except other_services.ServiceNotFound:
        abort(404)


@bp.get("/<int:service_id>")
@login_required
def show(service_id: int):
    service = _load(service_id)
    content = service.content or {}
    names = catalogue.names([*content.get("category_ids", []), *content.get("user_group_ids", [])], _locale())
    return render_template("other_services/show.html", service=service, content=content, names=names,
                           can_edit=other_services.can_edit(current_user, service),
                           can_hide=other_services.can_hide(current_user, service))


@bp.route("/<int:service_id>/edit", methods=["GET", "POST"])
@login_required
def edit(service_id: int):
    service = _load(service_id)
    if not other_services.can_edit(current_user, service):
        abort(403)
    if request.method == "GET":
        form = _with_choices(OtherServiceForm(formdata=None, data=form_data(service)))
        form.add_blank_rows()
        return render_template("other_services/edit.html", form=form, service=service)
    form = _with_choices(OtherServiceForm())
    if form.validate():
        try:
            other_services.update(current_user, service.id, title=form.title.data, summary=form.summary.data,
                                  content=form.raw_content(), expected_version=_version(form),
                                  publish=request.form.get("action") == "publish")
            db.session.commit()
        except other_services.InvalidService as exc:
            db.session.rollback()
            form.show_errors(exc.errors)
        except other_services.OtherServiceError as exc:
            db.session.rollback()
            flash(messages.for_error(exc), "warning")
            return redirect(url_for("other_services.show", service_id=service_id))
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("other_services.show", service_id=service_id))
    form.add_blank_rows()
    return render_template("other_services/edit.html", form=form, service=service), 422


@bp.post("/<int:service_id>/status")
@login_required
def set_status(service_id: int):
    service = _load(service_id)
    version = request.form.get("row_version", type=int)
    try:
        other_services.set_status(current_user, service.id, request.form.get("status", ""), expected_version=version)
        db.session.commit()
    except other_services.OtherServiceError as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
    else:
        flash(_("Display status changed."), "success")
    return redirect(url_for("other_services.show", service_id=service_id))
