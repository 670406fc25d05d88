"""The workflow engine: the only package that imports SpiffWorkflow.

One request or one job is one transaction: load the instance (its
``lock_version`` is checked when it is written back), act on the Spiff
workflow, run engine steps (service tasks change domain rows through
``workflows.operations``), then save the instance-only state together with the
inbox projection (``human_task``), event subscriptions, audit events and
whatever the operations wrote to the outbox. The caller commits once.

- ``specs``: diagram versions, the parsed-spec cache, serialization;
- ``scripting``: the safe script engine and the run context for service tasks;
- ``runtime``: start, complete, timers, messages, saving and projections;
- ``reading``: element states for the diagram.
"""

from workflows.engine.errors import ConcurrentUpdate, NotWaiting, TaskNotOpen, WorkflowError
from workflows.engine.reading import element_states
from workflows.engine.runtime import complete_task, deliver_message, fire_due_timers, load, move_timer, start
from workflows.engine.scripting import running
from workflows.engine.specs import (
    SERIALIZER_VERSION,
    bpmn_path,
    current_spec_key,
    deserialize,
    parse,
    serialize,
)

__all__ = [
    "ConcurrentUpdate", "NotWaiting", "SERIALIZER_VERSION", "TaskNotOpen", "WorkflowError",
    "bpmn_path", "complete_task", "current_spec_key", "deliver_message", "deserialize", "element_states",
    "fire_due_timers", "load", "move_timer", "parse", "running", "serialize", "start",
]
