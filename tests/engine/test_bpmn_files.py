"""Every diagram validates against the BPMN XSD and can be drawn: a shape for every element."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest

from workflows import BPMN_DIR, engine

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
FILES = sorted(Path(BPMN_DIR).glob("*.bpmn"))
DRAWN = ("startEvent", "endEvent", "userTask", "serviceTask", "task", "manualTask", "exclusiveGateway",
         "parallelGateway", "boundaryEvent", "intermediateCatchEvent", "intermediateThrowEvent", "callActivity",
         "subProcess", "sequenceFlow", "lane", "receiveTask", "sendTask", "eventBasedGateway", "inclusiveGateway")


def test_there_are_diagrams():
    assert FILES


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_diagram_validates_against_the_xsd(path):
    spec, _subprocesses = engine.parse(path.stem, path.read_bytes())
    assert spec.name == path.stem


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_element_has_a_diagram_shape(path):
    root = ElementTree.parse(path).getroot()
    elements = {el.get("id") for kind in DRAWN for el in root.iter(f"{BPMN}{kind}")}
    drawn = {el.get("bpmnElement") for el in root.iter(f"{BPMNDI}BPMNShape")} | {
        el.get("bpmnElement") for el in root.iter(f"{BPMNDI}BPMNEdge")}
    assert elements - drawn == set()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_correlation_property_used_is_defined_for_its_messages(path):
    # Without a bpmn:correlationProperty the reference dangles (bpmnlint fails) and SpiffWorkflow does not
    # check the message's value against the instance's; each message needs its own retrieval expression.
    root = ElementTree.parse(path).getroot()
    retrieved = {(prop.get("id"), expression.get("messageRef")) for prop in root.iter(f"{BPMN}correlationProperty")
                 for expression in prop.iter(f"{BPMN}correlationPropertyRetrievalExpression")}
    defined = {prop_id for prop_id, _message in retrieved}
    assert {ref.text for ref in root.iter(f"{BPMN}correlationPropertyRef")} <= defined
    for waiting in root.iter():
        if waiting.get("messageRef") and waiting.tag != f"{BPMN}correlationPropertyRetrievalExpression":
            for prop_id in waiting.iter(f"{SPIFF}propertyId"):
                assert (prop_id.text, waiting.get("messageRef")) in retrieved


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_user_task_names_a_registered_form_and_a_role_lane(path, app):
    import forms
    from app.accounts.models import Role

    spec, _ = engine.parse(path.stem, path.read_bytes())
    for task_spec in spec.task_specs.values():
        if type(task_spec).__name__ == "UserTask":
            assert task_spec.extensions["properties"]["form_key"] in forms.form_keys()
            assert task_spec.lane in {r.value for r in Role}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_service_task_names_a_registered_operation(path, app):
    from workflows import operations

    spec, _ = engine.parse(path.stem, path.read_bytes())
    for task_spec in spec.task_specs.values():
        if hasattr(task_spec, "operation_name"):
            assert task_spec.operation_name in operations.names()
