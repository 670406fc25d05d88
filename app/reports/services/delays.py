"""Delays under the Licensing Facilitation Act s.10: open delays, notices sent on time or late, per agency, and how
long the open ones have waited.

A notice is on time when it went out by its day: the first on recording, each next one on every 7th day counted
from the recording (a day's grace for the job that sends it), the final one with the decision.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from app.core.extensions import db
from app.licensing.models import DelayNotice, DelayRecord, DelayStatus, NoticeKind
from app.manuals.models import Process
from app.org.models import Agency
from app.reports.services.base import (
    MAX_ROWS,
    Column,
    Filters,
    Report,
    Row,
    Scope,
    Table,
    by_child,
    child_rows,
    shown_agencies,
)
from app.reports.services.rows import RowSource
from workflows.calendar import BANGKOK

NOTICE_EVERY_DAYS = 7
GRACE = timedelta(days=1)
AGEING = ((15, _l("Up to 15 days")), (30, _l("16–30 days")), (60, _l("31–60 days")), (90, _l("61–90 days")),
          (None, _l("Over 90 days")))


def _bounds(filters: Filters) -> tuple[datetime, datetime]:
    return (datetime.combine(filters.first, time.min, tzinfo=BANGKOK),
            datetime.combine(filters.last + timedelta(days=1), time.min, tzinfo=BANGKOK))


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


def report(filters: Filters, scope: Scope, today: date, locale: str = "th") -> Report:
    facts = select().select_from(DelayRecord).join(Agency, Agency.id == DelayRecord.agency_id)
    measures = [func.count(DelayRecord.id),
                func.coalesce(func.sum(case((DelayRecord.status == DelayStatus.open, 1), else_=0)), 0),
                func.coalesce(func.sum(case((DelayRecord.status == DelayStatus.decided, 1), else_=0)), 0)]
    where = _records(filters)
    counts = by_child(scope, DelayRecord.agency_path, measures, facts, where)

    # Notices of the period, on time or late, per child: read as rows (a notice's due day is counted from its
    # record's recording), summed here.
    start, end = _bounds(filters)
    children = shown_agencies(scope)
    own = scope.agency.path if scope.agency is not None else None
    notice_rows = db.session.execute(
        select(DelayRecord.agency_path, DelayNotice.number, DelayNotice.kind, DelayNotice.issued_at,
               DelayRecord.recorded_at).join(DelayRecord, DelayRecord.id == DelayNotice.delay_id)
        .join(Agency, Agency.id == DelayRecord.agency_id)
        .where(DelayNotice.issued_at >= start, DelayNotice.issued_at < end, scope.clause(DelayRecord.agency_path),
               *([Agency.province == filters.province] if filters.province else []),
               *([DelayRecord.process_id == filters.dim_int("process")] if filters.dim_int("process") else [])))
    notices: dict[int, list[int]] = {}
    total_on_time = total_late = 0
    for path, number, kind, issued_at, recorded_at in notice_rows:
        owner = (scope.agency.id if path == own else
                 next((c.id for c in children if c.path != own and path.startswith(c.path)), None))
        late = _notice_late(number, kind, issued_at, recorded_at)
        total_late += late
        total_on_time += not late
        if owner is not None:
            tally = notices.setdefault(owner, [0, 0])
            tally[1 if late else 0] += 1
    figures = {agency_id: (*counts.get(agency_id, (0, 0, 0)), *notices.get(agency_id, (0, 0)))
               for agency_id in {*counts, *notices}}

    def open_list(agency):
        return ("delays.department", {"status": DelayStatus.open})

    by_agency = Table("agencies", _l("By agency"),
                      [Column(_l("Agency"), False), Column(_l("Recorded")), Column(_l("Open")),
                       Column(_l("Decided")), Column(_l("Notices on time")), Column(_l("Late notices"))],
                      child_rows(scope, figures, locale, open_list), chart=(1, 3, 4))

    # Ageing of the delays still open, in days since the application was received.
    bounds = []
    for limit, label in AGEING:
        bounds.append((today - timedelta(days=limit) if limit else None, label))
    bucket = case(*((DelayRecord.received_on >= since, index) for index, (since, _label) in enumerate(bounds)
                    if since is not None), else_=len(bounds) - 1)
    ageing = dict(db.session.execute(
        select(bucket, func.count()).select_from(DelayRecord).join(Agency, Agency.id == DelayRecord.agency_id)
        .where(DelayRecord.status == DelayStatus.open, scope.clause(DelayRecord.agency_path),
               *([Agency.province == filters.province] if filters.province else []))
        .group_by(bucket)).all())
    ageing_table = Table("ageing", _l("Open delays by time waited"),
                         [Column(_l("Waiting"), False), Column(_l("Open delays"))],
                         [Row(str(label), [ageing.get(index, 0)]) for index, (_s, label) in enumerate(bounds)],
                         chart=(0,))

    tables = [by_agency, ageing_table]
    if scope.leaf or scope.agency is not None and len(scope.children) == 0:
        tables.append(_open_list(scope, filters))
    summary = [(_l("Recorded"), sum(v[0] for v in counts.values())), (_l("Open"), sum(v[1] for v in counts.values())),
               (_l("Notices on time"), total_on_time), (_l("Late notices"), total_late)]
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
