"""Unlock requests through HTTP, with the clock moved: ask, decide, the 5-working-day window, re-lock, once only."""

from __future__ import annotations

import re
from datetime import date, datetime

import time_machine
from sqlalchemy import func, select

from app.core.calendar import SpecialDay, WorkingDayDeadline
from app.core.extensions import db
from app.core.workflow import AuditEvent, HumanTask, ProcessInstance, TaskStatus
from app.licensing.models import LicenceReport, UnlockRequest
from app.licensing.services import licensing
from app.org.models import Agency
from app.org.services import calendar_admin
from notifications.models import Notification, OutboxMessage
from tasks import jobs
from tests.helpers import nfkc, read_pdf
from workflows import engine
from workflows.calendar import BANGKOK


def bkk(*parts) -> datetime:
    return datetime(*parts, tzinfo=BANGKOK)


def _sheet_url(point, year=2027, month=2) -> str:
    return f"/licensing/{year}/{month}/points/{point.id}"


def _figures(processes, received=10, approved=6, refused=2, pending=2, within=7, over=1) -> dict:
    data = {}
    for process in processes:
        data |= {f"r-{process.id}-received": str(received), f"r-{process.id}-approved": str(approved),
                 f"r-{process.id}-refused": str(refused), f"r-{process.id}-pending": str(pending),
                 f"r-{process.id}-within_limit": str(within), f"r-{process.id}-over_limit": str(over)}
    return data


def _unlock() -> UnlockRequest:
    return db.session.scalar(select(UnlockRequest).order_by(UnlockRequest.id.desc()).limit(1)
                             .execution_options(populate_existing=True))


def _decide_task(unlock) -> HumanTask | None:
    return db.session.scalar(select(HumanTask).where(HumanTask.instance_id == unlock.instance_id,
                                                     HumanTask.spec_name == "decide",
                                                     HumanTask.status == TaskStatus.open))


def _ask(client, point, reason="ระบบเครือข่ายของอำเภอขัดข้องช่วงปิดงวด จึงรายงานไม่ทัน"):
    return client.post(_sheet_url(point) + "/unlock", data={"reason": reason})


def _decide(client, unlock, decision, comment=""):
    task = _decide_task(unlock)
    return client.post(f"/tasks/{task.id}", data={"decision": decision, "comment": comment})


def _fire():
    engine.fire_due_timers()
    db.session.commit()


def _notifications(user, text) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.subject.contains(text)))


