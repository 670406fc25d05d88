"""Licence figures over the API: a service point's monthly sheet, entering its figures, asking to unlock a closed
month. The same services and checks as the sheet page."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.core import api
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.core.types import utcnow
from app.licensing.models import FIGURE_FIELDS
from app.licensing.services import licensing, unlocks
from app.licensing.views.licensing import UNLOCK_REFUSED
from app.org.models import Agency
from forms.api import Id, Request, RequiredText

bp = api.blueprint("licensing", __name__)

FigureValue = int | str | None  # a count; typed text is taken as the sheet takes it (Thai digits, 1,200)


class FigureRow(Request):
    process_id: Id
    received: FigureValue = None
    approved: FigureValue = None
    refused: FigureValue = None
    pending: FigureValue = None
    within_limit: FigureValue = None
    over_limit: FigureValue = None


class Figures(Request):
    """The rows to save (others stay as they are): approved + refused + pending = received, and within + over
    the time limit = approved + refused. All rows are saved, or none."""

    rows: list[FigureRow] = Field(max_length=500)


class UnlockAsk(Request):
    reason: RequiredText


class SheetRow(BaseModel):
    process_id: int
    process_name: str
    figures: dict[str, int] | None


class Unlock(BaseModel):
    id: int
    status: str
    reason: str
    requested_at: datetime
    decided_at: datetime | None
    decision_comment: str | None


class Sheet(BaseModel):
    year: int
    month: int
    agency_id: int
    closes_at: datetime
    closed: bool
    open_for_entry: bool
    can_enter: bool
    rows: list[SheetRow]
    unlocks: list[Unlock]


def _sheet_of(year: int, month: int, agency_id: int):
    try:
        report_period = licensing.period(year, month)
    except LookupError:
        raise ApiError(404) from None
    agency = db.session.get(Agency, agency_id)
    if agency is None or not licensing.can_view(api.current_user_of_token(), agency):
        raise ApiError(404)
    return report_period, agency


def _sheet(report_period, agency) -> Sheet:
    now = utcnow()
    rows = [SheetRow(process_id=row.process.id, process_name=row.process.name_th,
                     figures={name: getattr(row.report, name) for name in FIGURE_FIELDS} if row.report else None)
            for row in licensing.sheet(report_period, agency)]
    return Sheet(year=report_period.year, month=report_period.month, agency_id=agency.id,
                 closes_at=report_period.closes_at, closed=licensing.is_closed(report_period, now),
                 open_for_entry=licensing.is_open_for(report_period, agency.id, now),
                 can_enter=licensing.can_enter(api.current_user_of_token(), agency), rows=rows,
                 unlocks=[Unlock(id=u.id, status=u.status, reason=u.reason, requested_at=u.requested_at,
                                 decided_at=u.decided_at, decision_comment=u.decision_comment)
                          for u in unlocks.history(report_period.id, agency.id)])


@bp.get("/licensing/<int:year>/<int:month>/points/<int:agency_id>")
@api.operation("licensing:read", resp={"HTTP_200": Sheet})
def get_sheet(year: int, month: int, agency_id: int):
    """A service point's licence figures for a month (Gregorian year)"""
    report_period, agency = _sheet_of(year, month, agency_id)
    sheet = _sheet(report_period, agency)
    db.session.commit()  # the month's period row, made on first sight
    return sheet


@bp.put("/licensing/<int:year>/<int:month>/points/<int:agency_id>/figures")
@api.operation("licensing:write", resp={"HTTP_200": Sheet, "HTTP_409": ErrorBody})
def save_figures(year: int, month: int, agency_id: int, json: Figures):
    """Enter a service point's licence figures for a month"""
    report_period, agency = _sheet_of(year, month, agency_id)
    typed = {row.process_id: {name: "" if getattr(row, name) is None else str(getattr(row, name))
                              for name in FIGURE_FIELDS} for row in json.rows}
    try:
        licensing.save_figures(api.current_user_of_token(), report_period, agency, typed)
        db.session.commit()
    except licensing.FiguresInvalid as exc:
        raise ApiError(422, reason=exc.code, fields={
            f"rows.{process_id}": [str(m) for m in messages] for process_id, messages in exc.errors.items()}) from None
    except licensing.NotAllowed:
        raise ApiError(403) from None
    except licensing.LicensingError as exc:  # closed, or saved by someone else meanwhile
        raise api.refusal(409, exc) from None
    return _sheet(report_period, agency)


@bp.post("/licensing/<int:year>/<int:month>/points/<int:agency_id>/unlock")
@api.operation("licensing:write", resp={"HTTP_201": Sheet, "HTTP_409": ErrorBody})
def ask_unlock(year: int, month: int, agency_id: int, json: UnlockAsk):
    """Ask OPDC to unlock a closed month for the service point"""
    report_period, agency = _sheet_of(year, month, agency_id)
    try:
        unlocks.ask(api.current_user_of_token(), report_period, agency, json.reason)
        db.session.commit()
    except licensing.NotAllowed:
        raise ApiError(403) from None
    except unlocks.UnlockRefused as exc:
        raise ApiError(409, UNLOCK_REFUSED.get(exc.code), reason=exc.code) from None
    return _sheet(report_period, agency), 201
