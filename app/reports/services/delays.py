"""Delays under the Licensing Facilitation Act s.10: open delays, notices sent on time or late, per agency, and how
long the open ones have waited.

A notice is on time when it went out by its day: the first on recording, each next one on every 7th day counted
from the recording (a day's grace for the job that sends it), the final one with the decision.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.thai_dates import bangkok_day
from app.licensing.models import DelayNotice, DelayRecord, DelayStatus, NoticeKind
from app.manuals.models import Process
from app.org.models import Agency
from app.reports.services import sums
from app.reports.services.base import (
    MAX_ROWS,
    Column,
    Filters,
    Report,
    Row,
    Scope,
    Table,
    child_rows,
)
from app.reports.services.rows import RowSource

NOTICE_EVERY_DAYS = 7
GRACE = timedelta(days=1)
AGEING = ((15, _l("Up to 15 days")), (30, _l("16–30 days")), (60, _l("31–60 days")), (90, _l("61–90 days")),
          (None, _l("Over 90 days")))


def _records(filters: Filters) -> list:
    clauses = [DelayRecord.received_on >= filters.first, DelayRecord.received_on <= filters.last]
    if filters.province:
        clauses.append(Agency.province == filters.province)
    if filters.dim_int("process"):
        clauses.append(DelayRecord.process_id == filters.dim_int("process"))
    return clauses


def _notice_late(notice_number, kind, issued_at, recorded_at) -> bool:
    if kind != NoticeKind.update:
        return False
    due = recorded_at + timedelta(days=NOTICE_EVERY_DAYS * (notice_number - 1))
    return issued_at > due + GRACE


# --- the sums the report reads (``app.reports.services.sums``) ------------------------------------------------
# A delay counts on the day its application was received (recorded, open or decided), a notice on the day it went
# out (on time or late), by the point's province and the process.


def _facts() -> Iterator[sums.Fact]:
    records = (select(DelayRecord.agency_path, Agency.province, DelayRecord.process_id, DelayRecord.received_on,
                      DelayRecord.status).join(Agency, Agency.id == DelayRecord.agency_id))
    for path, province, process_id, received_on, status in db.session.execute(
            records.execution_options(yield_per=sums.BATCH)):
        yield sums.Fact(received_on, path, ((province or "").strip(), str(process_id)),
                        {"recorded": 1, "open": status == DelayStatus.open, "decided": status == DelayStatus.decided})
    notices = (select(DelayRecord.agency_path, Agency.province, DelayRecord.process_id, DelayNotice.number,
                      DelayNotice.kind, DelayNotice.issued_at, DelayRecord.recorded_at)
               .join(DelayRecord, DelayRecord.id == DelayNotice.delay_id)
               .join(Agency, Agency.id == DelayRecord.agency_id))
    for path, province, process_id, number, kind, issued_at, recorded_at in db.session.execute(
            notices.execution_options(yield_per=sums.BATCH)):
        late = _notice_late(number, kind, issued_at, recorded_at)
        yield sums.Fact(bangkok_day(issued_at), path, ((province or "").strip(), str(process_id)),
                        {"late": late, "on_time": not late})


def _latest_change():
    moments = [db.session.scalar(select(func.max(column))) for column in
               (DelayRecord.recorded_at, DelayRecord.decided_at, DelayNotice.issued_at)]
    return max((moment for moment in moments if moment is not None), default=None)


SUMS = sums.Subject("delays", ("province", "process"), _facts, _latest_change)
MEASURES = ("recorded", "open", "decided", "on_time", "late")


def report(filters: Filters, scope: Scope, today: date, locale: str = "th") -> Report:
    chosen = {"province": filters.province, "process": str(filters.dim_int("process") or "") or None}
    period = {"chosen": chosen, "first": filters.first, "last": filters.last}
    figures = sums.per_agency(SUMS, scope, MEASURES, **period)

    def open_list(agency):
        return ("delays.department", {"status": DelayStatus.open})

    by_agency = Table("agencies", _l("By agency"),
                      [Column(_l("Agency"), False), Column(_l("Recorded")), Column(_l("Open")),
                       Column(_l("Decided")), Column(_l("Notices on time")), Column(_l("Late notices"))],
                      child_rows(scope, figures, locale, open_list), chart=(1, 3, 4))

    # Ageing of the delays still open, in days since the application was received (of any period).
    open_by_day = sums.figures(SUMS, by=("day",), chosen={"province": filters.province}, **sums.whole(scope))
    ageing: dict[int, int] = {}
    for (received_on,), measures in open_by_day.items():
        waited = (today - received_on).days
        index = next((i for i, (limit, _label) in enumerate(AGEING) if limit is not None and waited <= limit),
                     len(AGEING) - 1)
        ageing[index] = ageing.get(index, 0) + measures.get("open", 0)
    ageing_table = Table("ageing", _l("Open delays by time waited"),
                         [Column(_l("Waiting"), False), Column(_l("Open delays"))],
                         [Row(str(label), [ageing.get(index, 0)]) for index, (_s, label) in enumerate(AGEING)],
                         chart=(0,))

    tables = [by_agency, ageing_table]
    if scope.leaf or scope.agency is not None and len(scope.children) == 0:
        tables.append(_open_list(scope, filters))
    total = sums.figures(SUMS, **period, **sums.whole(scope)).get((), {})
    summary = [(_l("Recorded"), total.get("recorded", 0)), (_l("Open"), total.get("open", 0)),
               (_l("Notices on time"), total.get("on_time", 0)), (_l("Late notices"), total.get("late", 0))]
    return Report("delays", filters, scope, tables, summary)


def _open_list(scope: Scope, filters: Filters) -> Table:
    """The open delays behind the figures, oldest first."""
    rows = db.session.execute(
        select(DelayRecord.id, DelayRecord.reference, DelayRecord.received_on, DelayRecord.expected_decision_on)
        .where(DelayRecord.status == DelayStatus.open, scope.clause(DelayRecord.agency_path))
        .order_by(DelayRecord.received_on, DelayRecord.id).limit(MAX_ROWS)).all()
    return Table("open", _l("Open delays"), [Column(_l("Application reference"), False),
                                              Column(_l("Received"), False), Column(_l("Expected decision"), False)],
                 [Row(row.reference, [row.received_on, row.expected_decision_on],
                      link=("delays.show", {"delay_id": row.id})) for row in rows])


# --- every row: each delay of the period (no applicant's personal data) ---------------------------------------

STATUS_LABELS = {DelayStatus.open: _l("Open"), DelayStatus.decided: _l("Decided")}


def _rows_query(filters: Filters, scope: Scope):
    notices = (select(func.count(DelayNotice.id)).where(DelayNotice.delay_id == DelayRecord.id)
               .correlate(DelayRecord).scalar_subquery())
    return (select(DelayRecord.id, DelayRecord.reference, Agency.name_th, Agency.province, Process.name_th,
                   DelayRecord.received_on, DelayRecord.promised_days, DelayRecord.expected_decision_on,
                   DelayRecord.status, DelayRecord.decided_at, notices)
            .join(Agency, Agency.id == DelayRecord.agency_id).join(Process, Process.id == DelayRecord.process_id)
            .where(*_records(filters), scope.clause(DelayRecord.agency_path)))


def _row(row, locale: str, context) -> list:
    _id, reference, agency, province, process, received, promised, expected, status, decided_at, notices = row
    return [reference, agency, province or "", process, received, promised, expected,
            str(STATUS_LABELS.get(status, status)), decided_at or "", notices]


ROWS = RowSource("delays", (_l("Application reference"), _l("Service point"), _l("Province"), _l("Process"),
                            _l("Received"), _l("Time promised in the citizen manual (days)"), _l("Expected decision"), _l("Status"),
                            _l("Decided"), _l("Notices sent")), _rows_query, _row)
