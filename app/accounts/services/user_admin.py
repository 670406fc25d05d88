"""Managing the people of one's scope: search, change a role, remove from an agency; and one's own profile.

A central officer manages the memberships held in its department and below, an administrator every
membership. There is one membership row per (user, agency, role): changing a role rewrites the row, or
reactivates the row the person held earlier with that role, and removing only marks it inactive, so the
audit trail keeps pointing at the rows it names. Both changes are conditional UPDATEs on the role and
``active`` the officer saw, so two officers acting on one membership at once cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import aliased
from sqlalchemy.orm.util import identity_key

from app.accounts.models import NATIONWIDE_ROLES, Membership, Role, RoleToken, User
from app.accounts.services import accounts, policy
from app.core.extensions import db
from app.core.paging import Page
from app.core.workflow import AuditEvent, HumanTask, TaskStatus, record_audit
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


def _inside(path: str, paths: list[str]) -> bool:
    return any(scope == policy.EVERYWHERE or path.startswith(scope) for scope in paths)


def _require_manager(officer: User) -> list[str]:
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
    paths = _require_manager(officer)
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
    paths = _require_manager(officer)
    person = db.session.get(User, user_id)
    if person is None or not db.session.scalar(
            select(func.count()).select_from(Membership).join(Agency, Agency.id == Membership.agency_id)
            .where(Membership.user_id == user_id, policy.within(Agency.path, paths))):
        raise NotFound(user_id)
    return person


def memberships_in_scope(officer: User, person: User) -> list[Membership]:
    """The person's memberships the officer can see: current ones first, then removed ones."""
    paths = _require_manager(officer)
    return list(db.session.scalars(
        select(Membership).join(Agency, Agency.id == Membership.agency_id)
        .where(Membership.user_id == person.id, policy.within(Agency.path, paths))
        .order_by(Membership.active.desc(), Agency.path, Membership.role)
    ))


def can_change(officer: User, membership: Membership) -> bool:
    return membership.active and membership.role in grantable_roles(officer) and _inside(
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


# --- changing a role, removing -----------------------------------------------------------------------------


def _load_for_change(officer: User, membership_id: int, user_id: int | None) -> Membership:
    paths = _require_manager(officer)
    membership = db.session.get(Membership, membership_id)
    if (membership is None or not membership.active or not _inside(membership.agency.path, paths)
            or (user_id is not None and membership.user_id != user_id)):
        raise NotFound(membership_id)
    if membership.role not in grantable_roles(officer):
        raise NotAllowed()  # e.g. a central officer facing an OPDC officer's or an administrator's membership
    return membership


def _check_not_last_manager_membership(officer: User, membership: Membership) -> None:
    if membership.user_id != officer.id or membership.role not in MANAGER_ROLES:
        return
    # All of the officer's memberships count here, not only those of the agency they act for.
    held = db.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.user_id == officer.id, Membership.active, Membership.role.in_(MANAGER_ROLES)))
    if (held or 0) <= 1:
        raise LastManagerMembership()


def _conditional_update(statement) -> None:
    """Run an UPDATE that must touch exactly one row; anything else means someone changed it meanwhile."""
    try:
        result = db.session.execute(statement, execution_options={"synchronize_session": False})
    except IntegrityError as exc:  # another change made the same (user, agency, role) first
        raise MembershipChangedMeanwhile() from exc
    except OperationalError as exc:
        if "locked" in str(exc):  # SQLite: the other writer held the database past the busy timeout
            raise MembershipChangedMeanwhile() from exc
        raise
    if result.rowcount != 1:
        raise MembershipChangedMeanwhile()


def _snapshot(membership: Membership, role: str | None = None, active: bool | None = None) -> dict:
    return {"membership_id": membership.id, "user_id": membership.user_id, "agency_id": membership.agency_id,
            "agency": membership.agency.name_th, "role": role or membership.role,
            "active": membership.active if active is None else active}


def change_role(officer: User, membership_id: int, new_role: str, *, user_id: int | None = None) -> Membership:
    """Give the person ``new_role`` in the membership's agency instead of its current role; flushes.

    ``user_id``, when given, is the person the officer believes holds the membership.
    """
    membership = _load_for_change(officer, membership_id, user_id)
    if new_role not in grantable_roles(officer):
        raise RoleNotGrantable(new_role)
    old_role = membership.role
    if new_role == old_role:
        raise SameRole(new_role)
    if new_role not in MANAGER_ROLES:
        _check_not_last_manager_membership(officer, membership)
    target = db.session.scalar(select(Membership).where(
        Membership.user_id == membership.user_id, Membership.agency_id == membership.agency_id,
        Membership.role == new_role))
    if target is not None and target.active:
        raise RoleAlreadyHeld(new_role)
    before = _snapshot(membership)
    unchanged = (Membership.id == membership.id, Membership.role == old_role, Membership.active)
    if target is None:
        _conditional_update(update(Membership).where(*unchanged).values(role=new_role, granted_by_id=officer.id))
        result = membership
    else:
        # The person held this role here before: bring that row back rather than make a second one.
        _conditional_update(update(Membership).where(*unchanged).values(active=False))
        _conditional_update(update(Membership).where(Membership.id == target.id, ~Membership.active)
                            .values(active=True, granted_by_id=officer.id))
        result = target
    db.session.expire(membership)
    if target is not None:
        db.session.expire(target)
    released = _release_claimed_tasks(officer, membership.user_id, membership.id, old_role, membership.agency)
    record_audit("membership.role_changed", actor_id=officer.id, object_type="membership", object_id=membership.id,
                 before=before, after=_snapshot(result, role=new_role, active=True) | {"released_task_ids": released})
    _forget_memberships(membership.user_id)
    db.session.flush()
    return result


