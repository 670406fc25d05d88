"""Licence issuance: received, approved, refused and pending per period, rolled up the agency tree (ministry →
department → service point) and by province; locked and open periods; unlock requests.

It reads the figures summed per agency of the tree (``report_licence_tally``, kept by the reports' job from the
service points' monthly figures): a view of any subtree reads the rows of the agencies it shows, never every
point's.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.types import utcnow
from app.licensing.models import LicenceReport, ReportPeriod, UnlockRequest, UnlockStatus
from app.manuals.models import Process
from app.org.models import Agency
from app.reports.models import LicenceTally
from app.reports.services import tallies
from app.reports.services.base import (
    Column,
    Filters,
    Report,
    Row,
    Scope,
    Table,
    child_rows,
    month_label,
    shown_agencies,
)
from app.reports.services.rows import RowSource

FIGURES = (_l("Applications received"), _l("Applications approved"), _l("Applications refused"),
           _l("Applications pending"))
UNLOCK_LABELS = {UnlockStatus.pending: _l("Waiting for a decision"), UnlockStatus.approved: _l("Approved"),
                 UnlockStatus.refused: _l("Refused"), UnlockStatus.expired: _l("Used")}


def _in_period(filters: Filters) -> list:
    return [ReportPeriod.starts_on >= filters.first, ReportPeriod.starts_on <= filters.last]


def _sums():
    return [func.coalesce(func.sum(getattr(LicenceTally, name)), 0)
            for name in ("received", "approved", "refused", "pending")]


def _where(filters: Filters, by_province: bool = False, by_process: bool = False) -> list:
    """The tally rows of the filters' grain: a province's (or each one's, ``by_province``) or all provinces', a
    process's (or each one's) or all processes'."""
    clauses = _in_period(filters)
    if filters.province:
        clauses.append(LicenceTally.province == filters.province)
    elif by_province:  # each province named: equalities on the index, not a scan of every grain
        clauses.append(LicenceTally.province.in_(tallies.provinces()))
    else:
        clauses.append(LicenceTally.province == tallies.ALL_PROVINCES)
    if filters.dim_int("process"):
        clauses.append(LicenceTally.process_id == filters.dim_int("process"))
    elif by_process:
        clauses.append(LicenceTally.process_id != tallies.ALL_PROCESSES)
    else:
        clauses.append(LicenceTally.process_id == tallies.ALL_PROCESSES)
    return clauses


def _facts():
    return select().select_from(LicenceTally).join(ReportPeriod, ReportPeriod.id == LicenceTally.period_id)


def _of(agency_ids: list[int]):
    return LicenceTally.agency_id.in_(agency_ids or [-1])


def _whole(scope: Scope):
    """The rows of the whole scope: the chosen agency's, the nation's, or those of the agencies it starts from."""
    if scope.agency is not None:
        return _of([scope.agency.id])
    if scope.nationwide:
        return LicenceTally.agency_id.is_(None)
    return _of([child.id for child in scope.children])


