"""Loading, running and saving an instance: the state with its projections, the inbox (``human_task``), event
subscriptions and the audit log."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from app.core import held_rows
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import (
    DEFAULT_PRIORITY,
    EventSubscription,
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    TaskStatus,
    record_audit,
)
from workflows import expressions
from workflows.engine import specs
from workflows.engine.errors import ConcurrentUpdate, StateVersionMismatch, WorkflowError
from workflows.engine.scripting import running
from workflows.engine.timers import next_timer

SUBSCRIBABLE_EVENT_TYPES = {"MessageEventDefinition": "message", "SignalEventDefinition": "signal"}
# do_engine_steps ends by refreshing the timers; a timer that came due meanwhile (or a cycle's next round) leaves a
# task ready that it did not run. The engine runs again until none is left, at most this many times.
ENGINE_ROUNDS = 20


def load(instance: ProcessInstance) -> BpmnWorkflow:
    """The instance's workflow; a state saved in another serializer version is upgraded (or refused)."""
    try:
        return specs.deserialize(instance.state, instance.spec_key, instance.serializer_version)
    except StateVersionMismatch as exc:
        raise StateVersionMismatch(f"instance {instance.id}: {exc}") from None


def _record_engine_step(instance: ProcessInstance):
    """Audit each visible element the engine itself completes (service tasks, events)."""

    def did_complete(task):
        spec = task.task_spec
        if getattr(spec, "bpmn_id", None) and "Gateway" not in type(spec).__name__:
            record_audit("step.completed", actor_id=None, instance_id=instance.id, task_name=spec.bpmn_id,
                         after={"name": spec.bpmn_name or spec.bpmn_id})

    return did_complete


def run_engine(workflow: BpmnWorkflow, instance: ProcessInstance, actor_id: int | None) -> None:
    """Run the process on to its next wait (service tasks, gateways, events, timers that are due)."""
    with running(instance, actor_id):
        try:
            for _ in range(ENGINE_ROUNDS):
                workflow.do_engine_steps(did_complete_task=_record_engine_step(instance))
                if not workflow.get_tasks(state=TaskState.READY, manual=False):
                    return
        except WorkflowException as exc:
            raise WorkflowError(str(exc)) from exc


def ready_user_tasks(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The user tasks waiting for someone, by task id: what the inbox's open rows project."""
    return {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}


def save(instance: ProcessInstance, workflow: BpmnWorkflow, actor_id: int | None, *,
         had_subscriptions: bool = True, due_dates_moved: bool = False, started: bool = False,
         open_tasks: Collection[str] | None = None) -> None:
    """Write the state and rewrite its projections; the caller commits. ``due_dates_moved``: the open tasks'
    due dates are read again from their data (a calendar change moved the deadlines they read). ``started``: the
    instance was created in this unit, so it has no task rows nor subscriptions yet to compare with.
    ``open_tasks``: the ids of the tasks whose rows are open (the user tasks ready in the state as loaded, less
    those completed since); when each of them is still ready (a timer fired, a message arrived, a completed task
    was followed by the next) no row needs changing, so the rows are not read, only the new ones written."""
    ready = ready_user_tasks(workflow)
    waiting = workflow.waiting_events()
    now = utcnow()
    instance.state = specs.serialize(workflow)
    instance.serializer_version = specs.SERIALIZER_VERSION
    instance.updated_at = now
    instance.updated_by_id = actor_id
    instance.next_timer_at = next_timer(waiting)
    instance.error = None  # a save that succeeds ends an earlier failure
    if workflow.is_completed():
        instance.status = InstanceStatus.complete
        instance.completed_at = now
        record_audit("instance.completed", actor_id=actor_id, instance_id=instance.id)
    else:
        instance.status = InstanceStatus.running if ready else InstanceStatus.waiting
    _project_human_tasks(instance, ready, now, due_dates_moved, () if started else open_tasks)
    _project_subscriptions(instance, waiting, had_subscriptions and not started)
    db.session.flush()


@contextmanager
def rows_in_one_insert() -> Iterator[held_rows.HeldRows]:
    """The audit events, notifications and outbox messages recorded inside go out at the end, one INSERT per
    table; if the block fails, into the session.

    Inside another such block (the timer job's batch around each instance's unit of work) they are handed to it
    at the end instead, and go out with its rows: one INSERT per table for the batch. They are then the outer
    block's, kept or dropped with its work."""
    with held_rows.rows_held() as scope:
        try:
            yield scope
        except BaseException:
            held_rows.release(scope)  # what the caller recorded stays with the transaction, as without holding
            raise
        if not held_rows.hand_out(scope):
            held_rows.write(scope)


@contextmanager
def conflicts_reported() -> Iterator[None]:
    """Any write that finds its row changed by someone else (optimistic lock) is a ConcurrentUpdate."""
    try:
        yield
    except StaleDataError as exc:
        raise ConcurrentUpdate(str(exc)) from exc
    except OperationalError as exc:
        if "locked" in str(exc):  # SQLite: another writer held the database past the busy timeout
            raise ConcurrentUpdate(str(exc)) from exc
        raise


def _project_human_tasks(instance: ProcessInstance, ready: dict, now: datetime, due_dates_moved: bool,
                         open_tasks: Collection[str] | None) -> None:
    if open_tasks is not None and not due_dates_moved and ready.keys() >= set(open_tasks):
        known = set(open_tasks)  # every open row stays as it is
    else:
        open_rows = db.session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.open)
        ).all()
        known = {row.task_guid: row for row in open_rows}
        for row in open_rows:
            if row.task_guid not in ready:
                row.status = TaskStatus.cancelled
                row.completed_at = now
            elif due_dates_moved:
                spiff_task = ready[row.task_guid]
                due = spiff_task.task_spec.extensions.get("properties", {}).get("due")
                if due and (moved := _due_at(due, spiff_task.data)) != row.due_at:
                    row.due_at = moved
    for guid, spiff_task in ready.items():
        if guid in known:
            continue
        spec = spiff_task.task_spec
        properties = spec.extensions.get("properties", {})
        db.session.add(
            HumanTask(
                instance_id=instance.id,
                task_guid=guid,
                spec_name=spec.bpmn_id or spec.name,
                process_id=instance.process_id,
                title=spec.bpmn_name or spec.name,
                title_en=properties.get("title_en"),
                subject=instance.title,
                lane=spec.lane,
                role=spec.lane,  # a lane's name is the role that works in it
                agency_id=instance.agency_id,
                agency_path=instance.agency_path,
                form_key=properties.get("form_key"),
                due_at=_due_at(properties.get("due"), spiff_task.data),
                priority=task_priority(properties.get("priority"), spiff_task.data),
                created_at=now,
            )
        )


