"""The workflow engine: the only package that imports SpiffWorkflow.

One request or one job is one transaction, and one load and one save of each
instance it acts on: ``working_on`` opens the unit of work, the request's
actions (complete a task, move timers, deliver a message) are applied in order
to the loaded workflow, the engine runs on (service tasks change domain rows
through ``workflows.operations``), and the instance-only state is saved with the
inbox projection (``human_task``), event subscriptions, audit events (one
INSERT) and whatever the operations wrote to the outbox. Its ``lock_version`` is
checked on that save; a conflict replays the actions on the fresh state. The
caller commits once.

- ``specs``: diagram versions, the parsed-spec cache, serialization and its upgrades;
- ``scripting``: the safe script engine and the run context for service tasks;
- ``work``: the unit of work;
- ``runtime``: start, complete, the timer job, messages to subscribed instances;
- ``saving``: loading, running, saving and the projections;
- ``timers``: when an instance next wakes, moving a waiting timer;
- ``reading``: element states for the diagram.
"""

from workflows.engine.errors import (
    ConcurrentUpdate,
    NotWaiting,
    StateVersionMismatch,
    TaskNotOpen,
    WorkflowError,
)
from workflows.engine.reading import element_states
from workflows.engine.runtime import complete_task, deliver_message, fire_due_timers, start
from workflows.engine.saving import load
from workflows.engine.scripting import running
from workflows.engine.specs import (
    SERIALIZER_VERSION,
    bpmn_path,
    current_spec_key,
    deserialize,
    parse,
    process_name,
    serialize,
    upgrade,
)
from workflows.engine.work import Work, working_on

__all__ = [
    "ConcurrentUpdate", "NotWaiting", "SERIALIZER_VERSION", "StateVersionMismatch", "TaskNotOpen", "Work",
    "WorkflowError", "bpmn_path", "complete_task", "current_spec_key", "deliver_message", "deserialize",
    "element_states", "fire_due_timers", "load", "parse", "process_name", "running", "serialize", "start", "upgrade", "working_on",
]
