"""The safe script engine: diagram expressions through ``workflows.expressions``, service tasks
through ``workflows.operations``, and the instance and actor a run works for."""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from app.core.workflow import ProcessInstance
from workflows import expressions, operations


class SafeEnvironment(BasePythonScriptEngineEnvironment):
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
_fired_together: contextvars.ContextVar[tuple[int, ...]] = contextvars.ContextVar("fired_together", default=())


@contextmanager
def fired_together(instance_ids: tuple[int, ...]) -> Iterator[None]:
    """The service tasks run inside learn which instances' timers fire with theirs (``OperationContext.fired_with``)."""
    token = _fired_together.set(instance_ids)
    try:
        yield
    finally:
        _fired_together.reset(token)


@contextmanager
def running(instance: ProcessInstance, actor_id: int | None) -> Iterator[None]:
    """Service tasks run inside this: they learn which instance and whose action they serve."""
    token = _current_run.set(_Run(instance, actor_id))
    try:
        yield
    finally:
        _current_run.reset(token)


class _ScriptEngine(PythonScriptEngine):
    def __init__(self):
        super().__init__(environment=SafeEnvironment())

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
            fired_with=_fired_together.get(),
        )
        params = {name: spec["value"] for name, spec in operation_params.items()}
        result = operations.get(operation_name)(context, **params)
        return json.dumps(result if result is not None else {})


SCRIPT_ENGINE = _ScriptEngine()
