"""Diagram versions and serialization.

A version is ``process_id@sha256(bpmn)``, parsed once per process and stored once in
``workflow_spec``; an instance's state is stored without its spec and restored with
the cached one, so running instances keep the version they started on.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import threading
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import WorkflowSpec
from workflows import BPMN_DIR
from workflows.engine.errors import WorkflowError
from workflows.engine.scripting import SCRIPT_ENGINE

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
    token = _restoring_specs.set(specs_for(spec_key))
    try:
        workflow = _instance_serializer.deserialize_json(state)
    finally:
        _restoring_specs.reset(token)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow


# --- versions -------------------------------------------------------------------------------------------

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


def specs_for(spec_key: str):
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


SERIALIZER_VERSION = _instance_serializer.VERSION
