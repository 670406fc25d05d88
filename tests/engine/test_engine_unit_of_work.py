"""The engine's unit of work and what it stands on: replay on a conflict, moving a waiting timer, cycle timers,
a message to several instances, the serializer version of a stored state, the diagram file's version."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.workflow import AuditEvent, EventSubscription, InstanceStatus, ProcessInstance
from app.helpdesk.models import TicketStatus
from app.helpdesk.services import helpdesk_conversation, helpdesk_desk, helpdesk_intake
from tests.engine.helpers import submit_manual
from tests.engine.test_engine_saves import counting_writes
from tests.helpdesk.test_helpdesk_services import bkk, reload, report_input, staff, triage
from tests.helpers import open_task
from workflows import engine
from workflows.engine import specs

TEST_DIAGRAMS = Path(__file__).resolve().parents[1] / "bpmn"
START = bkk(2027, 3, 1, 10, 0)  # a Monday


@pytest.fixture
def test_diagrams(monkeypatch):
    monkeypatch.setattr(specs, "_bpmn_dirs", [TEST_DIAGRAMS, *specs._bpmn_dirs])


def _start(demo, process_id: str, **data) -> ProcessInstance:
    agency = demo.agency("dopa")
    instance = engine.start(process_id, title=process_id, business_type="test", business_id=1, agency_id=agency.id,
                            agency_path=agency.path, data=data, actor_id=None)
    db.session.commit()
    return instance


def _steps(instance: ProcessInstance, element: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action == "step.completed", AuditEvent.task_name == element))


def _fire(moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        engine.fire_due_timers()
        db.session.commit()


# --- conflicts -------------------------------------------------------------------------------------------------------


def test_a_desk_action_is_applied_again_when_the_workflow_was_saved_meanwhile(app):
    people = staff()
    with time_machine.travel(START, tick=False):
        ticket, _ = helpdesk_intake.report(report_input(), None)
        db.session.commit()
        triage(ticket, people)
        ticket = reload(ticket)
        seen = db.session.get(ProcessInstance, ticket.instance_id)  # this request has read version N
        with db.engine.begin() as other:  # the timer job saves it meanwhile
            other.execute(ProcessInstance.__table__.update().where(ProcessInstance.id == seen.id)
                          .values(lock_version=ProcessInstance.lock_version + 1))
        with counting_writes() as writes:
            helpdesk_desk.ask_reporter(people["hd_agent"], ticket, "ขอภาพหน้าจอ")
            db.session.commit()
    # The first UPDATE found version N gone; the actions were applied again to the fresh state and saved.
    assert writes.saves[seen.id] == 2 and writes.audit_inserts == 1
    ticket = reload(ticket)
    assert ticket.status == TicketStatus.waiting_reporter and ticket.paused_at is not None
    assert [m.body for m in helpdesk_conversation.public_messages(ticket)][-1] == "ขอภาพหน้าจอ"  # the request's own rows kept
    waits_for = db.session.scalars(select(EventSubscription.name).where(
        EventSubscription.instance_id == ticket.instance_id)).all()
    assert "ticket_answered" in waits_for
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.instance_id == ticket.instance_id, AuditEvent.action == "message.received")) == 1


# --- timers ---------------------------------------------------------------------------------------------------------


def test_a_moved_timer_has_its_moment_computed_again_by_the_engine(demo, test_diagrams):
    with time_machine.travel(START, tick=False):
        instance = _start(demo, "working_day_deadline", due_at=(START + timedelta(days=1)).isoformat())
    assert instance.next_timer_at == START + timedelta(days=1)
    with time_machine.travel(START, tick=False), engine.working_on(instance.id, actor_id=None) as work:
        work.move_timers({"due_at": START + timedelta(days=3), "other_variable": START})
    db.session.commit()
    assert work.timers_moved == 1 and instance.next_timer_at == START + timedelta(days=3)
    _fire(START + timedelta(days=2))  # the old moment has passed: nothing fires
    assert instance.status == InstanceStatus.waiting
    # Moved to a moment already past, it fires in the same unit of work.
    with time_machine.travel(START + timedelta(days=2), tick=False), counting_writes() as writes:
        with engine.working_on(instance.id, actor_id=None) as work:
            work.move_timers({"due_at": START + timedelta(days=1)})
        db.session.commit()
    assert dict(writes.saves) == {instance.id: 1}
    assert instance.status == InstanceStatus.complete and _steps(instance, "deadline") == 1
    # A finished instance has no timer left to move: not even loaded, not saved.
    with counting_writes() as writes, engine.working_on(instance.id, actor_id=None) as work:
        work.move_timers({"due_at": START})
    assert work.timers_moved == 0 and not writes.saves


def test_a_moved_boundary_timer_keeps_its_activity_waiting(demo, test_diagrams):
    with time_machine.travel(START, tick=False):
        instance = _start(demo, "answer_deadline", answer_by=(START + timedelta(hours=1)).isoformat())
        with engine.working_on(instance.id, actor_id=None) as work:
            work.move_timers({"answer_by": START + timedelta(hours=5)})
        db.session.commit()
    assert instance.next_timer_at == START + timedelta(hours=5)
    _fire(START + timedelta(hours=2))
    assert instance.status == InstanceStatus.waiting and _steps(instance, "expired") == 0
    waits_for = db.session.scalars(select(EventSubscription.name).where(EventSubscription.instance_id == instance.id))
    assert list(waits_for) == ["answer"]  # the activity the timer is attached to still waits for its message
    _fire(START + timedelta(hours=5, seconds=1))
    assert instance.status == InstanceStatus.complete and _steps(instance, "expired") == 1


def test_a_cycle_timer_fires_every_round_as_the_clock_moves(demo, test_diagrams):
    with time_machine.travel(START, tick=False):
        hourly = _start(demo, "recurring_reminder", every="R3/PT1H")
    assert hourly.next_timer_at == START + timedelta(hours=1)
    _fire(START + timedelta(minutes=59))
    assert _steps(hourly, "reminded") == 0
    for hour in (1, 2, 3):
        _fire(START + timedelta(hours=hour, seconds=1))
        assert _steps(hourly, "reminded") == hour
        assert hourly.next_timer_at == (START + timedelta(hours=hour + 1) if hour < 3 else None)
    _fire(START + timedelta(hours=6))
    assert _steps(hourly, "reminded") == 3 and hourly.status == InstanceStatus.waiting  # still waits for the answer
    # Every round came due while the job did not run: its next run fires each of them once.
    later = START + timedelta(days=1)
    with time_machine.travel(later, tick=False):
        missed = _start(demo, "recurring_reminder", every="R3/PT1H")
    _fire(later + timedelta(hours=3, minutes=30))
    assert _steps(missed, "reminded") == 3 and missed.next_timer_at is None
    assert engine.deliver_message("answered", None, {}, actor_id=None) == [hourly.id, missed.id]
    db.session.commit()
    assert hourly.status == missed.status == InstanceStatus.complete


# --- messages -------------------------------------------------------------------------------------------------------


def test_a_message_skips_an_instance_that_no_longer_waits_and_reaches_the_others(demo, test_diagrams):
    first, moved_on, last = (_start(demo, "wait_for_payment") for _ in range(3))
    with engine.working_on(moved_on.id, actor_id=None) as work:
        work.deliver("payment_received", {"amount": 5})
    # Its subscription read before that save: the message will find it, and it no longer waits.
    db.session.add(EventSubscription(instance_id=moved_on.id, event_type="message", name="payment_received",
                                     correlation_key=""))
    db.session.commit()
    saved = (moved_on.lock_version, moved_on.state)
    assert engine.deliver_message("payment_received", None, {"amount": 100}, actor_id=None) == [first.id, last.id]
    db.session.commit()
    assert first.status == last.status == moved_on.status == InstanceStatus.complete
    assert (moved_on.lock_version, moved_on.state) == saved  # skipped whole: nothing applied, not saved
    received = db.session.scalars(select(AuditEvent.instance_id).where(AuditEvent.action == "message.received"))
    assert sorted(received) == [first.id, moved_on.id, last.id]  # its own earlier message only
    with pytest.raises(engine.NotWaiting):
        engine.deliver_message("payment_received", None, {}, actor_id=None)


# --- stored states and diagram versions ------------------------------------------------------------------------------


def test_a_state_of_another_serializer_version_is_refused_until_an_upgrade_is_registered(client, login, demo,
                                                                                         monkeypatch):
    manual = submit_manual(demo)
    task = open_task(manual)
    db.session.execute(ProcessInstance.__table__.update().where(ProcessInstance.id == task.instance_id)
                       .values(serializer_version="0.9"))
    db.session.commit()
    login("reviewer")
    with pytest.raises(engine.StateVersionMismatch, match="version 0.9.*no upgrade from 0.9"):
        client.post(f"/tasks/{task.id}", data={"decision": "approve"})
    db.session.rollback()
    assert open_task(manual).id == task.id  # nothing happened

    def from_0_8(state: dict) -> None:
        raise AssertionError("not this one")

    def from_0_9(state: dict) -> None:
        state["data"]["upgraded_from"] = "0.9"

    monkeypatch.setattr(specs, "_upgrades", {})
    specs.upgrade("0.8", "0.9")(from_0_8)
    specs.upgrade("0.9", engine.SERIALIZER_VERSION)(from_0_9)
    with pytest.raises(ValueError, match="already registered"):
        specs.upgrade("0.9", "1.0")(from_0_9)
    assert client.post(f"/tasks/{task.id}", data={"decision": "approve"}).status_code == 302
    instance = db.session.get(ProcessInstance, task.instance_id, populate_existing=True)
    assert instance.serializer_version == engine.SERIALIZER_VERSION  # saved in the current version
    assert json.loads(instance.state)["data"]["upgraded_from"] == "0.9"
    assert open_task(manual).spec_name == "review_opdc"


def test_a_diagram_file_is_hashed_once_per_version_of_the_file(demo, tmp_path, monkeypatch):
    diagram = tmp_path / "working_day_deadline.bpmn"
    shutil.copy(TEST_DIAGRAMS / "working_day_deadline.bpmn", diagram)
    monkeypatch.setattr(specs, "_bpmn_dirs", [tmp_path, *specs._bpmn_dirs])
    mine = lambda: {ident: key for ident, (key, _) in specs._file_keys.items() if ident[0] == str(diagram)}  # noqa: E731
    first = _start(demo, "working_day_deadline", due_at=START.isoformat())
    again = _start(demo, "working_day_deadline", due_at=START.isoformat())
    assert first.spec_key == again.spec_key and list(mine().values()) == [first.spec_key]
    diagram.write_text(diagram.read_text(encoding="utf-8").replace("Deadline reached", "Deadline passed"),
                       encoding="utf-8")
    changed = _start(demo, "working_day_deadline", due_at=START.isoformat())
    assert changed.spec_key != first.spec_key and sorted(mine().values()) == sorted({first.spec_key,
                                                                                     changed.spec_key})
