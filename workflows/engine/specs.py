"""Diagram versions and serialization.

A version is ``process_id@sha256(bpmn)``, hashed and parsed once per file version and
process, stored once in ``workflow_spec``; an instance's state is stored without its
spec and restored with the cached one, so running instances keep the version they
started on. A state written in another serializer version is read only through the
upgrades registered with ``upgrade``.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import threading
from collections.abc import Callable
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.extensions import db
from app.core.workflow import WorkflowSpec
from workflows import BPMN_DIR
from workflows.engine.errors import StateVersionMismatch, WorkflowError
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


SERIALIZER_VERSION = _instance_serializer.VERSION
_VERSION_KEY = _instance_serializer.VERSION_KEY

# Upgrades of stored states, keyed by the serializer version they read: (the version they write, the function).
_upgrades: dict[str, tuple[str, Callable[[dict], None]]] = {}


def upgrade(from_version: str, to_version: str):
    """Register a function that rewrites an instance's state (the decoded JSON, in place) from one serializer
    version to the next; a state is upgraded step by step on load and saved in the current version."""

    def register(func: Callable[[dict], None]) -> Callable[[dict], None]:
        if from_version in _upgrades:
            raise ValueError(f"an upgrade from serializer version {from_version} is already registered")
        _upgrades[from_version] = (to_version, func)
        return func

    return register


def _upgraded(dct: dict, version: str) -> dict:
    seen = set()
    while version != SERIALIZER_VERSION:
        if version not in _upgrades or version in seen:
            raise StateVersionMismatch(
                f"this state was written by serializer version {version}; the engine reads {SERIALIZER_VERSION} "
                f"and has no upgrade from {version} (register one with workflows.engine.specs.upgrade)")
        seen.add(version)
        version, func = _upgrades[version]
        func(dct)
    return dct


def deserialize(state: str, spec_key: str, version: str = SERIALIZER_VERSION) -> BpmnWorkflow:
    """Restore an instance-only state with its cached spec; ``version`` is the serializer version it was saved in."""
    dct = _upgraded(json.loads(state, cls=_instance_serializer.json_decoder_cls), version)
    dct.pop(_VERSION_KEY, None)  # Spiff's own migrations assume the spec inside: ours are in ``_upgrades``
    token = _restoring_specs.set(specs_for(spec_key))
    try:
        workflow = _instance_serializer.from_dict(dct)
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


# A diagram file's version, hashed once per file version: (path, modification time, size) → spec key, source.
_file_keys: dict[tuple[str, int, int], tuple[str, bytes]] = {}


def _file_version(process_id: str) -> tuple[str, bytes]:
    path = bpmn_path(process_id)
    stat = path.stat()
    ident = (str(path), stat.st_mtime_ns, stat.st_size)
    known = _file_keys.get(ident)
    if known is None:
        xml = path.read_bytes()
        known = (f"{process_id}@{hashlib.sha256(xml).hexdigest()}", xml)
        with _spec_lock:
            _file_keys[ident] = known
    return known


def _parsed(process_id: str) -> tuple[str, bytes, tuple]:
    """The diagram on disk now: its version key, its source and its parsed specs (parsed once per version)."""
    key, xml = _file_version(process_id)
    if key not in _spec_cache:
        with _spec_lock:
            if key not in _spec_cache:
                _spec_cache[key] = parse(process_id, xml)
    return key, xml, _spec_cache[key]


def process_name(process_id: str) -> str:
    """What the diagram calls the process (its ``bpmn:process`` name, Thai in ours); the id when it has none."""
    try:
        _key, _xml, (spec, _subprocesses) = _parsed(process_id)
    except WorkflowError:  # a process whose diagram is no longer on disk
        return process_id
    return spec.description or process_id


def current_spec_key(process_id: str) -> str:
    """The version of the diagram on disk now, stored if it is new."""
    key, xml, _specs = _parsed(process_id)
    if db.session.scalar(select(WorkflowSpec.spec_key).where(WorkflowSpec.spec_key == key)) is None:
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
