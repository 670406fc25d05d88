"""Delegation while away: an officer names an acting officer for a period.

For the days of the period (Bangkok days, both included) the acting officer sees and does the absent officer's
tasks with the absent officer's rights: the tasks claimed by them and their role queues. Every action taken that
way is audited as "acting for" them. The delegation ends by itself after its last day; the officer who gave it
may cancel it before. Only a colleague holding one of the officer's roles at the same agency may act for them.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.orm import aliased, selectinload

from app.accounts.models import NATIONWIDE_ROLES, AccountKind, Membership, User
from app.core.extensions import db
from app.core.thai_dates import bangkok_day
from app.core.types import utcnow
from app.core.unit_memo import memo
from app.core.workflow import record_audit
from app.inbox.models import TaskDelegation

LONGEST = timedelta(days=366)  # a longer absence is a change of post, not a delegation


class DelegationRefused(Exception):
    """A delegation that cannot be given or cancelled; the message is for the user."""


class NotAColleague(DelegationRefused):
    pass


class BadPeriod(DelegationRefused):
    pass


class OverlapsAnother(DelegationRefused):
    pass


class DelegationNotFound(DelegationRefused):
    pass


def today() -> date:
    return bangkok_day(utcnow())


def _shared_posts(user: User):
    """(role, agency) pairs of the user's active memberships, as a clause on Membership."""
    posts = [(m.role, m.agency_id) for m in user.memberships]
    if not posts:
        return None
    clauses = []
    for role, agency_id in posts:
        same_role = Membership.role == role
        clauses.append(same_role if role in NATIONWIDE_ROLES else and_(same_role, Membership.agency_id == agency_id))
    return clauses


def colleagues(user: User) -> list[User]:
    """Who may act for the user: other active staff holding one of the user's roles at the same agency."""
    clauses = _shared_posts(user)
    if not clauses:
        return []
    ids = (select(Membership.user_id).where(Membership.active, or_(*clauses), Membership.user_id != user.id)
           .scalar_subquery())
    return list(db.session.scalars(
        select(User).where(User.id.in_(ids), User.active, User.account_kind == AccountKind.staff)
        .order_by(User.display_name, User.id)))


def create(user: User, acting_id: int | None, starts_on: date | None, ends_on: date | None) -> User:
    """Name the acting officer for a period; returns them."""
    acting = next((person for person in colleagues(user) if person.id == acting_id), None)
    if acting is None:
        raise NotAColleague(acting_id)
    if starts_on is None or ends_on is None or ends_on < starts_on or ends_on < today() \
            or ends_on - starts_on > LONGEST:
        raise BadPeriod(starts_on, ends_on)
    overlapping = db.session.scalar(select(TaskDelegation.id).where(
        TaskDelegation.delegator_id == user.id, TaskDelegation.cancelled_at.is_(None),
        TaskDelegation.starts_on <= ends_on, TaskDelegation.ends_on >= starts_on).limit(1))
    if overlapping is not None:
        raise OverlapsAnother(overlapping)
    delegation = TaskDelegation(delegator_id=user.id, acting_id=acting.id, starts_on=starts_on, ends_on=ends_on)
    db.session.add(delegation)
    # Raised in the row itself, never lowered: two delegations made at once to the same officer both count.
    db.session.execute(update(User).where(User.id == acting.id).values(acting_until=case(
        (or_(User.acting_until.is_(None), User.acting_until < ends_on), ends_on), else_=User.acting_until))
        .execution_options(synchronize_session=False))
    db.session.expire(acting, ["acting_until"])
    db.session.flush()
    record_audit("delegation.created", actor_id=user.id, object_type="task_delegation", object_id=delegation.id,
                 after={"acting_id": acting.id, "acting": acting.display_name, "starts_on": starts_on.isoformat(),
                        "ends_on": ends_on.isoformat()})
    return acting


def cancel(user: User, delegation_id: int) -> TaskDelegation:
    """End a delegation now (the officer is back early, or changed their mind); only its giver may."""
    delegation = db.session.get(TaskDelegation, delegation_id)
    if delegation is None or delegation.delegator_id != user.id or delegation.cancelled_at is not None:
        raise DelegationNotFound(delegation_id)
    delegation.cancelled_at = utcnow()
    record_audit("delegation.cancelled", actor_id=user.id, object_type="task_delegation", object_id=delegation.id)
    db.session.flush()
    return delegation


def absent_colleagues(user: User) -> list[User]:
    """The officers the user acts for today (their memberships loaded): no query for a person no delegation names
    (``User.acting_until``), else one, two with someone to act for; read once per unit of work (the task page, its
    checks and the menu's counts all ask)."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "id", None) is None:
        return []
    day = today()
    if user.acting_until is None or user.acting_until < day:  # named by no delegation running today or later
        return []
    return memo(("absent_colleagues", user.id, day), lambda: _absent_on(user.id, day),
                depends_on=(TaskDelegation, Membership, User))


def _absent_on(user_id: int, day: date) -> list[User]:
    # Nearly everyone acts for nobody: a plain statement on the acting officer's index answers that (the page
    # asks on every request); the officers themselves, with their memberships, only when there are some.
    ids = list(db.session.scalars(
        select(TaskDelegation.delegator_id)
        .where(TaskDelegation.acting_id == user_id, TaskDelegation.ends_on >= day, TaskDelegation.starts_on <= day,
               TaskDelegation.cancelled_at.is_(None))))
    if not ids:
        return []
    return list(db.session.scalars(
        select(User).where(User.id.in_(ids), User.active).options(selectinload(User.memberships))
        .order_by(User.id)).unique())


def given_and_received(user: User) -> tuple[list[tuple[TaskDelegation, User]], list[tuple[TaskDelegation, User]]]:
    """The user's delegations not ended yet: those they gave (with the acting officer) and received (with the
    absent officer), soonest first."""
    other = aliased(User)
    base = select(TaskDelegation, other).where(TaskDelegation.cancelled_at.is_(None),
                                                TaskDelegation.ends_on >= today())
    given = db.session.execute(base.join(other, other.id == TaskDelegation.acting_id)
                               .where(TaskDelegation.delegator_id == user.id)
                               .order_by(TaskDelegation.starts_on, TaskDelegation.id)).all()
    received = db.session.execute(base.join(other, other.id == TaskDelegation.delegator_id)
                                  .where(TaskDelegation.acting_id == user.id)
                                  .order_by(TaskDelegation.starts_on, TaskDelegation.id)).all()
    return [tuple(row) for row in given], [tuple(row) for row in received]
