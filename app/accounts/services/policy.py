"""Every access decision: role × agency scope.

A membership grants its role in its agency and everything below it; OPDC
officers and administrators act nationwide. Views ask here, and list queries
take their filters from here, so that one rule decides both "may I open it"
and "do I see it in a list".

A reporter account (IR Online) holds no role, whatever memberships it may have
been given by mistake: it follows its own reports there, and nothing here
grants it anything. A process may be kept to some roles (``restrict_process``):
its instances and tasks are then theirs alone, whoever else covers the agency
they sit in (IR Online's reports are the help desk's, not OPDC's nor an
administrator's).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, false, or_, true

from app.accounts.models import NATIONWIDE_ROLES, AccountKind, Role, User
from app.core.types import subtree_bounds
from app.core.workflow import HumanTask, ProcessInstance

if TYPE_CHECKING:  # only named in annotations: a manual is scoped by its agency path, like anything else
    from app.manuals.models import Manual

EVERYWHERE = "/"


def scopes(user: User, roles: set[str] | None = None) -> dict[str, list[str]]:
    """role -> agency paths the user covers with it ("/" means nationwide).

    A person who belongs to several agencies may act for one of them at a time (``acting_agency_id``, set
    per request from their choice on the profile page): only that agency's memberships count then, while
    nationwide roles keep acting everywhere.
    """
    result: dict[str, list[str]] = {}
    if not user or not user.is_authenticated or getattr(user, "account_kind", None) == AccountKind.reporter:
        return result
    acting = getattr(user, "acting_agency_id", None)
    for membership in user.memberships:
        if roles is not None and membership.role not in roles:
            continue
        if acting is not None and membership.agency_id != acting and membership.role not in NATIONWIDE_ROLES:
            continue
        path = EVERYWHERE if membership.role in NATIONWIDE_ROLES else membership.agency.path
        result.setdefault(membership.role, []).append(path)
    return result


Scope = tuple[tuple[str, tuple[str, ...]], ...]


def scope_of(user: User) -> Scope:
    """The user's scopes as a value that can key a cache: ((role, (path, ...)), ...), in the memberships' order.
    Everyone holding the same roles over the same agencies has the same scope, and the same task-list clauses."""
    return tuple((role, tuple(paths)) for role, paths in scopes(user).items())


def covers(user: User, role: str, agency_path: str) -> bool:
    return any(path == EVERYWHERE or agency_path.startswith(path) for path in scopes(user).get(role, []))


def covers_any_role(user: User, agency_path: str) -> bool:
    return any(covers(user, role, agency_path) for role in scopes(user))


def within(column, paths: list[str]) -> ColumnElement[bool]:
    if EVERYWHERE in paths:
        return true()
    clauses = []
    for path in paths:
        low, high = subtree_bounds(path)
        clauses.append(and_(column >= low, column < high))
    return or_(*clauses)


# --- processes kept to some roles ------------------------------------------------------------------------

_PROCESS_ROLES: dict[str, frozenset[str]] = {}


def restrict_process(process_id: str, roles: set[str]) -> None:
    """Only these roles (within their agency scope) see the process's instances and tasks. Declared once, by the
    capability that owns the process, when it is imported; a second, different declaration fails loudly."""
    roles = frozenset(roles)
    if _PROCESS_ROLES.setdefault(process_id, roles) != roles:
        raise ValueError(f"process {process_id!r} is already kept to {sorted(_PROCESS_ROLES[process_id])}")


def _process_allows(user: User, process_id: str, agency_path: str) -> bool:
    roles = _PROCESS_ROLES.get(process_id)
    return roles is None or any(covers(user, role, agency_path) for role in roles)


def restricted_processes_clause(scope: Scope) -> ColumnElement[bool]:
    """Tasks of a kept process only where the scope holds one of its roles (a filter for every task list)."""
    return _restricted_processes_clause(scope, tuple(_PROCESS_ROLES.items()))


# Built once a scope (and set of kept processes): a task list asks on every page, for a few different scopes.
@functools.lru_cache(maxsize=1024)
def _restricted_processes_clause(scope: Scope, kept: tuple[tuple[str, frozenset[str]], ...]) -> ColumnElement[bool]:
    clauses = []
    for process_id, roles in kept:
        paths = [path for role, role_paths in scope if role in roles for path in role_paths]
        other = HumanTask.process_id != process_id
        clauses.append(or_(other, within(HumanTask.agency_path, paths)) if paths else other)
    return and_(true(), *clauses)


# --- tasks ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def task_candidates_clause(scope: Scope) -> ColumnElement[bool]:
    """Tasks the scope's holder may do: one of its roles, inside that role's agencies (built once a scope)."""
    clauses = [and_(HumanTask.role == role, within(HumanTask.agency_path, list(paths))) for role, paths in scope]
    return or_(*clauses) if clauses else false()


def can_do_task(user: User, task: HumanTask) -> bool:
    return (task.role is not None and covers(user, task.role, task.agency_path)
            and _process_allows(user, task.process_id, task.agency_path))


def can_see_task(user: User, task: HumanTask) -> bool:
    if not _process_allows(user, task.process_id, task.agency_path):
        return False
    return can_do_task(user, task) or task.completed_by_id == user.id or task.assignee_id == user.id


# --- instances -----------------------------------------------------------------------------------------


def can_view_instance(user: User, instance: ProcessInstance) -> bool:
    """Whoever started it, or anyone holding a role over its agency, may follow an instance; a kept process's
    only those holding one of its roles there (its reporter follows it elsewhere)."""
    if instance.process_id in _PROCESS_ROLES:
        return _process_allows(user, instance.process_id, instance.agency_path)
    return instance.created_by_id == user.id or covers_any_role(user, instance.agency_path)


# --- manuals -------------------------------------------------------------------------------------------

MANUAL_ROLES = {Role.manual_author.value, Role.manual_reviewer.value, Role.central_officer.value,
                Role.opdc_officer.value, Role.admin.value}


def manuals_visible_clause(user: User, agency_path_column) -> ColumnElement[bool]:
    paths = [path for role, role_paths in scopes(user, MANUAL_ROLES).items() for path in role_paths]
    return within(agency_path_column, paths) if paths else false()


def can_view_manual(user: User, manual: Manual) -> bool:
    return any(covers(user, role, manual.agency.path) for role in MANUAL_ROLES)


def can_author_manual(user: User, manual: Manual | None = None, agency_path: str | None = None) -> bool:
    path = manual.agency.path if manual is not None else agency_path
    return path is not None and covers(user, Role.manual_author.value, path)


def author_agency_paths(user: User) -> list[str]:
    return scopes(user, {Role.manual_author.value}).get(Role.manual_author.value, [])


# --- service catalogue, agencies and structure, other services -------------------------------------------

STRUCTURE_ROLES = {Role.central_officer.value, Role.admin.value}
# A service-point officer keeps their own service point's profile, but changes no structure.
PROFILE_ROLES = STRUCTURE_ROLES | {Role.service_point_officer.value}
OTHER_SERVICE_AUTHOR_ROLES = {Role.manual_author.value, Role.central_officer.value, Role.admin.value}


def is_admin(user: User) -> bool:
    return bool(scopes(user, {Role.admin.value}))


def can_manage_catalogue(user: User) -> bool:
    return is_admin(user)


def _paths(user: User, roles: set[str]) -> list[str]:
    return [path for role_paths in scopes(user, roles).values() for path in role_paths]


def structure_paths(user: User) -> list[str]:
    return _paths(user, STRUCTURE_ROLES)


def agencies_visible_clause(user: User, agency_path_column) -> ColumnElement[bool]:
    """Agencies shown in "agencies and structure": those whose profile the user keeps or whose structure they manage."""
    paths = _paths(user, PROFILE_ROLES)
    return within(agency_path_column, paths) if paths else false()


def can_edit_profile(user: User, agency_path: str) -> bool:
    return any(covers(user, role, agency_path) for role in PROFILE_ROLES)


def can_manage_structure(user: User, agency_path: str) -> bool:
    """Add service points, move them, show or hide them, and link services to them."""
    return any(covers(user, role, agency_path) for role in STRUCTURE_ROLES)


def other_services_visible_clause(user: User, agency_path_column) -> ColumnElement[bool]:
    paths = [path for role_paths in scopes(user).values() for path in role_paths]
    return within(agency_path_column, paths) if paths else false()


def can_view_other_service(user: User, agency_path: str) -> bool:
    return covers_any_role(user, agency_path)


def can_author_other_service(user: User, agency_path: str) -> bool:
    return any(covers(user, role, agency_path) for role in OTHER_SERVICE_AUTHOR_ROLES)


def other_service_author_paths(user: User) -> list[str]:
    return _paths(user, OTHER_SERVICE_AUTHOR_ROLES)


def can_hide_other_service(user: User, agency_path: str) -> bool:
    return any(covers(user, role, agency_path) for role in STRUCTURE_ROLES)


# --- processes -----------------------------------------------------------------------------------------

PROCESS_EDITOR_ROLES = {Role.central_officer.value, Role.manual_author.value}


def process_editor_paths(user: User) -> list[str]:
    """Where the user may create and edit processes: as a central officer or a manual author."""
    return [path for paths in scopes(user, PROCESS_EDITOR_ROLES).values() for path in paths]


def processes_visible_clause(user: User, agency_path_column) -> ColumnElement[bool]:
    paths = process_editor_paths(user)
    return within(agency_path_column, paths) if paths else false()


def can_edit_process(user: User, agency_path: str) -> bool:
    return any(covers(user, role, agency_path) for role in PROCESS_EDITOR_ROLES)
