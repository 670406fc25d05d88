"""The Thai working-day calendar, its administration page, and deadlines a calendar change moves."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from app.core.calendar import SpecialDay, WorkingDayDeadline
from app.core.extensions import db
from app.core.workflow import AuditEvent, InstanceStatus, ProcessInstance
from app.org.services import calendar_admin
from workflows import calendar, engine
from workflows.calendar import (
    BANGKOK,
    add_working_days,
    end_of_working_day,
    is_working_day,
    working_days_between,
)
from workflows.engine import specs

# The Thursday before Songkran 2026, ten in the morning in Bangkok.
THURSDAY_BEFORE_SONGKRAN = datetime(2026, 4, 9, 10, 0, tzinfo=BANGKOK)


def bkk(*args) -> datetime:
    return datetime(*args, tzinfo=BANGKOK)


# --- the calendar itself (no database) ---------------------------------------------------------------------


def test_songkran_2026_and_2027():
    for year in (2026, 2027):
        for day in (13, 14, 15):
            assert not is_working_day(date(year, 4, day)), (year, day)
        # Songkran falls on weekdays in both years: no substitution day, the 16th is a working day.
        assert is_working_day(date(year, 4, 16))
    # 2028: Thursday to Saturday, so one substitution day, the Monday after.
    assert not is_working_day(date(2028, 4, 17))
    assert is_working_day(date(2028, 4, 18))
    # An unlock approved on the Thursday before Songkran: 10, 16, 17, 20, 21 April.
    assert add_working_days(THURSDAY_BEFORE_SONGKRAN, 5) == bkk(2026, 4, 21, 10, 0)
    assert end_of_working_day(THURSDAY_BEFORE_SONGKRAN, 5) == bkk(2026, 4, 21, 23, 59, 59)


def test_new_year():
    assert not is_working_day(date(2026, 12, 31))
    assert not is_working_day(date(2027, 1, 1))
    assert not is_working_day(date(2026, 1, 2))  # the cabinet's bridge day of 2026
    assert add_working_days(bkk(2026, 12, 30, 16, 30), 1) == bkk(2027, 1, 4, 16, 30)
    assert working_days_between(date(2026, 12, 30), date(2027, 1, 4)) == 1


def test_substitution_days():
    # King Bhumibol's birthday, Saturday 5 December 2026 -> Monday 7 December.
    assert not is_working_day(date(2026, 12, 7))
    assert add_working_days(bkk(2026, 12, 4, 9, 0), 1) == bkk(2026, 12, 8, 9, 0)
    # Visakha Bucha, Sunday 31 May 2026 -> Monday 1 June; Makha Bucha, Sunday 21 February 2027 -> Monday.
    assert not is_working_day(date(2026, 6, 1))
    assert not is_working_day(date(2027, 2, 22))


def test_the_government_calendar_not_the_private_sectors():
    # Labour Day is a private-sector holiday: government offices work, and its substitution day too.
    assert is_working_day(date(2026, 5, 1))
    assert is_working_day(date(2027, 5, 3))
    # The Royal Ploughing Ceremony is a government holiday.
    assert not is_working_day(date(2026, 5, 13))
    names = calendar.package_holidays(2026)
    assert names[date(2026, 4, 13)].name_th == "วันสงกรานต์"
    assert date(2026, 5, 1) not in names


def test_working_days_between():
    assert working_days_between(date(2026, 4, 9), date(2026, 4, 21)) == 5
    assert working_days_between(date(2026, 4, 10), date(2026, 4, 17)) == 2
    assert working_days_between(date(2026, 4, 21), date(2026, 4, 9)) == 0
    assert working_days_between(date(2026, 4, 9), date(2026, 4, 9)) == 0
    assert working_days_between(date(2026, 4, 11), date(2026, 4, 12)) == 0  # a weekend
    # Across years, and consistent with add_working_days everywhere.
    start = date(2025, 12, 1)
    for offset in range(0, 800, 7):
        day = start + timedelta(days=offset)
        for n in (1, 5, 23):
            due = add_working_days(datetime.combine(day, datetime.min.time(), BANGKOK), n).date()
            assert working_days_between(day, due) == n
            assert is_working_day(due)


def test_add_zero_days_and_refuse_negative():
    assert add_working_days(THURSDAY_BEFORE_SONGKRAN, 0) == THURSDAY_BEFORE_SONGKRAN
    with pytest.raises(ValueError):
        add_working_days(THURSDAY_BEFORE_SONGKRAN, -1)


# --- special days, through the database --------------------------------------------------------------------


def test_special_days_count_and_another_process_sees_them_in_its_next_transaction(app):
    assert is_working_day(date(2026, 4, 20))
    db.session.commit()
    # Written the way another process would: no invalidate() in this one.
    db.session.add(SpecialDay(day=date(2026, 4, 20), kind="holiday", name_th="วันหยุดพิเศษ"))
    db.session.add(SpecialDay(day=date(2026, 4, 13), kind="working", name_th="ยกเลิกวันสงกรานต์"))
    db.session.commit()
    assert not is_working_day(date(2026, 4, 20))
    assert is_working_day(date(2026, 4, 13))
    assert add_working_days(THURSDAY_BEFORE_SONGKRAN, 5) == bkk(2026, 4, 21, 10, 0)  # 10, 13, 16, 17, (20 off) 21
    db.session.execute(SpecialDay.__table__.delete())
    db.session.commit()
    assert is_working_day(date(2026, 4, 20))
    assert not is_working_day(date(2026, 4, 13))


def _track(starts_at, days, *, end_of_day=False, **extra):
    due = end_of_working_day(starts_at, days) if end_of_day else add_working_days(starts_at, days)
    return calendar_admin.track_deadline(purpose="test.window", starts_at=starts_at, working_days=days, due_at=due,
                                         end_of_day=end_of_day, **extra)


def _moves(deadline_id=None):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "deadline.moved")
                              .order_by(AuditEvent.id)).all()


def test_a_special_holiday_added_after_a_deadline_was_set_moves_it_by_a_day_and_a_real_timer_follows(
        client, login, demo, monkeypatch):
    monkeypatch.setattr(specs, "_bpmn_dirs", [Path(__file__).resolve().parents[1] / "bpmn", *specs._bpmn_dirs])
    agency = demo.agency("dopa")
    with time_machine.travel(THURSDAY_BEFORE_SONGKRAN, tick=True):
        due = end_of_working_day(THURSDAY_BEFORE_SONGKRAN, 5)
        instance = engine.start("working_day_deadline", title="ช่วงเปิดรายงาน", business_type="test", business_id=7,
                                agency_id=agency.id, agency_path=agency.path, data={"due_at": due.isoformat()},
                                actor_id=None)
        deadline_id = calendar_admin.track_deadline(
            purpose="test.window", starts_at=THURSDAY_BEFORE_SONGKRAN, working_days=5, due_at=due,
            object_type="test", object_id=7, instance_id=instance.id, timer_variable="due_at", end_of_day=True)
        unrelated_id = _track(bkk(2026, 4, 21, 9, 0), 3)  # starts after the new holiday: not touched
        db.session.commit()
        assert instance.next_timer_at == due

        login("admin")
        response = client.post("/admin/calendar/holidays", data={"day": "2026-04-20", "name_th": "วันหยุดพิเศษกรณีพิเศษ",
                                                                 "name_en": "Special holiday"})
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "เพิ่มวันหยุดพิเศษแล้ว" in page and "คำนวณกำหนดเวลาที่ยังเปิดอยู่ใหม่ 1 รายการ" in page
        assert "20 เม.ย. 2569" in page and "วันหยุดพิเศษกรณีพิเศษ" in page

    db.session.expire_all()
    moved = db.session.get(WorkingDayDeadline, deadline_id)
    assert moved.due_at == bkk(2026, 4, 22, 23, 59, 59)
    assert db.session.get(WorkingDayDeadline, unrelated_id).due_at == add_working_days(bkk(2026, 4, 21, 9, 0), 3)
    instance = db.session.get(ProcessInstance, instance.id)
    assert instance.next_timer_at == bkk(2026, 4, 22, 23, 59, 59)
    [audit] = _moves()
    assert audit.instance_id == instance.id and audit.actor_id == demo.user("admin").id
    assert audit.before["due_at"] == "2026-04-21T23:59:59+07:00"
    assert audit.after["due_at"] == "2026-04-22T23:59:59+07:00"
    assert audit.after["special_day"]["day"] == "2026-04-20" and audit.after["timers_moved"] == 1

    # The old date passes: nothing fires. The new one passes: the timer fires.
    with time_machine.travel(bkk(2026, 4, 22, 0, 0, 30)):
        engine.fire_due_timers()
        db.session.commit()
        assert db.session.get(ProcessInstance, instance.id, populate_existing=True).status == InstanceStatus.waiting
    with time_machine.travel(bkk(2026, 4, 23, 0, 0, 30)):
        engine.fire_due_timers()
        db.session.commit()
        assert db.session.get(ProcessInstance, instance.id, populate_existing=True).status == InstanceStatus.complete


def test_a_cancelled_holiday_brings_a_deadline_forward_and_removing_it_puts_it_back(client, login, demo):
    with time_machine.travel(THURSDAY_BEFORE_SONGKRAN, tick=True):
        deadline_id = _track(THURSDAY_BEFORE_SONGKRAN, 5, object_type="test", object_id=1)
        closed_id = _track(THURSDAY_BEFORE_SONGKRAN, 5, object_type="test", object_id=2)
        calendar_admin.close_deadline("test.window", "test", 2)
        db.session.commit()
        login("admin")
        response = client.post("/admin/calendar/cancellations", data={"day": "2026-04-14", "name_th": ""})
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(WorkingDayDeadline, deadline_id).due_at == bkk(2026, 4, 20, 10, 0)
        assert db.session.get(WorkingDayDeadline, closed_id).due_at == bkk(2026, 4, 21, 10, 0)  # closed: kept
        assert is_working_day(date(2026, 4, 14))
        page = client.get("/admin/calendar?year=2569").get_data(as_text=True)
        assert "ยกเลิกวันหยุด: เป็นวันทำการ" in page
        special = db.session.scalar(select(SpecialDay).where(SpecialDay.day == date(2026, 4, 14)))
        assert special.kind == "working"

        response = client.post(f"/admin/calendar/special-days/{special.id}/delete")
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(WorkingDayDeadline, deadline_id).due_at == bkk(2026, 4, 21, 10, 0)
        assert not is_working_day(date(2026, 4, 14))
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_type.in_(
        ("special_day", "test"))).order_by(AuditEvent.id))]
    assert actions == ["calendar.holiday_cancelled", "deadline.moved", "calendar.special_day_removed",
                       "deadline.moved"]


def test_the_page_shows_the_years_holidays_in_the_buddhist_era(client, login, demo):
    login("admin")
    page = client.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert "ปฏิทินวันทำการ" in page and "2570" in page
    assert "13 เม.ย. 2570" in page and "วันสงกรานต์" in page
    assert "ชดเชยวันมาฆบูชา" in page  # substitution day, named in Thai
    assert "วันแรงงานแห่งชาติ" not in page
    english = client.get("/admin/calendar?year=2027&lang=en")
    assert english.status_code == 200


def test_only_administrators_manage_the_calendar(client, login, demo):
    assert client.get("/admin/calendar").status_code == 302  # to the sign-in page
    for username in ("central", "opdc", "spoint"):
        login(username)
        assert client.get("/admin/calendar").status_code == 403
        assert client.post("/admin/calendar/holidays", data={"day": "2026-12-15", "name_th": "x"}).status_code == 403
    assert db.session.scalar(select(SpecialDay)) is None


@pytest.mark.parametrize(("url", "data", "message"), [
    ("/admin/calendar/holidays", {"day": "2026-04-18", "name_th": "วันเสาร์"}, "ตรงกับวันเสาร์หรือวันอาทิตย์"),
    ("/admin/calendar/holidays", {"day": "2026-04-13", "name_th": "ซ้ำ"}, "เป็นวันหยุดราชการอยู่แล้ว"),
    ("/admin/calendar/holidays", {"day": "2025-03-03", "name_th": "ย้อนหลัง"}, "ผ่านมาแล้วเกินหนึ่งปี"),
    ("/admin/calendar/holidays", {"day": "20 เม.ย. 2569", "name_th": "รูปแบบผิด"}, "วว/ดด/ปปปป"),
    ("/admin/calendar/holidays", {"day": "31/02/2569", "name_th": "ไม่มีวันนี้"}, "วว/ดด/ปปปป"),
    ("/admin/calendar/holidays", {"day": "2026-04-20", "name_th": " "}, "กรุณากรอกชื่อวันหยุด"),
    ("/admin/calendar/holidays", {"day": "", "name_th": "ไม่มีวันที่"}, "กรุณากรอกวันที่"),
    ("/admin/calendar/cancellations", {"day": "2026-04-20"}, "ไม่ใช่วันหยุดราชการ"),
    ("/admin/calendar/cancellations", {"day": "2026-12-05"}, "ตรงกับวันเสาร์หรือวันอาทิตย์"),
])
def test_bad_input_gets_a_thai_message_and_nothing_is_saved(client, login, demo, url, data, message):
    with time_machine.travel(THURSDAY_BEFORE_SONGKRAN, tick=True):
        login("admin")
        response = client.post(url, data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(SpecialDay)) is None


def test_a_date_already_special_is_refused(client, login, demo):
    with time_machine.travel(THURSDAY_BEFORE_SONGKRAN, tick=True):
        login("admin")
        assert client.post("/admin/calendar/holidays", data={"day": "2569-04-20", "name_th": "พิเศษ"}).status_code == 302
        again = client.post("/admin/calendar/holidays", data={"day": "2026-04-20", "name_th": "อีกครั้ง"})
        assert again.status_code == 400 and "มีการกำหนดวันพิเศษในปฏิทินไว้แล้ว" in again.get_data(as_text=True)
        cancel = client.post("/admin/calendar/cancellations", data={"day": "2026-04-20"})
        assert cancel.status_code == 400
    rows = db.session.scalars(select(SpecialDay)).all()
    assert [(r.day, r.name_th) for r in rows] == [(date(2026, 4, 20), "พิเศษ")]  # a Buddhist-era year typed by hand


def test_closing_deadlines_closes_only_the_objects_own_and_the_session_sees_it(app, demo):
    now = datetime(2026, 11, 2, 9, 0, tzinfo=BANGKOK)
    due = add_working_days(now, 3)

    def tracked(**where) -> int:
        return calendar_admin.track_deadline(purpose="test.close", starts_at=now, working_days=3, due_at=due, **where)

    mine, other, loose = tracked(object_type="manual", object_id=1), tracked(object_type="manual", object_id=2), tracked()
    held = db.session.get(WorkingDayDeadline, mine)
    assert held.status == "open"
    assert calendar_admin.close_deadlines(["test.close", "test.other"], "manual", 1) == 1
    assert held.status == "closed"  # the session holding it reads it again
    assert db.session.get(WorkingDayDeadline, other).status == "open"
    assert calendar_admin.close_deadline("test.close", None, None) == 1  # a deadline of no object
    assert db.session.get(WorkingDayDeadline, loose).status == "closed"
    assert db.session.get(WorkingDayDeadline, other).status == "open"
