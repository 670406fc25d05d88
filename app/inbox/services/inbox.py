"""Task inbox: one task — who may see it, claiming, completing it, what it is about. Lists of tasks are
``task_lists``'."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.accounts.models import User
from app.accounts.services import policy
from app.core.conflicts import flush_or_conflict
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import HumanTask, ProcessInstance, TaskStatus, record_audit
from app.inbox.services import delegations
from app.inbox.services.task_query import (
    VIEWS,  # noqa: F401 - the API checks a view against it
)
from workflows import engine


class InboxError(Exception):
    """A task action that cannot happen; the message is for the user."""

    code = "error"


class TaskNotFound(InboxError):
    code = "not_found"


class TaskAlreadyCompleted(InboxError):
    code = "already_completed"


class TaskClaimedByOther(InboxError):
    code = "claimed_by_other"

    def __init__(self, assignee_name: str):
        super().__init__(assignee_name)
        self.assignee_name = assignee_name


class TaskChangedMeanwhile(InboxError):
    code = "conflict"


# --- completion handlers: what an answer does to domain rows before the workflow moves on ---------------


@dataclass(frozen=True)
class TaskAnswer:
    """A user task's answer as plain values (a task form's ``answer()`` builds it): ``data`` goes into the workflow
    under the task's own variable, ``comment`` into the audit."""

    data: dict[str, Any]
    comment: str | None = None


CompletionHandler = Callable[[HumanTask, TaskAnswer, User], dict]
_handlers: dict[str, CompletionHandler] = {}


def on_complete(form_key: str):
    """Register the domain step for a form key; it returns the data to put into the workflow."""

    def register(func: CompletionHandler) -> CompletionHandler:
        _handlers[form_key] = func
        return func

    return register


# --- one task --------------------------------------------------------------------------------------------


# A task with its instance's columns, which its page shows (what the task is about), read in one statement; not the
# instance's serialized state, which only the engine reads (a completion's engine reads it then).
_TASK_AND_INSTANCE = (select(HumanTask).where(HumanTask.id == bindparam("task_id"))
                      .options(joinedload(HumanTask.instance).defer(ProcessInstance.state)))


def task_for(user: User, task_id: int) -> HumanTask:
    """The task if the user may see it (themselves, or for an officer they act for); TaskNotFound otherwise (no hint
    that it exists)."""
    task = db.session.scalar(_TASK_AND_INSTANCE, {"task_id": task_id})
    if task is None or not (policy.can_see_task(user, task) or any(
            policy.can_see_task(person, task) for person in delegations.absent_colleagues(user))):
        raise TaskNotFound(task_id)
    return task


def claim(user: User, task: HumanTask) -> None:
    acting_for = check_can_act(user, task)
    if task.assignee_id == user.id:
        return
    task.assignee_id = user.id
    task.claimed_at = utcnow()
    audit_task("task.claimed", user, task, acting_for)
    flush_or_conflict(TaskChangedMeanwhile)


def unclaim(user: User, task: HumanTask) -> None:
    """Back to the role's queue: by whoever holds it, or by the officer acting for them."""
    if task.status != TaskStatus.open:
        raise TaskAlreadyCompleted(task.id)
    holder = next((person for person in (user, *delegations.absent_colleagues(user))
                   if task.assignee_id == person.id), None)
    if holder is None:
        raise TaskClaimedByOther(_assignee_name(task)) if task.assignee_id else TaskNotFound(task.id)
    task.assignee_id = None
    task.claimed_at = None
    audit_task("task.unclaimed", user, task, holder if holder is not user else None)
    flush_or_conflict(TaskChangedMeanwhile)


def audit_task(action: str, user: User, task: HumanTask, acting_for: User | None, **after) -> None:
    """A task event; done for an absent officer, it names them ("acting for")."""
    if acting_for is not None:
        after |= {"acting_for_id": acting_for.id, "acting_for": acting_for.display_name}
    record_audit(action, actor_id=user.id, instance_id=task.instance_id, human_task_id=task.id,
                 task_name=task.spec_name, after=after or None)


def complete(user: User, task: HumanTask, answer: TaskAnswer) -> ProcessInstance:
    """Apply the answer: domain step, then the workflow moves on, in one unit of work on the instance (what the
    domain step does to the same workflow, such as moving its timers, joins it: one load, one save). The caller
    commits."""
    acting_for = check_can_act(user, task)
    task_id = task.id  # the session may be unusable after a conflict
    handler = _handlers.get(task.form_key or "")
    try:
        with engine.working_on(task.instance_id, actor_id=user.id) as work:
            data = handler(task, answer, user) if handler else {}
            data.setdefault(task.spec_name, dict(answer.data))
            if acting_for is not None:
                audit_task("task.acting_for", user, task, acting_for, did="task.completed")
            work.complete(task, data, comment=answer.comment)
        return work.instance
    except engine.TaskNotOpen as exc:
        raise TaskAlreadyCompleted(task_id) from exc
    except engine.ConcurrentUpdate as exc:
        raise TaskChangedMeanwhile(task_id) from exc


def check_can_act(user: User, task: HumanTask) -> User | None:
    """Whether the user may act on the task now: None when in their own right, the absent officer when only as
    their acting officer; TaskNotFound / TaskClaimedByOther / TaskAlreadyCompleted otherwise."""
    if task.status != TaskStatus.open:
        raise TaskAlreadyCompleted(task.id)
    if policy.can_do_task(user, task) and task.assignee_id in (None, user.id):
        return None
    for absent in delegations.absent_colleagues(user):
        if policy.can_do_task(absent, task) and task.assignee_id in (None, user.id, absent.id):
            return absent
    if not policy.can_do_task(user, task):
        raise TaskNotFound(task.id)
    raise TaskClaimedByOther(_assignee_name(task))


def _assignee_name(task: HumanTask) -> str:
    assignee = db.session.get(User, task.assignee_id) if task.assignee_id else None
    return assignee.display_name if assignee else ""


def form_initial_data(task: HumanTask) -> dict:
    """Values to prefill a task's form with (for a revision: the content being revised)."""
    provider = _prefill.get(task.form_key or "")
    return provider(task) if provider else {}


_prefill: dict[str, Callable[[HumanTask], dict]] = {}


def prefill(form_key: str):
    def register(func):
        _prefill[form_key] = func
        return func

    return register


# --- what a task is about ---------------------------------------------------------------------------------

_subject_providers: dict[str, Callable[[HumanTask], dict]] = {}


def subject_provider(business_type: str):
    def register(func):
        _subject_providers[business_type] = func
        return func

    return register


def task_subject(task: HumanTask) -> dict:
    instance = db.session.get(ProcessInstance, task.instance_id)
    provider = _subject_providers.get(instance.business_type)
    return {"instance": instance, **(provider(instance) if provider else {})}


def can_act(user: User, task: HumanTask) -> bool:
    try:
        check_can_act(user, task)
        return True
    except InboxError:
        return False


def acting_for(user: User, task: HumanTask) -> User | None:
    """The absent officer the user would act for on this task, if it is only as their acting officer."""
    try:
        return check_can_act(user, task)
    except InboxError:
        return None
