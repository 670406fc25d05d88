"""The working-day calendar over the API, for administrators, as its page does it: a year's holidays and special
days, a special holiday added, a public holiday cancelled (a working day), a special day removed. Open deadlines
that a change moves are recalculated by the service, and the answer says how many."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field

from app.core import api
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.core.types import utcnow
from app.org.services import calendar_admin
from forms.api import Day, Line, Request, RequiredLine
from forms.cleaning import BUDDHIST_ERA_OFFSET
from workflows.calendar import BANGKOK

bp = api.blueprint("calendar", __name__)
TAG = "org"
_REFUSALS = {"HTTP_409": ErrorBody, "HTTP_422": ErrorBody}


def _gregorian_year(value):
    """A year as typed: a Buddhist-era one (2569) is taken as such; anything else is this year (as on the page)."""
    try:
        year = int(str(value).strip()) if value is not None and len(str(value)) <= 6 else None
    except ValueError:
        year = None
    if year is not None and year > 2400:
        year -= BUDDHIST_ERA_OFFSET
    this_year = utcnow().astimezone(BANGKOK).year
    return year if year is not None and this_year - 5 <= year <= this_year + calendar_admin.FUTURE_LIMIT_YEARS \
        else this_year


class YearQuery(Request):
    year: Annotated[int | None, BeforeValidator(_gregorian_year)] = Field(
        None, description="Gregorian or Buddhist era (2569); default: this year", validate_default=True)


class CalendarDay(BaseModel):
    day: date
    name_th: str
    name_en: str | None
    source: Literal["package", "special"]
    kind: Literal["holiday", "working"] = Field(description="working: a cancelled public holiday")
    special_id: int | None = Field(description="A special day (removable)")


class CalendarYear(BaseModel):
    year: int
    working_days: int
    days: list[CalendarDay]


class NewHoliday(Request):
    day: Day
    name_th: Annotated[RequiredLine, Field(max_length=255)]
    name_en: Annotated[Line, Field(max_length=255)] | None = None


class Cancellation(Request):
    day: Day = Field(description="A public holiday on a weekday")
    name_th: Annotated[Line, Field(max_length=255)] | None = None


class CalendarChange(BaseModel):
    day: date
    deadlines_moved: int


def _require_admin():
    officer = api.current_user_of_token()
    if not calendar_admin.can_manage(officer):
        raise ApiError(403)
    return officer


def _refused(refused: calendar_admin.CalendarRefused) -> ApiError:
    return ApiError(422, refused.message, fields={"day": [str(refused.message)]})


def _change(change) -> CalendarChange:
    return CalendarChange(day=change.day, deadlines_moved=change.deadlines_moved)


@bp.get("/calendar")
@api.operation("admin:read", tag=TAG, resp={"HTTP_200": CalendarYear})
def get_calendar(query: YearQuery):
    """A year's public holidays and special days"""
    _require_admin()
    return CalendarYear(year=query.year, working_days=calendar_admin.working_day_count(query.year),
                        days=[CalendarDay(day=d.day, name_th=d.name_th, name_en=d.name_en, source=d.source,
                                          kind=d.kind, special_id=d.special_id)
                              for d in calendar_admin.year_days(query.year)])


@bp.post("/calendar/holidays")
@api.operation("admin:write", tag=TAG, resp={"HTTP_201": CalendarChange, **_REFUSALS})
def add_holiday(json: NewHoliday):
    """Add a special holiday on a working weekday"""
    officer = _require_admin()
    try:
        change = calendar_admin.add_holiday(officer, json.day, json.name_th, json.name_en)
    except calendar_admin.CalendarRefused as refused:
        raise _refused(refused) from None
    db.session.commit()
    return _change(change), 201


@bp.post("/calendar/cancellations")
@api.operation("admin:write", tag=TAG, resp={"HTTP_201": CalendarChange, **_REFUSALS})
def cancel_holiday(json: Cancellation):
    """Cancel a public holiday: the day becomes a working day"""
    officer = _require_admin()
    try:
        change = calendar_admin.cancel_holiday(officer, json.day, json.name_th)
    except calendar_admin.CalendarRefused as refused:
        raise _refused(refused) from None
    db.session.commit()
    return _change(change), 201


@bp.post("/calendar/special-days/<int:special_day_id>/delete")
@api.operation("admin:write", tag=TAG, resp={"HTTP_200": CalendarChange, **_REFUSALS})
def remove_special_day(special_day_id: int):
    """Remove a special day: the day is what the public holidays say again"""
    officer = _require_admin()
    try:
        change = calendar_admin.remove_special_day(officer, special_day_id)
    except calendar_admin.NotFound:
        raise ApiError(404) from None
    except calendar_admin.CalendarRefused as refused:
        raise _refused(refused) from None
    db.session.commit()
    return _change(change)
