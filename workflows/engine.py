"""The workflow engine: the only module that imports SpiffWorkflow.

One request or one job is one transaction: load the instance (its
``lock_version`` is checked when it is written back), act on the Spiff
workflow, run engine steps (service tasks change domain rows through
``workflows.operations``), then save the instance-only state together with the
inbox projection (``human_task``), event subscriptions, audit events and
whatever the operations wrote to the outbox. The caller commits once.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Iterator
from uuid import UUID
from xml.etree import ElementTree

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import EventSubscription, HumanTask, InstanceStatus, ProcessInstance, TaskStatus, WorkflowSpec
from app.models.types import utcnow
from app.models.workflow import record_audit
from workflows import BPMN_DIR, expressions, operations

TIMER_EVENT_TYPES = ("TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition")
SUBSCRIBABLE_EVENT_TYPES = {"MessageEventDefinition": "message", "SignalEventDefinition": "signal"}
BPMN_NS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


class WorkflowError(Exception):
    """Something in a workflow went wrong; the transaction must be rolled back."""


class ConcurrentUpdate(WorkflowError):
    """Someone else changed the same instance or task first; nothing of ours was saved."""


class TaskNotOpen(WorkflowError):
    """The task has already been completed or cancelled."""


class NotWaiting(WorkflowError):
    """No instance waits for this message (a normal answer, not a failure)."""


# --- the safe script engine -------------------------------------------------------------------------


class _SafeEnvironment(BasePythonScriptEngineEnvironment):
    def evaluate(self, expression, context, external_context=None):
        return expressions.evaluate(expression, context, external_context)

    def execute(self, script, context, external_context=None):
        raise expressions.ExpressionRefused("script tasks are not allowed; use a service task operation")

    def call_service(self, context, **kwargs):
        raise expressions.ExpressionRefused("services are called through the engine")


@dataclass
class _Run:
    instance: ProcessInstance
    actor_id: int | None


_current_run: contextvars.ContextVar[_Run] = contextvars.ContextVar("current_run")


class _ScriptEngine(PythonScriptEngine):
    def __init__(self):
        super().__init__(environment=_SafeEnvironment())

    def call_service(self, task, operation_name, operation_params, **_):
        run = _current_run.get()
        context = operations.OperationContext(
            instance_id=run.instance.id,
            process_id=run.instance.process_id,
            business_type=run.instance.business_type,
            business_id=run.instance.business_id,
            agency_id=run.instance.agency_id,
            task_name=task.task_spec.name,
            actor_id=run.actor_id,
        )
        params = {name: spec["value"] for name, spec in operation_params.items()}
        result = operations.get(operation_name)(context, **params)
        return json.dumps(result if result is not None else {})


SCRIPT_ENGINE = _ScriptEngine()


# --- serialization: instance-only state, specs stored once per version ------------------------------

_restoring_specs: contextvars.ContextVar[tuple] = contextvars.ContextVar("restoring_specs")


class _InstanceOnlyConverter(BpmnWorkflowConverter):
    """Leaves the spec out of an instance's state and takes it from the cache on restore."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec, subprocess_specs = _restoring_specs.get()
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_instance_serializer = BpmnWorkflowSerializer(
    BpmnWorkflowSerializer.configure({**SPIFF_CONFIG, BpmnWorkflow: _InstanceOnlyConverter})
)
_spec_serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def serialize(workflow: BpmnWorkflow) -> str:
    return _instance_serializer.serialize_json(workflow)


def deserialize(state: str, spec_key: str) -> BpmnWorkflow:
    token = _restoring_specs.set(_specs_for(spec_key))
    try:
        workflow = _instance_serializer.deserialize_json(state)
    finally:
        _restoring_specs.reset(token)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow


# --- specs -------------------------------------------------------------------------------------------

_spec_cache: dict[str, tuple[Any, dict]] = {}
_spec_lock = threading.Lock()
_bpmn_dirs = [BPMN_DIR]


def bpmn_path(process_id: str):
    """One file per lifecycle, named after its process id."""
    for folder in _bpmn_dirs:
        candidate = folder / f"{process_id}.bpmn"
        if candidate.exists():
            return candidate
    raise WorkflowError(f"no diagram for process {process_id!r}")


