"""The engine's unit of work: one load of an instance, the request's actions on it, one save.

    with engine.working_on(ticket.instance_id, actor_id=user.id) as work:
        work.move_timers({"resolution_warn_at": warn, "resolution_due_at": due})
        work.deliver("ticket_agent", {"action": "resolve"}, {"ticket": {"ticket_id": ticket.id}})
    work.instance  # saved and flushed; the caller commits

Inside the block the actions are only recorded. When the outermost block for the instance closes, the instance is
loaded once, the actions are applied in their order (each followed by engine steps, so the next one finds the
process where the last one left it), and the instance is saved once with its projections. The audit events,
notifications and outbox messages recorded inside the block, by the caller and by the engine and its operations, go
out in one INSERT per table.

A block opened for an instance that a block around it already works on joins that one: a service that moves a
ticket's timers, called by a desk action that also delivers a message, adds to the desk action's unit.

If someone else saved the instance meanwhile (its ``lock_version`` changed), the actions are applied again to the
fresh state; only the savepoint around the application is rolled back, so the domain rows the request wrote in the
block are kept. An action that cannot be applied (``TaskNotOpen``, ``NotWaiting``) raises from the block's end and
nothing of the unit is saved.
"""

from __future__ import annotations

import contextvars
import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.exceptions import TaskNotFoundException, WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from app.core.extensions import db
from app.core.held_rows import HeldRows
from app.core.types import utcnow
from app.core.workflow import HumanTask, InstanceStatus, ProcessInstance, TaskStatus, record_audit
from workflows.engine.errors import ConcurrentUpdate, NotWaiting, TaskNotOpen, WorkflowError
from workflows.engine.saving import (
    conflicts_reported,
    jsonable,
    load,
    ready_user_tasks,
    rows_in_one_insert,
    run_engine,
    save,
    waits_for_events,
)
from workflows.engine.scripting import running
from workflows.engine.timers import move_date_timers

ATTEMPTS = 3
# An action: applied to the loaded workflow (and told whether this is a replay); says whether it changed it.
Action = Callable[[ProcessInstance, BpmnWorkflow, bool], bool]

_open: contextvars.ContextVar[dict[int, Work] | None] = contextvars.ContextVar("open_work", default=None)
_in_shared_savepoint: contextvars.ContextVar[bool] = contextvars.ContextVar("in_shared_savepoint", default=False)


