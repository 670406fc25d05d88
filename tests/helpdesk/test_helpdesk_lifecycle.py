"""IR Online through HTTP with the clock moved: an anonymous report from triage to confirmation, the silent
reporter's reminder and automatic closing, internal notes never reaching the reporter, merge, two agents at once."""

from __future__ import annotations

import io
import re
import threading

import time_machine
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.extensions import db
from app.core.workflow import AuditEvent, ProcessInstance
from app.helpdesk.models import Ticket, TicketAttachment, TicketStatus
from app.helpdesk.services import helpdesk, helpdesk_conversation, helpdesk_desk, helpdesk_files, helpdesk_intake, helpdesk_lifecycle
from notifications.models import OutboxMessage
from tasks.jobs import send_outbox
from tests.helpdesk.test_helpdesk_services import PDF, bkk, fire, reload, report_input, staff
from tests.helpers import outcome_of, run_twice_at_once

NOTE = "ภายในเท่านั้น: ผู้ค้ารายนี้ใช้บัญชีของผู้อื่น"
REPORTER = "vendor@example.org"


def _mails_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address)
                                   .order_by(OutboxMessage.id)))


def _triage(client, login, ticket, people, priority="normal"):
    login("hd_super")
    task = helpdesk_desk.triage_task(ticket)
    page = client.get(f"/tasks/{task.id}")
    assert page.status_code == 200
    assert 'id="task-ticket"' in page.get_data(as_text=True)  # the supervisor reads the report where they triage it
    assert ticket.description.splitlines()[0] in page.get_data(as_text=True)
    done = client.post(f"/tasks/{task.id}", data={"category_id": str(ticket.category_id), "priority": priority,
                                                  "assignee_id": str(people["hd_agent"].id), "team_id": "0"})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]


def _act(client, number, action, body, **extra):
    return client.post(f"/helpdesk/tickets/{number}/messages", data={"action": action, "body": body, **extra})


def test_anonymous_report_triage_ask_answer_resolve_confirm(app, client, login, smtp):
    people = staff()
    with time_machine.travel(bkk(2027, 3, 1, 9, 0), tick=False):  # Monday
        ticket, token = helpdesk_intake.report(report_input(), None)
        db.session.commit()
        number = ticket.number
        login("hd_super")
        desk = client.get("/helpdesk/")
        assert desk.status_code == 200 and number in desk.get_data(as_text=True)
        _triage(client, login, ticket, people, priority="high")
        ticket = reload(ticket)
        assert ticket.status == TicketStatus.open and ticket.priority == "high"
        assert ticket.first_response_due_at == bkk(2027, 3, 1, 11, 0)  # high: 2 office hours
    with time_machine.travel(bkk(2027, 3, 1, 10, 0), tick=False):
        login("hd_agent")
        mine = client.get("/helpdesk/?queue=mine").get_data(as_text=True)
        assert f'data-ticket="{number}"' in mine
        assert _act(client, number, "note", NOTE).status_code == 302
        assert _act(client, number, "ask", "กรุณาแนบภาพหน้าจอตอนกดยืนยันราคา").status_code == 302
        ticket = reload(ticket)
        assert ticket.status == TicketStatus.waiting_reporter and ticket.first_responded_at == bkk(2027, 3, 1, 10, 0)
        page = client.get(f"/helpdesk/tickets/{number}").get_data(as_text=True)
        assert NOTE in page and 'data-kind="internal_note"' in page and "internal-note" in page
    with time_machine.travel(bkk(2027, 3, 2, 10, 0), tick=False):
        client.post("/logout")
        follow = client.get(f"/ir/follow/{token}")
        html = follow.get_data(as_text=True)
        assert follow.status_code == 200 and "กรุณาแนบภาพหน้าจอ" in html and NOTE not in html
        answered = client.post(f"/ir/follow/{token}/reply", data={"body": "แนบภาพแล้วค่ะ"})
        assert answered.status_code == 303, answered.get_data(as_text=True)[:1000]
        ticket = reload(ticket)
        assert ticket.status == TicketStatus.in_progress and ticket.paused_at is None
        assert ticket.paused_minutes == 480  # one working day waiting: the resolution is due a day later
    with time_machine.travel(bkk(2027, 3, 2, 11, 0), tick=False):
        login("hd_agent")
        assert _act(client, number, "resolve", "ปรับปรุงระบบแล้ว กรุณาเสนอราคาอีกครั้ง").status_code == 302
        assert reload(ticket).status == TicketStatus.resolved
    with time_machine.travel(bkk(2027, 3, 3, 9, 0), tick=False):
        client.post("/logout")
        confirmed = client.post(f"/ir/follow/{token}/confirm", data={})
        assert confirmed.status_code == 303
        ticket = reload(ticket)
        assert ticket.status == TicketStatus.closed and ticket.close_reason == "confirmed"
        assert client.post(f"/ir/follow/{token}/rate", data={"rating": "5", "comment": "ดีมาก"}).status_code == 303
        assert reload(ticket).rating == 5
        assert db.session.get(ProcessInstance, ticket.instance_id).status == "complete"

    # Every change is in the history; the reporter got an e-mail for each public change, none with the note.
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "ticket",
                                                                      AuditEvent.object_id == ticket.id)))
    assert {"ticket.reported", "ticket.triage_saved", "ticket.triaged", "ticket.note_added", "ticket.reporter_asked",
            "ticket.reporter_replied", "ticket.resolved", "ticket.confirmed", "ticket.closed",
            "ticket.rated"} <= actions
    login("hd_agent")
    history = client.get(f"/helpdesk/tickets/{number}").get_data(as_text=True)
    assert 'data-action="ticket.resolved"' in history and 'data-action="ticket.closed"' in history
    mails = _mails_to(REPORTER)
    assert [m.dedup_key.split(":")[2] for m in mails] == ["receipt", "ask", "resolved", "closed"]
    assert all(token in m.body and NOTE not in m.body and NOTE not in m.subject for m in mails)
    with time_machine.travel(bkk(2027, 3, 3, 10, 0), tick=False):
        assert send_outbox(app)["sent"] >= 4
    delivered = [m for m in smtp.handler.messages() if REPORTER in m["To"]]
    assert len(delivered) == 4 and all(NOTE not in m.get_content() for m in delivered)