def test_unlock_approved_before_songkran_opens_five_working_days_then_relocks_for_good(app, client, login, demo):
    point, spoint = demo.agency("sp_muang"), demo.user("spoint")
    processes = licensing.processes_for(point)
    assert len(processes) == 4  # the department's processes

    # February 2027 closes at the end of 10 March 2027 (Bangkok).
    with time_machine.travel(bkk(2027, 3, 11, 0, 30)):
        jobs.run(app, "lock_periods")
        login("spoint")
        refused = client.post(_sheet_url(point), data=_figures(processes))
        assert refused.status_code == 409 and "ถูกล็อกแล้ว" in refused.get_data(as_text=True)

    # Asked on Wednesday 7 April 2027; a reason is required. (The clock stands still: due times are compared
    # to the second.)
    with time_machine.travel(bkk(2027, 4, 7, 10, 0), tick=False):
        login("spoint")
        empty = _ask(client, point, reason="  ")
        assert empty.status_code == 422 and "โปรดระบุเหตุผล" in empty.get_data(as_text=True)
        assert _ask(client, point).status_code == 302
        unlock = _unlock()
        assert unlock.status == "pending" and unlock.requested_by_id == spoint.id
        task = _decide_task(unlock)
        assert task.role == "opdc_officer" and task.agency_id == point.id
        # Reminder after 2 working days: Thu 8, Fri 9 April → Fri 9 April 10:00.
        assert task.due_at == bkk(2027, 4, 9, 10, 0)
        again = _ask(client, point)
        assert again.status_code == 409 and "รอสำนักงาน ก.พ.ร. พิจารณาอยู่แล้ว" in again.get_data(as_text=True)
        assert db.session.scalar(select(func.count()).select_from(UnlockRequest)) == 1

    # Approved on Thursday 8 April 2027, the Thursday before Songkran.
    with time_machine.travel(bkk(2027, 4, 8, 10, 0)):
        login("opdc")
        page = client.get(f"/tasks/{_decide_task(unlock).id}").get_data(as_text=True)
        assert "ระบบเครือข่ายของอำเภอขัดข้อง" in page  # the reason is in front of the officer
        no_comment = _decide(client, unlock, "refuse")
        assert no_comment.status_code == 422  # refusing needs a comment
        assert _decide(client, unlock, "approve", "อนุมัติ").status_code == 302
        unlock = _unlock()
        assert unlock.status == "approved" and unlock.decided_by_id == demo.user("opdc").id
        # 5 working days from Thursday 8 April 2027: Fri 9 (1), Mon 12 (2), [Tue 13 – Thu 15 Songkran],
        # Fri 16 (3), Mon 19 (4), Tue 20 (5) → open until the end of Tuesday 20 April 2027.
        assert unlock.opens_until == bkk(2027, 4, 20, 23, 59, 59)
        assert _notifications(spoint, "อนุมัติการปลดล็อก") == 1

    # During the window: figures are entered, and count in the department's roll-up.
    with time_machine.travel(bkk(2027, 4, 19, 15, 0)):
        login("spoint")
        sheet = client.get(_sheet_url(point)).get_data(as_text=True)
        assert 'id="unlock-countdown"' in sheet and "20 เม.ย. 2570 23:59" in sheet and "เหลือเวลา 1 วัน 8 ชม." in sheet
        assert client.post(_sheet_url(point), data=_figures(processes[:1])).status_code == 302
        login("central")
        rollup = client.get(f"/licensing/2027/2/rollup/{demo.agency('dopa').id}").get_data(as_text=True)
        grand = re.search(r'id="rollup-grand">(.*?)</tr>', rollup, re.S).group(1)
        entered = db.session.scalar(select(LicenceReport).where(
            LicenceReport.period_id == licensing.period(2027, 2).id, LicenceReport.agency_id == point.id,
            LicenceReport.process_id == processes[0].id))
        assert (entered.received, entered.approved) == (10, 6)
        # The department's total holds them (with whatever else its points reported that month: on a day in
        # February 2027 the demo's own figures are that month's too).
        received, approved = db.session.execute(
            select(func.sum(LicenceReport.received), func.sum(LicenceReport.approved))
            .join(Agency, Agency.id == LicenceReport.agency_id)
            .where(LicenceReport.period_id == licensing.period(2027, 2).id,
                   Agency.path.startswith(demo.agency("dopa").path))).one()
        assert f'data-field="received">{received}<' in grand and f'data-field="approved">{approved}<' in grand

    with time_machine.travel(bkk(2027, 4, 20, 23, 59, 0)):
        _fire()
        assert _unlock().status == "approved"  # a minute before the deadline nothing moves

    # At the deadline the timer locks the period again and tells the requester.
    with time_machine.travel(bkk(2027, 4, 21, 0, 0, 30)):
        _fire()
        unlock = _unlock()
        assert unlock.status == "expired" and unlock.relocked_at is not None
        assert db.session.get(ProcessInstance, unlock.instance_id).status == "complete"
        assert _notifications(spoint, "ถูกล็อกอีกครั้ง") == 1
        login("spoint")
        assert client.post(_sheet_url(point), data=_figures(processes)).status_code == 409
        second = _ask(client, point)
        assert second.status_code == 409 and "ไม่สามารถขอปลดล็อกได้อีก" in second.get_data(as_text=True)
        assert db.session.scalar(select(func.count()).select_from(UnlockRequest)) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "unlock.relocked")) == 1


def test_a_refused_request_may_be_asked_again_until_an_unlock_is_approved(app, client, login, demo):
    point = demo.agency("sp_muang")
    with time_machine.travel(bkk(2027, 4, 7, 10, 0)):
        login("spoint")
        assert _ask(client, point).status_code == 302
        first = _unlock()
        login("opdc")
        assert _decide(client, first, "refuse", "เหตุผลไม่เพียงพอ").status_code == 302
        first = _unlock()
        assert first.status == "refused" and first.slot is None
        login("spoint")
        page = client.get(_sheet_url(point)).get_data(as_text=True)
        assert "เหตุผลไม่เพียงพอ" in page and 'id="unlock-form"' in page
        assert _ask(client, point, reason="แนบหลักฐานเพิ่มเติมแล้ว").status_code == 302
        second = _unlock()
        assert second.id != first.id and second.status == "pending"
        # The letter exists only for an approved unlock.
        assert client.get(f"/licensing/unlocks/{first.id}/letter.pdf").status_code == 404


