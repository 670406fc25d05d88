"""Figures of the reports summed per day, agency of the tree and dimension values (``report_sum``), so that a page
view reads a few summed rows rather than every delay, report to the desk or manual.

Each report names its ``Subject``: its measures, up to three dimensions (a province, a process, a category, …) and
its facts — one per delay, notice, ticket or manual: its day (None for a count of the present state), the agency
path it belongs to, its dimensions' values and its measures. A fact counts at each agency of its path and in the
nation's row (``agency_id`` NULL), under every combination of its dimensions and "all" (``ALL``), so that any
filter reads rows of its own grain. The job redoes a subject whose facts changed after its sums were computed
(what the licence sums accept: a figure saved now shows within the job's five minutes); ``rebuild`` redoes all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import combinations, product

from sqlalchemy import delete, func, insert, select

from app.core.extensions import db
from app.core.types import utcnow
from app.reports.models import ReportSum
from app.reports.services.base import Scope, shown_agencies

ALL = "*"
BATCH = 20_000
# A change stamped just before the sums were computed may have been committed just after they read the rows (a
# record's moment is kept to the second): such a subject is summed once more on the next run.
MARGIN = timedelta(minutes=1)
DIM_COLUMNS = (ReportSum.dim1, ReportSum.dim2, ReportSum.dim3)


@dataclass(frozen=True)
class Fact:
    day: date | None
    path: str | None  # the agency's materialized path ("/1/2/3/"); None: no agency (the desk)
    dims: tuple  # in the subject's order: a value, or a tuple of values
    measures: Mapping[str, int]


@dataclass(frozen=True)
class Subject:
    key: str
    dims: tuple[str, ...]
    facts: Callable[[], Iterable[Fact]]
    latest_change: Callable[[], datetime | None]  # the last moment one of its facts changed


def subjects() -> dict[str, Subject]:
    """Every summed subject, by its key (each report module names its own ``SUMS``)."""
    from app.reports.services import delays, desk, manuals

    return {module.SUMS.key: module.SUMS for module in (delays, desk, manuals)}


def _grains(dims: tuple) -> list[tuple[str, ...]]:
    """The fact's dimension values under every combination of them and ``ALL``; a dimension with several values (a
    manual's user groups: a tuple, "" when none) counts under each of them, and once under ``ALL``."""
    choices = [tuple(value[:100] for value in (dim if isinstance(dim, tuple) else (dim,))) or ("",)
               for dim in dims]
    found = []
    for kept in range(len(dims) + 1):
        for chosen in combinations(range(len(dims)), kept):
            found.extend(product(*(choices[i] if i in chosen else (ALL,) for i in range(len(dims)))))
    return found


def _ancestors(path: str | None) -> tuple[int | None, ...]:
    if not path:
        return (None,)
    return (None, *(int(part) for part in path.strip("/").split("/") if part))


def recompute(subject: Subject) -> int:
    """Sum the subject's facts again (flushes); returns the rows written."""
    now = utcnow()
    sums: dict[tuple, int] = defaultdict(int)
    for fact in subject.facts():
        grains = _grains(tuple(value or "" for value in fact.dims))
        for agency_id in _ancestors(fact.path):
            for grain in grains:
                for measure, value in fact.measures.items():
                    if value:
                        sums[(fact.day, agency_id, grain, measure)] += value
    db.session.execute(delete(ReportSum).where(ReportSum.subject == subject.key))
    padding = (ALL,) * (len(DIM_COLUMNS) - len(subject.dims))
    rows = [{"subject": subject.key, "day": day, "agency_id": agency_id,
             **dict(zip(("dim1", "dim2", "dim3"), (*grain, *padding), strict=True)), "measure": measure,
             "value": value, "computed_at": now} for (day, agency_id, grain, measure), value in sums.items()]
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(ReportSum), rows[start:start + BATCH])
    db.session.flush()
    return len(rows)


def is_stale(subject: Subject) -> bool:
    changed = subject.latest_change()
    computed = db.session.scalar(select(func.min(ReportSum.computed_at)).where(ReportSum.subject == subject.key))
    if changed is None:
        return computed is not None  # its facts are gone: so go its sums
    return computed is None or changed >= computed - MARGIN


def refresh() -> list[str]:
    """Recompute the subjects whose facts changed since their sums were computed; returns their keys."""
    redone = [subject.key for subject in subjects().values() if is_stale(subject)]
    for key in redone:
        recompute(subjects()[key])
    return redone


def rebuild() -> int:
    every = subjects().values()
    for subject in every:
        recompute(subject)
    return len(every)


def figures(subject: Subject, by: Sequence = (), chosen: Mapping[str, str | None] | None = None, agencies=None,
            nation: bool = False, first: date | None = None, last: date | None = None,
            present: bool = False) -> dict[tuple, dict[str, int]]:
    """The subject's measures summed, grouped by ``by`` ("agency", "day" or a dimension's name): {(group values):
    {measure: sum}}. ``chosen``: the dimensions filtered on (the others: all, or each when grouped by them);
    ``agencies``: ids whose rows are read (``nation``: the country's); ``first``–``last``: the days read
    (``present``: the count of the present state)."""
    chosen = chosen or {}
    clauses = [ReportSum.subject == subject.key]
    for name, column in zip(subject.dims, DIM_COLUMNS, strict=False):
        if chosen.get(name):
            clauses.append(column == chosen[name])
        elif name in by:
            clauses.append(column != ALL)
        else:
            clauses.append(column == ALL)
    if nation:
        clauses.append(ReportSum.agency_id.is_(None))
    elif agencies is not None:
        clauses.append(ReportSum.agency_id.in_(list(agencies) or [-1]))
    if present:
        clauses.append(ReportSum.day.is_(None))
    if first is not None:
        clauses.append(ReportSum.day >= first)
    if last is not None:
        clauses.append(ReportSum.day <= last)
    columns = {"agency": ReportSum.agency_id, "day": ReportSum.day,
               **dict(zip(subject.dims, DIM_COLUMNS, strict=False))}
    groups = [columns[name] for name in by]
    found: dict[tuple, dict[str, int]] = defaultdict(dict)
    for *key, measure, value in db.session.execute(
            select(*groups, ReportSum.measure, func.sum(ReportSum.value)).where(*clauses)
            .group_by(*groups, ReportSum.measure)):
        found[tuple(key)][measure] = int(value or 0)
    return found


def whole(scope: Scope) -> dict:
    """The rows of the whole scope (``figures``' arguments): the chosen agency's, the nation's, or those of the
    agencies the scope starts from."""
    if scope.agency is not None:
        return {"agencies": [scope.agency.id]}
    if scope.nationwide:
        return {"nation": True}
    return {"agencies": [child.id for child in scope.children]}


def per_agency(subject: Subject, scope: Scope, measures: Sequence[str], **options) -> dict[int, tuple]:
    """The measures of each agency shown (a child: its subtree; the chosen agency: what its children do not hold,
    its own level): {agency id: (measure, …)}, as ``base.child_rows`` reads them."""
    found = figures(subject, by=("agency",), agencies=[agency.id for agency in shown_agencies(scope)], **options)
    values = {key[0]: tuple(sums.get(name, 0) for name in measures) for key, sums in found.items()}
    if scope.agency is not None and scope.children and scope.agency.id in values:
        children = [values.get(child.id, (0,) * len(measures)) for child in scope.children]
        values[scope.agency.id] = tuple(total - sum(child[i] for child in children)
                                        for i, total in enumerate(values[scope.agency.id]))
    return values