def test_a_silent_reporter_is_reminded_after_three_working_days_and_closed_after_seven(app, client, login):
    people = staff()
    with time_machine.travel(bkk(2027, 2, 15, 9, 0), tick=False):
        ticket, token = helpdesk_intake.report(report_input(), None)
        db.session.commit()
        _triage(client, login, ticket, people)
    with time_machine.travel(bkk(2027, 2, 17, 14, 0), tick=False):  # Wednesday
        login("hd_agent")
        assert _act(client, ticket.number, "ask", "ขอเลขที่โครงการที่ถูกต้อง").status_code == 302
    # Three working days on: Thu 18, Fri 19, (weekend, Mon 22 is Makha Bucha's substitute day) Tue 23.
    with time_machine.travel(bkk(2027, 2, 23, 13, 59), tick=False):
        fire()
        assert [m.dedup_key for m in _mails_to(REPORTER) if ":reminder:" in m.dedup_key] == []
    with time_machine.travel(bkk(2027, 2, 23, 14, 0), tick=False):
        fire()
        reminders = [m for m in _mails_to(REPORTER) if ":reminder:" in m.dedup_key]
        assert len(reminders) == 1 and "ขอเลขที่โครงการที่ถูกต้อง" in reminders[0].body and token in reminders[0].body
        assert reload(ticket).status == TicketStatus.waiting_reporter
        fire()
        assert len([m for m in _mails_to(REPORTER) if ":reminder:" in m.dedup_key]) == 1
    # Seven working days: Wed 24, Thu 25, Fri 26, Mon 1 March.
    with time_machine.travel(bkk(2027, 3, 1, 13, 59), tick=False):
        fire()
        assert reload(ticket).status == TicketStatus.waiting_reporter
    with time_machine.travel(bkk(2027, 3, 1, 14, 0), tick=False):
        fire()
        ticket = reload(ticket)
        assert ticket.status == TicketStatus.closed and ticket.close_reason == "no_answer"
        assert db.session.get(ProcessInstance, ticket.instance_id).status == "complete"
        closing = _mails_to(REPORTER)[-1]
        assert closing.dedup_key.endswith(":closed") and token in closing.body
        follow = client.get(f"/ir/follow/{token}").get_data(as_text=True)
        assert 'ticket.closed' not in follow  # the reporter sees the status, not the audit
    # Reopening a closed report opens a new one linked to it.
    with time_machine.travel(bkk(2027, 3, 2, 9, 0), tick=False):
        new = helpdesk_lifecycle.reopen(ticket, None, "ยังแก้ไม่ได้ ขอเปิดเรื่องใหม่")
        db.session.commit()
        assert new.reopened_from_id == ticket.id and new.status == TicketStatus.new


