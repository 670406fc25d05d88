"""The people of one's scope, for the officers who manage them: who may manage whom, the search, one person and
their account's history; and the refusals of every user-management action (``membership_changes`` makes the
changes themselves).

A central officer manages the memberships held in its department and below, an administrator every
membership.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from app.accounts.models import Membership, Role, RoleToken, User
from app.accounts.services import policy
from app.core.extensions import db
from app.core.paging import Page
from app.core.workflow import AuditEvent
from app.org.models import Agency

# Memberships that let their holder manage users.
MANAGER_ROLES = {Role.central_officer.value, Role.admin.value}
# What a central officer may grant within its scope; an administrator may grant any role.
CENTRAL_GRANTS = (Role.central_officer.value, Role.service_point_officer.value, Role.manual_author.value,
                  Role.manual_reviewer.value)
PAGE_SIZE = 25
HISTORY_LIMIT = 200


class UserAdminError(Exception):
    code = "error"


class NotAllowed(UserAdminError):
    code = "forbidden"


class NotFound(UserAdminError):
    code = "not_found"


class RoleNotGrantable(UserAdminError):
    code = "role_not_grantable"


class SameRole(UserAdminError):
    code = "same_role"


class RoleAlreadyHeld(UserAdminError):
    code = "already_held"


class LastManagerMembership(UserAdminError):
    """Nobody removes or demotes themselves out of their last membership that manages users."""

    code = "last_manager_membership"


class MembershipChangedMeanwhile(UserAdminError):
    code = "conflict"


# --- who may do what -------------------------------------------------------------------------------------


def manager_paths(officer: User) -> list[str]:
    return [path for paths in policy.scopes(officer, MANAGER_ROLES).values() for path in paths]


def can_manage_users(officer: User) -> bool:
    return bool(manager_paths(officer))


def grantable_roles(officer: User) -> list[str]:
    if policy.scopes(officer, {Role.admin.value}):
        return [role.value for role in Role]
    if policy.scopes(officer, {Role.central_officer.value}):
        return list(CENTRAL_GRANTS)
    return []


def inside(path: str, paths: list[str]) -> bool:
    return any(scope == policy.EVERYWHERE or path.startswith(scope) for scope in paths)


def require_manager(officer: User) -> list[str]:
    paths = manager_paths(officer)
    if not paths:
        raise NotAllowed()
    return paths


# --- search ----------------------------------------------------------------------------------------------


@dataclass
class MembershipRow:
    id: int
    role: str
    agency_id: int
    agency_name_th: str
    agency_name_en: str | None

    def agency_name(self, locale: str = "th") -> str:
        return (self.agency_name_en or self.agency_name_th) if locale == "en" else self.agency_name_th


@dataclass
class UserRow:
    id: int
    username: str
    display_name: str
    email: str | None
    last_login_at: datetime | None
    active: bool
    memberships: list[MembershipRow] = field(default_factory=list)


def _in_scope_user_ids(paths: list[str]):
    return (select(Membership.user_id).join(Agency, Agency.id == Membership.agency_id)
            .where(Membership.active, policy.within(Agency.path, paths)))


def search_users(officer: User, q: str | None = None, page: int = 1, per_page: int = PAGE_SIZE) -> Page:
    """People with an active membership in the officer's scope, matched on name, user name or e-mail.

    Three statements whatever the page holds: the count, the page of people, and their memberships.
    """
    paths = require_manager(officer)
    page = max(page or 1, 1)
    clauses = [User.id.in_(_in_scope_user_ids(paths))]
    text = (q or "").strip()
    if text:
        clauses.append(or_(User.display_name.icontains(text, autoescape=True),
                           User.username.icontains(text, autoescape=True),
                           User.email.icontains(text, autoescape=True)))
    total = db.session.scalar(select(func.count()).select_from(User).where(*clauses)) or 0
    people = db.session.execute(
        select(User.id, User.username, User.display_name, User.email, User.last_login_at, User.active)
        .where(*clauses).order_by(User.display_name, User.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    rows = {person.id: UserRow(*person) for person in people}
    if rows:
        memberships = db.session.execute(
            select(Membership.id, Membership.user_id, Membership.role, Agency.id, Agency.name_th, Agency.name_en)
            .join(Agency, Agency.id == Membership.agency_id)
            .where(Membership.user_id.in_(list(rows)), Membership.active, policy.within(Agency.path, paths))
            .order_by(Agency.path, Membership.role)
        )
        for membership_id, user_id, role, agency_id, name_th, name_en in memberships:
            rows[user_id].memberships.append(MembershipRow(membership_id, role, agency_id, name_th, name_en))
    return Page(list(rows.values()), total, page, per_page)


# --- one person ------------------------------------------------------------------------------------------


def user_for(officer: User, user_id: int) -> User:
    """The person if they hold, or held, a membership in the officer's scope; NotFound otherwise."""
    paths = require_manager(officer)
    person = db.session.get(User, user_id)
    if person is None or not db.session.scalar(
            select(func.count()).select_from(Membership).join(Agency, Agency.id == Membership.agency_id)
            .where(Membership.user_id == user_id, policy.within(Agency.path, paths))):
        raise NotFound(user_id)
    return person


def memberships_in_scope(officer: User, person: User) -> list[Membership]:
    """The person's memberships the officer can see: current ones first, then removed ones."""
    paths = require_manager(officer)
    return list(db.session.scalars(
        select(Membership).join(Agency, Agency.id == Membership.agency_id)
        .where(Membership.user_id == person.id, policy.within(Agency.path, paths))
        .order_by(Membership.active.desc(), Agency.path, Membership.role)
    ))


def can_change(officer: User, membership: Membership) -> bool:
    return membership.active and membership.role in grantable_roles(officer) and inside(
        membership.agency.path, manager_paths(officer))


@dataclass
class HistoryEntry:
    event: AuditEvent
    actor_name: str | None
    agency: Agency | None  # the agency the change was about, when it names one


def account_history(person: User, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """Changes to the person's account, newest first: their user row, their memberships, the tokens they redeemed.

    Two statements: the events with their actors, then the agencies they name.
    """
    membership_ids = select(Membership.id).where(Membership.user_id == person.id)
    redeemed = select(RoleToken.id).where(RoleToken.used_by_id == person.id)
    actor = aliased(User)
    query = (
        select(AuditEvent, actor.display_name)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .where(or_(
            and_(AuditEvent.object_type == "user", AuditEvent.object_id == person.id),
            and_(AuditEvent.object_type == "membership", AuditEvent.object_id.in_(membership_ids)),
            # the redemption itself, which the person does; not the issuing officer's events on the token
            and_(AuditEvent.object_type == "role_token", AuditEvent.object_id.in_(redeemed),
                 AuditEvent.actor_id == person.id),
        ))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    rows = db.session.execute(query).all()
    agency_ids = {_agency_id(event) for event, _name in rows} - {None}
    agencies = {a.id: a for a in db.session.scalars(select(Agency).where(Agency.id.in_(agency_ids)))} if agency_ids else {}
    return [HistoryEntry(event, name, agencies.get(_agency_id(event))) for event, name in rows]


def _agency_id(event: AuditEvent) -> int | None:
    value = (event.after or {}).get("agency_id") or (event.before or {}).get("agency_id")
    return value if isinstance(value, int) else None