def task_priority(expression: str | None, data: dict) -> int:
    """The task's priority, 0-100 with higher first (Camunda Tasklist's scale), from the user task's ``priority``
    property: an expression over the task's data, like ``due`` (``80``, or ``90 if ticket["urgent"] else 50``).

    Why from the diagram and not from the due date: lateness already has its own sort (by due date) and its own
    badge, and it changes every hour while the row is written only when the workflow moves; a stored "overdue"
    priority would be stale by the next morning. The priority is what the process owner says matters more, fixed
    when the task is created. Without the property, or with a value that is not a number, it is the default, 50.
    A broken expression fails the save, as a broken ``due`` does: it is the diagram's error.
    """
    if not expression:
        return DEFAULT_PRIORITY
    value = expressions.evaluate(expression, data)  # a broken expression is the diagram's error, as for ``due``
    try:
        value = int(value)
    except (TypeError, ValueError):
        return DEFAULT_PRIORITY
    return max(0, min(100, value))


def _due_at(expression: str | None, data: dict) -> datetime | None:
    if not expression:
        return None
    value = expressions.evaluate(expression, data)
    return TimerEventDefinition.get_datetime(value) if value else None


def waits_for_events(workflow: BpmnWorkflow) -> bool:
    return bool(_subscriptions_wanted(workflow.waiting_events()))


def _subscriptions_wanted(waiting) -> set[tuple[str, str, str]]:
    return {
        (SUBSCRIBABLE_EVENT_TYPES[p.event_type], p.name, correlation_key(p.correlations))
        for p in waiting
        if p.event_type in SUBSCRIBABLE_EVENT_TYPES
    }


def _project_subscriptions(instance: ProcessInstance, waiting, had_subscriptions: bool) -> None:
    wanted = _subscriptions_wanted(waiting)
    if not wanted and not had_subscriptions:
        return  # the common case: nothing to wait for before or after
    db.session.execute(delete(EventSubscription).where(EventSubscription.instance_id == instance.id))
    for event_type, name, key in wanted:
        db.session.add(EventSubscription(instance_id=instance.id, event_type=event_type, name=name,
                                         correlation_key=key))


def correlation_key(correlation: dict[str, Any]) -> str:
    return json.dumps(correlation, sort_keys=True, ensure_ascii=False) if correlation else ""


def jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, default=str))
