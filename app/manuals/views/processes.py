"""Processes (กระบวนงาน) of an agency."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.core import messages, paging
from app.core.extensions import db
from app.manuals.services import processes
from app.manuals.services.manuals import ManualError
from app.org.services import catalogue
from forms import cleaning
from forms.process import ProcessForm

bp = Blueprint("processes", __name__, url_prefix="/processes")
PER_PAGE = 20


def _locale() -> str:
    return str(get_locale() or "th")


@bp.get("/")
@login_required
def index():
    agencies = processes.editable_agencies(current_user)
    if not agencies:
        abort(403)
    page = paging.page_number(request.args.get("page"))
    agency_id = request.args.get("agency_id", type=int)
    name = request.args.get("name") or ""
    inactive = request.args.get("inactive") == "1"
    result = processes.list_processes(current_user, page=page, per_page=PER_PAGE, agency_id=agency_id, name=name,
                                      include_inactive=inactive)
    return render_template("processes/index.html", result=result, agencies=agencies, agency_id=agency_id,
                           name=name, inactive=inactive, categories=dict(catalogue.choices("category", _locale())))


def _form(formdata=..., **kwargs) -> ProcessForm:
    form = ProcessForm(**kwargs) if formdata is ... else ProcessForm(formdata=formdata, **kwargs)
    form.agency_id.choices = [SelectChoice(a.id, a.name(_locale())) for a in processes.editable_agencies(current_user)]
    form.category_id.choices = [SelectChoice(0, _("— not set —"))] + [
        SelectChoice(i, label) for i, label in catalogue.choices("category", _locale())]
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not processes.editable_agencies(current_user):
        abort(403)
    form = _form()
    if form.validate_on_submit():
        try:
            process = processes.create_process(current_user, form.values())
            db.session.commit()
        except ManualError as exc:
            db.session.rollback()
            flash(messages.for_error(exc), "danger")
        else:
            flash(_("Process saved."), "success")
            return redirect(url_for("processes.edit", process_id=process.id))
    return render_template("processes/form.html", form=form, process=None), (422 if form.errors else 200)


def _load(process_id: int):
    try:
        return processes.get_process(current_user, process_id)
    except processes.ProcessNotFound:
        abort(404)


@bp.route("/<int:process_id>", methods=["GET", "POST"])
@login_required
def edit(process_id: int):
    process = _load(process_id)
    if request.method == "GET":
        form = _form(formdata=None, obj=process)
        form.lock_version.data = process.lock_version
        form.category_id.data = process.category_id or 0
        form.impact_level.data = process.impact_level or ""
        form.service_area.data = process.service_area or ""
        return render_template("processes/form.html", form=form, process=process)
    form = _form()
    status = 422
    if form.validate():
        lock_version = cleaning.whole_number(form.lock_version.data)
        try:
            processes.update_process(current_user, process, form.values(), lock_version=lock_version)
            db.session.commit()
        except processes.ProcessChangedMeanwhile as exc:
            db.session.rollback()
            flash(messages.for_error(exc), "warning")
            status = 409
        except ManualError as exc:
            db.session.rollback()
            flash(messages.for_error(exc), "danger")
            status = 403
        else:
            flash(_("Process saved."), "success")
            return redirect(url_for("processes.edit", process_id=process_id))
    return render_template("processes/form.html", form=form, process=process), status


@bp.post("/<int:process_id>/active")
@login_required
def set_active(process_id: int):
    process = _load(process_id)
    lock_version = request.form.get("lock_version", type=int)
    active = request.form.get("active") == "1"
    try:
        processes.set_active(current_user, process, active, lock_version=lock_version)
        db.session.commit()
    except ManualError as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
    else:
        flash(_("Process reactivated.") if active else _("Process deactivated."), "success")
    return redirect(url_for("processes.edit", process_id=process_id))