def test_internal_notes_never_reach_the_reporter(app, client, login):
    people = staff()
    with time_machine.travel(bkk(2027, 3, 1, 9, 0), tick=False):
        ticket, token = helpdesk_intake.report(report_input(), None)
        db.session.commit()
        _triage(client, login, ticket, people)
        login("hd_agent")
        assert client.post(f"/helpdesk/tickets/{ticket.number}/messages",
                           data={"action": "note", "body": NOTE, "files": [(io.BytesIO(PDF), "internal.pdf")]},
                           content_type="multipart/form-data").status_code == 302
        assert _act(client, ticket.number, "reply", "กำลังตรวจสอบให้ค่ะ").status_code == 302
        assert _act(client, ticket.number, "resolve", "แก้ไขแล้ว").status_code == 302
        client.post("/logout")
        html = client.get(f"/ir/follow/{token}").get_data(as_text=True)
        assert "กำลังตรวจสอบให้ค่ะ" in html and NOTE not in html and "internal.pdf" not in html
        note_file = db.session.scalar(select(func.max(TicketAttachment.id)))
        assert client.get(f"/ir/follow/{token}/files/{note_file}").status_code == 404
        assert helpdesk_files.attachment_for_reporter(ticket, note_file) is None
        assert all(m.kind != "internal_note" for m in helpdesk_conversation.public_messages(ticket))
        assert all(NOTE not in m.body for m in db.session.scalars(select(OutboxMessage)))


def test_merge_a_duplicate_into_another_report(app, client, login):
    people = staff()
    with time_machine.travel(bkk(2027, 3, 1, 9, 0), tick=False):
        first, _token = helpdesk_intake.report(report_input(subject="เสนอราคาไม่ได้"), None)
        duplicate, dup_token = helpdesk_intake.report(report_input(subject="ระบบค้างตอนเสนอราคา", contact_name="คุณซ้ำ",
                                                            contact_email="dup@example.org"), None)
        db.session.commit()
        _triage(client, login, first, people)
        login("hd_agent")
        refused = client.post(f"/helpdesk/tickets/{duplicate.number}/merge", data={"target": duplicate.number},
                              follow_redirects=True)
        assert reload(duplicate).status == TicketStatus.new and refused.status_code == 200
        merged = client.post(f"/helpdesk/tickets/{duplicate.number}/merge", data={"target": first.number})
        assert merged.status_code == 302 and merged.headers["Location"].endswith(first.number)
        duplicate = reload(duplicate)
        assert duplicate.status == TicketStatus.merged and duplicate.merged_into_id == first.id
        assert db.session.get(ProcessInstance, duplicate.instance_id).status == "complete"
        page = client.get(f"/helpdesk/tickets/{first.number}").get_data(as_text=True)
        assert f'class="merged-ticket">{duplicate.number}</a>' in page
        assert "กดปุ่มยืนยันการเสนอราคาแล้วระบบค้าง" in page  # the duplicate's own description shows on the target
        told = _mails_to("dup@example.org")[-1]
        assert told.dedup_key.endswith(":merged") and first.number in told.body
        follow = client.get(f"/ir/follow/{dup_token}").get_data(as_text=True)
        assert first.number in follow
        assert client.post(f"/helpdesk/tickets/{duplicate.number}/merge",
                           data={"target": first.number}).status_code == 303  # already merged: refused