def report(filters: Filters, scope: Scope, locale: str = "th") -> Report:
    where = _where(filters)
    columns = [Column(_l("Agency"), False), *(Column(label) for label in FIGURES)]

    now = utcnow()
    so_far = [m for m in filters.months() if m <= (now.year, now.month)] or filters.months()[:1]

    def sheet_of(agency):  # the point's own sheet, of the period's latest month so far
        year, month = so_far[-1]
        return ("licensing.sheet", {"year": year, "month": month, "agency_id": agency.id})

    shown = [agency.id for agency in shown_agencies(scope)]
    per_child = {row[0]: tuple(row[1:]) for row in db.session.execute(
        _facts().add_columns(LicenceTally.agency_id, *_sums()).where(*where, _of(shown))
        .group_by(LicenceTally.agency_id))}
    if scope.agency is not None and scope.children and scope.agency.id in per_child:
        # The agency's sums hold its whole subtree: what it reports itself is what its children do not.
        children = [per_child.get(child.id, (0, 0, 0, 0)) for child in scope.children]
        per_child[scope.agency.id] = tuple(total - sum(values[i] for values in children)
                                           for i, total in enumerate(per_child[scope.agency.id]))
    by_agency = Table("agencies", _l("By agency"), columns, child_rows(scope, per_child, locale, sheet_of),
                      chart=(0, 1, 2, 3))

    in_scope = [*where, _whole(scope)]
    periods = {(p.year, p.month): p for p in db.session.scalars(select(ReportPeriod).where(
        *_in_period(filters)))}
    monthly = {(row[0], row[1]): row[2:] for row in db.session.execute(
        _facts().add_columns(ReportPeriod.year, ReportPeriod.month, *_sums()).where(*in_scope)
        .group_by(ReportPeriod.year, ReportPeriod.month))}
    month_rows = []
    for year, month in filters.months():
        period = periods.get((year, month))
        if period is None:
            state = _l("Not open yet") if (year, month) > (now.year, now.month) else _l("No figures")
        else:
            state = (_l("Period locked") if period.locked_at else _l("Open for entry") if period.closes_at > now
                     else _l("Closed, to be locked"))
        month_rows.append(Row(month_label(year, month, locale), [*monthly.get((year, month), (0, 0, 0, 0)),
                                                                 str(state)],
                              drill={"month": month} if not filters.month else None))
    by_month = Table("months", _l("By month (locked and open periods)"),
                     [Column(_l("Month"), False), *(Column(label) for label in FIGURES), Column(_l("Period"), False)],
                     month_rows, chart=(0, 1, 2, 3))

    provinces = db.session.execute(_facts().add_columns(LicenceTally.province, *_sums())
                                   .where(*_where(filters, by_province=True), _whole(scope))
                                   .group_by(LicenceTally.province).order_by(LicenceTally.province)).all()
    by_province = Table("provinces", _l("By province"), columns[:1] + columns[1:],
                        [Row(row[0] or str(_l("No province")), list(row[1:]),
                             drill={"province": row[0]} if row[0] and not filters.province else None)
                         for row in provinces])
    by_province.columns = [Column(_l("Province"), False), *(Column(label) for label in FIGURES)]

    processes = db.session.execute(_facts().add_columns(Process.name_th, *_sums())
                                   .join(Process, Process.id == LicenceTally.process_id)
                                   .where(*_where(filters, by_process=True), _whole(scope))
                                   .group_by(Process.id, Process.name_th).order_by(Process.name_th).limit(200)).all()
    by_process = Table("processes", _l("By process"), [Column(_l("Process"), False),
                                                        *(Column(label) for label in FIGURES)],
                       [Row(row[0], list(row[1:])) for row in processes])

    unlocks = dict(db.session.execute(
        select(UnlockRequest.status, func.count()).join(ReportPeriod, ReportPeriod.id == UnlockRequest.period_id)
        .join(Agency, Agency.id == UnlockRequest.agency_id)
        .where(*_in_period(filters), scope.clause(Agency.path),
               *([Agency.province == filters.province] if filters.province else []))
        .group_by(UnlockRequest.status)).all())
    unlock_table = Table("unlocks", _l("Unlock requests"), [Column(_l("Status"), False), Column(_l("Requests"))],
                         [Row(str(label), [unlocks.get(status, 0)]) for status, label in UNLOCK_LABELS.items()],
                         chart=(0,))

    totals = [sum(row.values[i] for row in month_rows) for i in range(4)]
    summary = list(zip(FIGURES, totals, strict=True))
    return Report("licences", filters, scope, [by_agency, by_month, by_province, by_process, unlock_table], summary)


def process_choices() -> list[tuple[int, str]]:
    """The licence processes, for the filter."""
    query = (select(Process.id, Process.name_th).where(Process.service_type == "licence")
             .order_by(Process.name_th).limit(300))
    return [(row[0], row[1]) for row in db.session.execute(query)]


# --- every row: each service point's figures per process and month -------------------------------------------


def _rows_query(filters: Filters, scope: Scope):
    clauses = [*_in_period(filters), scope.clause(Agency.path)]
    if filters.province:
        clauses.append(Agency.province == filters.province)
    if filters.dim_int("process"):
        clauses.append(LicenceReport.process_id == filters.dim_int("process"))
    return (select(LicenceReport.id, ReportPeriod.year, ReportPeriod.month, Agency.name_th, Agency.province,
                   LicenceReport.process_id, LicenceReport.received, LicenceReport.approved, LicenceReport.refused,
                   LicenceReport.pending)
            .join(ReportPeriod, ReportPeriod.id == LicenceReport.period_id)
            .join(Agency, Agency.id == LicenceReport.agency_id).where(*clauses))


def _process_names() -> dict[int, str]:
    return dict(db.session.execute(select(Process.id, Process.name_th)).all())


def _row(row, locale: str, processes: dict[int, str]) -> list:
    _id, year, month, name, province, process_id, *figures = row
    return [month_label(year, month, locale), name, province or "", processes.get(process_id, ""), *figures]


ROWS = RowSource("licences", (_l("Month"), _l("Service point"), _l("Province"), _l("Process"), *FIGURES),
                 _rows_query, _row, _process_names)
