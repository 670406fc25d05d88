"""What every report is made of: its filters (a Buddhist-era fiscal year or one of its months, an agency subtree,
a province and the report's own dimensions), the scope the policy gives the viewer, and the tables it shows.

A report is a list of ``Table``: a title, its columns and rows. The first numeric columns of a table may be drawn
as a chart; a row may drill down (``drill``: the filters to change, e.g. the next agency level) or lead to the
list behind it (``link``: an endpoint and its arguments). The page, the CSV and the XLSX show the same tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, func, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.accounts.services import policy
from app.core.extensions import db
from app.core.thai_dates import buddhist_year, month_names
from app.org.models import Agency

EVERYWHERE = policy.EVERYWHERE
MAX_ROWS = 500  # a table on screen never lists more; the export of a list has no such limit
OWN_LEVEL = _l("its own")  # the chosen agency's figures at its own level, beside its children's


class ReportRefused(Exception):
    """Bad filters: the reason is shown as a 400."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class OutOfScope(Exception):
    """The agency asked for is not in the viewer's scope (a 404: nobody learns it exists)."""


@dataclass(frozen=True)
class Filters:
    fiscal_year: int  # Buddhist era: fiscal year 2570 runs from 1 October 2026 to 30 September 2027
    month: int | None = None  # 1–12: one month of that fiscal year
    agency_id: int | None = None
    province: str | None = None
    dims: dict[str, str] = field(default_factory=dict)  # the report's own dimensions (process, category, …)

    @property
    def first(self) -> date:
        if self.month:
            return date(self._year_of(self.month), self.month, 1)
        return date(self.fiscal_year - 543 - 1, 10, 1)

    @property
    def last(self) -> date:
        if self.month:
            following = self.first.replace(day=28) + timedelta(days=4)
            return following - timedelta(days=following.day)
        return date(self.fiscal_year - 543, 9, 30)

    def _year_of(self, month: int) -> int:
        return self.fiscal_year - 543 - (1 if month >= 10 else 0)

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of the period, in order (Gregorian years, as stored)."""
        if self.month:
            return [(self._year_of(self.month), self.month)]
        return [(self._year_of(m), m) for m in (10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9)]

    def dim(self, name: str) -> str | None:
        return self.dims.get(name) or None

    def dim_int(self, name: str) -> int | None:
        value = self.dim(name)
        return int(value) if value and value.isdigit() else None


def _whole(args: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 10 or not low <= int(raw) <= high:
        raise ReportRefused(name)
    return int(raw)


def parse_filters(args: Mapping[str, str], dims: Sequence[str], by_agency: bool, today: date) -> Filters:
    """The filters of an address's query string, checked; ``ReportRefused`` names the one that is wrong."""
    fiscal_year = _whole(args, "fy", 2500, 2700) or fiscal_year_of(today)
    month = _whole(args, "month", 1, 12)
    agency_id = _whole(args, "agency", 1, 2**31 - 1) if by_agency else None
    province = (args.get("province") or "").strip()[:100] or None
    chosen = {}
    for name in dims:
        value = (args.get(name) or "").strip()
        if value and (len(value) > 32 or not value.replace("_", "").isalnum()):
            raise ReportRefused(name)
        if value:
            chosen[name] = value
    return Filters(fiscal_year, month, agency_id, province, chosen)


def fiscal_year_of(day: date) -> int:
    """The Buddhist-era fiscal year a day falls in (it starts on 1 October)."""
    return buddhist_year(day.year + 1 if day.month >= 10 else day.year)


def month_label(year: int, month: int, locale: str = "th") -> str:
    return f"{month_names('abbreviated', locale)[month - 1]} {str(buddhist_year(year))[-2:]}"


@dataclass
class Column:
    label: Any
    numeric: bool = True


@dataclass
class Row:
    label: str
    values: list
    drill: dict[str, Any] | None = None  # filters to change to drill down (None removes one)
    link: tuple[str, dict[str, Any]] | None = None  # the list behind the row: (endpoint, arguments)


@dataclass
class Table:
    key: str
    title: Any
    columns: list[Column]  # the first column names the rows (their labels)
    rows: list[Row]
    chart: Sequence[int] = ()  # indexes (in ``values``) of the series drawn; none: no chart
    note: Any = None

    def header(self) -> list:
        return [str(column.label) for column in self.columns]

    def body(self) -> list[list]:
        return [[row.label, *row.values] for row in self.rows]


@dataclass
class Report:
    key: str
    filters: Filters
    scope: Scope
    tables: list[Table]
    summary: list[tuple[Any, Any]] = field(default_factory=list)


# --- scope ---------------------------------------------------------------------------------------------------


