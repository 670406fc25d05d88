"""The engine: start, complete, loops, timers, spec versions, messages (conflicts: test_engine_conflicts.py)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.workflow import AuditEvent, EventSubscription, HumanTask, InstanceStatus, ProcessInstance, TaskStatus, WorkflowSpec
from app.manuals.services import manual_revisions
from notifications.models import Notification
from tests.engine.helpers import submit_manual
from tests.helpers import answer, answer_return, complete_content, open_task
from workflows import BPMN_DIR, engine
from workflows.calendar import BANGKOK, add_working_days
from workflows.engine import specs

# A Monday morning in Bangkok, far from Thai public holidays.
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=BANGKOK)



def test_start_projects_the_first_task_and_keeps_the_spec_out_of_the_state(demo):
    with time_machine.travel(MONDAY, tick=False):
        manual = submit_manual(demo)
    task = open_task(manual)
    instance = db.session.get(ProcessInstance, task.instance_id)
    assert task.spec_name == "review_agency"
    assert task.role == "manual_reviewer"
    assert task.agency_path == demo.agency("dopa").path
    assert task.form_key == "manual_revision.review"
    # three working days: Monday → Thursday, same time of day
    assert task.due_at == datetime(2026, 11, 26, 9, 0, tzinfo=BANGKOK)
    assert instance.status == InstanceStatus.running
    assert instance.next_timer_at == task.due_at
    state = json.loads(instance.state)
    assert "spec" not in state and "subprocess_specs" not in state
    assert len(instance.state) < 30_000
    assert db.session.scalar(select(func.count()).select_from(WorkflowSpec)) == 1


def test_approve_twice_publishes_and_supersedes_the_previous_revision(demo):
    manual = submit_manual(demo)
    answer(open_task(manual), demo.user("reviewer"), decision="approve")
    step_two = open_task(manual)
    assert step_two.spec_name == "review_opdc" and step_two.role == "opdc_officer"
    instance = answer(step_two, demo.user("opdc"), decision="approve")
    assert instance.status == InstanceStatus.complete and instance.next_timer_at is None
    assert manual.status == "published" and manual.published_revision.number == 1

    manual_revisions.submit(demo.user("author"), manual, title=manual.title, content=complete_content("ฉบับที่สอง"))
    db.session.commit()
    answer(open_task(manual), demo.user("reviewer"), decision="approve")
    answer(open_task(manual), demo.user("opdc"), decision="approve")
    numbers = {r.number: r.status for r in manual_revisions.db.session.scalars(
        select(manual_revisions.ManualRevision).where(manual_revisions.ManualRevision.manual_id == manual.id))}
    assert numbers == {1: "superseded", 2: "published"}
    assert manual.published_revision.number == 2


def test_both_return_loops_make_new_frozen_revisions(demo):
    manual = submit_manual(demo)
    answer(open_task(manual), demo.user("reviewer"), decision="return", comment="เพิ่มค่าธรรมเนียม")
    revise = open_task(manual)
    assert revise.spec_name == "revise" and revise.role == "manual_author"
    answer_return(revise, demo.user("author"), "แก้แล้ว", change_note="เพิ่มค่าธรรมเนียม")
    # the loop starts a fresh review with its own task row (old one stays completed)
    second_review = open_task(manual)
    assert second_review.spec_name == "review_agency"
    answer(second_review, demo.user("reviewer"), decision="approve")
    answer(open_task(manual), demo.user("opdc"), decision="return", comment="ระบุระยะเวลา")
    answer_return(open_task(manual), demo.user("author"), "แก้ครั้งที่สอง")
    answer(open_task(manual), demo.user("reviewer"), decision="approve")
    instance = answer(open_task(manual), demo.user("opdc"), decision="approve")
    assert instance.status == InstanceStatus.complete
    statuses = [r.status for r in manual_revisions.db.session.scalars(
        select(manual_revisions.ManualRevision).where(manual_revisions.ManualRevision.manual_id == manual.id)
        .order_by(manual_revisions.ManualRevision.number))]
    assert statuses == ["returned", "returned", "published"]
    completed = db.session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.completed))
    assert completed == 7


def test_a_submitted_revision_cannot_be_edited(demo):
    from app.manuals.models import RevisionIsFrozen

    manual = submit_manual(demo)
    revision = manual_revisions.revision_under_review(open_task(manual).instance_id)
    revision.content = complete_content("แอบแก้")
    with pytest.raises(RevisionIsFrozen):
        db.session.flush()
    db.session.rollback()


def test_timers_remind_then_escalate_and_leave_the_task_open(demo):
    with time_machine.travel(MONDAY, tick=False):
        manual = submit_manual(demo)
    task = open_task(manual)
    reviewer, central = demo.user("reviewer"), demo.user("central")

    def notices(user):  # about this manual (the demo's own reviews fall due too)
        return db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == user.id, Notification.subject.contains("คู่มือทดสอบ")))

    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):  # Wednesday: nothing due yet
        engine.fire_due_timers()
        db.session.commit()
    assert notices(reviewer) == 0
    with time_machine.travel(datetime(2026, 11, 26, 9, 1, tzinfo=BANGKOK), tick=False):  # Thursday, after 3 days
        assert engine.fire_due_timers() >= 1
        db.session.commit()
    assert notices(reviewer) == 1 and notices(central) == 0
    instance = db.session.get(ProcessInstance, task.instance_id)
    assert instance.next_timer_at == datetime(2026, 11, 30, 9, 0, tzinfo=BANGKOK)  # + 2 working days (Fri, Mon)
    with time_machine.travel(datetime(2026, 11, 30, 9, 1, tzinfo=BANGKOK), tick=False):
        assert engine.fire_due_timers() >= 1
        db.session.commit()
        assert engine.fire_due_timers() == 0  # nothing fires twice
    assert notices(central) == 1 and notices(reviewer) == 1
    db.session.refresh(task)
    assert task.status == TaskStatus.open
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "review.escalated", AuditEvent.instance_id == task.instance_id)) == 1


def test_working_days_skip_weekends_and_thai_holidays():
    # 10 December (Constitution Day) 2026 is a Thursday
    wednesday = datetime(2026, 12, 9, 10, 0, tzinfo=BANGKOK)
    assert add_working_days(wednesday, 1) == datetime(2026, 12, 11, 10, 0, tzinfo=BANGKOK)
    friday = datetime(2026, 11, 27, 10, 0, tzinfo=BANGKOK)
    assert add_working_days(friday, 1) == datetime(2026, 11, 30, 10, 0, tzinfo=BANGKOK)


def test_running_instances_keep_their_spec_version(demo, tmp_path, monkeypatch):
    old = submit_manual(demo, "ฉบับเดิม")
    old_instance = db.session.get(ProcessInstance, open_task(old).instance_id)
    changed = tmp_path / "manual_revision.bpmn"
    shutil.copy(BPMN_DIR / "manual_revision.bpmn", changed)
    changed.write_text(changed.read_text(encoding="utf-8").replace("ตรวจสอบคู่มือ (ขั้นที่ 1)", "ตรวจสอบ (รุ่นใหม่)"),
                       encoding="utf-8")
    monkeypatch.setattr(specs, "_bpmn_dirs", [tmp_path, *specs._bpmn_dirs])
    new = submit_manual(demo, "ฉบับใหม่")
    new_task = open_task(new)
    new_instance = db.session.get(ProcessInstance, new_task.instance_id)
    assert new_instance.spec_key != old_instance.spec_key
    assert new_task.title == "ตรวจสอบ (รุ่นใหม่)"
    assert db.session.scalar(select(func.count()).select_from(WorkflowSpec)) == 2
    specs._spec_cache.clear()  # as after a restart: the old version comes from the table
    answer(open_task(old), demo.user("reviewer"), decision="approve")
    assert open_task(old).title.startswith("ตรวจสอบคู่มือ (ขั้นที่ 2")
    db.session.refresh(old_instance)
    assert old_instance.spec_key.startswith("manual_revision@")


def test_messages_find_their_instance_by_subscription(demo, monkeypatch):
    monkeypatch.setattr(specs, "_bpmn_dirs", [Path(__file__).resolve().parents[1] / "bpmn", *specs._bpmn_dirs])
    agency = demo.agency("dopa")
    instance = engine.start("wait_for_payment", title="ค่าธรรมเนียม", business_type="test", business_id=1,
                            agency_id=agency.id, agency_path=agency.path, data={}, actor_id=None)
    db.session.commit()
    assert instance.status == InstanceStatus.waiting
    subscription = db.session.scalar(select(EventSubscription).where(EventSubscription.instance_id == instance.id))
    assert (subscription.event_type, subscription.name) == ("message", "payment_received")
    with pytest.raises(engine.NotWaiting):
        engine.deliver_message("refund_requested", None, {}, actor_id=None)
    assert engine.deliver_message("payment_received", None, {"amount": 100}, actor_id=None) == [instance.id]
    db.session.commit()
    db.session.refresh(instance)
    assert instance.status == InstanceStatus.complete
    assert db.session.scalar(select(func.count()).select_from(EventSubscription)) == 0


def test_the_audit_log_is_append_only(demo):
    from app.core.workflow import AuditLogIsAppendOnly

    event = db.session.scalar(select(AuditEvent).limit(1))
    event.comment = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(AuditEvent).limit(1)))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()


def test_unknown_timezone_free_values_are_utc_aware(demo):
    task = db.session.scalar(select(HumanTask).limit(1))
    assert task.created_at.tzinfo is not None
    assert task.created_at.utcoffset() == UTC.utcoffset(None)
