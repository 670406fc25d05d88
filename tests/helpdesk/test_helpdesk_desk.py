"""The agent desk: queues paged in a fixed number of queries, search, standard answers with placeholders,
turning a reply into an answer, assignment and priority, categories and teams."""

from __future__ import annotations

import time_machine
from sqlalchemy import select

from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.helpdesk.models import HelpdeskTeam, StandardAnswer, TicketCategory
from app.helpdesk.services import helpdesk_conversation, helpdesk_intake
from tests.helpdesk.test_helpdesk_lifecycle import _act, _triage
from tests.helpdesk.test_helpdesk_services import bkk, reload, report_input, staff
from tests.helpers import th


def _ticket_statements(statements) -> list[str]:
    return [s for s in statements if "FROM ticket" in s or "JOIN ticket" in s]


def test_queues_are_paged_in_a_fixed_number_of_queries_and_searchable(app, client, login, count_queries):
    people = staff()
    with time_machine.travel(bkk(2027, 3, 1, 9, 0), tick=False):
        for n in range(30):
            helpdesk_intake.report(report_input(subject=f"ปัญหาที่ {n:02d}", project_number=f"{69000000000 + n}",
                                         contact_email=None), None)
        special, _ = helpdesk_intake.report(report_input(subject="ยื่นเอกสารสัญญาไม่ได้", project_number="69123456789",
                                                  description="หน้าจอแจ้ง error 500"), None)
        db.session.commit()
        login("hd_agent")
        sizes = []
        for page in (1, 2):
            with count_queries() as statements:
                response = client.get(f"/helpdesk/?queue=unassigned&page={page}")
            assert response.status_code == 200
            sizes.append(len(_ticket_statements(statements)))
            html = response.get_data(as_text=True)
            assert html.count("data-ticket=") == (25 if page == 1 else 6)
        assert sizes[0] == sizes[1] <= 4  # queue counts, total, rows; none per row
        # Least time left first: every ticket here has the same target, so the oldest comes first.
        first_page = client.get("/helpdesk/?queue=unassigned").get_data(as_text=True)
        assert first_page.index("ปัญหาที่ 00") < first_page.index("ปัญหาที่ 01")
        for query in (special.number, special.number.lower(), "6912345-6789", "error 500", "สัญญาไม่ได้"):
            found = client.get("/helpdesk/", query_string={"queue": "all", "q": query}).get_data(as_text=True)
            assert found.count("data-ticket=") == 1 and special.number in found, query
        assert "data-ticket=" not in client.get("/helpdesk/?queue=all&q=ไม่มีแน่นอน").get_data(as_text=True)
        _triage(client, login, special, people)
        login("hd_agent")
        mine = client.get("/helpdesk/?queue=mine").get_data(as_text=True)
        assert mine.count("data-ticket=") == 1


def test_standard_answers_fill_placeholders_and_a_reply_becomes_an_answer(app, client, login):
    people = staff()
    with time_machine.travel(bkk(2027, 3, 1, 9, 0), tick=False):
        ticket, _ = helpdesk_intake.report(report_input(), None)
        db.session.commit()
        _triage(client, login, ticket, people)
        login("hd_agent")
        empty = client.post("/helpdesk/answers", data={"title": "", "body": "", "category_id": "0", "active": "y"})
        assert empty.status_code == 422
        body = "เรียน {reporter_name} เรื่อง {ticket_number} โครงการ {project_number} — {agent_name} {unknown}"
        assert client.post("/helpdesk/answers", data={"title": "ตอบรับเรื่อง", "body": body, "category_id": "0",
                                                      "active": "y"}).status_code == 302
        twice = client.post("/helpdesk/answers", data={"title": "ตอบรับเรื่อง", "body": body, "category_id": "0",
                                                      "active": "y"})
        assert twice.status_code == 422
        answer = db.session.scalar(select(StandardAnswer))
        page = client.get(f"/helpdesk/tickets/{ticket.number}?answer={answer.id}").get_data(as_text=True)
        filled = (f"เรียน บริษัท ทดสอบ จำกัด เรื่อง {ticket.number} โครงการ {ticket.project_number} — "
                  f"{people['hd_agent'].display_name} {{unknown}}")
        assert filled in page
        assert _act(client, ticket.number, "reply", f"เรื่อง {ticket.number} ของ บริษัท ทดสอบ จำกัด แก้ไขแล้ว").status_code == 302
        message = [m for m in helpdesk_conversation.public_messages(reload(ticket)) if m.kind == "public_reply"][-1]
        saved = client.post(f"/helpdesk/tickets/{ticket.number}/save-answer",
                            data={"message_id": str(message.id), "title": "แก้ไขแล้ว"})
        assert saved.status_code == 302
        new = db.session.scalar(select(StandardAnswer).where(StandardAnswer.title == "แก้ไขแล้ว"))
        assert new.body == "เรื่อง {ticket_number} ของ {reporter_name} แก้ไขแล้ว"
        # Only a supervisor changes or retires an existing answer.
        assert client.post("/helpdesk/answers", data={"answer_id": str(answer.id), "title": "ตอบรับเรื่อง",
                                                      "body": "x", "category_id": "0"}).status_code == 422
        login("hd_super")
        assert client.post("/helpdesk/answers", data={"answer_id": str(answer.id), "title": "ตอบรับเรื่อง",
                                                      "body": "ใหม่", "category_id": "0"}).status_code == 302
        assert db.session.get(StandardAnswer, answer.id).active is False