@dataclass
class Scope:
    """Where the viewer looks: ``paths`` they may see, ``agency`` chosen (None: all of it), its ``ancestors``
    within the scope (the breadcrumb) and the ``children`` the figures are broken down into."""

    paths: list[str]
    agency: Agency | None
    ancestors: list[Agency]
    children: list[Agency]

    @property
    def nationwide(self) -> bool:
        return self.agency is None and EVERYWHERE in self.paths

    @property
    def leaf(self) -> bool:
        return self.agency is not None and not self.children

    def clause(self, path_column):
        """The rows under the chosen agency (or anywhere in the viewer's scope)."""
        return policy.within(path_column, [self.agency.path] if self.agency else self.paths)


def viewer_paths(user: User, roles: set[str]) -> list[str]:
    """The agency paths the user sees with these roles ("/" for everywhere), none inside another."""
    paths = sorted({path for role_paths in policy.scopes(user, roles).values() for path in role_paths})
    if EVERYWHERE in paths:
        return [EVERYWHERE]
    return [path for path in paths if not any(path != other and path.startswith(other) for other in paths)]


def covers(paths: list[str], agency_path: str) -> bool:
    return any(path == EVERYWHERE or agency_path.startswith(path) for path in paths)


def resolve_scope(paths: list[str], agency_id: int | None) -> Scope:
    """The scope for a viewer's ``paths`` and the chosen agency: two queries."""
    if agency_id is None and len(paths) == 1 and paths[0] != EVERYWHERE:
        # One agency in scope (a central officer's department, a service point): start from it.
        agency_id = db.session.scalar(select(Agency.id).where(Agency.path == paths[0]))
    if agency_id is None:
        if EVERYWHERE in paths:
            children = select(Agency).where(Agency.parent_id.is_(None))
        else:
            children = select(Agency).where(Agency.path.in_(paths))
        return Scope(paths, None, [], list(db.session.scalars(children.order_by(Agency.name_th))))
    agency = db.session.get(Agency, agency_id)
    if agency is None or not covers(paths, agency.path):
        raise OutOfScope(agency_id)
    ids = [int(part) for part in agency.path.strip("/").split("/") if part]
    found = db.session.execute(select(Agency, Agency.parent_id == agency.id).where(
        (Agency.id.in_(ids)) | (Agency.parent_id == agency.id)).order_by(Agency.name_th)).all()
    by_id = {row[0].id: row[0] for row in found if not row[1]}
    ancestors = [by_id[i] for i in ids if i in by_id and covers(paths, by_id[i].path)]
    return Scope(paths, agency, ancestors, [row[0] for row in found if row[1]])


def shown_agencies(scope: Scope) -> list[Agency]:
    """The agencies a report's rows stand for: the chosen agency's children, and the agency itself (for what it
    holds at its own level), or the agency alone when it has no children."""
    if scope.agency is None:
        return scope.children
    return [scope.agency, *scope.children]


def by_child(scope: Scope, path_column, measures: Sequence, query=None, where: Sequence = ()) -> dict[int, tuple]:
    """The measures summed per agency shown (a child: its whole subtree, found by the materialized path; the chosen
    agency: its own rows only), in two queries whatever the number of children: {agency id: (measure, …)}.
    ``query``: a select the path column comes from (its joins), ``where``: filters."""
    base = query if query is not None else select()
    found: dict[int, tuple] = {}
    if scope.children:
        child = aliased(Agency)
        high = func.substr(child.path, 1, func.length(child.path) - 1) + "0"  # the end of the subtree's range
        statement = (base.add_columns(child.id, *measures)
                     .join(child, and_(path_column >= child.path, path_column < high))
                     .where(child.id.in_([agency.id for agency in scope.children]), scope.clause(path_column), *where)
                     .group_by(child.id))
        found.update({row[0]: tuple(row[1:]) for row in db.session.execute(statement)})
    if scope.agency is not None:
        own = db.session.execute(base.add_columns(*measures).where(path_column == scope.agency.path, *where)).first()
        if own is not None:
            found[scope.agency.id] = tuple(own)
    return found


def child_rows(scope: Scope, figures: dict[int, tuple], locale: str, leaf_link=None) -> list[Row]:
    """One row per agency shown: a child drills down to its own level; the chosen agency's own figures (and a
    service point's, at the last level) lead to the list behind them (``leaf_link(agency)``)."""
    rows = []
    for agency in shown_agencies(scope):
        values = list(figures.get(agency.id, ()))
        if not any(values):
            continue
        itself = scope.agency is not None and agency.id == scope.agency.id
        label = agency.name(locale)
        if itself and scope.children:
            label = f"{label} ({OWN_LEVEL})"
        rows.append(Row(label, [v or 0 for v in values], drill=None if itself else {"agency": agency.id},
                        link=leaf_link(agency) if itself and leaf_link else None))
    return rows[:MAX_ROWS]


def nothing():
    return false()
