"""Agencies and structure: profiles, service points, their display status and links."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.accounts.services import policy
from app.core import messages
from app.core.extensions import db
from app.manuals.services import links
from app.org.models import AgencyKind
from app.org.services import org
from forms import cleaning
from forms.org import LinkForm, MoveForm, ProfileForm, ServicePointForm

bp = Blueprint("org", __name__, url_prefix="/agencies")

KIND_LABELS = {
    AgencyKind.ministry.value: _l("Ministry"),
    AgencyKind.department.value: _l("Department"),
    AgencyKind.division.value: _l("Division"),
    AgencyKind.provincial_office.value: _l("Provincial office"),
    AgencyKind.service_point.value: _l("Service point"),
    AgencyKind.provincial_admin.value: _l("Provincial administrative organisation"),
    AgencyKind.municipality.value: _l("Municipality"),
    AgencyKind.subdistrict_admin.value: _l("Subdistrict administrative organisation"),
    AgencyKind.office.value: _l("Office"),
}


def _locale() -> str:
    return str(get_locale() or "th")


def _load(agency_id: int):
    try:
        return org.get_agency(current_user, agency_id)
    except org.AgencyNotFound:
        abort(404)


def _require_structure(agency) -> None:
    if not policy.can_manage_structure(current_user, agency.path):
        abort(403)


def _version(value) -> int | None:
    return cleaning.whole_number(value)


@bp.get("/")
@login_required
def index():
    return render_template("org/index.html", rows=org.tree(current_user), kind_labels=KIND_LABELS)


@bp.get("/<int:agency_id>")
@login_required
def show(agency_id: int):
    agency = _load(agency_id)
    can_manage = policy.can_manage_structure(current_user, agency.path)
    return render_template("org/show.html", agency=agency, kind_labels=KIND_LABELS, can_manage=can_manage,
                           children=org.children(agency), linked=links.for_agency(agency.id),
                           candidates=links.candidates(agency) if can_manage else {}, link_form=LinkForm(),
                           movable=org.can_move(current_user, agency), is_admin=policy.is_admin(current_user))


@bp.route("/<int:agency_id>/profile", methods=["GET", "POST"])
@login_required
def edit_profile(agency_id: int):
    agency = _load(agency_id)
    form = ProfileForm(obj=agency) if request.method == "GET" else ProfileForm()
    if not org.can_set_letter_prefix(current_user, agency):
        del form.letter_prefix  # a service point's own officer sees it on the agency's page only
    if request.method == "GET":
        form.row_version.data = agency.row_version
    elif form.validate():
        try:
            org.update_profile(current_user, agency.id, form.profile(), expected_version=_version(form.row_version.data))
            db.session.commit()
        except org.OrgError as exc:
            db.session.rollback()
            flash(messages.for_error(exc), "warning")
            if isinstance(exc, org.AgencyChangedMeanwhile):
                return render_template("org/profile.html", agency=agency, form=form), 409
        else:
            flash(_("Profile saved."), "success")
            return redirect(url_for("org.show", agency_id=agency_id))
    return render_template("org/profile.html", agency=agency, form=form), (422 if form.errors else 200)


@bp.route("/<int:agency_id>/service-points/new", methods=["GET", "POST"])
@login_required
def new_service_point(agency_id: int):
    agency = _load(agency_id)
    _require_structure(agency)
    form = ServicePointForm()
    if form.validate_on_submit():
        try:
            point = org.add_service_point(current_user, agency.id, name_th=form.name_th.data, name_en=form.name_en.data)
            db.session.commit()
        except org.OrgError as exc:
            db.session.rollback()
            flash(messages.for_error(exc), "warning")
        else:
            flash(_("Service point added. Fill in its profile."), "success")
            return redirect(url_for("org.edit_profile", agency_id=point.id))
    return render_template("org/new_service_point.html", agency=agency, form=form), (422 if form.errors else 200)


@bp.route("/<int:agency_id>/move", methods=["GET", "POST"])
@login_required
def move(agency_id: int):
    agency = _load(agency_id)
    _require_structure(agency)
    if not org.can_move(current_user, agency):
        abort(404)
    form = MoveForm()
    form.parent_id.choices = [SelectChoice(a.id, f"{'— ' * a.depth}{a.name(_locale())}")
                              for a in org.move_targets(current_user, agency)]
    if request.method == "GET":
        form.row_version.data = agency.row_version
    elif form.validate():
        try:
            org.move(current_user, agency.id, form.parent_id.data, expected_version=_version(form.row_version.data))
            db.session.commit()
        except org.InvalidMove as exc:
            db.session.rollback()
            form.parent_id.errors = [messages.for_error(exc)]
        except org.OrgError as exc:
            db.session.rollback()
            flash(messages.for_error(exc), "warning")
            return redirect(url_for("org.show", agency_id=agency_id))
        else:
            flash(_("Moved. Its service points and open tasks moved with it."), "success")
            return redirect(url_for("org.show", agency_id=agency_id))
    return render_template("org/move.html", agency=agency, form=form), (422 if form.errors else 200)


@bp.post("/<int:agency_id>/visibility")
@login_required
def set_visibility(agency_id: int):
    agency = _load(agency_id)
    visible = request.form.get("visible") == "1"
    try:
        org.set_visibility(current_user, agency.id, visible, expected_version=_version(request.form.get("row_version")))
        db.session.commit()
    except org.OrgError as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
    else:
        flash(_("The service point is shown on the public site.") if visible
              else _("The service point is hidden from the public site."), "success")
    return redirect(url_for("org.show", agency_id=agency_id))


@bp.post("/<int:agency_id>/links")
@login_required
def add_link(agency_id: int):
    agency = _load(agency_id)
    _require_structure(agency)
    form = LinkForm()
    if not form.validate():
        flash(_("Choose a service to link."), "warning")
        return redirect(url_for("org.show", agency_id=agency_id))
    try:
        links.link(current_user, agency.id, form.kind.data, form.target_id.data)
        db.session.commit()
    except links.LinkError as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
    else:
        flash(_("Linked."), "success")
    return redirect(url_for("org.show", agency_id=agency_id))


@bp.post("/<int:agency_id>/links/<int:link_id>/delete")
@login_required
def remove_link(agency_id: int, link_id: int):
    agency = _load(agency_id)
    _require_structure(agency)
    links.unlink(current_user, agency.id, link_id)
    db.session.commit()
    flash(_("Link removed."), "success")
    return redirect(url_for("org.show", agency_id=agency_id))
