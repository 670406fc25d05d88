"""Registry of operations that BPMN service tasks call by name.

A service task names an operation (``spiffworkflow:serviceTaskOperator id="..."``);
the engine looks it up here and calls it with an ``OperationContext`` and the
task's evaluated parameters. The operation returns JSON-serialisable data, which
the task stores in its result variable. Domain modules register their
operations with ``@operation("name")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class OperationContext:
    instance_id: int
    process_id: str
    business_type: str
    business_id: int
    agency_id: int
    task_name: str
    actor_id: int | None
    # The instances whose timers fire together with this one (itself among them), empty otherwise: an operation
    # that reads a row for each may read them for all at once (the timer job fires a hundred reminders a batch).
    fired_with: tuple[int, ...] = ()


Operation = Callable[..., Any]
_REGISTRY: dict[str, Operation] = {}


class UnknownOperation(LookupError):
    pass


def operation(name: str):
    def register(func: Operation) -> Operation:
        if name in _REGISTRY and _REGISTRY[name] is not func:
            raise ValueError(f"operation {name!r} is registered twice")
        _REGISTRY[name] = func
        return func

    return register


def get(name: str) -> Operation:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownOperation(f"no operation named {name!r}") from None


def names() -> list[str]:
    return sorted(_REGISTRY)