def add_bpmn_dir(folder) -> None:
    """Let tests and plug-ins add diagrams from another folder (searched first)."""
    if folder not in _bpmn_dirs:
        _bpmn_dirs.insert(0, folder)


def parse(process_id: str, xml: bytes):
    """Parse and validate against the BPMN XSD; returns (spec, subprocess specs)."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_str(xml, filename=f"{process_id}.bpmn")
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


def current_spec_key(process_id: str) -> str:
    """The version of the diagram on disk now, stored if it is new."""
    xml = bpmn_path(process_id).read_bytes()
    key = f"{process_id}@{hashlib.sha256(xml).hexdigest()}"
    if key not in _spec_cache:
        with _spec_lock:
            if key not in _spec_cache:
                _spec_cache[key] = parse(process_id, xml)
    if db.session.get(WorkflowSpec, key) is None:
        spec, subprocess_specs = _spec_cache[key]
        serialized = json.dumps(
            {
                "spec": _spec_serializer.to_dict(spec),
                "subprocess_specs": {name: _spec_serializer.to_dict(s) for name, s in subprocess_specs.items()},
            }
        )
        try:
            with db.session.begin_nested():
                db.session.add(
                    WorkflowSpec(spec_key=key, process_id=process_id, bpmn_xml=xml.decode(), serialized=serialized)
                )
        except IntegrityError:
            pass  # another process stored the same version first
    return key


def _specs_for(spec_key: str):
    cached = _spec_cache.get(spec_key)
    if cached is None:
        row = db.session.get(WorkflowSpec, spec_key)
        if row is None:
            raise WorkflowError(f"unknown workflow version {spec_key}")
        stored = json.loads(row.serialized)
        cached = (
            _spec_serializer.from_dict(stored["spec"]),
            {name: _spec_serializer.from_dict(s) for name, s in stored["subprocess_specs"].items()},
        )
        with _spec_lock:
            _spec_cache[spec_key] = cached
    return cached


# --- running -----------------------------------------------------------------------------------------


@contextmanager
def _running(instance: ProcessInstance, actor_id: int | None) -> Iterator[None]:
    token = _current_run.set(_Run(instance, actor_id))
    try:
        yield
    finally:
        _current_run.reset(token)


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
    with _running(instance, actor_id):
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
    spec_key = current_spec_key(process_id)
    spec, subprocess_specs = _specs_for(spec_key)
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
        serializer_version=_instance_serializer.VERSION,
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
        _save(instance, workflow, actor_id)
    return instance


def load(instance: ProcessInstance) -> BpmnWorkflow:
    return deserialize(instance.state, instance.spec_key)


def complete_task(task: HumanTask, data: dict[str, Any], *, actor_id: int, comment: str | None = None) -> ProcessInstance:
    """Complete one user task with the form's data and run the process on to its next wait."""
    with _conflicts_reported():
        return _complete_task(task, data, actor_id=actor_id, comment=comment)


def _complete_task(task: HumanTask, data: dict[str, Any], *, actor_id: int, comment: str | None) -> ProcessInstance:
    if task.status != TaskStatus.open:
        raise TaskNotOpen(task.id)
    instance = db.session.get(ProcessInstance, task.instance_id)
    workflow = load(instance)
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
    with _running(instance, actor_id):
        try:
            spiff_task.run()
        except WorkflowException as exc:
            raise WorkflowError(str(exc)) from exc
    _run_engine(workflow, instance, actor_id)
    _save(instance, workflow, actor_id)
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
                with _running(instance, None):
                    workflow.refresh_timers()
                _run_engine(workflow, instance, None)
                _save(instance, workflow, None)
            fired += 1
        except ConcurrentUpdate:
            continue  # another worker got there first
        except WorkflowError as exc:
            with db.session.begin_nested():
                instance.error = str(exc)[:2000]
                instance.next_timer_at = None
                instance.status = InstanceStatus.error
                record_audit("instance.error", instance_id=instance.id, comment=instance.error)
    return fired


