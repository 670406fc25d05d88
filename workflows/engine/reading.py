"""Reading an instance: the state of each diagram element, for colouring the diagram."""

from __future__ import annotations

from functools import lru_cache
from xml.etree import ElementTree

from SpiffWorkflow.util.task import TaskState

from app.core.workflow import ProcessInstance
from workflows.engine.saving import load

BPMN_NS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


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
