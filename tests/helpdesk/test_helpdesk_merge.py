"""IR Online after a merge, through HTTP: each reporter keeps their own messages and files to themselves and the
desk, the merged reporter follows the surviving report's progress through their own link, is told its outcome,
and may ask again as a report of their own."""

from __future__ import annotations

import io

import time_machine
from sqlalchemy import select

from app.core.extensions import db
from app.helpdesk.models import Ticket, TicketAttachment, TicketStatus
from app.helpdesk.services import helpdesk, helpdesk_conversation, helpdesk_files, helpdesk_intake
from notifications.models import OutboxMessage
from tests.helpdesk.test_helpdesk_lifecycle import _act, _triage
from tests.helpdesk.test_helpdesk_services import PNG, bkk, reload, report_input, staff
from tests.helpers import th

# The surviving report's reporter (a bidder) and the merged report's reporter (a competing bidder).
A = {"subject": "เสนอราคาโครงการถนนไม่ได้", "description": "บริษัทเอเสนอราคา 12,345,000 บาท แล้วระบบค้าง",
     "contact_name": "บริษัท เอ ก่อสร้าง จำกัด", "contact_email": "a@bidder-a.example", "contact_phone": "02-111-1111",
     "files": [("a-quote-screen.png", PNG)]}
B = {"subject": "ระบบค้างตอนยืนยันราคา", "description": "บริษัทบีเสนอราคา 11,900,000 บาท กดยืนยันแล้วค้าง",
     "contact_name": "บริษัท บี วิศวกรรม จำกัด", "contact_email": "b@bidder-b.example", "contact_phone": "02-222-2222",
     "files": [("b-quote-screen.png", PNG)]}
A_LATER = "ข้อความเพิ่มเติมของบริษัทเอ: ลองอีกครั้งก็ยังค้าง"
B_LATER = "ข้อความเพิ่มเติมของบริษัทบี: แนบภาพเพิ่มแล้ว"
DESK_REPLY = "เรียน บริษัท เอ ก่อสร้าง จำกัด ทีมงานกำลังตรวจสอบปัญหาการยืนยันราคา"
RESOLUTION = "ปรับปรุงระบบยืนยันราคาแล้ว กรุณาเสนอราคาอีกครั้ง"


def _follow(token: str) -> str:
    return f"/ir/follow/{token}"


def _merged_pair(client, login):
    """A and B report the same problem, each with a screenshot; the desk merges B into A and replies on A."""
    people = staff()
    with time_machine.travel(bkk(2027, 3, 1, 9, 0), tick=False):
        a, a_token = helpdesk_intake.report(report_input(**A), None)
        b, b_token = helpdesk_intake.report(report_input(**B), None)
        db.session.commit()
        _triage(client, login, a, people)
    with time_machine.travel(bkk(2027, 3, 1, 10, 0), tick=False):
        client.post("/logout")
        assert client.post(f"{_follow(b_token)}/reply", data={"body": B_LATER}).status_code == 303
        login("hd_agent")
        assert client.post(f"/helpdesk/tickets/{b.number}/merge", data={"target": a.number}).status_code == 302
        assert _act(client, a.number, "reply", DESK_REPLY).status_code == 302
        client.post("/logout")
        assert client.post(f"{_follow(a_token)}/reply", data={"body": A_LATER}).status_code == 303
    return people, reload(a), a_token, reload(b), b_token


def _file_of(ticket: Ticket, name: str) -> TicketAttachment:
    return db.session.scalar(select(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id,
                                                            TicketAttachment.filename == name))


def test_after_a_merge_each_reporter_sees_only_their_own_messages_and_files(app, client, login):
    _people, a, a_token, b, b_token = _merged_pair(client, login)
    with time_machine.travel(bkk(2027, 3, 1, 11, 0), tick=False):
        # The desk sees both conversations on the surviving report.
        login("hd_agent")
        desk = client.get(f"/helpdesk/tickets/{a.number}").get_data(as_text=True)
        assert B["description"] in desk and B_LATER in desk and A["description"] in desk
        client.post("/logout")

        survivor = client.get(_follow(a_token)).get_data(as_text=True)
        assert A["description"] in survivor and A_LATER in survivor and "a-quote-screen.png" in survivor
        for secret in (B["description"], B_LATER, "b-quote-screen.png", B["contact_name"], B["contact_email"],
                       B["subject"], b.number):
            assert secret not in survivor, secret
        b_file = _file_of(b, "b-quote-screen.png")
        assert client.get(f"{_follow(a_token)}/files/{b_file.id}").status_code == 404

        merged = client.get(_follow(b_token))
        page = merged.get_data(as_text=True)
        assert merged.status_code == 200
        assert B["description"] in page and B_LATER in page and "b-quote-screen.png" in page
        # The surviving report's progress: its number, status and the desk's public reply, the other side hidden.
        assert 'id="ir-surviving"' in page and a.number in page
        assert th("Being worked on") in page
        assert "ทีมงานกำลังตรวจสอบปัญหาการยืนยันราคา" in page
        for secret in (A["description"], A_LATER, "a-quote-screen.png", A["contact_name"], A["contact_email"],
                       A["contact_phone"], A["subject"]):
            assert secret not in page, secret
        a_file = _file_of(a, "a-quote-screen.png")
        assert client.get(f"{_follow(b_token)}/files/{a_file.id}").status_code == 404
        own = client.get(f"{_follow(b_token)}/files/{_file_of(b, 'b-quote-screen.png').id}")
        assert own.status_code == 200 and own.data == PNG