def deliver_message(name: str, correlation: dict[str, Any] | None, payload: Any, *, actor_id: int | None) -> list[int]:
    """Hand a message to every instance waiting for it; raises NotWaiting when none is."""
    key = _correlation_key(correlation or {})
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
        with _running(instance, actor_id):
            try:
                workflow.send_event(BpmnEvent(MessageEventDefinition(name), payload))
            except WorkflowException as exc:
                raise NotWaiting(name) from exc
        record_audit("message.received", actor_id=actor_id, instance_id=instance.id, task_name=name)
        with _conflicts_reported():
            _run_engine(workflow, instance, actor_id)
            _save(instance, workflow, actor_id)
    return list(instance_ids)


# --- saving and the projections ----------------------------------------------------------------------


def _save(instance: ProcessInstance, workflow: BpmnWorkflow, actor_id: int | None) -> None:
    ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    waiting = workflow.waiting_events()
    now = utcnow()
    instance.state = serialize(workflow)
    instance.updated_at = now
    instance.updated_by_id = actor_id
    instance.next_timer_at = _next_timer(waiting)
    if workflow.is_completed():
        instance.status = InstanceStatus.complete
        instance.completed_at = now
        record_audit("instance.completed", actor_id=actor_id, instance_id=instance.id)
    else:
        instance.status = InstanceStatus.running if ready else InstanceStatus.waiting
    _project_human_tasks(instance, ready, now)
    _project_subscriptions(instance, waiting)
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


def _project_subscriptions(instance: ProcessInstance, waiting) -> None:
    wanted = {
        (SUBSCRIBABLE_EVENT_TYPES[p.event_type], p.name, _correlation_key(p.correlations))
        for p in waiting
        if p.event_type in SUBSCRIBABLE_EVENT_TYPES
    }
    db.session.execute(delete(EventSubscription).where(EventSubscription.instance_id == instance.id))
    for event_type, name, key in wanted:
        db.session.add(EventSubscription(instance_id=instance.id, event_type=event_type, name=name,
                                         correlation_key=key))


def _correlation_key(correlation: dict[str, Any]) -> str:
    return json.dumps(correlation, sort_keys=True, ensure_ascii=False) if correlation else ""


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, default=str))


# --- reading an instance -----------------------------------------------------------------------------


def element_states(instance: ProcessInstance, bpmn_xml: str) -> dict[str, str]:
    """done / active / waiting per diagram element, for colouring the diagram."""
    workflow = load(instance)
    states: dict[str, str] = {}
    rank = {"done": 0, "waiting": 1, "active": 2}
    flows = _sequence_flows(bpmn_xml)

    def mark(element_id: str, state: str) -> None:
        if rank[state] >= rank.get(states.get(element_id, "done"), 0) or element_id not in states:
            states[element_id] = state

    for task in workflow.get_tasks():
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        if task.state == TaskState.COMPLETED:
            mark(bpmn_id, "done")
        elif task.state in (TaskState.READY, TaskState.STARTED):
            mark(bpmn_id, "active")
        elif task.state == TaskState.WAITING:
            mark(bpmn_id, "waiting")
        else:
            continue
        source = _nearest_bpmn_ancestor(task)
        if source and (source, bpmn_id) in flows:
            states[flows[(source, bpmn_id)]] = "done"
    return states


def _nearest_bpmn_ancestor(task) -> str | None:
    parent = task.parent
    while parent is not None:
        bpmn_id = getattr(parent.task_spec, "bpmn_id", None)
        if bpmn_id and parent.state == TaskState.COMPLETED:
            return bpmn_id
        parent = parent.parent
    return None


@lru_cache(maxsize=64)
def _sequence_flows(bpmn_xml: str) -> dict[tuple[str, str], str]:
    root = ElementTree.fromstring(bpmn_xml)
    return {
        (flow.get("sourceRef"), flow.get("targetRef")): flow.get("id")
        for flow in root.iter(f"{BPMN_NS}sequenceFlow")
    }


def task_data(instance: ProcessInstance, task_guid: str) -> dict[str, Any]:
    """The data a user task sees, for prefilling its form."""
    workflow = load(instance)
    spiff_task = workflow.get_task_from_id(UUID(task_guid))
    return dict(spiff_task.data) if spiff_task else {}
