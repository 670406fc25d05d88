"""Task lists: the inbox's tabs, their pages, the menu's badge counts and the filter bar's choices.

Listing reads only the ``human_task`` projection; no workflow is deserialized to list tasks, and each list is a fixed
number of queries whatever its length. The statements are built once per person (or scope) and list, the page and
the person parameters of them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, bindparam, cast, func, literal, null, or_, select, true, union_all
from sqlalchemy.orm import Bundle, aliased

from app.accounts.models import User
from app.accounts.services import policy
from app.core import capabilities
from app.core.extensions import db
from app.core.paging import Page
from app.core.types import utcnow
from app.core.workflow import HumanTask, ProcessInstance, TaskStatus
from app.inbox.services import delegations
from app.inbox.services.task_query import TaskQuery, order_by, search_clause
from app.org.models import Agency
from workflows import engine

# Whose tasks a clause selects, as a value a cache can key: (the person's id, their scope). The id may be ``ME``, a
# parameter: the menu's badge counts are one statement for everyone with the same scope, given their id.
Person = tuple[object, policy.Scope]
ME = bindparam("me")


def _person(user: User) -> Person:
    return user.id, policy.scope_of(user)


def _acting_for(user: User) -> tuple[Person, ...]:
    return tuple(_person(absent) for absent in delegations.absent_colleagues(user))


# Built once a person and tab: a page asks for the same clauses on every request (the menu's counts, the list).
@functools.lru_cache(maxsize=2048)
def _view_clause_of(view: str, person: Person, acting_for: tuple[Person, ...]):
    """The tasks of a tab: the person's own, and during a delegation the absent officers' they act for."""
    clause = _own_view_clause(view, person) & policy.restricted_processes_clause(person[1])
    if view in ("available", "claimed"):
        for absent in acting_for:
            clause = clause | (_own_view_clause(view, absent) & policy.restricted_processes_clause(absent[1]))
    return clause


def _own_view_clause(view: str, person: Person):
    person_id, scope = person
    if view == "available":
        return (HumanTask.status == TaskStatus.open) & policy.task_candidates_clause(scope)
    if view == "claimed":
        return (HumanTask.status == TaskStatus.open) & (HumanTask.assignee_id == person_id)
    if view == "completed":
        return (HumanTask.status == TaskStatus.completed) & (HumanTask.completed_by_id == person_id)
    if view == "started":
        started = select(ProcessInstance.id).where(ProcessInstance.created_by_id == person_id)
        return (HumanTask.status == TaskStatus.open) & HumanTask.instance_id.in_(started)
    raise ValueError(view)


# A list counts at most this many tasks past the page it shows (page 1 says "200+ tasks", the pager ten pages
# ahead): a year's history holds hundreds of thousands of tasks completed by one nationwide officer; an exact count
# would read them all, and one filtered by agency walks the officer's history until it has found this many.
COUNT_AHEAD = 200


def _count_up_to(clause, limit: int, tasks=HumanTask):
    """SELECT count(*) of at most ``limit`` matching tasks: it stops reading there."""
    return select(func.count()).select_from(select(tasks.id).where(clause).limit(limit).subquery())


# A search reads at most this many tasks of the list, in the list's own order (off its index), and keeps those that
# match: a nationwide queue holds tens of thousands of open tasks and a year's history far more; checking the text
# of every one would read them all from the table. Filters and the sort choose which part is searched.
SEARCH_WINDOW = 1000
# Who holds each task of a list: one alias for every list (a new one a request cost SQLAlchemy 0.5 ms to set up).
_ASSIGNEE = aliased(User, name="assignee")
# What a list shows of each task (the page and the API), read as plain rows: 20 tasks the session would keep cost
# more than their query, on a page read on every visit.
_LISTED = Bundle("task", HumanTask.id, HumanTask.instance_id, HumanTask.process_id, HumanTask.title,
                 HumanTask.title_en, HumanTask.subject, HumanTask.role, HumanTask.agency_id, HumanTask.form_key,
                 HumanTask.assignee_id, HumanTask.status, HumanTask.priority, HumanTask.due_at, HumanTask.created_at,
                 HumanTask.completed_at)
# What a list is sorted by (task_query.order_by): all a searched window keeps of each task besides its id.
_SORT_COLUMNS = (HumanTask.due_at, HumanTask.created_at, HumanTask.priority, HumanTask.completed_at)


def _searched_page(clause, query: TaskQuery, per_page: int, offset: int):
    """A searched page's rows, the number of hits last, in one statement: past the last hit, one row without a
    task, so that the pager still knows how many there are (a page past the end read the window twice).

    The first SEARCH_WINDOW tasks of the list (id and sort keys only), each with whether its title or subject has
    every word searched for, read once (a CTE used twice); the page and its count are read from these rows."""
    window = (select(HumanTask.id, *_SORT_COLUMNS, and_(*search_clause(query.search)).label("hit"))
              .where(clause).order_by(*order_by(query)).limit(SEARCH_WINDOW).cte("search_window"))
    hits = select(func.count().label("counted")).select_from(window).where(window.c.hit).subquery("hits")
    page_ids = (select(window.c.id).where(window.c.hit).order_by(*order_by(query, window.c))
                .limit(per_page).offset(offset).subquery("page_ids"))
    return (select(_LISTED, Agency.name_th, Agency.name_en, _ASSIGNEE.display_name, hits.c.counted)
            .select_from(hits).outerjoin(page_ids, true()).outerjoin(HumanTask, HumanTask.id == page_ids.c.id)
            .outerjoin(Agency, Agency.id == HumanTask.agency_id)
            .outerjoin(_ASSIGNEE, _ASSIGNEE.id == HumanTask.assignee_id)
            .order_by(*order_by(query)))


@functools.lru_cache(maxsize=2048)
def _list_clause(view: str, person: Person, acting_for: tuple[Person, ...], process_id: str | None,
                 agency_path: str | None):
    clause = _view_clause_of(view, person, acting_for)
    if process_id:
        clause = clause & (HumanTask.process_id == process_id)
    if agency_path:
        clause = clause & policy.within(HumanTask.agency_path, [agency_path])
    return clause


@functools.lru_cache(maxsize=2048)
def _page_statements(clause, order: TaskQuery):
    """A list's count (up to ``count_limit``) and a page of its rows (``page_size`` from ``offset``), in ``order``'s
    order: built once a list, the page a parameter. The page's ids first, then their agency and holder: a plan that
    joined before sorting joined every task the filters let through (1,724 of an officer's history: 54 ms on
    PostgreSQL at national size)."""
    count_query = _count_up_to(clause, bindparam("count_limit"))
    page_ids = (select(HumanTask.id).where(clause).order_by(*order_by(order))
                .limit(bindparam("page_size")).offset(bindparam("offset")).subquery("page_ids"))
    rows_query = (select(_LISTED, Agency.name_th, Agency.name_en, _ASSIGNEE.display_name, count_query.scalar_subquery())
                  .join(page_ids, page_ids.c.id == HumanTask.id)
                  .join(Agency, Agency.id == HumanTask.agency_id)
                  .outerjoin(_ASSIGNEE, _ASSIGNEE.id == HumanTask.assignee_id)
                  .order_by(*order_by(order)))
    return count_query, rows_query


def list_tasks(user: User, view: str = "available", *, page: int = 1, per_page: int = 20,
               process_id: str | None = None, agency_id: int | None = None, query: TaskQuery | None = None) -> Page:
    """One page of a view, sorted and searched as ``query`` says (the other arguments are its shorthand): the rows
    and their count in one statement (a second only for a page past the end), whatever the page holds."""
    query = query or TaskQuery(view=view, process_id=process_id, agency_id=agency_id)
    agency_path = None
    if query.agency_id:
        agency = db.session.get(Agency, query.agency_id)
        if agency is None:
            return Page([], 0, page, per_page)
        agency_path = agency.path
    clause = _list_clause(query.view, _person(user), _acting_for(user), query.process_id, agency_path)
    offset = (max(page, 1) - 1) * per_page
    counting = {"count_limit": offset + COUNT_AHEAD + 1}
    if query.search:
        rows_query, params = _searched_page(clause, query, per_page, offset), {}  # never needs count_query
    else:
        count_query, rows_query = _page_statements(clause, TaskQuery(query.view, sort=query.sort, order=query.order))
        params = counting | {"page_size": per_page, "offset": offset}
    found = db.session.execute(rows_query, params).all()
    # past the last page (or nothing at all): how many there are, for the pager (a search's row says it)
    counted = found[0][-1] if found else (db.session.scalar(count_query, counting) if offset else 0)
    rows = [
        TaskRow(task=task, agency_name_th=name_th, agency_name_en=name_en, assignee_name=assignee_name)
        for task, name_th, name_en, assignee_name, _counted in found if task.id is not None
    ]
    return Page(rows, min(counted, offset + COUNT_AHEAD), page, per_page, more=counted > offset + COUNT_AHEAD)


@dataclass
class TaskRow:
    task: Any  # the task's columns a list shows (``_LISTED``), by name
    agency_name_th: str
    agency_name_en: str | None
    assignee_name: str | None

    @property
    def overdue(self) -> bool:
        return self.task.status == TaskStatus.open and self.task.due_at is not None and self.task.due_at < utcnow()




def counts(user: User, **more) -> dict[str, int]:
    """Badge counts for the navigation, at most BADGE_CAP + 1 each, with ``more`` counts (scalar subqueries by
    name, built once, the person counted for being ``ME``) read alongside: one statement, each count on its own
    index."""
    names, statement = _badge_counts(policy.scope_of(user), _acting_for(user), tuple(more.items()), capabilities.BADGE_CAP)
    return dict(zip(names, db.session.execute(statement, {"me": user.id}).one(), strict=True))


# Built once a scope: every page of every signed-in officer reads these counts.
@functools.lru_cache(maxsize=1024)
def _badge_counts(scope: policy.Scope, acting_for: tuple[Person, ...], more: tuple, cap: int):
    counted = {view: _count_up_to(_view_clause_of(view, (ME, scope), acting_for), cap + 1).scalar_subquery()
               for view in ("available", "claimed")} | dict(more)
    return tuple(counted), select(*counted.values())


def process_choices() -> list[tuple[str, str]]:
    """The processes that have tasks, as (id, the diagram's name), in id order."""
    return [(process_id, engine.process_name(process_id)) for process_id in db.session.scalars(_process_ids())]


@dataclass(frozen=True)
class AgencyChoice:
    id: int
    name_th: str
    name_en: str | None


def filter_choices(user: User) -> tuple[list[tuple[str, str]], list[AgencyChoice]]:
    """The inbox's filter bar: ``process_choices()`` and the user's ``filter_agencies``, in one statement (each
    statement a page sends costs PostgreSQL a round trip and psycopg its result's description)."""
    processes, agencies = [], []
    for kind, key, name_th, name_en in db.session.execute(_filter_choices_query(policy.scope_of(user))):
        if kind == "agency":
            agencies.append(AgencyChoice(int(key), name_th, name_en))
        else:
            processes.append((key, engine.process_name(key)))
    return processes, agencies


@functools.lru_cache(maxsize=1024)
def _filter_choices_query(scope: policy.Scope, limit: int = 200):
    """Rows of (kind, key, Thai name, English name): the agencies in their tree's order, then the processes in id
    order. Built once a scope."""
    found = _process_ids().subquery("process_ids")
    processes = select(literal("process").label("kind"), found.c.process_id.label("key"),
                       null().label("name_th"), null().label("name_en"), found.c.process_id.label("place"))
    chosen = _filter_agencies_query(scope, limit)
    if chosen is None:
        return processes.order_by(found.c.process_id)
    chosen = chosen.add_columns(Agency.path).subquery("agencies")
    agencies = select(literal("agency").label("kind"), cast(chosen.c.id, String).label("key"), chosen.c.name_th,
                      chosen.c.name_en, chosen.c.path.label("place"))
    both = union_all(agencies, processes).subquery("choices")
    return select(both.c.kind, both.c.key, both.c.name_th, both.c.name_en).order_by(both.c.kind, both.c.place)


@functools.cache
def _process_ids():
    """The process ids of all tasks, one step down ix_human_task_process per process (the next process_id after the
    last one found), where a DISTINCT would read every task ever created. Built once: it has no parameters."""
    found = select(func.min(HumanTask.process_id).label("process_id")).cte("found", recursive=True)
    following = (select(func.min(HumanTask.process_id)).where(HumanTask.process_id > found.c.process_id)
                 .scalar_subquery())
    found = found.union_all(select(following).where(found.c.process_id.is_not(None)))
    return select(found.c.process_id).where(found.c.process_id.is_not(None))


def filter_agencies(user: User, limit: int = 200) -> list:
    """Agencies to filter the inbox by: the user's scopes and one level below each, as rows of their id and names
    (``localized_title`` picks the name a page shows)."""
    chosen = _filter_agencies_query(policy.scope_of(user), limit)
    return db.session.execute(chosen).all() if chosen is not None else []


@functools.lru_cache(maxsize=1024)
def _filter_agencies_query(scope: policy.Scope, limit: int):
    clauses = []
    for _role, paths in scope:
        for path in paths:
            if path == policy.EVERYWHERE:
                clauses.append(Agency.depth <= 1)
            else:
                depth = path.count("/") - 2
                clauses.append(policy.within(Agency.path, [path]) & (Agency.depth <= depth + 1))
    if not clauses:
        return None
    return select(Agency.id, Agency.name_th, Agency.name_en).where(or_(*clauses)).order_by(Agency.path).limit(limit)
