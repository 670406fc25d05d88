"""IR Online services as the reporter's pages call them: report, follow-up link, conversation, reply, confirm,
reopen, rate, the reporter's list; the clock moved with time-machine."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.accounts.models import Role
from app.accounts.services import accounts
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import ProcessInstance
from app.helpdesk.models import Ticket, TicketAttachment, TicketStatus
from app.helpdesk.services import helpdesk, helpdesk_conversation, helpdesk_desk, helpdesk_intake, helpdesk_lifecycle
from notifications.models import OutboxMessage
from tests.helpers import answer
from workflows import engine
from workflows.calendar import BANGKOK

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


def bkk(*parts) -> datetime:
    return datetime(*parts, tzinfo=BANGKOK)


def staff():
    """A supervisor and two agents of the helpdesk department."""
    agency = helpdesk.helpdesk_agency()
    people = {}
    for username, role in (("hd_super", Role.helpdesk_supervisor), ("hd_agent", Role.helpdesk_agent),
                           ("hd_agent2", Role.helpdesk_agent)):
        user = accounts.create_user(username, f"เจ้าหน้าที่ {username}", "secret-pass",
                                    email=f"{username}@cgd.example")
        accounts.grant(user, agency.id, role.value)
        people[username] = user
    db.session.commit()
    return people


def report_input(**changes) -> helpdesk_intake.ReportInput:
    category = helpdesk.categories()[3]
    values = dict(reporter_type="vendor", category_id=category.id, subject="เสนอราคาไม่ได้",
                  description="กดปุ่มยืนยันการเสนอราคาแล้วระบบค้าง", project_number="6901-0012345".replace("-", ""),
                  contact_name="บริษัท ทดสอบ จำกัด", contact_email="vendor@example.org", contact_phone="02-123-4567",
                  files=[("screen.png", PNG)])
    values.update(changes)
    return helpdesk_intake.ReportInput(**values)


def fire():
    """Run the timer job a moment after the travelled-to time (a timer fires once its date has passed)."""
    with time_machine.travel(utcnow() + timedelta(milliseconds=1), tick=False):
        engine.fire_due_timers()
        db.session.commit()


def reload(ticket) -> Ticket:
    return db.session.scalar(select(Ticket).where(Ticket.id == ticket.id).execution_options(populate_existing=True))


def triage(ticket, people, priority="normal"):
    task = helpdesk_desk.triage_task(ticket)
    answer(task, people["hd_super"], category_id=str(ticket.category_id), priority=priority,
           assignee_id=str(people["hd_agent"].id), team_id="0")


def test_report_follow_reply_resolve_confirm_rate(app):
    people = staff()
    with time_machine.travel(bkk(2027, 3, 1, 9, 0), tick=False):
        ticket, token = helpdesk_intake.report(report_input(), None)
        db.session.commit()
        assert ticket.number.startswith("IR70") and ticket.status == TicketStatus.new
        assert helpdesk.ticket_by_follow_up(token).id == ticket.id
        assert helpdesk.ticket_by_follow_up(token[:-2] + "xx") is None
        assert helpdesk.ticket_by_follow_up("IR7099999-" + token.split("-")[1]) is None
        assert token in helpdesk.follow_up_url(ticket)
        receipt = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "vendor@example.org"))
        assert ticket.number in receipt.subject and helpdesk.follow_up_url(ticket) in receipt.body
        assert db.session.scalar(select(func.count()).select_from(TicketAttachment)) == 1
        triage(ticket, people)
        ticket = reload(ticket)
        assert ticket.status == TicketStatus.open and ticket.assignee_id == people["hd_agent"].id
    with time_machine.travel(bkk(2027, 3, 1, 10, 0), tick=False):
        helpdesk_desk.add_note(people["hd_agent"], ticket, "ภายใน: ผู้ค้ารายนี้เคยแจ้งแล้ว")
        helpdesk_desk.ask_reporter(people["hd_agent"], ticket, "ขอเลขที่โครงการและภาพหน้าจอ")
        db.session.commit()
        assert reload(ticket).status == TicketStatus.waiting_reporter
    with time_machine.travel(bkk(2027, 3, 2, 10, 0), tick=False):
        ticket = helpdesk.ticket_by_follow_up(token)
        helpdesk_lifecycle.reporter_reply(ticket, "แนบภาพเพิ่มเติม", [("more.pdf", PDF)], None)
        db.session.commit()
        ticket = reload(ticket)
        assert ticket.status == TicketStatus.in_progress and ticket.paused_minutes == 480
        shown = helpdesk_conversation.public_messages(ticket)
        assert [m.kind for m in shown] == ["reporter", "public_reply", "reporter"]
        assert [a.filename for a in shown[2].attachments] == ["more.pdf"]
        helpdesk_desk.resolve(people["hd_agent"], ticket, "แก้ไขแล้ว กรุณาลองใหม่")
        db.session.commit()
        assert reload(ticket).status == TicketStatus.resolved
    with time_machine.travel(bkk(2027, 3, 3, 10, 0), tick=False):
        helpdesk_lifecycle.confirm(reload(ticket), None)
        db.session.commit()
        ticket = reload(ticket)
        assert ticket.status == TicketStatus.closed and ticket.close_reason == "confirmed"
        helpdesk_lifecycle.rate(ticket, None, 5, "เร็วมาก")
        db.session.commit()
        with pytest.raises(helpdesk.WrongState):
            helpdesk_lifecycle.rate(ticket, None, 4)
        assert db.session.get(ProcessInstance, ticket.instance_id).status == "complete"
        new = helpdesk_lifecycle.reopen(ticket, None, "กลับมาเป็นอีกแล้ว")
        db.session.commit()
        assert new.id != ticket.id and new.reopened_from_id == ticket.id and new.status == TicketStatus.new


def test_bad_reports_save_nothing(app):
    staff()
    for changes, field in ((dict(project_number="123"), "project_number"), (dict(subject=" "), "subject"),
                           (dict(contact_email="nope"), "contact_email"), (dict(reporter_type="x"), "reporter_type"),
                           (dict(files=[("a.exe", b"MZ" + b"0" * 30)]), "files"),
                           (dict(files=[("a.png", PNG)] * 6), "files")):
        with pytest.raises(helpdesk.InvalidReport) as caught:
            helpdesk_intake.report(report_input(**changes), None)
        assert caught.value.field == field and str(caught.value.message)
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_reports_of_a_signed_in_reporter(app):
    staff()
    reporter = accounts.create_user("vendor1", "ผู้ค้า หนึ่ง", "secret-pass", email="v1@example.org")
    db.session.commit()
    for n in range(3):
        helpdesk_intake.report(report_input(subject=f"เรื่องที่ {n}", contact_email=None), reporter)
    helpdesk_intake.report(report_input(), None)
    db.session.commit()
    page = helpdesk_conversation.reports_of(reporter, 1)
    assert page.total == 3 and all(t.contact_email == "v1@example.org" for t in page.rows)
    assert helpdesk.can_follow(reporter, page.rows[0])
