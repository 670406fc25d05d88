"""Timers: when an instance next needs waking, and moving the date of a waiting timer.

How SpiffWorkflow 3.2 times an event: a ``timeDate`` timer evaluates its expression against its task's data the
first time the task is updated and keeps the result in the task's internal data (``event_value``); every later
``refresh_timers`` compares that kept value with the clock. A duration timer keeps the moment it computed; a cycle
timer keeps ``{cycles, next, duration}`` and moves ``next`` on by one duration each time it fires.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition, TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

log = logging.getLogger(__name__)


def next_timer(waiting) -> datetime | None:
    """The earliest moment one of the waiting timers fires (``workflow.waiting_events()``), in UTC."""
    due = [moment for pending in waiting if (moment := _fires_at(pending)) is not None]
    return min(due) if due else None


def _fires_at(pending) -> datetime | None:
    value = pending.value
    try:
        if pending.event_type == "TimeDateEventDefinition" and isinstance(value, str):
            moment = TimerEventDefinition.parse_time_or_duration(value)  # as Spiff reads it: a date or ISO week
            return moment if isinstance(moment, datetime) else None
        if pending.event_type in ("DurationTimerEventDefinition", "CycleTimerEventDefinition"):
            # A cycle's value is the moment of its next round while rounds remain (a dict once it is done).
            return TimerEventDefinition.get_datetime(value) if isinstance(value, str) else None
    except ValueError:
        log.warning("timer %s has a value that is not a moment: %r", pending.name, value)
    return None


# A timer may read one key of a dict variable (``agency_deadlines["remind_at"]``): the value moved is that key's.
_KEY_OF = re.compile(r"""^(\w+)\[["'](\w+)["']\]$""")


def _assign(task, expression: str, value: str) -> None:
    if match := _KEY_OF.match(expression):
        name, key = match.groups()
        task.set_data(**{name: {**(task.data.get(name) or {}), key: value}})
    else:
        task.set_data(**{expression: value})


def _holds(task, expression: str) -> bool:
    match = _KEY_OF.match(expression)
    name = match.group(1) if match else expression
    return name in task.data


def move_date_timers(workflow: BpmnWorkflow, values: dict[str, str]) -> int:
    """Move each waiting ``timeDate`` timer whose expression is one of the variables (or one key of a dict
    variable, ``name["key"]``) to that variable's new value (an ISO date). Returns how many moved.

    No private call: the value is rewritten in the data the timer inherits (its parent's: a task takes its
    parent's data again on every update, so its own copy would be overwritten) and the timer's branch is reset
    (``Task.reset_branch``, which forgets the kept ``event_value``); Spiff then evaluates the expression again and
    keeps the new moment, exactly as when the timer was first reached. A moment already past fires at once. The
    user tasks waiting beside the timer get the new value too, so that their due date (read from their data when
    the inbox is projected) says the same day.
    """
    moved = 0
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if not isinstance(definition, TimeDateEventDefinition):
            continue
        expression = definition.expression.strip()
        if expression not in values:
            continue
        _assign(task.parent, expression, values[expression])
        task.reset_branch(None)  # its data: a copy of its parent's, with the new value
        moved += 1
    if moved:
        for task in workflow.get_tasks(state=TaskState.READY):
            for expression, value in values.items():
                if _holds(task, expression):
                    _assign(task, expression, value)
    return moved
