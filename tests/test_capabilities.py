"""Capabilities plug in through their declarations: every declared piece is registered, the shared code has no
per-process branch, and a capability the app has never heard of (tests/sample_capability) works with no edit
to a shared list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import select

import forms
from app.accounts.models import Role
from app.core import capabilities, messages
from app.core.capabilities import Capability, DuplicateDeclaration, Job, Labels, Registry
from app.core.extensions import db
from app.core.workflow import HumanTask, InstanceStatus, TaskStatus
from app.inbox.services import inbox
from app.licensing.capability import DELAY_REFUSED
from app.licensing.services import delays
from app.manuals.models import ManualStatus, RevisionStatus
from forms.tasks import TaskForm
from tasks import jobs
from workflows import BPMN_DIR, engine
from workflows.engine import specs

ROOT = Path(__file__).resolve().parent.parent
DIAGRAMS = sorted(Path(BPMN_DIR).glob("*.bpmn"))


def _values(status_class) -> set[str]:
    return {value for name, value in vars(status_class).items() if not name.startswith("_") and isinstance(value, str)}


def _user_tasks(path: Path):
    spec, _subprocesses = engine.parse(path.stem, path.read_bytes())
    return [task for task in spec.task_specs.values() if type(task).__name__ == "UserTask"]


# --- the shared code reads the registries ------------------------------------------------------------------


def test_the_generic_task_page_has_no_per_process_branch():
    page = (ROOT / "app/templates/inbox/task.html").read_text()
    assert "{% include subject_partial %}" in page
    assert not re.search(r"(?<![\w.])subject\.", page), "what a task is about belongs in its capability's partial"
    assert "spec_name" not in page
    for path in DIAGRAMS:
        assert path.stem not in page
    for name in ("accounts", "org", "manuals", "public", "licensing", "helpdesk", "legacy"):
        assert f'"{name}/' not in page and f"'{name}/" not in page  # no capability's template, no import of one


def test_the_form_registry_imports_no_form_module_by_name():
    source = (ROOT / "forms/__init__.py").read_text()
    assert not re.search(r"^from forms(\.\w+)? import", source, re.MULTILINE)


# --- every declared piece is registered ----------------------------------------------------------------------


def test_every_declared_blueprint_is_registered(app):
    registry = capabilities.of(app)
    assert set(registry.capabilities) >= {"inbox", "accounts", "org", "manuals", "public", "licensing", "helpdesk",
                                          "legacy"}
    for capability in registry.capabilities.values():
        for blueprint in capability.blueprints:
            assert app.blueprints[blueprint.name] is blueprint
        for command in capability.commands:
            assert app.cli.commands[command.name] is command


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_every_diagram_is_owned_and_its_task_forms_and_lanes_are_registered(app, path):
    registry = capabilities.of(app)
    assert path.stem in registry.process_owners
    for task in _user_tasks(path):
        form_key = task.extensions["properties"]["form_key"]
        assert form_key in forms.form_keys()
        assert issubclass(forms.form_for(form_key), TaskForm), form_key  # it answers the inbox in plain values
        assert task.lane in registry.role_labels


def test_a_label_for_every_role_and_status(app):
    registry = capabilities.of(app)
    assert {role.value for role in Role} <= set(registry.role_labels)
    for status_class in (ManualStatus, RevisionStatus, InstanceStatus, TaskStatus):
        assert _values(status_class) <= set(registry.status_labels), status_class.__name__
    assert {"instance.started", "task.completed", "revision.published"} <= set(registry.history_labels)


def test_every_task_partial_menu_entry_and_job_is_usable(app):
    registry = capabilities.of(app)
    for partial in filter(None, registry.task_partials.values()):
        app.jinja_env.get_template(partial)
    for entry in registry.nav:
        assert url_for(entry.endpoint, **entry.args)
    assert jobs.names(app)[:3] == ["fire_timers", "send_outbox", "lock_periods"]  # the shared ones first
    assert set(jobs.names(app)) == set(registry.jobs)
    for job in registry.jobs.values():
        assert job.schedule(app.config)["trigger"] in {"interval", "cron"} and str(job.description)


def test_the_most_specific_declared_message_wins(app):
    # A delay refusal is an inbox error too: its own capability's message is the one shown.
    assert messages.for_error(delays.DelayError("duplicate")) == str(DELAY_REFUSED["duplicate"])
    assert "สมชาย" in messages.for_error(inbox.TaskClaimedByOther("สมชาย"))
    assert messages.for_error(inbox.InboxError()) == messages.for_error(RuntimeError())  # nothing declared: the default


def test_two_capabilities_declaring_the_same_name_fail_loudly():
    def job(name):
        return Job(name, lambda app: 0, lambda config: {"trigger": "interval", "seconds": 1})

    with pytest.raises(DuplicateDeclaration, match="role label 'clerk' is declared by both a and b"):
        Registry([Capability("a", labels=Labels(roles={"clerk": "Clerk"})),
                  Capability("b", labels=Labels(roles={"clerk": "Clerk"}))])
    with pytest.raises(DuplicateDeclaration, match="job 'sweep'"):
        Registry([Capability("a", jobs=(job("sweep"),)), Capability("b", jobs=(job("sweep"),))])
    with pytest.raises(DuplicateDeclaration, match="process 'permit'"):
        Registry([Capability("a", processes=("permit",)), Capability("b", processes=("permit",))])
    with pytest.raises(DuplicateDeclaration, match="capability 'a'"):
        Registry([Capability("a"), Capability("a")])


# --- a new capability plugs in -----------------------------------------------------------------------------


def test_a_test_only_capability_plugs_in_with_no_shared_edit(app, client, login, demo, another_app, monkeypatch):
    from tests.sample_capability.capability import SampleRefused

    monkeypatch.setattr(specs, "_bpmn_dirs", [Path(__file__).parent / "bpmn", *specs._bpmn_dirs])
    plugged = another_app(EXTRA_CAPABILITIES=("tests.sample_capability",))
    agency = demo.agency("dopa")
    instance = engine.start("sample_permit", title="ใบอนุญาตตัวอย่าง", business_type="sample_permit", business_id=1,
                            agency_id=agency.id, agency_path=agency.path, data={}, actor_id=None)
    db.session.commit()
    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == instance.id))
    assert (task.role, task.form_key) == ("opdc_officer", "sample_permit.check")

    # The app without it: the task page has no partial for the process, the menu no entry, the scheduler no job.
    login("opdc")
    plain = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="sample-subject"' not in plain and 'id="nav-sample"' not in plain
    assert "sample_sweep" not in jobs.names(app)

    # The app with it: its partial on its task page, its menu entry, its labels, message and job.
    browser = plugged.test_client()
    assert browser.post("/login", data={"username": "opdc", "password": demo.password}).status_code == 302
    page = browser.get(f"/tasks/{task.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="sample-subject"' in html and "ใบอนุญาตตัวอย่าง" in html and "Waiting for the sample" in html
    assert 'id="nav-sample"' in html and browser.get("/sample/").get_data(as_text=True) == "Sample permits"
    assert jobs.names(plugged)[-1] == "sample_sweep" and jobs.run(plugged, "sample_sweep") == 0
    with plugged.test_request_context():
        assert messages.for_error(SampleRefused("no stamp")) == "The sample was refused: no stamp"

    done = browser.post(f"/tasks/{task.id}", data={"note": "ครบถ้วน"})
    assert done.status_code == 302
    db.session.refresh(instance)
    assert instance.status == InstanceStatus.complete
