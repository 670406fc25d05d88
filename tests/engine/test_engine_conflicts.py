"""The engine when two act at once or a step fails: lock conflicts, a completion replayed or refused, two timer
workers, two submissions of one manual, a failing timer that stops only its own instance."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.workflow import AuditEvent, HumanTask, InstanceStatus, ProcessInstance, TaskStatus
from app.manuals.models import Manual
from app.manuals.services import manual_revisions, manuals
from notifications.models import Notification
from tests.engine.helpers import submit_manual
from tests.helpers import answer, complete_content, open_task, outcome_of, run_twice_at_once
from workflows import engine
from workflows.calendar import BANGKOK

# A Monday morning in Bangkok, far from Thai public holidays.
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=BANGKOK)



def _save_meanwhile(task, **task_changes):
    """Another request saves the instance (and maybe the task) between our read and our write."""
    with db.engine.begin() as other:
        other.execute(ProcessInstance.__table__.update().where(ProcessInstance.id == task.instance_id)
                      .values(lock_version=ProcessInstance.lock_version + 1))
        if task_changes:
            other.execute(HumanTask.__table__.update().where(HumanTask.id == task.id)
                          .values(row_version=HumanTask.row_version + 1, **task_changes))


def test_a_completion_is_reapplied_when_the_instance_was_saved_meanwhile(demo):
    manual = submit_manual(demo)
    task = open_task(manual)
    seen = db.session.get(ProcessInstance, task.instance_id)  # this request has read version N
    _save_meanwhile(task)  # e.g. the timer job fired a reminder
    answer(task, demo.user("reviewer"), decision="approve")
    assert seen is not None and open_task(manual).spec_name == "review_opdc"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "task.completed", AuditEvent.instance_id == task.instance_id)) == 1


def test_a_task_completed_meanwhile_is_a_clear_conflict_and_saves_nothing(demo):
    from app.inbox.services import inbox

    manual = submit_manual(demo)
    task = open_task(manual)
    seen = db.session.get(ProcessInstance, task.instance_id)
    _save_meanwhile(task, status=TaskStatus.completed)
    with pytest.raises(inbox.TaskAlreadyCompleted):
        answer(task, demo.user("reviewer"), decision="approve")
    db.session.rollback()
    assert seen is not None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "task.completed", AuditEvent.instance_id == task.instance_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.instance_id == task.instance_id, HumanTask.spec_name == "review_opdc")) == 0


def test_two_people_completing_at_once_one_wins(app, demo):
    manual = submit_manual(demo)
    task_id = open_task(manual).id
    instance_id = open_task(manual).instance_id
    reviewer_id = demo.user("reviewer").id
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker():
        from app.accounts.models import User
        from app.inbox.services import inbox

        with app.test_request_context():
            user = db.session.get(User, reviewer_id)
            task = db.session.get(HumanTask, task_id)
            db.session.get(ProcessInstance, task.instance_id)
            barrier.wait()
            outcomes.append(outcome_of(lambda: answer(task, user, decision="approve"),
                                       inbox.TaskChangedMeanwhile, inbox.TaskAlreadyCompleted))

    run_twice_at_once(worker)
    assert sorted(outcomes) == ["conflict", "ok"]
    assert db.session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.spec_name == "review_opdc", HumanTask.instance_id == instance_id)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "task.completed", AuditEvent.instance_id == instance_id)) == 1


def test_a_task_read_before_another_officer_completes_it_is_refused_and_nothing_is_saved(app, demo):
    """The task's page and its form post read the task with its instance's columns, not its state; the state is
    read when the completion starts. Another officer completes the task in between: the state then read is newer
    than the instance's version read before, and the late completion is refused, with none of it saved."""
    from app.accounts.models import User
    from app.inbox.services import inbox

    manual = submit_manual(demo)
    task_id, instance_id = open_task(manual).id, open_task(manual).instance_id
    reviewer_id = demo.user("reviewer").id
    db.session.remove()
    read, committed = threading.Event(), threading.Event()
    outcomes: dict[str, str] = {}

    def late():
        with app.test_request_context():
            try:
                user = db.session.get(User, reviewer_id)
                task = inbox.task_for(user, task_id)  # what the officer's form post reads first
                read.set()
                committed.wait(30)
                answer(task, user, decision="return", comment="ช้าไป")
                outcomes["late"] = "ok"
            except (inbox.TaskChangedMeanwhile, inbox.TaskAlreadyCompleted):
                db.session.rollback()
                outcomes["late"] = "refused"
            finally:
                db.session.remove()

    def first():
        read.wait(30)
        with app.test_request_context():
            try:
                user = db.session.get(User, reviewer_id)
                answer(inbox.task_for(user, task_id), user, decision="approve")
                outcomes["first"] = "ok"
            finally:
                db.session.remove()
                committed.set()

    threads = [threading.Thread(target=late), threading.Thread(target=first)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes == {"first": "ok", "late": "refused"}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "task.completed", AuditEvent.instance_id == instance_id)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "revision.return", AuditEvent.instance_id == instance_id)) == 0
    assert open_task(manual).spec_name == "review_opdc"


