"""Delayed applications: recording, the decision, the service point's and department's lists, OPDC's register."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.core import messages
from app.core.extensions import db
from app.core.types import utcnow
from app.licensing.models import NoticeKind
from app.licensing.services import delay_register, delays, licensing
from app.org.models import Agency
from forms.delays import DECISION_CHOICES, DelayDecisionForm, DelayRecordForm
from workflows.calendar import BANGKOK

bp = Blueprint("delays", __name__, url_prefix="/delays")

KIND_LABELS = {
    NoticeKind.first: _l("First notice"),
    NoticeKind.update: _l("Update"),
    NoticeKind.final: _l("Final notice"),
}
DECISION_LABELS = dict(DECISION_CHOICES)
STATUS_LABELS = {"open": _l("Awaiting decision"), "decided": _l("Decided")}
STEP_LABELS = {
    "officer": _l("Officer asked for the current reason"),
    "central": _l("Central officers told: reason not given in time"),
    "opdc": _l("OPDC told: reason still not given"),
}


def labels() -> dict:
    return {"kind_labels": KIND_LABELS, "decision_labels": DECISION_LABELS, "status_labels": STATUS_LABELS}


def _today() -> date:
    return utcnow().astimezone(BANGKOK).date()


@bp.get("/")
@login_required
def index():
    points = licensing.reporting_points(current_user)
    if not points and not delays.can_see_department(current_user) and not delay_register.can_see_register(current_user):
        abort(403)
    rows = delays.open_delays(current_user)
    return render_template("delays/index.html", points=points, delays=rows,
                           department=delays.can_see_department(current_user),
                           register=delay_register.can_see_register(current_user),
                           to_post=delay_register.to_post_count(current_user), **labels())


@bp.get("/to-post")
@login_required
def to_post():
    """Notices that could not be e-mailed: print each letter, post it, mark it sent."""
    if not licensing.reporting_points(current_user) and not delays.can_see_department(current_user):
        abort(403)
    return render_template("delays/to_post.html", notices=delay_register.to_post(current_user), **labels())


@bp.post("/notices/<int:notice_id>/posted")
@login_required
def mark_posted(notice_id: int):
    try:
        notice = delay_register.mark_posted(current_user, notice_id)
        db.session.commit()
    except delays.DelayError as exc:
        db.session.rollback()
        if exc.code == "not_allowed":
            abort(404)
        flash(messages.for_error(exc), "warning")
        return redirect(url_for("delays.to_post"), 303)
    flash(_("Notice %(number)s of %(reference)s is marked as posted.", number=notice.number,
            reference=notice.delay.reference), "success")
    return redirect(url_for("delays.to_post"), 303)


@bp.get("/department")
@login_required
def department():
    if not delays.can_see_department(current_user):
        abort(403)
    status = request.args.get("status") if request.args.get("status") in STATUS_LABELS else None
    return render_template("delays/department.html", delays=delays.department_delays(current_user, status),
                           status=status, **labels())


def _point_or_404(agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None or not licensing.can_enter(current_user, agency):
        abort(404)
    return agency


def _record_form(agency: Agency) -> DelayRecordForm:
    form = DelayRecordForm(today=_today())
    form.process_id.choices = [(p.id, p.name_th) for p in licensing.processes_for(agency)]
    return form


@bp.route("/points/<int:agency_id>/new", methods=["GET", "POST"])
@login_required
def new(agency_id: int):
    agency = _point_or_404(agency_id)
    form = _record_form(agency)
    if request.method == "GET" or not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        if status == 422:
            flash(_("Nothing was saved. Correct the highlighted fields."), "danger")
        return render_template("delays/new.html", form=form, agency=agency), status
    data = delays.DelayInput(**{name: form[name].data for name in (
        "reference", "applicant_name", "applicant_address", "applicant_email", "applicant_phone", "process_id",
        "promised_days", "received_on", "reason", "expected_decision_on")})
    try:
        delay = delays.record(current_user, agency, data)
        db.session.commit()
    except delays.DelayError as exc:
        db.session.rollback()
        if exc.code == "not_allowed":
            abort(404)
        flash(messages.for_error(exc), "danger")
        return render_template("delays/new.html", form=form, agency=agency), 409
    flash(_("The delay is recorded and the first notice was issued."), "success")
    return redirect(url_for("delays.show", delay_id=delay.id))


def _delay_or_404(delay_id: int):
    delay = delays.get_for(current_user, delay_id)
    if delay is None:
        abort(404)
    return delay


@bp.get("/<int:delay_id>")
@login_required
def show(delay_id: int):
    delay = _delay_or_404(delay_id)
    return render_template("delays/show.html", delay=delay, notices=delays.notices_of(delay),
                           can_decide=delays.can_decide(current_user, delay), decision_form=DelayDecisionForm(),
                           update_task=delays.open_update_task(delay), **labels())


@bp.get("/<int:delay_id>/notices/<int:number>.pdf")
@login_required
def notice_letter(delay_id: int, number: int):
    letter = delays.notice_letter(current_user, delay_id, number)
    if letter is None:
        abort(404)
    db.session.commit()  # a notice issued before the register existed keeps the number its first print took
    name, body = letter
    return Response(body, mimetype="application/pdf", headers={"Content-Disposition": f"inline; filename={name}"})


@bp.post("/<int:delay_id>/decision")
@login_required
def decide(delay_id: int):
    delay = _delay_or_404(delay_id)
    form = DelayDecisionForm()
    if not form.validate_on_submit():
        flash(_("Nothing was saved. Correct the highlighted fields."), "danger")
        return render_template("delays/show.html", delay=delay, notices=delays.notices_of(delay),
                               can_decide=delays.can_decide(current_user, delay),
                               decision_form=form, update_task=delays.open_update_task(delay), **labels()), 422
    try:
        delays.decide(current_user, delay, form.decision.data, (form.note.data or "").strip() or None)
        db.session.commit()
    except delays.DelayError as exc:
        db.session.rollback()
        if exc.code == "not_allowed":
            abort(404)
        flash(messages.for_error(exc), "danger")
        return redirect(url_for("delays.show", delay_id=delay_id)), 303
    flash(_("The decision is recorded and the final notice was issued."), "success")
    return redirect(url_for("delays.show", delay_id=delay_id))


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _register_filter() -> delay_register.RegisterFilter:
    return delay_register.RegisterFilter(agency_id=request.args.get("agency_id", type=int),
                                 date_from=_date_arg("date_from"), date_to=_date_arg("date_to"),
                                 kind=request.args.get("kind") or None)


@bp.get("/register")
@login_required
def register():
    if not delay_register.can_see_register(current_user):
        abort(403)
    filters = _register_filter()
    return render_template("delays/register.html", notices=delay_register.register(current_user, filters), filters=filters,
                           agencies=delay_register.register_agencies(current_user),
                           escalations=delay_register.escalations(current_user, filters), step_labels=STEP_LABELS, **labels())


@bp.get("/register.csv")
@login_required
def register_csv():
    if not delay_register.can_see_register(current_user):
        abort(403)
    body = delay_register.register_csv(delay_register.register(current_user, _register_filter(), limit=None))
    return Response(body, mimetype="text/csv", content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=delay-notices.csv"})