def remove(officer: User, membership_id: int, *, user_id: int | None = None) -> list[int]:
    """End the membership; the person's open tasks claimed under it go back to the role's queue, and the person is
    signed out everywhere (they sign in again to what they may still do; an officer removing one of their own
    memberships stays signed in).

    Returns the ids of those tasks. Flushes.
    """
    membership = _load_for_change(officer, membership_id, user_id)
    _check_not_last_manager_membership(officer, membership)
    before = _snapshot(membership)
    _conditional_update(update(Membership).where(Membership.id == membership.id, Membership.role == membership.role,
                                                 Membership.active).values(active=False))
    db.session.expire(membership)
    released = _release_claimed_tasks(officer, membership.user_id, membership.id, before["role"], membership.agency)
    record_audit("membership.removed", actor_id=officer.id, object_type="membership", object_id=membership.id,
                 before=before, after=before | {"active": False, "released_task_ids": released})
    _forget_memberships(membership.user_id)
    if membership.user_id != officer.id:
        accounts.end_sessions(membership.user_id)
    db.session.flush()
    return released


def _release_claimed_tasks(officer: User, user_id: int, membership_id: int, role: str, agency: Agency) -> list[int]:
    """Unclaim the person's open tasks of ``role`` in the agency's subtree that no other membership still covers."""
    subtree = [policy.EVERYWHERE if role in NATIONWIDE_ROLES else agency.path]
    still = db.session.scalars(
        select(Agency.path).join(Membership, Membership.agency_id == Agency.id)
        .where(Membership.user_id == user_id, Membership.role == role, Membership.active,
               Membership.id != membership_id)
    ).all()
    still_covered = [policy.EVERYWHERE if role in NATIONWIDE_ROLES else path for path in still]
    clause = and_(HumanTask.assignee_id == user_id, HumanTask.status == TaskStatus.open, HumanTask.role == role,
                  policy.within(HumanTask.agency_path, subtree))
    if still_covered:
        clause = and_(clause, ~policy.within(HumanTask.agency_path, still_covered))
    # Locked (PostgreSQL) so that a completion racing this release waits for it, then finds the row changed.
    tasks = db.session.execute(
        select(HumanTask.id, HumanTask.instance_id, HumanTask.spec_name).where(clause).order_by(HumanTask.id)
        .with_for_update()
    ).all()
    if not tasks:
        return []
    ids = [task.id for task in tasks]
    db.session.execute(
        update(HumanTask).where(HumanTask.id.in_(ids), HumanTask.assignee_id == user_id,
                                HumanTask.status == TaskStatus.open)
        .values(assignee_id=None, claimed_at=None, row_version=HumanTask.row_version + 1),
        execution_options={"synchronize_session": False},
    )
    for task in tasks:
        record_audit("task.unclaimed", actor_id=officer.id, instance_id=task.instance_id, human_task_id=task.id,
                     task_name=task.spec_name, comment="membership removed")
    for task_id in ids:  # rows this session already holds must not keep the old assignee and version
        loaded = db.session.identity_map.get(identity_key(HumanTask, task_id))
        if loaded is not None:
            db.session.expire(loaded)
    return ids


def _forget_memberships(user_id: int) -> None:
    person = db.session.identity_map.get(identity_key(User, user_id))
    if person is not None:
        db.session.expire(person, ["memberships"])


# --- one's own profile ---------------------------------------------------------------------------------------


def own_memberships(user: User) -> list[Membership]:
    """All of the person's current memberships, whichever agency they act for."""
    return sorted(user.memberships, key=lambda m: (m.agency.path, m.role))


def switchable_agencies(user: User) -> list[Agency]:
    """The agencies the person belongs to, once each, in tree order."""
    seen: dict[int, Agency] = {}
    for membership in own_memberships(user):
        seen.setdefault(membership.agency_id, membership.agency)
    return list(seen.values())


def acting_agency(user: User, agency_id: int | None) -> Agency | None:
    """The agency the person chose to act for, if they still belong to it."""
    if agency_id is None:
        return None
    return next((m.agency for m in user.memberships if m.agency_id == agency_id), None)