def test_two_timer_workers_never_fire_the_same_timer_twice(app, demo):
    with time_machine.travel(MONDAY, tick=False):
        for number in range(6):
            submit_manual(demo, f"คู่มือทดสอบ {number}")
    db.session.remove()
    barrier = threading.Barrier(2)
    fired: list[int] = []

    def worker():
        with app.test_request_context(), time_machine.travel(datetime(2026, 11, 26, 9, 1, tzinfo=BANGKOK), tick=False):
            barrier.wait()
            try:
                fired.append(engine.fire_due_timers(batch_size=100))
                db.session.commit()
            except Exception:
                db.session.rollback()
                fired.append(0)
            finally:
                db.session.remove()

    run_twice_at_once(worker)
    # every reviewer reminder was sent once per instance, whichever worker sent it
    reminders = db.session.scalars(select(Notification.subject).where(
        Notification.user_id == demo.user("reviewer").id, Notification.subject.contains("คู่มือทดสอบ"))).all()
    assert sorted(reminders) == sorted(set(reminders)) and len(reminders) == 6
    ours = select(ProcessInstance.id).join(Manual, Manual.id == ProcessInstance.business_id).where(
        ProcessInstance.business_type == "manual", Manual.title.startswith("คู่มือทดสอบ"))
    fired_events = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "step.completed", AuditEvent.task_name == "notify_agency_reminder",
        AuditEvent.instance_id.in_(ours)))
    assert fired_events == 6


def test_two_submissions_of_the_same_manual_at_once_make_one_revision(demo):
    from app.manuals.models import Manual, ManualRevision

    author = demo.user("author")
    manual = manuals.create_manual(author, title="คู่มือแข่งกันส่ง", agency_id=demo.agency("dopa").id)
    db.session.commit()
    assert manual.status == "draft"  # this request has read the manual
    with db.engine.begin() as other:  # a colleague's submission lands first
        other.execute(Manual.__table__.update().where(Manual.id == manual.id)
                      .values(status="in_review", lock_version=Manual.lock_version + 1))
    with pytest.raises(manual_revisions.ManualChangedMeanwhile):
        manual_revisions.submit(author, manual, title=manual.title, content=complete_content("ของฉัน"))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ManualRevision).where(
        ManualRevision.manual_id == manual.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.business_id == manual.id, ProcessInstance.business_type == "manual")) == 0


def _reminder_fails_for(instance_id: int, monkeypatch) -> int:
    """The review reminder of this instance raises (a broken template); every other one works."""
    from workflows import operations

    real = operations.get("remind_reviewers")

    def remind(ctx, **params):
        if ctx.instance_id == instance_id:
            raise RuntimeError("mail merge template missing")
        return real(ctx, **params)

    monkeypatch.setitem(operations._REGISTRY, "remind_reviewers", remind)
    return instance_id


def test_a_failing_timer_stops_only_its_own_instance(demo, monkeypatch):
    with time_machine.travel(MONDAY, tick=False):
        broken = submit_manual(demo, "คู่มือทดสอบ เสีย")
        healthy = submit_manual(demo, "คู่มือทดสอบ ปกติ")
    broken_instance = _reminder_fails_for(open_task(broken).instance_id, monkeypatch)
    with time_machine.travel(datetime(2026, 11, 26, 9, 1, tzinfo=BANGKOK), tick=False):
        engine.fire_due_timers()
        db.session.commit()
        assert engine.fire_due_timers() == 0  # the broken one is not retried in a loop
    broken_row = db.session.get(ProcessInstance, broken_instance)
    healthy_row = db.session.get(ProcessInstance, open_task(healthy).instance_id)
    assert broken_row.status == InstanceStatus.error and "mail merge" in broken_row.error
    assert healthy_row.status == InstanceStatus.running
    assert healthy_row.next_timer_at == datetime(2026, 11, 30, 9, 0, tzinfo=BANGKOK)  # its reminder went out

    def audited(instance_id: int) -> list[tuple[str, str | None]]:
        return db.session.execute(select(AuditEvent.action, AuditEvent.task_name).where(
            AuditEvent.instance_id == instance_id, AuditEvent.occurred_at > MONDAY).order_by(AuditEvent.id)).all()

    # The batch's audit rows went out together: the healthy one's steps; the broken one's failure, and nothing of
    # what its failed attempt had recorded.
    assert ("step.completed", "notify_agency_reminder") in audited(healthy_row.id)
    assert [action for action, _task in audited(broken_instance)] == ["instance.error"]
    # the reviewer can still act on it, and doing so puts the instance back on its feet
    answer(open_task(broken), demo.user("reviewer"), decision="approve")
    db.session.refresh(broken_row)
    assert broken_row.status == InstanceStatus.running and broken_row.error is None


def test_a_timer_failing_after_others_in_its_batch_leaves_theirs_fired_once(demo, monkeypatch):
    # The batch fires in one savepoint; the third instance fails after two fired, so the batch is fired again one
    # by one. What the first attempt did for the two is gone with it: each reminder is sent and recorded once.
    with time_machine.travel(MONDAY, tick=False):
        first, second = (submit_manual(demo, f"คู่มือทดสอบ ชุด {n}") for n in ("หนึ่ง", "สอง"))
    with time_machine.travel(MONDAY + timedelta(minutes=1), tick=False):  # due after the two: last in the batch
        broken = submit_manual(demo, "คู่มือทดสอบ ชุด เสีย")
    broken_instance = _reminder_fails_for(open_task(broken).instance_id, monkeypatch)
    with time_machine.travel(datetime(2026, 11, 26, 9, 5, tzinfo=BANGKOK), tick=False):
        # whatever else is due by then (the demo's own reviews, on an earlier day) goes in the same batch
        due = db.session.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.next_timer_at <= datetime(2026, 11, 26, 9, 5, tzinfo=BANGKOK)))
        assert engine.fire_due_timers() == due - 1
        db.session.commit()
    assert db.session.get(ProcessInstance, broken_instance).status == InstanceStatus.error
    for manual in (first, second):
        instance_id = open_task(manual).instance_id
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.instance_id == instance_id, AuditEvent.task_name == "notify_agency_reminder")) == 1
        told = db.session.scalars(select(Notification.user_id).where(Notification.subject.contains(manual.title))).all()
        assert told and len(told) == len(set(told)), manual.title