def test_the_merged_reporter_is_told_the_outcome_and_may_ask_again(app, client, login):
    people, a, a_token, b, b_token = _merged_pair(client, login)
    with time_machine.travel(bkk(2027, 3, 1, 11, 0), tick=False):
        # While the desk still works on it, the merged reporter waits: asking again is refused, and says why.
        early = client.post(f"{_follow(b_token)}/reopen", data={"reason": "ยังค้างอยู่"})
        assert early.status_code == 409 and 'id="ir-reopen-form"' not in client.get(_follow(b_token)).get_data(
            as_text=True)
        login("hd_agent")
        assert _act(client, a.number, "resolve", RESOLUTION).status_code == 302
    told = [m for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == B["contact_email"])
                                          .order_by(OutboxMessage.id))]
    outcome = told[-1]
    assert a.number in outcome.subject or a.number in outcome.body
    assert RESOLUTION in outcome.body and helpdesk.follow_up_url(b) in outcome.body
    for secret in (A["description"], A_LATER, A["contact_name"], A["contact_email"], a_token):
        assert secret not in outcome.body and secret not in outcome.subject
    with time_machine.travel(bkk(2027, 3, 2, 9, 0), tick=False):
        client.post("/logout")
        page = client.get(_follow(b_token)).get_data(as_text=True)
        assert th("Resolved") in page and RESOLUTION in page and 'id="ir-reopen-form"' in page
        assert client.post(f"{_follow(a_token)}/confirm", data={}).status_code == 303
        assert reload(a).status == TicketStatus.closed
    closed = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == B["contact_email"])
                                .order_by(OutboxMessage.id.desc())).first()
    assert closed.id != outcome.id and helpdesk.follow_up_url(b) in closed.body
    assert all(secret not in closed.body for secret in (A["description"], A["contact_name"], a_token))
    with time_machine.travel(bkk(2027, 3, 3, 9, 0), tick=False):
        again = client.post(f"{_follow(b_token)}/reopen", data={"reason": "บริษัทบียังยืนยันราคาไม่ได้"})
        assert again.status_code == 303
        new = db.session.scalar(select(Ticket).where(Ticket.reopened_from_id == b.id))
        assert new is not None and new.contact_email == B["contact_email"] and new.status == TicketStatus.new
        assert again.headers["Location"].endswith(_follow(helpdesk.follow_up_token(new)))
        assert reload(a).status == TicketStatus.closed  # the other bidder's report is left as it is
        page = client.get(again.headers["Location"]).get_data(as_text=True)
        assert "บริษัทบียังยืนยันราคาไม่ได้" in page and A["description"] not in page and RESOLUTION not in page
        # The rating and reopening of the surviving report stay its own reporter's.
        assert client.post(f"{_follow(b_token)}/rate", data={"rating": "1"}).status_code == 409
        assert reload(a).rating is None
    assert people


def test_the_survivors_attachment_route_refuses_the_merged_reports_files_even_by_number(app, client, login):
    _people, a, a_token, b, _b_token = _merged_pair(client, login)
    with time_machine.travel(bkk(2027, 3, 1, 11, 0), tick=False):
        login("hd_agent")
        assert client.post(f"/helpdesk/tickets/{a.number}/messages",
                           data={"action": "reply", "body": "แนบคู่มือ", "files": [(io.BytesIO(PNG), "guide.png")]},
                           content_type="multipart/form-data").status_code == 302
        client.post("/logout")
        for attachment in db.session.scalars(select(TicketAttachment).where(TicketAttachment.ticket_id == b.id)):
            assert client.get(f"{_follow(a_token)}/files/{attachment.id}").status_code == 404
        assert helpdesk_files.attachment_for_reporter(a, _file_of(b, "b-quote-screen.png").id) is None
        assert all(m.ticket_id == a.id for m in helpdesk_conversation.public_messages(a))