class Work:
    """What one request does to one instance; see the module's docstring."""

    def __init__(self, instance_id: int, actor_id: int | None, attempts: int):
        self.instance_id = instance_id
        self.actor_id = actor_id
        self.attempts = attempts
        self.timers_moved = 0  # after the block: how many waiting timers ``move_timers`` moved
        self._actions: list[Action] = []
        self._moves_only = True
        self._open_tasks: set[str] = set()
        # The saved instance, held: the session keeps a clean row only weakly, and its state is the largest read.
        self._instance: ProcessInstance | None = None

    @property
    def instance(self) -> ProcessInstance:
        return self._instance or db.session.get(ProcessInstance, self.instance_id)

    # --- the actions ------------------------------------------------------------------------------------------

    def complete(self, task: HumanTask, data: dict[str, Any], *, comment: str | None = None) -> None:
        """Complete a user task with the form's data (TaskNotOpen if it no longer is)."""
        task_id = task.id

        def apply(instance: ProcessInstance, workflow: BpmnWorkflow, replay: bool) -> bool:
            row = db.session.get(HumanTask, task_id, populate_existing=True) if replay else task
            if row is None or row.status != TaskStatus.open or row.instance_id != instance.id:
                raise TaskNotOpen(task_id)
            try:
                spiff_task = workflow.get_task_from_id(UUID(row.task_guid))
            except TaskNotFoundException:
                spiff_task = None
            if spiff_task is None or spiff_task.state != TaskState.READY:
                raise TaskNotOpen(task_id)
            spiff_task.set_data(**copy.deepcopy(data))
            row.status = TaskStatus.completed
            row.completed_at = utcnow()
            row.completed_by_id = self.actor_id
            row.assignee_id = row.assignee_id or self.actor_id
            row.comment = comment
            self._open_tasks.discard(row.task_guid)  # its row is no longer open, whatever the engine does next
            record_audit("task.completed", actor_id=self.actor_id, instance_id=instance.id, human_task_id=row.id,
                         task_name=row.spec_name, comment=comment, after=jsonable(data))
            try:
                spiff_task.run()
            except WorkflowException as exc:
                raise WorkflowError(str(exc)) from exc
            run_engine(workflow, instance, self.actor_id)
            return True

        self._add(apply, moves=False)

    def deliver(self, name: str, payload: Any = None, correlation: dict[str, Any] | None = None) -> None:
        """Hand this instance a message (NotWaiting if it does not wait for it, or for these correlation values).

        A diagram's correlation properties read their values from the message, so the correlation values travel in
        a dict payload too; SpiffWorkflow checks them against the instance's own values."""

        def apply(instance: ProcessInstance, workflow: BpmnWorkflow, replay: bool) -> bool:
            body = copy.deepcopy(payload)
            if isinstance(body, dict):
                body = {prop: value for props in (correlation or {}).values() for prop, value in props.items()} | body
            try:
                workflow.send_event(BpmnEvent(MessageEventDefinition(name), body, copy.deepcopy(correlation)))
            except WorkflowException as exc:
                raise NotWaiting(name) from exc
            record_audit("message.received", actor_id=self.actor_id, instance_id=instance.id, task_name=name)
            run_engine(workflow, instance, self.actor_id)
            return True

        self._add(apply, moves=False)

    def move_timers(self, due: dict[str, datetime]) -> None:
        """Move the waiting date timers that read each variable to its new moment (a working-day calendar
        change, a paused clock). A timer no longer waiting (it fired, the process moved on) is left alone."""
        values = {variable: moment.isoformat() for variable, moment in due.items()}

        def apply(instance: ProcessInstance, workflow: BpmnWorkflow, replay: bool) -> bool:
            moved = move_date_timers(workflow, values)
            self.timers_moved += moved
            if moved:
                run_engine(workflow, instance, self.actor_id)  # a moment already past fires now
            return bool(moved)

        self._add(apply, moves=True)

    def fire_timers(self) -> None:
        """Fire the timers that are due and run on (the timer job)."""

        def apply(instance: ProcessInstance, workflow: BpmnWorkflow, replay: bool) -> bool:
            workflow.refresh_timers()
            run_engine(workflow, instance, self.actor_id)
            return True

        self._add(apply, moves=False)

    def _add(self, action: Action, *, moves: bool) -> None:
        self._actions.append(action)
        self._moves_only = self._moves_only and moves

    # --- one load, the actions, one save ----------------------------------------------------------------------

    def _finish(self, held: HeldRows) -> None:
        if not self._actions:
            return
        with conflicts_reported():
            db.session.flush()  # the request's own rows first: a conflict there is not ours to replay
        if _in_shared_savepoint.get():  # the caller's savepoint stands for ours, and it retries, not we
            with conflicts_reported():
                self._apply(replay=False)
            return
        for attempt in range(1, self.attempts + 1):
            mark = held.mark()
            try:
                with conflicts_reported(), db.session.begin_nested():
                    self._apply(replay=attempt > 1)
                return
            except BaseException as exc:
                held.drop_since(mark)  # this attempt's rows go with its savepoint
                if not isinstance(exc, ConcurrentUpdate) or attempt == self.attempts:
                    raise

    def _apply(self, *, replay: bool) -> None:
        instance = db.session.get(ProcessInstance, self.instance_id, populate_existing=replay)
        if instance is None:
            raise WorkflowError(f"no instance {self.instance_id}")
        self._instance = instance
        self.timers_moved = 0
        if self._moves_only and instance.status not in InstanceStatus.OPEN:
            return  # a finished instance has no timer left to move
        workflow = load(instance)
        had_subscriptions = waits_for_events(workflow)
        self._open_tasks = set(ready_user_tasks(workflow))  # what the open rows project, as loaded
        changed = False
        with running(instance, self.actor_id):
            for action in self._actions:
                changed = action(instance, workflow, replay) or changed
        if changed:
            save(instance, workflow, self.actor_id, had_subscriptions=had_subscriptions,
                 due_dates_moved=self.timers_moved > 0, open_tasks=self._open_tasks)


@contextmanager
def sharing_one_savepoint() -> Iterator[None]:
    """The units of work inside run in the savepoint the caller opened around them all, none in one of its own,
    and none applies its actions again after a conflict: any failure is the caller's to roll back and retry (the
    timer job's batch, which then fires each instance in a savepoint of its own)."""
    token = _in_shared_savepoint.set(True)
    try:
        yield
    finally:
        _in_shared_savepoint.reset(token)


@contextmanager
def working_on(instance_id: int, *, actor_id: int | None, attempts: int = ATTEMPTS) -> Iterator[Work]:
    """The request's unit of work on one instance: joined if a block around this one already works on it."""
    opened = _open.get() or {}
    if instance_id in opened:
        yield opened[instance_id]
        return
    work = Work(instance_id, actor_id, attempts)
    with rows_in_one_insert() as held:
        token = _open.set({**opened, instance_id: work})
        try:
            yield work
        finally:
            _open.reset(token)
        work._finish(held)
