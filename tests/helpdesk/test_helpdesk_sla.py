"""Service levels in office minutes: the calendar's working-minute functions, a breach over a weekend and a
Thai holiday escalating at the exact minute, the clock paused while waiting on the reporter, the targets page."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from app.accounts.models import Role
from app.accounts.services import accounts
from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.helpdesk.models import Ticket
from app.helpdesk.services import helpdesk, helpdesk_intake, helpdesk_lifecycle, helpdesk_staff
from app.org.services import calendar_admin
from notifications.models import Notification
from tests.helpdesk.test_helpdesk_lifecycle import _act, _triage
from tests.helpdesk.test_helpdesk_services import bkk, fire, reload, report_input, staff
from workflows.calendar import BANGKOK, add_working_minutes, invalidate, working_minutes_between

WARNING, BREACH = "ticket.sla_warning", "ticket.sla_breached"


# --- the calendar ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "minutes", "due"), [
    (bkk(2026, 4, 8, 9, 0), 60, bkk(2026, 4, 8, 10, 0)),  # inside office hours
    (bkk(2026, 4, 8, 7, 0), 30, bkk(2026, 4, 8, 9, 0)),  # before opening: counts from 08:30
    (bkk(2026, 4, 8, 18, 0), 30, bkk(2026, 4, 9, 9, 0)),  # after closing: from the next opening
    (bkk(2026, 4, 8, 8, 30), 480, bkk(2026, 4, 8, 16, 30)),  # a whole day ends at closing, not next morning
    (bkk(2026, 4, 10, 16, 0), 60, bkk(2026, 4, 16, 9, 0)),  # Fri → weekend → Songkran (Mon-Wed) → Thu
    (bkk(2026, 4, 11, 10, 0), 10, bkk(2026, 4, 16, 8, 40)),  # started on a Saturday
    (bkk(2026, 4, 3, 16, 0), 60, bkk(2026, 4, 7, 9, 0)),  # Chakri Day, Monday 6 April
    (bkk(2026, 4, 8, 9, 0), 0, bkk(2026, 4, 8, 9, 0)),
    (datetime(2026, 4, 8, 2, 0, tzinfo=BANGKOK).astimezone(BANGKOK), 1, bkk(2026, 4, 8, 8, 31)),
])
def test_add_working_minutes(start, minutes, due):
    assert add_working_minutes(start, minutes) == due
    assert working_minutes_between(start, due) == minutes


def test_working_minutes_between():
    assert working_minutes_between(bkk(2026, 4, 10, 16, 0), bkk(2026, 4, 16, 9, 0)) == 60
    assert working_minutes_between(bkk(2026, 4, 11, 9, 0), bkk(2026, 4, 12, 9, 0)) == 0  # a weekend
    assert working_minutes_between(bkk(2026, 4, 9, 17, 0), bkk(2026, 4, 10, 8, 0)) == 0  # a night
    assert working_minutes_between(bkk(2026, 4, 16, 9, 0), bkk(2026, 4, 10, 16, 0)) == 0  # backwards
    assert working_minutes_between(bkk(2026, 4, 6, 9, 0), bkk(2026, 4, 7, 9, 0)) == 30  # from a holiday
    assert working_minutes_between(bkk(2026, 3, 2, 8, 30), bkk(2026, 3, 9, 8, 30)) == 4 * 480  # 3 March: holiday


def test_a_special_holiday_moves_office_minutes(app, demo):
    start = bkk(2027, 6, 10, 16, 0)  # Thursday
    assert add_working_minutes(start, 60) == bkk(2027, 6, 11, 9, 0)
    # Announced a week before (a calendar more than a year past is not changed, whatever day the suite starts on).
    with time_machine.travel(bkk(2027, 6, 4, 10, 0), tick=False):
        calendar_admin.add_holiday(demo.user("admin"), date(2027, 6, 11), "วันหยุดพิเศษ")
        db.session.commit()
    invalidate()
    assert add_working_minutes(start, 60) == bkk(2027, 6, 14, 9, 0)
    assert working_minutes_between(start, bkk(2027, 6, 14, 9, 0)) == 60


# --- SLA timers ---------------------------------------------------------------------------------------------------


def _events(ticket, action) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "ticket",
                                                            AuditEvent.object_id == ticket.id,
                                                            AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


def _told(user, text) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.subject.contains(text)))


def test_breach_over_a_weekend_and_songkran_escalates_at_the_right_minute(app, client, login):
    people = staff()
    with time_machine.travel(bkk(2026, 4, 10, 16, 0), tick=False):  # Friday, half an hour before closing
        ticket, _token = helpdesk_intake.report(report_input(), None)
        db.session.commit()
        assert ticket.first_response_due_at == bkk(2026, 4, 16, 12, 0)  # normal: 4 office hours
    with time_machine.travel(bkk(2026, 4, 10, 16, 5), tick=False):
        _triage(client, login, ticket, people, priority="urgent")
        ticket = reload(ticket)
        # urgent: 1 office hour → 30 min on Friday, then the weekend and Songkran (13-15 April) are skipped.
        assert ticket.first_response_due_at == bkk(2026, 4, 16, 9, 0)
        assert ticket.resolution_due_at == bkk(2026, 4, 16, 12, 0)

    def at(*moment):
        with time_machine.travel(bkk(*moment), tick=False):
            fire()

    at(2026, 4, 16, 8, 47, 59)
    assert _events(ticket, WARNING) == []
    at(2026, 4, 16, 8, 48)  # 80 % of 60 office minutes
    assert [e.comment for e in _events(ticket, WARNING)] == ["first"]
    assert _told(people["hd_agent"], helpdesk.get_by_number(ticket.number).number) >= 1
    at(2026, 4, 16, 8, 59, 59)
    assert _events(ticket, BREACH) == [] and not reload(ticket).first_response_breached
    at(2026, 4, 16, 9, 0)
    breaches = _events(ticket, BREACH)
    assert [e.comment for e in breaches] == ["first"]
    assert breaches[0].occurred_at.replace(microsecond=0) == bkk(2026, 4, 16, 9, 0)
    assert reload(ticket).first_response_breached
    assert _told(people["hd_super"], ticket.number) >= 1
    at(2026, 4, 16, 9, 0, 30)  # nothing twice
    assert len(_events(ticket, BREACH)) == 1

    with time_machine.travel(bkk(2026, 4, 16, 9, 1), tick=False):
        login("hd_agent")
        page = client.get("/helpdesk/?queue=breached").get_data(as_text=True)
        assert f'class="table-danger overdue" data-ticket="{ticket.number}"' in page

    # The agent asks the reporter at 09:30: the resolution clock stops; the reporter answers a working day later.
    with time_machine.travel(bkk(2026, 4, 16, 9, 30), tick=False):
        login("hd_agent")
        assert _act(client, ticket.number, "ask", "ขอภาพหน้าจอ").status_code == 302
    at(2026, 4, 16, 12, 0)  # the original resolution due time passes while paused: no escalation
    assert [e.comment for e in _events(ticket, BREACH)] == ["first"]
    assert _events(ticket, WARNING)[-1].comment == "first"
    with time_machine.travel(bkk(2026, 4, 17, 9, 30), tick=False):
        helpdesk_lifecycle.reporter_reply(reload(ticket), "ส่งภาพแล้ว", [], None)
        db.session.commit()
        ticket = reload(ticket)
        assert ticket.paused_minutes == 480  # 09:30-16:30 Thursday and 08:30-09:30 Friday
        assert ticket.resolution_due_at == bkk(2026, 4, 17, 12, 0)
    at(2026, 4, 17, 11, 11)
    assert [e.comment for e in _events(ticket, WARNING)] == ["first"]
    at(2026, 4, 17, 11, 12)  # 80 % of 240 plus the 480 paused minutes
    assert [e.comment for e in _events(ticket, WARNING)] == ["first", "resolution"]
    at(2026, 4, 17, 11, 59)
    assert [e.comment for e in _events(ticket, BREACH)] == ["first"]
    at(2026, 4, 17, 12, 0)
    assert [e.comment for e in _events(ticket, BREACH)] == ["first", "resolution"]
    assert reload(ticket).resolution_breached


def test_a_resolved_ticket_is_not_escalated_and_a_reopen_restarts_the_clock(app, client, login):
    people = staff()
    with time_machine.travel(bkk(2027, 3, 1, 9, 0), tick=False):  # Monday; normal: resolution 3 working days → Thu 09:00
        ticket, token = helpdesk_intake.report(report_input(), None)
        db.session.commit()
        _triage(client, login, ticket, people)
        assert reload(ticket).resolution_due_at == bkk(2027, 3, 4, 9, 0)
    with time_machine.travel(bkk(2027, 3, 1, 10, 0), tick=False):
        login("hd_agent")
        assert _act(client, ticket.number, "resolve", "ลองใหม่อีกครั้ง").status_code == 302
    with time_machine.travel(bkk(2027, 3, 4, 10, 0), tick=False):
        fire()
        assert _events(ticket, BREACH) == [] and _events(ticket, WARNING) == []
        reopened = helpdesk_lifecycle.reopen(reload(ticket), None, "ยังไม่ได้")
        db.session.commit()
        assert reopened.id == ticket.id
        ticket = reload(ticket)
        assert ticket.status == "in_progress" and ticket.paused_minutes == 3 * 480
        assert ticket.resolution_due_at == bkk(2027, 3, 9, 9, 0)
    with time_machine.travel(bkk(2027, 3, 9, 8, 59), tick=False):
        fire()
        assert _events(ticket, BREACH) == []
    with time_machine.travel(bkk(2027, 3, 9, 9, 0), tick=False):
        fire()
        assert [e.comment for e in _events(ticket, BREACH)] == ["resolution"]


def test_targets_are_kept_by_supervisors(app, client, login):
    people = staff()
    login("hd_agent")
    assert client.get("/helpdesk/sla").status_code == 403
    login("hd_super")
    page = client.get("/helpdesk/sla")
    assert page.status_code == 200 and 'data-priority="urgent"' in page.get_data(as_text=True)
    bad = client.post("/helpdesk/sla", data={"priority": "normal", "first_response_minutes": "0",
                                             "resolution_minutes": "x"})
    assert bad.status_code == 422
    assert client.post("/helpdesk/sla", data={"priority": "normal", "first_response_minutes": "30",
                                              "resolution_minutes": "960"}).status_code == 302
    with time_machine.travel(bkk(2027, 3, 1, 9, 0), tick=False):
        ticket, _ = helpdesk_intake.report(report_input(), None)
        db.session.commit()
        assert ticket.first_response_due_at == bkk(2027, 3, 1, 9, 30)
        assert ticket.resolution_due_at == bkk(2027, 3, 3, 9, 0)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "helpdesk.sla_changed", AuditEvent.actor_id == people["hd_super"].id)) == 1
    client.post("/logout")
    assert client.get("/helpdesk/sla").status_code == 302  # to the sign-in page
    outsider = accounts.create_user("outsider", "คนนอก", "secret-pass")
    accounts.grant(outsider, helpdesk.helpdesk_agency().id, Role.manual_author.value)
    db.session.commit()
    login("outsider")
    assert client.get("/helpdesk/").status_code == 403
    assert client.get(f"/helpdesk/tickets/{ticket.number}").status_code == 403
    assert helpdesk_staff.is_agent(outsider) is False and db.session.get(Ticket, ticket.id) is not None


def test_a_holiday_announced_late_moves_open_due_times_and_their_timers(app, client, login):
    people = staff()
    admin = accounts.create_user("cal_admin", "ผู้ดูแล ปฏิทิน", "secret-pass")
    accounts.grant(admin, helpdesk.helpdesk_agency().id, Role.admin.value)
    db.session.commit()
    with time_machine.travel(bkk(2027, 3, 1, 9, 0), tick=False):  # Monday
        ticket, _token = helpdesk_intake.report(report_input(), None)
        db.session.commit()
        _triage(client, login, ticket, people, priority="normal")
        assert reload(ticket).resolution_due_at == bkk(2027, 3, 4, 9, 0)  # 3 office days: Thursday 09:00
    with time_machine.travel(bkk(2027, 3, 1, 10, 0), tick=False):
        change = calendar_admin.add_holiday(admin, date(2027, 3, 3), "วันหยุดราชการเพิ่มเป็นกรณีพิเศษ")
        db.session.commit()
    assert change.deadlines_moved >= 1
    ticket = reload(ticket)
    assert ticket.resolution_due_at == bkk(2027, 3, 5, 9, 0)  # a working day later
    [moved] = _events(ticket, "ticket.sla_moved")
    assert moved.actor_id == admin.id and moved.comment == "2027-03-03"

    def at(*moment):
        with time_machine.travel(bkk(*moment), tick=False):
            fire()

    at(2027, 3, 4, 9, 0)  # the old due time passes: nothing breached
    assert [e.comment for e in _events(ticket, BREACH)] == ["first"]  # only the 4-hour first response, long past
    at(2027, 3, 5, 9, 0)
    assert [e.comment for e in _events(ticket, BREACH)] == ["first", "resolution"]
