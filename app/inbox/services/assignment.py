"""Handing tasks to people: assign one to a named colleague, claim several at once.

A task may go only to a colleague who could do it themselves: holding the task's role at the task's agency or
one above it (or nationwide). The list offered is that list, and the server checks the choice against it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import lazyload

from app.accounts.models import NATIONWIDE_ROLES, AccountKind, Membership, User
from app.core.conflicts import savepoint
from app.core.extensions import db
from app.core.i18n import localized_title
from app.core.messages import for_error
from app.core.types import path_ids, utcnow
from app.core.workflow import HumanTask
from app.inbox.services import inbox

BULK_MAX = 100  # tasks claimed in one go: a page or a few, not a whole queue


class NotACandidate(inbox.InboxError):
    """The chosen person does not hold the task's role at its agency."""

    code = "not_a_candidate"


def candidates(task: HumanTask) -> list[User]:
    """Active staff who could do the task: its role at its agency or an agency above it, or the role nationwide."""
    if task.role is None:
        return []
    where = Membership.agency_id.in_(path_ids(task.agency_path))
    if task.role in NATIONWIDE_ROLES:
        where = or_(where, Membership.role.in_(NATIONWIDE_ROLES))
    holders = select(Membership.user_id).where(Membership.active, Membership.role == task.role, where)
    return list(db.session.scalars(
        select(User).where(User.id.in_(holders.scalar_subquery()), User.active,
                           User.account_kind == AccountKind.staff)
        .order_by(User.display_name, User.id)
        .options(lazyload(User.memberships))))  # names to choose from: their memberships are not read


def assign(user: User, task: HumanTask, assignee_id: int | None) -> User:
    """Give an open task that is free (or the user's own) to a colleague; audited with both names."""
    acting_for = inbox.check_can_act(user, task)
    assignee = next((person for person in candidates(task) if person.id == assignee_id), None)
    if assignee is None:
        raise NotACandidate(assignee_id)
    if task.assignee_id == assignee.id:
        return assignee
    task.assignee_id = assignee.id
    task.claimed_at = utcnow()
    inbox.audit_task("task.assigned", user, task, acting_for, assignee_id=assignee.id, assignee=assignee.display_name)
    inbox.flush_or_conflict(inbox.TaskChangedMeanwhile)
    return assignee


@dataclass(frozen=True)
class ClaimOutcome:
    task_id: int
    title: str
    claimed: bool
    message: str = ""


def bulk_claim(user: User, task_ids: list[int]) -> list[ClaimOutcome]:
    """Claim each task on its own (a savepoint each): the ones someone else took meanwhile, or that are done or
    not the user's to do, stay as they are and say why; the others are claimed. The caller commits."""
    outcomes = []
    for task_id in list(dict.fromkeys(task_ids))[:BULK_MAX]:
        title = str(task_id)
        try:
            with savepoint():
                task = inbox.task_for(user, task_id)
                title = localized_title(task.title, task.title_en) + " · " + task.subject
                inbox.claim(user, task)
            outcomes.append(ClaimOutcome(task_id, title, True))
        except inbox.InboxError as exc:
            outcomes.append(ClaimOutcome(task_id, title, False, for_error(exc)))
    return outcomes
