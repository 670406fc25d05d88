"""Licence-issuance reports: a service point's sheet, the department's roll-up, unlock requests and their letters."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.core.extensions import db
from app.core.types import utcnow
from app.licensing.models import FIGURE_FIELDS
from app.licensing.services import licensing, unlocks
from app.org.models import Agency
from forms import cleaning
from forms.licensing import UnlockAskForm

bp = Blueprint("licensing", __name__, url_prefix="/licensing")

FIGURE_LABELS = {
    "received": _l("Applications received"),
    "approved": _l("Approved"),
    "refused": _l("Refused"),
    "pending": _l("Pending"),
    "within_limit": _l("Decided within the time limit"),
    "over_limit": _l("Decided over the time limit"),
}

UNLOCK_REFUSED = {
    "no_reason": _l("Say why the period must be unlocked."),
    "not_closed": _l("This period is still open: enter the figures directly."),
    "pending": _l("An unlock request for this period is already waiting for OPDC's decision."),
    "open": _l("This period is already unlocked for your service point."),
    "used": _l("This period was already unlocked once for your service point and that window has ended. "
               "It cannot be unlocked again."),
}

UNLOCK_STATUS = {
    "pending": _l("Waiting for OPDC"),
    "approved": _l("Approved"),
    "refused": _l("Refused"),
    "expired": _l("Window ended"),
}


def _period_or_404(year: int, month: int):
    try:
        return licensing.period(year, month)
    except LookupError:
        abort(404)


def _agency_or_404(agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        abort(404)
    return agency


@bp.get("/")
@login_required
def index():
    points = licensing.reporting_points(current_user)
    rollup_agencies = licensing.rollup_agencies(current_user)
    if not points and not rollup_agencies:
        abort(403)
    periods = licensing.recent_periods()
    now = utcnow()
    status = {(p.id, a.id): licensing.is_open_for(p, a.id, now) for p in periods for a in points}
    page = render_template("licensing/index.html", points=points, periods=periods, status=status,
                           rollup_agencies=rollup_agencies)
    db.session.commit()  # periods are created on first use; after the page, which would read each row again
    return page


def _sheet_context(report_period, agency, rows=None, ask_form=None):
    now = utcnow()
    is_open = licensing.is_open_for(report_period, agency.id, now)
    unlock = licensing.open_unlock(report_period, agency.id, now)
    window_end = licensing.window_end(unlock) if unlock else None
    refused = unlocks.refusal(report_period, agency)
    return {
        "period": report_period, "agency": agency, "rows": rows or licensing.sheet(report_period, agency),
        "fields": FIGURE_FIELDS, "labels": FIGURE_LABELS, "is_open": is_open,
        "can_enter": licensing.can_enter(current_user, agency), "closed": licensing.is_closed(report_period, now),
        "unlock": unlock, "window_end": window_end, "remaining": (window_end - now) if window_end else None,
        "history": unlocks.history(report_period.id, agency.id), "status_labels": UNLOCK_STATUS,
        "ask_form": ask_form or UnlockAskForm(), "period_label": unlocks.period_label_th(report_period),
        # The form only when a request could be made now; otherwise why not (the window ended, one is waiting).
        "can_ask": refused is None, "ask_refused": UNLOCK_REFUSED[refused.code] if refused else None,
    }


@bp.route("/<int:year>/<int:month>/points/<int:agency_id>", methods=["GET", "POST"])
@login_required
def sheet(year: int, month: int, agency_id: int):
    report_period = _period_or_404(year, month)
    agency = _agency_or_404(agency_id)
    if not licensing.can_view(current_user, agency):
        abort(404)
    if request.method == "GET":
        # Rendered before the commit (of an unlock window closed as it was read): after it, every row's process,
        # the period and the person would be read again, one query each.
        page = render_template("licensing/sheet.html", **_sheet_context(report_period, agency))
        db.session.commit()
        return page
    typed = _typed_rows()
    try:
        changed = licensing.save_figures(current_user, report_period, agency, typed)
        db.session.commit()
    except licensing.FiguresInvalid as exc:
        db.session.rollback()
        rows = licensing.sheet(report_period, agency)
        for row in rows:
            row.values = {name: exc.values.get(row.process.id, {}).get(name, "") for name in FIGURE_FIELDS}
            row.errors = exc.errors.get(row.process.id, [])
        flash(_("Nothing was saved. Correct the highlighted rows."), "danger")
        return render_template("licensing/sheet.html", **_sheet_context(report_period, agency, rows)), 422
    except licensing.NotAllowed:
        db.session.rollback()
        abort(403)
    except licensing.PeriodClosed:
        db.session.rollback()
        flash(_("This period is locked. Nothing was saved."), "danger")
        return render_template("licensing/sheet.html", **_sheet_context(report_period, agency)), 409
    except licensing.FiguresChangedMeanwhile:
        db.session.rollback()
        flash(_("Someone else saved these figures at the same moment. Reload and enter them again."), "warning")
        return redirect(url_for("licensing.sheet", year=year, month=month, agency_id=agency_id))
    flash(_("Saved: %(count)s rows changed.", count=changed), "success")
    return redirect(url_for("licensing.sheet", year=year, month=month, agency_id=agency_id))


def _typed_rows() -> dict[int, dict[str, str]]:
    typed: dict[int, dict[str, str]] = {}
    for key, value in request.form.items():
        parts = key.split("-")
        row = cleaning.whole_number(parts[1]) if len(parts) == 3 and parts[0] == "r" else None
        if row is not None and parts[2] in FIGURE_FIELDS:
            typed.setdefault(row, {})[parts[2]] = value
    return typed


@bp.post("/<int:year>/<int:month>/points/<int:agency_id>/unlock")
@login_required
def ask_unlock(year: int, month: int, agency_id: int):
    report_period = _period_or_404(year, month)
    agency = _agency_or_404(agency_id)
    if not licensing.can_view(current_user, agency):
        abort(404)
    form = UnlockAskForm()
    if not form.validate():
        return render_template("licensing/sheet.html", **_sheet_context(report_period, agency, ask_form=form)), 422
    try:
        unlocks.ask(current_user, report_period, agency, form.reason.data)
        db.session.commit()
    except licensing.NotAllowed:
        db.session.rollback()
        abort(403)
    except unlocks.UnlockRefused as exc:
        db.session.rollback()
        flash(str(UNLOCK_REFUSED[exc.code]), "danger")
        return render_template("licensing/sheet.html", **_sheet_context(report_period, agency, ask_form=form)), 409
    flash(_("Your unlock request was sent to OPDC."), "success")
    return redirect(url_for("licensing.sheet", year=year, month=month, agency_id=agency_id))


@bp.get("/<int:year>/<int:month>/rollup/<int:agency_id>")
@login_required
def rollup(year: int, month: int, agency_id: int):
    report_period = _period_or_404(year, month)
    agency = _agency_or_404(agency_id)
    try:
        result = licensing.rollup(current_user, report_period, agency)
    except licensing.NotAllowed:
        abort(404)
    page = render_template("licensing/rollup.html", period=report_period, agency=agency, result=result,
                           fields=FIGURE_FIELDS, labels=FIGURE_LABELS,
                           period_label=unlocks.period_label_th(report_period))
    db.session.commit()  # after the page, which would read each row again
    return page


@bp.get("/unlocks/<int:unlock_id>/letter.pdf")
@login_required
def letter(unlock_id: int):
    unlock = unlocks.get_for(current_user, unlock_id)
    if unlock is None:
        abort(404)
    try:
        pdf = unlocks.approval_letter(unlock)
    except unlocks.UnlockRefused:
        abort(404)  # only an approved unlock has a letter
    db.session.commit()  # an approval from before the register keeps the number its first print took
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="unlock-{unlock.id}.pdf"', "Cache-Control": "private, no-store"})
