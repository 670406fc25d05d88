"""Citizen manuals: by status, agency and catalogue category; agencies without a published manual; the time spent
in each approval step (median, 90th percentile) and the returns per step, from the engine's task history; reviews
past their due time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from app.core.extensions import db
from app.core.workflow import HumanTask, TaskStatus
from app.manuals.models import Manual, ManualRevision, ManualStatus, ManualUserGroup, Process
from app.org.models import OWNING_KINDS_VALUES, Agency, CatalogueEntry
from app.reports.models import StepTally
from app.reports.services import steps, sums
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

PROCESS_ID = "manual_revision"
STEPS = {"review_agency": _l("Step 1: the agency's review"), "review_opdc": _l("Step 2: OPDC's review"),
         "revise": _l("Revision by the author")}
STATUSES = {ManualStatus.draft: _l("Draft"), ManualStatus.in_review: _l("In review"),
            ManualStatus.returned: _l("Returned"), ManualStatus.published: _l("Published")}


def _where(filters: Filters) -> list:
    clauses = []
    if filters.province:
        clauses.append(Agency.province == filters.province)
    if filters.dim("status") in STATUSES:
        clauses.append(Manual.status == filters.dim("status"))
    if filters.dim_int("category"):
        clauses.append(Process.category_id == filters.dim_int("category"))
    if filters.dim_int("user_group"):
        clauses.append(exists().where(ManualUserGroup.manual_id == Manual.id,
                                      ManualUserGroup.user_group_id == filters.dim_int("user_group")))
    return clauses


def _facts():
    return (select().select_from(Manual).join(Agency, Agency.id == Manual.agency_id)
            .outerjoin(Process, Process.id == Manual.process_id))


# --- the sums the report reads (``app.reports.services.sums``): each manual as it is now, by its agency's province,
# its process's catalogue category and the user groups its latest revision names --------------------------------


def _sum_facts() -> Iterator[sums.Fact]:
    groups: dict[int, list[str]] = {}
    for manual_id, group_id in db.session.execute(select(ManualUserGroup.manual_id, ManualUserGroup.user_group_id)):
        groups.setdefault(manual_id, []).append(str(group_id))
    query = _facts().add_columns(Manual.id, Agency.path, Agency.province, Process.category_id, Manual.status)
    for manual_id, path, province, category_id, status in db.session.execute(
            query.execution_options(yield_per=sums.BATCH)):
        yield sums.Fact(None, path, ((province or "").strip(), str(category_id or ""),
                                     tuple(groups.get(manual_id, ()))), {status: 1})


def _latest_change():
    moments = [db.session.scalar(select(func.max(column))) for column in (Manual.updated_at, Process.updated_at,
                                                                          ManualRevision.updated_at)]
    return max((moment for moment in moments if moment is not None), default=None)


SUMS = sums.Subject("manuals", ("province", "category", "user_group"), _sum_facts, _latest_change)


def report(filters: Filters, scope: Scope, now: datetime, locale: str = "th") -> Report:
    status_columns = [Column(label) for label in STATUSES.values()]
    chosen_status = filters.dim("status") if filters.dim("status") in STATUSES else None
    shown = [status for status in STATUSES if chosen_status in (None, status)]
    options = {"chosen": {"province": filters.province, "category": str(filters.dim_int("category") or "") or None,
                          "user_group": str(filters.dim_int("user_group") or "") or None}, "present": True}

    def counts(measures: dict) -> list[int]:
        return [measures.get(status, 0) if status in shown else 0 for status in STATUSES]

    def manuals_list(agency):
        return ("manuals.index", {"agency_id": agency.id})

    per_child = sums.per_agency(SUMS, scope, shown, **options)
    per_child = {agency_id: tuple(dict(zip(shown, values, strict=True)).get(status, 0) for status in STATUSES)
                 for agency_id, values in per_child.items()}
    by_agency = Table("agencies", _l("By agency"), [Column(_l("Agency"), False), *status_columns],
                      child_rows(scope, per_child, locale, manuals_list), chart=(0, 1, 2, 3))

    statuses = dict(zip(STATUSES, counts(sums.figures(SUMS, **options, **sums.whole(scope)).get((), {})),
                        strict=True))
    by_status = Table("statuses", _l("By status"), [Column(_l("Status"), False), Column(_l("Manuals"))],
                      [Row(str(label), [statuses.get(status, 0)], drill={"status": status})
                       for status, label in STATUSES.items()], chart=(0,))

    names = dict(db.session.execute(select(CatalogueEntry.id, CatalogueEntry.name_th)).all())
    categories = sorted(((names.get(int(key[0])) if key[0] else None, key[0], counts(measures))
                         for key, measures in sums.figures(SUMS, by=("category",), **options,
                                                           **sums.whole(scope)).items() if any(counts(measures))),
                        key=lambda item: (item[0] is None, item[0] or ""))[:MAX_ROWS]
    by_category = Table("categories", _l("By catalogue category"), [Column(_l("Category"), False), *status_columns],
                        [Row(name or str(_l("No category")), values, drill={"category": int(key)} if key else None)
                         for name, key, values in categories])

    groups = sorted(((names.get(int(key[0])) if key[0] else None, key[0], counts(measures))
                     for key, measures in sums.figures(SUMS, by=("user_group",), **options,
                                                       **sums.whole(scope)).items() if any(counts(measures))),
                    key=lambda item: (item[0] is None, item[0] or ""))[:MAX_ROWS]
    by_group = Table("user_groups", _l("By user group"), [Column(_l("User group"), False), *status_columns],
                     [Row(name or str(_l("No user group")), values, drill={"user_group": int(key)} if key else None)
                      for name, key, values in groups])

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

    tables = [by_agency, by_status, by_category, by_group, _steps(filters, scope), _overdue(scope, now), without]
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


def category_choices(kind: str = "category") -> list[tuple[int, str]]:
    """The catalogue's categories (or user groups), for the filter."""
    return [(row[0], row[1]) for row in db.session.execute(
        select(CatalogueEntry.id, CatalogueEntry.name_th).where(CatalogueEntry.kind == kind)
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
