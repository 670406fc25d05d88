"""Citizen manuals: by status, agency and catalogue category; agencies without a published manual; the time spent
in each approval step (median, 90th percentile) and the returns per step, from the engine's task history; reviews
past their due time."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, select

from app.core.extensions import db
from app.core.workflow import HumanTask, TaskStatus
from app.manuals.models import Manual, ManualStatus, Process
from app.org.models import OWNING_KINDS_VALUES, Agency, CatalogueEntry
from app.reports.models import StepTally
from app.reports.services import steps
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
)
from app.reports.services.rows import RowSource

PROCESS_ID = "manual_revision"
STEPS = {"review_agency": _l("Step 1: the agency's review"), "review_opdc": _l("Step 2: OPDC's review"),
         "revise": _l("Revision by the author")}
STATUSES = {ManualStatus.draft: _l("Draft"), ManualStatus.in_review: _l("In review"),
            ManualStatus.returned: _l("Returned"), ManualStatus.published: _l("Published")}


def _status_sums():
    return [func.coalesce(func.sum(case((Manual.status == status, 1), else_=0)), 0) for status in STATUSES]


def _where(filters: Filters) -> list:
    clauses = []
    if filters.province:
        clauses.append(Agency.province == filters.province)
    if filters.dim("status") in STATUSES:
        clauses.append(Manual.status == filters.dim("status"))
    if filters.dim_int("category"):
        clauses.append(Process.category_id == filters.dim_int("category"))
    return clauses


def _facts():
    return (select().select_from(Manual).join(Agency, Agency.id == Manual.agency_id)
            .outerjoin(Process, Process.id == Manual.process_id))


def report(filters: Filters, scope: Scope, now: datetime, locale: str = "th") -> Report:
    where = _where(filters)
    status_columns = [Column(label) for label in STATUSES.values()]

    def manuals_list(agency):
        return ("manuals.index", {"agency_id": agency.id})

    per_child = by_child(scope, Agency.path, _status_sums(), _facts(), where)
    by_agency = Table("agencies", _l("By agency"), [Column(_l("Agency"), False), *status_columns],
                      child_rows(scope, per_child, locale, manuals_list), chart=(0, 1, 2, 3))

    in_scope = [*where, scope.clause(Agency.path)]
    statuses = dict(db.session.execute(_facts().add_columns(Manual.status, func.count()).where(*in_scope)
                                       .group_by(Manual.status)).all())
    by_status = Table("statuses", _l("By status"), [Column(_l("Status"), False), Column(_l("Manuals"))],
                      [Row(str(label), [statuses.get(status, 0)], drill={"status": status})
                       for status, label in STATUSES.items()], chart=(0,))

    categories = db.session.execute(
        _facts().add_columns(CatalogueEntry.id, CatalogueEntry.name_th, *_status_sums())
        .outerjoin(CatalogueEntry, CatalogueEntry.id == Process.category_id).where(*in_scope)
        .group_by(CatalogueEntry.id, CatalogueEntry.name_th).order_by(CatalogueEntry.name_th).limit(MAX_ROWS)).all()
    by_category = Table("categories", _l("By catalogue category"), [Column(_l("Category"), False), *status_columns],
                        [Row(row[1] or str(_l("No category")), list(row[2:]),
                             drill={"category": row[0]} if row[0] else None) for row in categories])

    # Agencies that own manuals (departments, local governments) with none published.
    published = exists().where(Manual.agency_id == Agency.id, Manual.status == ManualStatus.published)
    missing = db.session.execute(
        select(Agency.id, Agency.name_th, Agency.province)
        .where(Agency.kind.in_(OWNING_KINDS_VALUES), ~published, scope.clause(Agency.path),
               *([Agency.province == filters.province] if filters.province else []))
        .order_by(Agency.name_th).limit(MAX_ROWS)).all()
    without = Table("without", _l("Agencies without a published manual"),
                    [Column(_l("Agency"), False), Column(_l("Province"), False)],
                    [Row(row.name_th, [row.province or ""], link=("manuals.index", {"agency_id": row.id}))
                     for row in missing])

    tables = [by_agency, by_status, by_category, _steps(filters, scope), _overdue(scope, now), without]
    summary = [(label, statuses.get(status, 0)) for status, label in STATUSES.items()]
    return Report("manuals", filters, scope, tables, summary)


def _steps(filters: Filters, scope: Scope) -> Table:
    """Hours each approval step took (tasks completed in the period: at most N hours, from the monthly histograms of
    ``app.reports.services.steps``) and how often each review returned the manual."""
    if scope.agency is not None:
        where_agency = StepTally.agency_id == scope.agency.id
    elif scope.nationwide:
        where_agency = StepTally.agency_id.is_(None)
    else:
        where_agency = StepTally.agency_id.in_([child.id for child in scope.children] or [-1])
    histograms: dict[str, dict[int, int]] = {step: {} for step in STEPS}
    for step, bucket, tasks in db.session.execute(
            select(StepTally.step, StepTally.bucket, func.sum(StepTally.tasks))
            .where(where_agency, StepTally.month >= filters.first, StepTally.month <= filters.last)
            .group_by(StepTally.step, StepTally.bucket)):
        if step in histograms:
            histograms[step][bucket] = int(tasks or 0)
    rows = []
    for step, label in STEPS.items():
        returns = histograms[step].pop(steps.RETURNS, 0)
        counted = histograms[step]
        rows.append(Row(str(label), [sum(counted.values()), steps.percentile_hours(counted, 0.5),
                                     steps.percentile_hours(counted, 0.9),
                                     returns if step in steps.REVIEWS else None]))
    return Table("steps", _l("Time in each approval step (hours, at most)"),
                 [Column(_l("Step"), False), Column(_l("Completed")), Column(_l("Median")),
                  Column(_l("90th percentile")), Column(_l("Returned"))], rows, chart=(1, 2))


def _overdue(scope: Scope, now: datetime) -> Table:
    """Review tasks still open past their due time, oldest first."""
    rows = db.session.execute(
        select(HumanTask.id, HumanTask.subject, HumanTask.spec_name, HumanTask.due_at, HumanTask.instance_id)
        .where(HumanTask.process_id == PROCESS_ID, HumanTask.status == TaskStatus.open,
               HumanTask.spec_name.in_(["review_agency", "review_opdc"]), HumanTask.due_at < now,
               scope.clause(HumanTask.agency_path))
        .order_by(HumanTask.due_at).limit(MAX_ROWS)).all()
    return Table("overdue", _l("Overdue reviews"), [Column(_l("Manual"), False), Column(_l("Step"), False),
                                                    Column(_l("Due"), False)],
                 [Row(row.subject, [str(STEPS.get(row.spec_name, row.spec_name)), row.due_at],
                      link=("instances.show", {"instance_id": row.instance_id})) for row in rows])


def category_choices() -> list[tuple[int, str]]:
    return [(row[0], row[1]) for row in db.session.execute(
        select(CatalogueEntry.id, CatalogueEntry.name_th).where(CatalogueEntry.kind == "category")
        .order_by(CatalogueEntry.position, CatalogueEntry.name_th))]


# --- every row: each manual in scope ---------------------------------------------------------------------------


def _rows_query(filters: Filters, scope: Scope):
    return (_facts().add_columns(Manual.id, Manual.title, Agency.name_th, Agency.province, Process.name_th,
                                 CatalogueEntry.name_th, Manual.status, Manual.updated_at)
            .outerjoin(CatalogueEntry, CatalogueEntry.id == Process.category_id)
            .where(*_where(filters), scope.clause(Agency.path)))


def _row(row, locale: str, context) -> list:
    _id, title, agency, province, process, category, status, updated_at = row
    return [title, agency, province or "", process or "", category or "", str(STATUSES.get(status, status)),
            updated_at]


ROWS = RowSource("manuals", (_l("Manual"), _l("Agency"), _l("Province"), _l("Process"), _l("Category"),
                             _l("Status"), _l("Updated")), _rows_query, _row)