def test_two_agents_resolving_at_once_one_wins(app, client, login):
    people = staff()
    with time_machine.travel(bkk(2027, 3, 1, 9, 0), tick=False):
        ticket, _token = helpdesk_intake.report(report_input(), None)
        db.session.commit()
        _triage(client, login, ticket, people)
    ticket_id = ticket.id
    agent_ids = [people["hd_agent"].id, people["hd_agent2"].id]
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker():
        with app.test_request_context(), time_machine.travel(bkk(2027, 3, 1, 10, 0), tick=False):
            user = db.session.get(User, agent_ids[len(outcomes) % 2])
            found = db.session.get(Ticket, ticket_id)
            db.session.get(ProcessInstance, found.instance_id)
            barrier.wait()
            outcomes.append(outcome_of(lambda: (helpdesk_desk.resolve(user, found, f"ตอบโดย {user.username}"),
                                                db.session.commit()), helpdesk.HelpdeskError))

    run_twice_at_once(worker)
    assert sorted(outcomes) == ["conflict", "ok"]
    ticket = db.session.get(Ticket, ticket_id)
    assert ticket.status == TicketStatus.resolved
    answers = [m for m in helpdesk_conversation.public_messages(ticket) if m.kind == "public_reply"]
    assert len(answers) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "ticket.resolved", AuditEvent.object_id == ticket_id)) == 1
    assert len([m for m in _mails_to(REPORTER) if ":resolved:" in m.dedup_key]) == 1


def test_an_unconfirmed_resolution_closes_after_seven_working_days(app, client, login):
    people = staff()
    with time_machine.travel(bkk(2027, 4, 8, 10, 0), tick=False):  # Thursday before Songkran (13-15 April)
        ticket, token = helpdesk_intake.report(report_input(), None)
        db.session.commit()
        _triage(client, login, ticket, people)
        login("hd_agent")
        assert _act(client, ticket.number, "resolve", "แก้ไขแล้ว").status_code == 302
        assert reload(ticket).confirm_by == bkk(2027, 4, 22, 10, 0)  # working days 9, 12, 16, 19, 20, 21, 22
        client.post("/logout")
        # A reply after the answer is added without reopening (reopening is the reporter's explicit choice).
        assert client.post(f"/ir/follow/{token}/reply", data={"body": "ขอบคุณค่ะ"}).status_code == 303
        assert reload(ticket).status == TicketStatus.resolved
    with time_machine.travel(bkk(2027, 4, 22, 9, 59), tick=False):
        fire()
        assert reload(ticket).status == TicketStatus.resolved
    with time_machine.travel(bkk(2027, 4, 22, 10, 0), tick=False):
        fire()
        ticket = reload(ticket)
        assert ticket.status == TicketStatus.closed and ticket.close_reason == "not_confirmed"
        assert _mails_to(REPORTER)[-1].dedup_key.endswith(":closed")
        assert db.session.get(ProcessInstance, ticket.instance_id).status == "complete"


def test_the_triage_page_reads_its_ticket_once(app, client, login, count_queries):
    """What the task is about and the form's first values are the same ticket: read once for the page."""
    staff()
    ticket, _token = helpdesk_intake.report(report_input(), None)
    db.session.commit()
    login("hd_super")
    task_id = helpdesk_desk.triage_task(ticket).id
    description, priority = ticket.description.splitlines()[0], ticket.priority
    db.session.expunge_all()  # as a server's new request starts
    with count_queries() as sent:
        page = client.get(f"/tasks/{task_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert description in text and f'value="{priority}" selected' in text
    reads = [statement for statement in sent if re.search(r"WHERE ticket\.instance_id = ", statement)]
    assert len(reads) == 1, reads


def test_a_report_and_its_triage_read_the_targets_and_the_staff_once(app, client, login, count_queries):
    """A report's due times and its four watchers' timers use the same targets; the triage form offers the staff
    and its answer is checked against the same staff: each read once."""
    people = staff()
    db.session.commit()
    with count_queries() as sent:
        ticket, _token = helpdesk_intake.report(report_input(), None)
        db.session.commit()
    assert len([statement for statement in sent if "FROM helpdesk_sla_target" in statement]) == 1, sent
    assert ticket.first_response_due_at is not None and ticket.resolution_due_at is not None
    login("hd_super")
    task_id, category_id = helpdesk_desk.triage_task(ticket).id, ticket.category_id
    agent_id = people["hd_agent"].id
    db.session.expunge_all()  # as a server's new request starts
    with count_queries() as sent:
        done = client.post(f"/tasks/{task_id}", data={"category_id": str(category_id), "priority": "high",
                                                       "assignee_id": str(agent_id), "team_id": "0"})
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    staff_reads = [statement for statement in sent if re.search(r"FROM user_account JOIN membership", statement)]
    assert len(staff_reads) == 1, staff_reads