def test_reminder_after_two_working_days_and_escalation_after_two_more(app, client, login, demo):
    point = demo.agency("sp_muang")
    with time_machine.travel(bkk(2027, 4, 7, 10, 0)):
        login("spoint")
        _ask(client, point)
    opdc, central = demo.user("opdc"), demo.user("central")
    with time_machine.travel(bkk(2027, 4, 9, 9, 59)):
        _fire()
        assert _notifications(opdc, "คำขอปลดล็อกรายงานรอการพิจารณา") == 0
    with time_machine.travel(bkk(2027, 4, 9, 10, 1)):
        _fire()
        _fire()  # idempotent: nobody is told twice
        assert _notifications(opdc, "คำขอปลดล็อกรายงานรอการพิจารณา") == 1
    # Escalation 2 working days after the reminder: Mon 12 (1), [Songkran], Fri 16 (2) → Fri 16 April 10:00.
    with time_machine.travel(bkk(2027, 4, 16, 9, 0)):
        _fire()
        assert _notifications(opdc, "คำขอปลดล็อกรายงานเกินกำหนด") == 0
    with time_machine.travel(bkk(2027, 4, 16, 10, 1)):
        _fire()
        assert _notifications(opdc, "คำขอปลดล็อกรายงานเกินกำหนด") == 1 and _notifications(central, "คำขอปลดล็อกรายงานเกินกำหนด") == 1


def test_a_special_holiday_during_the_window_moves_the_deadline_by_a_day(app, client, login, demo):
    point = demo.agency("sp_muang")
    with time_machine.travel(bkk(2027, 4, 7, 10, 0)):
        login("spoint")
        _ask(client, point)
    with time_machine.travel(bkk(2027, 4, 8, 10, 0)):
        login("opdc")
        _decide(client, _unlock(), "approve")
        db.session.commit()
        # The cabinet announces Monday 19 April 2027 a special holiday, inside the window.
        calendar_admin.add_holiday(demo.user("admin"), date(2027, 4, 19), "วันหยุดพิเศษ (ทดสอบ)")
        db.session.commit()
        unlock = _unlock()
        deadline = db.session.scalar(select(WorkingDayDeadline).where(
            WorkingDayDeadline.purpose == "unlock.window", WorkingDayDeadline.object_id == unlock.id))
        # Fri 9 (1), Mon 12 (2), Fri 16 (3), [Mon 19 special], Tue 20 (4), Wed 21 (5).
        assert deadline.due_at == bkk(2027, 4, 21, 23, 59, 59)
        assert licensing.window_end(unlock) == bkk(2027, 4, 21, 23, 59, 59)
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "deadline.moved")) >= 1
    with time_machine.travel(bkk(2027, 4, 21, 0, 0, 30)):
        _fire()
        assert _unlock().status == "approved"  # the old deadline passed: still open
        login("spoint")
        assert "21 เม.ย. 2570 23:59" in client.get(_sheet_url(point)).get_data(as_text=True)
    with time_machine.travel(bkk(2027, 4, 22, 0, 0, 30)):
        _fire()
        unlock = _unlock()
        assert unlock.status == "expired" and unlock.opens_until == bkk(2027, 4, 21, 23, 59, 59)


def test_a_holiday_announced_in_the_window_moves_every_date_shown_and_tells_the_service_point(app, client, login, demo):
    point, spoint = demo.agency("sp_muang"), demo.user("spoint")
    with time_machine.travel(bkk(2027, 4, 7, 10, 0)):
        login("spoint")
        _ask(client, point)
    with time_machine.travel(bkk(2027, 4, 8, 10, 0)):
        login("opdc")
        _decide(client, _unlock(), "approve")
        unlock_id = _unlock().id
        assert _unlock().opens_until == bkk(2027, 4, 20, 23, 59, 59)
        # The administrator announces Monday 19 April a special holiday, from the holidays page.
        login("admin")
        response = client.post("/admin/calendar/holidays", data={"day": "2027-04-19", "name_th": "วันหยุดพิเศษ"})
        assert response.status_code == 302
        # One stored date, moved in the same transaction: Wed 21 April.
        assert _unlock().opens_until == bkk(2027, 4, 21, 23, 59, 59)
        assert _notifications(spoint, "21 เมษายน 2570") == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.to_address == spoint.email, OutboxMessage.subject.contains("21 เมษายน 2570"))) == 1
        login("spoint")
        page = client.get(_sheet_url(point)).get_data(as_text=True)
        assert "21 เม.ย. 2570 23:59" in page and "20 เม.ย. 2570 23:59" not in page
        letter = read_pdf(client.get(f"/licensing/unlocks/{unlock_id}/letter.pdf").data)
        assert nfkc("๒๑ เมษายน ๒๕๗๐") in letter.text and nfkc("๒๐ เมษายน ๒๕๗๐") not in letter.text
        # Taking the holiday back puts the day back, and the service point is told again.
        special = db.session.scalar(select(SpecialDay).where(SpecialDay.day == date(2027, 4, 19)))
        calendar_admin.remove_special_day(demo.user("admin"), special.id)
        db.session.commit()
        assert _unlock().opens_until == bkk(2027, 4, 20, 23, 59, 59)
        assert _notifications(spoint, "20 เมษายน 2570") == 2  # the approval, and the move back