def test_assign_priority_categories_and_teams(app, client, login):
    people = staff()
    with time_machine.travel(bkk(2027, 3, 1, 9, 0), tick=False):
        ticket, _ = helpdesk_intake.report(report_input(), None)
        db.session.commit()
        login("hd_agent")
        assert client.get("/helpdesk/teams").status_code == 403
        assert client.get("/helpdesk/categories").status_code == 403
        login("hd_super")
        assert client.post("/helpdesk/teams", data={"name": "ทีม e-bidding", "active": "y",
                                                    "member_ids": [str(people["hd_agent2"].id)]}).status_code == 302
        team = db.session.scalar(select(HelpdeskTeam))
        assert "ทีม e-bidding" in client.get("/helpdesk/teams").get_data(as_text=True)
        again = client.post("/helpdesk/teams", data={"name": "ทีม e-bidding", "active": "y"})
        assert again.status_code == 422 and th("A team with this name already exists.") in again.get_data(as_text=True)
        assert len(db.session.scalars(select(HelpdeskTeam)).all()) == 1  # the refused one saved nothing
        assert client.post("/helpdesk/categories", data={"name_th": "ใบแจ้งหนี้", "name_en": "Invoices",
                                                         "position": "8", "active": "y"}).status_code == 302
        assert db.session.scalar(select(TicketCategory).where(TicketCategory.name_th == "ใบแจ้งหนี้")) is not None
        assert client.post(f"/helpdesk/tickets/{ticket.number}/assign",
                           data={"assignee_id": "0", "team_id": str(team.id)}).status_code == 302
        assert reload(ticket).team_id == team.id
        login("hd_agent2")
        assert ticket.number in client.get("/helpdesk/?queue=team").get_data(as_text=True)
        bad = client.post(f"/helpdesk/tickets/{ticket.number}/assign", data={"assignee_id": "999999", "team_id": "0"})
        assert bad.status_code == 303 and reload(ticket).team_id == team.id
        assert client.post(f"/helpdesk/tickets/{ticket.number}/priority", data={"priority": "urgent"}).status_code == 302
        ticket = reload(ticket)
        assert ticket.priority == "urgent" and ticket.first_response_due_at == bkk(2027, 3, 1, 10, 0)
        # Asking before triage is refused with a reason; nothing changes.
        refused = _act(client, ticket.number, "ask", "ขอข้อมูล")
        assert refused.status_code == 303 and reload(ticket).status == "new"
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket.priority_changed")) is not None
        assert client.get("/helpdesk/tickets/IR0000000").status_code == 404


def test_the_ticket_page_reads_a_long_conversation_in_a_fixed_number_of_queries(app, client, login, count_queries):
    people = staff()
    with time_machine.travel(bkk(2027, 3, 1, 9, 0), tick=False):
        ticket, _ = helpdesk_intake.report(report_input(), None)
        db.session.commit()
        _triage(client, login, ticket, people)
        login("hd_agent")
        sizes = []
        for notes in (2, 12):
            while len(helpdesk_conversation.messages_of(reload(ticket), public_only=False)) < notes:
                assert _act(client, ticket.number, "note", "บันทึก").status_code == 302
            with count_queries() as statements:
                assert client.get(f"/helpdesk/tickets/{ticket.number}").status_code == 200
            sizes.append(len(statements))
        assert sizes[0] == sizes[1]


def test_an_anonymous_reporter_is_named_as_such_on_the_desk(app, client, login):
    staff()
    ticket, _token = helpdesk_intake.report(report_input(contact_name=None, contact_email=None, contact_phone=None), None)
    db.session.commit()
    login("hd_agent")
    page = client.get(f"/helpdesk/tickets/{ticket.number}").get_data(as_text=True)
    conversation = page[page.index('id="conversation"'):]
    assert "None" not in conversation and th("Anonymous") in conversation
