"""The s.10 notice cycle on the clock: notices go out every 7 days whether or not the officer answers, the weekly
reminder escalates, notices that could not be e-mailed are posted, a holiday moves the round's due dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from sqlalchemy import select

from app.core.calendar import WorkingDayDeadline
from app.core.extensions import db
from app.core.workflow import AuditEvent, HumanTask, ProcessInstance, TaskStatus
from app.licensing.models import DelayRecord
from app.licensing.services import delay_letters, delays, licensing
from notifications.models import Notification, OutboxMessage
from tasks.jobs import send_outbox
from tests.licensing.test_delays import OPDC_COPY, _count, _delay, _fire, _form, _notices, _record, _update_task, bkk
from workflows import engine

START = bkk(2027, 2, 1, 10, 0)  # Monday
LATE = "แจ้งเรื่องล่าช้าไม่ทันกำหนด"
STILL_NOT_GIVEN = "ยังไม่ได้ระบุเหตุแห่งความล่าช้า"


def _steps(delay) -> list[tuple[str, int]]:
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "delay", AuditEvent.object_id == delay.id,
        AuditEvent.action.in_(("delay.reminded", "delay.escalated"))).order_by(AuditEvent.id))
    return [(event.after["step"], event.after["round"]) for event in events]


def _told(user, text) -> int:
    return _count(Notification, Notification.user_id == user.id, Notification.subject.contains(text))


def test_an_officer_who_never_answers_still_has_a_notice_sent_every_seven_days(app, client, login, demo,
                                                                               count_queries):
    spoint, central, opdc = demo.user("spoint"), demo.user("central"), demo.user("opdc")
    with time_machine.travel(START, tick=False):
        assert _record(client, login, demo).status_code == 302
        delay = _delay()
    # The timer job runs every morning for 60 days; nobody ever opens the weekly task.
    for day in range(1, 61):
        with time_machine.travel(START + timedelta(days=day, minutes=30)):
            _fire()
            assert _update_task(delay) is not None, day  # a reminder that waits, never a gate
    delay = _delay()
    notices = _notices(delay)
    # One notice on the recording and one on every 7th day: days 7, 14, …, 56.
    assert [n.kind for n in notices] == ["first"] + ["update"] * 8
    assert [n.issued_at.astimezone(START.tzinfo).date() for n in notices] == [
        (START + timedelta(days=7 * k)).date() for k in range(9)]
    assert all(n.restated for n in notices[1:]) and {n.reason for n in notices} == {delay.reason}
    assert delay.next_notice_at == START + timedelta(days=63)
    # Each says the application is still under consideration, restating the last reason, and reaches the
    # applicant by e-mail with its letter; OPDC gets a copy of every one.
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "sompong@example.org")
                               .order_by(OutboxMessage.id)).all()
    assert len(mails) == 9 and all("ยังอยู่ระหว่างการพิจารณา" in m.body for m in mails[1:])
    assert "ยังอยู่ระหว่างการพิจารณา" not in mails[0].body
    assert "ยังอยู่ระหว่างการพิจารณา" in delay_letters.letter_of(notices[5]).paragraphs[1]
    assert all(n.opdc_copied == 1 for n in notices) and _told(opdc, OPDC_COPY) == 9
    # Each week: the officer is asked, two working days later the central officers are told, two more and OPDC.
    # (Nine rounds opened: on the recording and after each of the 8 update notices; the ninth's OPDC step falls on
    # day 60, a Friday.)
    assert _steps(delay) == [(step, number) for number in range(1, 10) for step in ("officer", "central", "opdc")]
    assert _told(spoint, "ระบุเหตุแห่งความล่าช้าปัจจุบัน") == 9
    assert _told(central, LATE) == 9 and _told(opdc, STILL_NOT_GIVEN) == 9
    # The week of Makha Bucha (Monday 22 February 2027, a holiday) counts its working days around it.
    week4 = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_id == delay.id, AuditEvent.action == "delay.escalated")).all()
    central_4 = next(e for e in week4 if e.after == {"step": "central", "round": 4, "notified": 1})
    assert central_4.occurred_at.astimezone(START.tzinfo).date() == date(2027, 2, 24)  # day 23, fired at 10:30

    # OPDC's register lists every step with its service point; one query for them however many.
    login("opdc")
    with count_queries() as statements:
        page = client.get("/delays/register")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count('data-step="officer"') == html.count('data-step="central"') == html.count(
        'data-step="opdc"') == 9
    assert len([s for s in statements if "audit_event" in s]) == 1

    # The decision closes the cycle with the final notice; nothing follows it.
    with time_machine.travel(START + timedelta(days=61)):
        login("spoint")
        assert client.post(f"/delays/{delay.id}/decision", data={"decision": "refused"}).status_code == 302
    with time_machine.travel(START + timedelta(days=80)):
        _fire()
    delay = _delay()
    assert [n.kind for n in _notices(delay)][-2:] == ["update", "final"] and len(_notices(delay)) == 10
    assert _told(opdc, OPDC_COPY) == 10 and _update_task(delay) is None
    assert db.session.get(ProcessInstance, delay.instance_id).status == "complete"
    assert not db.session.scalars(select(WorkingDayDeadline).where(
        WorkingDayDeadline.object_type == "delay", WorkingDayDeadline.object_id == delay.id,
        WorkingDayDeadline.status == "open")).all()


def test_the_decision_ends_the_cycle_with_a_final_notice_and_the_page_offers_no_second_one(app, client, login, demo):
    opdc = demo.user("opdc")
    with time_machine.travel(START):
        assert _record(client, login, demo).status_code == 302
        answered = _delay()
        assert _record(client, login, demo, reference="นบ 0002/2570").status_code == 302
        unanswered = _delay()
    # One officer gives this week's reason (the notice now waits for its day), the other does not.
    with time_machine.travel(START + timedelta(days=1)):
        task = _update_task(answered)
        assert client.post(f"/tasks/{task.id}", data={"outcome": "pending", "reason": "รอผลตรวจสอบพื้นที่",
                                                       "expected": "2027-04-30"}).status_code == 302
        assert _update_task(answered) is None and _update_task(unanswered) is not None
    with time_machine.travel(START + timedelta(days=3, hours=1)):
        _fire()  # the central officers hear of the unanswered one
        for delay, decision in ((answered, "approved"), (unanswered, "withdrawn")):
            page = client.get(f"/delays/{delay.id}").get_data(as_text=True)
            assert 'id="decision-form"' in page
            assert client.post(f"/delays/{delay.id}/decision", data={"decision": decision}).status_code == 302
            page = client.get(f"/delays/{delay.id}").get_data(as_text=True)
            assert 'id="decision-form"' not in page and 'id="update-task"' not in page  # nothing left to offer
            refused = client.post(f"/delays/{delay.id}/decision", data={"decision": "refused"},
                                  follow_redirects=True)
            assert "บันทึกผลการพิจารณาไว้แล้ว" in refused.get_data(as_text=True)
            refused = client.post(f"/delays/{delay.id}/decision", data={"decision": ""})
            assert refused.status_code == 422 and 'id="decision-form"' not in refused.get_data(as_text=True)
    for day in (7, 14, 21):
        with time_machine.travel(START + timedelta(days=day, minutes=30)):
            _fire()
    for delay, decision in ((answered, "approved"), (unanswered, "withdrawn")):
        delay = db.session.get(DelayRecord, delay.id, populate_existing=True)
        notices = _notices(delay)
        assert [(n.kind, n.decision) for n in notices] == [("first", None), ("final", decision)]
        assert delay.status == "decided" and delay.next_notice_at is None
        assert db.session.get(ProcessInstance, delay.instance_id).status == "complete"
        assert _update_task(delay) is None and not db.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == delay.instance_id, HumanTask.status == TaskStatus.open)).all()
    assert db.session.get(DelayRecord, answered.id).reason == "รอผลตรวจสอบพื้นที่"
    assert _told(opdc, OPDC_COPY) == 4


def test_notices_that_could_not_be_emailed_are_listed_to_post_until_marked_sent(app, client, login, demo, smtp,
                                                                                monkeypatch, count_queries):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 1)
    with time_machine.travel(START, tick=False):
        assert _record(client, login, demo, applicant_email="").status_code == 302  # by post only
        by_post = _delay()
        assert _record(client, login, demo, reference="นบ 0002/2570").status_code == 302
        send_outbox(app)  # delivered
        assert _record(client, login, demo, reference="นบ 0003/2570").status_code == 302
        failed = _delay()
        smtp.stop()
        send_outbox(app)  # the server is gone and no further attempt is allowed: failed
        smtp.start()
        assert db.session.get(OutboxMessage, _notices(failed)[0].mail_id).status == "failed"

        login("spoint")
        assert 'id="to-post-count">2<' in client.get("/delays/").get_data(as_text=True)
        with count_queries() as statements:
            page = client.get("/delays/to-post")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and html.count("data-notice=") == 2
        assert "นบ 0001/2570" in html and "นบ 0003/2570" in html and "นบ 0002/2570" not in html
        assert "บางกระสอ" in html  # the applicant's postal address, to write on the envelope
        assert len([s for s in statements if "delay_notice" in s]) == 1
        letter = client.get(f"/delays/{by_post.id}/notices/1.pdf")
        assert letter.status_code == 200 and letter.mimetype == "application/pdf"

        notice = _notices(by_post)[0]
        done = client.post(f"/delays/notices/{notice.id}/posted")
        assert done.status_code == 303
        again = client.post(f"/delays/notices/{notice.id}/posted", follow_redirects=True)
        assert "ทำเครื่องหมายว่าส่งทางไปรษณีย์แล้ว" in again.get_data(as_text=True)
        assert _notices(by_post)[0].posted_at is not None
        assert 'id="to-post-count">1<' in client.get("/delays/").get_data(as_text=True)
        login("central")  # the department's central officer sees the same list
        assert client.get("/delays/to-post").get_data(as_text=True).count("data-notice=") == 1
        login("opdc")
        assert client.get("/delays/to-post").status_code == 403
        assert client.post(f"/delays/notices/{_notices(failed)[0].id}/posted").status_code == 404
    # The next notice of the delay without an address is to post again.
    with time_machine.travel(START + timedelta(days=7, minutes=30)):
        _fire()
        login("spoint")
        assert client.get("/delays/to-post").get_data(as_text=True).count("data-notice=") == 2


def test_a_holiday_announced_inside_the_round_moves_its_due_dates_and_tells_the_officer(app, client, login, demo):
    spoint, central = demo.user("spoint"), demo.user("central")
    with time_machine.travel(START, tick=False):
        assert _record(client, login, demo).status_code == 302
        delay = _delay()
        assert _update_task(delay).due_at == bkk(2027, 2, 3, 10, 0)  # Wednesday: 2 working days
    with time_machine.travel(bkk(2027, 2, 1, 15, 0)):
        # The administrator announces Tuesday 2 February a special holiday, from the holidays page.
        login("admin")
        response = client.post("/admin/calendar/holidays", data={"day": "2027-02-02", "name_th": "วันหยุดพิเศษ"})
        assert response.status_code in (302, 303)
        task = _update_task(delay)
        assert task.due_at == bkk(2027, 2, 4, 10, 0)  # the task's due date, read from the tracked deadline
        # The officer was told both dates when the week opened; each one moved is told again.
        told = db.session.scalars(select(Notification).where(
            Notification.user_id == spoint.id, Notification.subject.contains("เลื่อน")).order_by(Notification.id)).all()
        assert len(told) == 2
        assert "4 กุมภาพันธ์ 2570 10:00" in told[0].subject and "3 กุมภาพันธ์ 2570 10:00" in told[0].body
        assert "8 กุมภาพันธ์ 2570" in told[1].subject and "5 กุมภาพันธ์ 2570" in told[1].body
        moved = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "deadline.moved",
                                                             AuditEvent.object_id == delay.id)).all()
        assert {e.after["purpose"] for e in moved} == {"delay.update", "delay.escalate"}
        login("spoint")
        assert "4 ก.พ. 2570" in client.get(f"/delays/{delay.id}").get_data(as_text=True)
    with time_machine.travel(bkk(2027, 2, 3, 10, 30)):
        _fire()
        assert _told(central, LATE) == 0  # the old day: nothing yet
    with time_machine.travel(bkk(2027, 2, 4, 10, 30)):
        _fire()
        assert _told(central, LATE) == 1
    # The notice itself counts 7 calendar days, which no holiday moves.
    with time_machine.travel(bkk(2027, 2, 8, 10, 0, 30)):
        _fire()
        assert [n.kind for n in _notices(delay)] == ["first", "update"]


def test_a_failing_step_leaves_no_delay_recorded(app, client, login, demo, monkeypatch):
    point, officer = demo.agency("sp_muang"), demo.user("spoint")
    process = licensing.processes_for(point)[0]
    form = _form(process)
    data = delays.DelayInput(**{**{k: v for k, v in form.items() if k not in ("process_id", "promised_days",
                                                                            "received_on", "expected_decision_on")},
                                "process_id": process.id, "promised_days": 15, "received_on": date(2027, 1, 15),
                                "expected_decision_on": date(2027, 3, 31)})
    db.session.commit()

    def broken(self, *args, **kwargs):
        raise WorkflowException("the engine stopped")

    monkeypatch.setattr(BpmnWorkflow, "do_engine_steps", broken)
    with time_machine.travel(START), pytest.raises(engine.WorkflowError):
        delays.record(officer, point, data)
    db.session.rollback()
    assert _count(DelayRecord) == 0 and _count(ProcessInstance, ProcessInstance.process_id == "delay_notice") == 0