def test_the_approval_letter_is_a_thai_pdf_with_the_deadline_in_the_buddhist_era(app, client, login, demo):
    point = demo.agency("sp_muang")
    with time_machine.travel(bkk(2027, 4, 7, 10, 0)):
        login("spoint")
        _ask(client, point)
    with time_machine.travel(bkk(2027, 4, 8, 10, 0)):
        login("opdc")
        _decide(client, _unlock(), "approve")
        login("spoint")
        response = client.get(f"/licensing/unlocks/{_unlock().id}/letter.pdf")
        login("lg_author")  # another agency's person
        assert client.get(f"/licensing/unlocks/{_unlock().id}/letter.pdf").status_code == 404
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    printed = read_pdf(response.data, png_name="unlock-approval-letter")
    assert nfkc("๒๐ เมษายน ๒๕๗๐") in printed.text  # the deadline, Thai numerals, B.E.
    assert nfkc("๘ เมษายน ๒๕๗๐") in printed.text  # the letter's date
    assert "เรื่อง" in printed.text and "เรียน" in printed.text and "ขอแสดงความนับถือ" in printed.text
    assert printed.fonts and all(font["emb"] == "yes" and "Laksaman" in font["name"] for font in printed.fonts)


def test_the_sheet_offers_the_unlock_form_only_while_a_request_could_be_made(app, client, login, demo):
    point = demo.agency("sp_muang")
    with time_machine.travel(bkk(2027, 3, 11, 0, 30)):
        jobs.run(app, "lock_periods")
    with time_machine.travel(bkk(2027, 4, 7, 10, 0)):
        login("spoint")
        sheet = client.get(_sheet_url(point)).get_data(as_text=True)
        assert 'id="unlock-form"' in sheet and 'id="unlock-unavailable"' not in sheet
        assert _ask(client, point).status_code == 302
        sheet = client.get(_sheet_url(point)).get_data(as_text=True)  # one is waiting: no second one is offered
        assert 'id="unlock-form"' not in sheet and "รอสำนักงาน ก.พ.ร. พิจารณาอยู่แล้ว" in sheet
    with time_machine.travel(bkk(2027, 4, 8, 10, 0)):
        login("opdc")
        assert _decide(client, _unlock(), "approve", "อนุมัติ").status_code == 302
    # The window has ended; before and after the timer job has locked the period again, the form is not offered.
    for fire in (False, True):
        with time_machine.travel(bkk(2027, 4, 21, 0, 0, 30)):
            if fire:
                _fire()
            login("spoint")
            sheet = client.get(_sheet_url(point)).get_data(as_text=True)
            assert 'id="unlock-form"' not in sheet and 'id="unlock-countdown"' not in sheet, fire
            assert 'id="unlock-unavailable"' in sheet and "ไม่สามารถขอปลดล็อกได้อีก" in sheet, fire
    assert _unlock().status == "expired"


def test_a_failing_step_leaves_no_unlock_request(app, client, login, demo, monkeypatch):
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.exceptions import WorkflowException

    from app.licensing.services import unlocks

    point = demo.agency("sp_muang")
    with time_machine.travel(bkk(2027, 3, 11, 0, 30)):
        jobs.run(app, "lock_periods")
    with time_machine.travel(bkk(2027, 4, 7, 10, 0)):
        period = licensing.period(2027, 2)
        db.session.commit()

        def broken(self, *args, **kwargs):
            raise WorkflowException("the engine stopped")

        monkeypatch.setattr(BpmnWorkflow, "do_engine_steps", broken)
        try:
            unlocks.ask(demo.user("spoint"), period, point, "เครือข่ายขัดข้อง")
        except engine.WorkflowError:
            db.session.rollback()
        else:
            raise AssertionError("the request should have failed")
    assert db.session.scalar(select(func.count()).select_from(UnlockRequest)) == 0
