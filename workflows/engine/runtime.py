"""Running instances: start one, complete a task, fire the timers that are due, deliver a message.

Everything that acts on an existing instance goes through one unit of work (``workflows.engine.work``): one
load, the actions, one save.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import select

from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import EventSubscription, HumanTask, InstanceStatus, ProcessInstance, record_audit
from workflows.engine import specs
from workflows.engine.errors import ConcurrentUpdate, NotWaiting
from workflows.engine.saving import conflicts_reported, correlation_key, rows_in_one_insert, run_engine, save
from workflows.engine.scripting import SCRIPT_ENGINE, fired_together
from workflows.engine.work import sharing_one_savepoint, working_on

log = logging.getLogger(__name__)


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
    with rows_in_one_insert(), conflicts_reported():
        db.session.add(instance)
        db.session.flush()  # operations and audit need the id
        record_audit("instance.started", actor_id=actor_id, instance_id=instance.id,
                     object_type=business_type, object_id=business_id)
        run_engine(workflow, instance, actor_id)
        save(instance, workflow, actor_id, started=True)
    return instance


def complete_task(task: HumanTask, data: dict[str, Any], *, actor_id: int, comment: str | None = None) -> ProcessInstance:
    """Complete one user task with the form's data and run the process on to its next wait.

    If the instance was saved by someone else meanwhile (a timer fired, another branch moved on), the completion
    is applied again to the fresh state; if that someone completed this very task, the answer is TaskNotOpen.
    """
    with working_on(task.instance_id, actor_id=actor_id) as work:
        work.complete(task, data, comment=comment)
    return work.instance


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
    instances = db.session.scalars(query).all()
    with rows_in_one_insert() as held:  # the batch's audit, notification and outbox rows: one INSERT each
        try:
            # The usual case, every timer firing well, in one savepoint for the batch rather than one each.
            with db.session.begin_nested(), sharing_one_savepoint(), fired_together(tuple(i.id for i in instances)):
                for instance in instances:
                    with working_on(instance.id, actor_id=None, attempts=1) as work:
                        work.fire_timers()
            return len(instances)
        except Exception:  # noqa: BLE001 - one failed or was fired by another worker: see which, one by one
            held.drop_since({})  # the rows of the batch's attempt went with its savepoint
            log.info("a timer of the batch failed; firing its %s instances one by one", len(instances))
        return sum(_fire(instance) for instance in instances)


def _fire(instance: ProcessInstance) -> int:
    """One instance's due timers, in a savepoint of its own: 1 if fired, 0 if another worker got there first."""
    try:
        with working_on(instance.id, actor_id=None, attempts=1) as work:
            work.fire_timers()
        return 1
    except ConcurrentUpdate:
        return 0  # another worker got there first
    except Exception as exc:  # noqa: BLE001 - one broken instance must not stop every other timer
        log.exception("timer of instance %s failed", instance.id)
        with db.session.begin_nested():
            instance.error = str(exc)[:2000]
            instance.next_timer_at = None
            instance.status = InstanceStatus.error
            record_audit("instance.error", instance_id=instance.id, comment=instance.error)
        return 0


def deliver_message(name: str, correlation: dict[str, Any] | None, payload: Any, *, actor_id: int | None) -> list[int]:
    """Hand a message to every instance subscribed to it with these correlation values; returns the instances that
    took it, and raises NotWaiting when none did.

    Each instance is one unit of work in its own savepoint: one that turns out not to wait (it moved on since its
    subscription was written) is skipped, with nothing of it applied, and the others still get the message. For an
    instance the caller is already working on, ``work.deliver`` adds the message to that unit instead.
    """
    instance_ids = db.session.scalars(
        select(EventSubscription.instance_id).where(
            EventSubscription.event_type == "message",
            EventSubscription.name == name,
            EventSubscription.correlation_key == correlation_key(correlation or {}),
        ).order_by(EventSubscription.instance_id)
    ).all()
    delivered = []
    for instance_id in dict.fromkeys(instance_ids):
        try:
            with working_on(instance_id, actor_id=actor_id) as work:
                work.deliver(name, payload, correlation)
        except NotWaiting:
            log.info("instance %s no longer waits for %s", instance_id, name)
            continue
        delivered.append(instance_id)
    if not delivered:
        raise NotWaiting(name)
    return delivered
