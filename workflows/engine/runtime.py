"""Running instances: start, complete a task, fire timers, deliver messages, and save.

Saving writes the instance-only state together with its projections: the inbox
(``human_task``), event subscriptions and the audit log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import EventSubscription, HumanTask, InstanceStatus, ProcessInstance, TaskStatus
from app.models.types import utcnow
from app.models.workflow import record_audit
from workflows import expressions
from workflows.engine import specs
from workflows.engine.errors import ConcurrentUpdate, NotWaiting, TaskNotOpen, WorkflowError
from workflows.engine.scripting import SCRIPT_ENGINE, running

log = logging.getLogger(__name__)

TIMER_EVENT_TYPES = ("TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition")
SUBSCRIBABLE_EVENT_TYPES = {"MessageEventDefinition": "message", "SignalEventDefinition": "signal"}


def _record_engine_step(instance: ProcessInstance, actor_id: int | None):
    """Audit each visible element the engine itself completes (service tasks, events)."""

    def did_complete(task):
        spec = task.task_spec
        if getattr(spec, "bpmn_id", None) and "Gateway" not in type(spec).__name__:
            record_audit(
                "step.completed",
                actor_id=None,
                instance_id=instance.id,
                task_name=spec.bpmn_id,
                after={"name": spec.bpmn_name or spec.bpmn_id},
            )

    return did_complete


def _run_engine(workflow: BpmnWorkflow, instance: ProcessInstance, actor_id: int | None) -> None:
    with running(instance, actor_id):
        try:
            workflow.do_engine_steps(did_complete_task=_record_engine_step(instance, actor_id))
        except WorkflowException as exc:
            raise WorkflowError(str(exc)) from exc


def start(
    process_id: str,
    *,
    title: str,
    business_type: str,
    business_id: int,
    agency_id: int,
    agency_path: str,
    data: dict[str, Any],
    actor_id: int | None,
) -> ProcessInstance:
    spec_key = specs.current_spec_key(process_id)
    spec, subprocess_specs = specs.specs_for(spec_key)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=SCRIPT_ENGINE)
    workflow.task_tree.set_data(**data)
    now = utcnow()
    instance = ProcessInstance(
        spec_key=spec_key,
        process_id=process_id,
        title=title,
        business_type=business_type,
        business_id=business_id,
        agency_id=agency_id,
        agency_path=agency_path,
        state="",
        serializer_version=specs.SERIALIZER_VERSION,
        created_by_id=actor_id,
        updated_by_id=actor_id,
        created_at=now,
        updated_at=now,
    )
    with _conflicts_reported():
        db.session.add(instance)
        db.session.flush()  # operations and audit need the id
        record_audit("instance.started", actor_id=actor_id, instance_id=instance.id,
                     object_type=business_type, object_id=business_id)
        _run_engine(workflow, instance, actor_id)
        _save(instance, workflow, actor_id, had_subscriptions=False)
    return instance


def load(instance: ProcessInstance) -> BpmnWorkflow:
    return specs.deserialize(instance.state, instance.spec_key)


COMPLETE_ATTEMPTS = 3


def complete_task(task: HumanTask, data: dict[str, Any], *, actor_id: int, comment: str | None = None) -> ProcessInstance:
    """Complete one user task with the form's data and run the process on to its next wait.

    If the instance was saved by someone else meanwhile (a timer fired, another branch moved on),
    the completion is applied again to the fresh state; if that someone completed this very task,
    the answer is TaskNotOpen. Only the savepoint is rolled back between attempts.
    """
    task_id, instance_id = task.id, task.instance_id
    for attempt in range(1, COMPLETE_ATTEMPTS + 1):
        try:
            with _conflicts_reported(), db.session.begin_nested():
                return _complete_task(task, data, actor_id=actor_id, comment=comment)
        except ConcurrentUpdate:
            if attempt == COMPLETE_ATTEMPTS:
                raise
            task = db.session.get(HumanTask, task_id, populate_existing=True)
            db.session.get(ProcessInstance, instance_id, populate_existing=True)
    raise AssertionError("unreachable")


def _complete_task(task: HumanTask, data: dict[str, Any], *, actor_id: int, comment: str | None) -> ProcessInstance:
    if task.status != TaskStatus.open:
        raise TaskNotOpen(task.id)
    instance = db.session.get(ProcessInstance, task.instance_id)
    workflow = load(instance)
    had_subscriptions = _waits_for_events(workflow)
    spiff_task = workflow.get_task_from_id(UUID(task.task_guid))
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise TaskNotOpen(task.id)
    spiff_task.set_data(**data)
    now = utcnow()
    task.status = TaskStatus.completed
    task.completed_at = now
    task.completed_by_id = actor_id
    task.assignee_id = task.assignee_id or actor_id
    task.comment = comment
    record_audit("task.completed", actor_id=actor_id, instance_id=instance.id, human_task_id=task.id,
                 task_name=task.spec_name, comment=comment, after=_jsonable(data))
    with running(instance, actor_id):
        try:
            spiff_task.run()
        except WorkflowException as exc:
            raise WorkflowError(str(exc)) from exc
    _run_engine(workflow, instance, actor_id)
    _save(instance, workflow, actor_id, had_subscriptions=had_subscriptions)
    return instance


def fire_due_timers(now: datetime | None = None, batch_size: int = 100) -> int:
    """Wake instances whose next timer is due. Safe to run in several processes at once."""
    now = now or utcnow()
    query = (
        select(ProcessInstance)
        .where(ProcessInstance.next_timer_at <= now, ProcessInstance.status.in_(InstanceStatus.OPEN))
        .order_by(ProcessInstance.next_timer_at)
        .limit(batch_size)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    fired = 0
    for instance in db.session.scalars(query).all():
        try:
            with _conflicts_reported(), db.session.begin_nested():
                workflow = load(instance)
                had_subscriptions = _waits_for_events(workflow)
                with running(instance, None):
                    workflow.refresh_timers()
                _run_engine(workflow, instance, None)
                _save(instance, workflow, None, had_subscriptions=had_subscriptions)
            fired += 1
        except ConcurrentUpdate:
            continue  # another worker got there first
        except Exception as exc:  # noqa: BLE001 - one broken instance must not stop every other timer
            log.exception("timer of instance %s failed", instance.id)
            with db.session.begin_nested():
                instance.error = str(exc)[:2000]
                instance.next_timer_at = None
                instance.status = InstanceStatus.error
                record_audit("instance.error", instance_id=instance.id, comment=instance.error)
    return fired


def deliver_message(name: str, correlation: dict[str, Any] | None, payload: Any, *, actor_id: int | None) -> list[int]:
    """Hand a message to every instance waiting for it; raises NotWaiting when none is.

    A diagram's correlation properties read their values from the message, so the correlation values
    travel in the payload too; SpiffWorkflow then checks them against the instance's own values.
    """
    key = _correlation_key(correlation or {})
    if isinstance(payload, dict):
        payload = {prop: value for props in (correlation or {}).values() for prop, value in props.items()} | payload
    instance_ids = db.session.scalars(
        select(EventSubscription.instance_id).where(
            EventSubscription.event_type == "message",
            EventSubscription.name == name,
            EventSubscription.correlation_key == key,
        )
    ).all()
    if not instance_ids:
        raise NotWaiting(name)
    for instance in db.session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(instance_ids))):
        workflow = load(instance)
        with running(instance, actor_id):
            try:
                workflow.send_event(BpmnEvent(MessageEventDefinition(name), payload, correlation))
            except WorkflowException as exc:
                raise NotWaiting(name) from exc
        record_audit("message.received", actor_id=actor_id, instance_id=instance.id, task_name=name)
        with _conflicts_reported():
            _run_engine(workflow, instance, actor_id)
            _save(instance, workflow, actor_id)
    return list(instance_ids)


def move_timer(instance_id: int, variable: str, new_due_at: datetime, *, actor_id: int | None = None) -> int:
    """Move the waiting date timers that read ``variable`` to ``new_due_at`` (a working-day calendar change).

    The variable is rewritten in the workflow's data and in each waiting timer's task, and the value the
    timer already evaluated is replaced, so that the instance's ``next_timer_at`` follows. Returns how many
    timers moved: 0 when the instance no longer waits on such a timer (it fired or the process moved on).
    """
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None or instance.status not in InstanceStatus.OPEN:
        return 0
    workflow = load(instance)
    value = new_due_at.isoformat()
    moved = 0
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if type(definition).__name__ != "TimeDateEventDefinition" or definition.expression.strip() != variable:
            continue
        task.set_data(**{variable: value})
        task._set_internal_data(event_value=value)
        moved += 1
    if not moved:
        return 0
    workflow.data[variable] = value
    with _conflicts_reported():
        _save(instance, workflow, actor_id, had_subscriptions=_waits_for_events(workflow))
    return moved


# --- saving and the projections ----------------------------------------------------------------------


def _save(instance: ProcessInstance, workflow: BpmnWorkflow, actor_id: int | None, *, had_subscriptions: bool = True) -> None:
    """Write the state and rewrite its projections; the caller commits."""
    ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    waiting = workflow.waiting_events()
    now = utcnow()
    instance.state = specs.serialize(workflow)
    instance.updated_at = now
    instance.updated_by_id = actor_id
    instance.next_timer_at = _next_timer(waiting)
    instance.error = None  # a save that succeeds ends an earlier failure
    if workflow.is_completed():
        instance.status = InstanceStatus.complete
        instance.completed_at = now
        record_audit("instance.completed", actor_id=actor_id, instance_id=instance.id)
    else:
        instance.status = InstanceStatus.running if ready else InstanceStatus.waiting
    _project_human_tasks(instance, ready, now)
    _project_subscriptions(instance, waiting, had_subscriptions)
    db.session.flush()


@contextmanager
def _conflicts_reported() -> Iterator[None]:
    """Any write that finds its row changed by someone else (optimistic lock) is a ConcurrentUpdate."""
    try:
        yield
    except StaleDataError as exc:
        raise ConcurrentUpdate(str(exc)) from exc
    except OperationalError as exc:
        if "locked" in str(exc):  # SQLite: another writer held the database past the busy timeout
            raise ConcurrentUpdate(str(exc)) from exc
        raise


def _project_human_tasks(instance: ProcessInstance, ready: dict, now: datetime) -> None:
    open_rows = db.session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.open)
    ).all()
    known = {row.task_guid for row in open_rows}
    for row in open_rows:
        if row.task_guid not in ready:
            row.status = TaskStatus.cancelled
            row.completed_at = now
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
                created_at=now,
            )
        )


def _due_at(expression: str | None, data: dict) -> datetime | None:
    if not expression:
        return None
    value = expressions.evaluate(expression, data)
    return TimerEventDefinition.get_datetime(value) if value else None


def _next_timer(waiting) -> datetime | None:
    due = []
    for pending in waiting:
        if pending.event_type in TIMER_EVENT_TYPES and isinstance(pending.value, str):
            try:
                due.append(TimerEventDefinition.get_datetime(pending.value))
            except ValueError:
                continue  # a cycle or duration value rather than a point in time
    return min(due) if due else None


def _waits_for_events(workflow: BpmnWorkflow) -> bool:
    return bool(_subscriptions_wanted(workflow.waiting_events()))


def _subscriptions_wanted(waiting) -> set[tuple[str, str, str]]:
    return {
        (SUBSCRIBABLE_EVENT_TYPES[p.event_type], p.name, _correlation_key(p.correlations))
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


def _correlation_key(correlation: dict[str, Any]) -> str:
    return json.dumps(correlation, sort_keys=True, ensure_ascii=False) if correlation else ""


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, default=str))


