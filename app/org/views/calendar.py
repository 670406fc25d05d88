"""The working-day calendar's administration: a year's holidays, special holidays, cancelled holidays."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.core.extensions import db
from app.core.types import utcnow
from app.org.services import calendar_admin
from forms.calendar import AddHolidayForm, CancelHolidayForm, RemoveSpecialDayForm
from forms.cleaning import BUDDHIST_ERA_OFFSET
from workflows.calendar import BANGKOK

bp = Blueprint("calendar", __name__)

WEEKDAYS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
            _l("Sunday"))


def _require_admin() -> None:
    if not calendar_admin.can_manage(current_user):
        abort(403)


def _year() -> int:
    this_year = utcnow().astimezone(BANGKOK).year
    year = request.args.get("year", this_year, type=int) or this_year
    if year > 2400:  # a Buddhist-era year
        year -= BUDDHIST_ERA_OFFSET
    return year if this_year - 5 <= year <= this_year + calendar_admin.FUTURE_LIMIT_YEARS else this_year


def _page(year: int, add_form=None, cancel_form=None, status: int = 200):
    return render_template(
        "calendar/index.html", year=year, days=calendar_admin.year_days(year),
        working_days=calendar_admin.working_day_count(year), add_form=add_form or AddHolidayForm(formdata=None),
        cancel_form=cancel_form or CancelHolidayForm(formdata=None), remove_form=RemoveSpecialDayForm(formdata=None),
        buddhist_era=BUDDHIST_ERA_OFFSET, weekday_names=WEEKDAYS,
    ), status


@bp.get("/admin/calendar")
@login_required
def index():
    _require_admin()
    return _page(_year())


def _moved_message(change) -> None:
    if change.deadlines_moved:
        flash(_("%(n)s open deadlines were recalculated.", n=change.deadlines_moved), "info")


@bp.post("/admin/calendar/holidays")
@login_required
def add_holiday():
    _require_admin()
    form = AddHolidayForm()
    year = form.day.day.year if form.day.day else _year()
    if not form.validate():
        flash(_("Please correct the errors below."), "danger")
        return _page(year, add_form=form, status=400)
    try:
        change = calendar_admin.add_holiday(current_user, form.day.day, form.name_th.data, form.name_en.data)
    except calendar_admin.CalendarRefused as refused:
        db.session.rollback()
        form.day.errors = [refused.message]
        flash(refused.message, "danger")
        return _page(year, add_form=form, status=400)
    db.session.commit()
    flash(_("The special holiday was added."), "success")
    _moved_message(change)
    return redirect(url_for("calendar.index", year=change.day.year))


@bp.post("/admin/calendar/cancellations")
@login_required
def cancel_holiday():
    _require_admin()
    form = CancelHolidayForm()
    year = form.day.day.year if form.day.day else _year()
    if not form.validate():
        flash(_("Please correct the errors below."), "danger")
        return _page(year, cancel_form=form, status=400)
    try:
        change = calendar_admin.cancel_holiday(current_user, form.day.day, form.name_th.data)
    except calendar_admin.CalendarRefused as refused:
        db.session.rollback()
        form.day.errors = [refused.message]
        flash(refused.message, "danger")
        return _page(year, cancel_form=form, status=400)
    db.session.commit()
    flash(_("The public holiday was cancelled: the day is a working day."), "success")
    _moved_message(change)
    return redirect(url_for("calendar.index", year=change.day.year))


@bp.post("/admin/calendar/special-days/<int:special_day_id>/delete")
@login_required
def remove(special_day_id: int):
    _require_admin()
    form = RemoveSpecialDayForm()
    if not form.validate():
        abort(400)
    try:
        change = calendar_admin.remove_special_day(current_user, special_day_id)
    except calendar_admin.NotFound:
        db.session.rollback()
        abort(404)
    except calendar_admin.CalendarRefused as refused:
        db.session.rollback()
        flash(refused.message, "danger")
        return _page(_year(), status=400)
    db.session.commit()
    flash(_("The special day was removed."), "success")
    _moved_message(change)
    return redirect(url_for("calendar.index", year=change.day.year))
