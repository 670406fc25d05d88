"""Changing a person's role in an agency, and removing them from it.

There is one membership row per (user, agency, role): changing a role rewrites the row, or reactivates the row
the person held earlier with that role, and removing only marks it inactive, so the audit trail keeps pointing at
the rows it names. Both changes are conditional UPDATEs on the role and ``active`` the officer saw, so two
officers acting on one membership at once cannot both win.
"""

from __future__ import annotations

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.util import identity_key

from app.accounts.models import NATIONWIDE_ROLES, Membership, User
from app.accounts.services import accounts, policy
from app.accounts.services.user_directory import (
    MANAGER_ROLES,
    LastManagerMembership,
    MembershipChangedMeanwhile,
    NotAllowed,
    NotFound,
    RoleAlreadyHeld,
    RoleNotGrantable,
    SameRole,
    grantable_roles,
    inside,
    require_manager,
)
from app.core.extensions import db
from app.core.workflow import HumanTask, TaskStatus, record_audit
from app.org.models import Agency


def _load_for_change(officer: User, membership_id: int, user_id: int | None) -> Membership:
    paths = require_manager(officer)
    membership = db.session.get(Membership, membership_id)
    if (membership is None or not membership.active or not inside(membership.agency.path, paths)
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
