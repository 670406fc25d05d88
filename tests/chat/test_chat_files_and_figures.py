"""Live Chat's files both ways under safe names, a chat turned into a prefilled IR report, a signed-in visitor's
earlier chats, and the figures the reports count."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from app.accounts.models import AccountKind
from app.accounts.services import accounts
from app.chat.models import ChatAttachment, ChatSession, ChatStatus
from app.chat.services import chat_closing, chat_messages, chat_queue, desk_admin, figures
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import AuditEvent
from app.helpdesk.models import Ticket
from app.helpdesk.services import helpdesk
from tests.chat.helpers import QUESTION, in_office_hours, latest_chat, start_chat, topic_id, working_morning
from tests.chat.test_chat_pages import PDF, PNG, active_chat, count, desk_admin_user, refused, upload

# --- files, IR reports, past chats ----------------------------------------------------------------------------------


def test_files_go_both_ways_and_are_served_under_safe_names(app, client, login, demo):
    with in_office_hours():
        visitor, token, chat = active_chat(app, client, login)
        response = upload(visitor, f"/chat/s/{token}/files", [("../screen.html", PNG)], body="ภาพหน้าจอ",
                          client_ref="f-1")
        assert response.status_code == 200, response.get_data(as_text=True)
        sent = response.get_json()["message"]
        assert sent["body"] == "ภาพหน้าจอ" and sent["attachments"][0]["name"] == "screen.png"
        again = upload(visitor, f"/chat/s/{token}/files", [("../screen.html", PNG)], body="ภาพหน้าจอ", client_ref="f-1")
        assert again.get_json()["message"]["id"] == sent["id"]  # sent again: stored once
        reply = upload(client, f"/chat-desk/{chat.id}/files", [("คู่มือ.pdf", PDF)], body="คู่มือครับ")
        assert reply.status_code == 200 and reply.get_json()["ok"]
        png, pdf = db.session.scalars(select(ChatAttachment).order_by(ChatAttachment.id)).all()
        assert (png.content_type, pdf.content_type) == ("image/png", "application/pdf")

        for who, base in ((visitor, f"/chat/s/{token}/files/"), (client, f"/chat-desk/{chat.id}/files/")):
            got = who.get(f"{base}{png.id}")
            assert got.status_code == 200 and got.mimetype == "image/png" and got.data == PNG
            assert got.headers["X-Content-Type-Options"] == "nosniff"
            got = who.get(f"{base}{pdf.id}")
            assert got.mimetype == "application/pdf" and got.data == PDF
            assert got.headers["Content-Disposition"].startswith("attachment;")
        # Another chat's link does not reach these files.
        other_token, other = start_chat(app.test_client(), question="อีกเรื่องหนึ่ง")
        assert visitor.get(f"/chat/s/{other_token}/files/{png.id}").status_code == 404
        assert client.get(f"/chat-desk/{other.id}/files/{png.id}").status_code == 404
        page = visitor.get(f"/chat/s/{token}").get_data(as_text=True)
        assert "screen.png" in page and "คู่มือ.pdf" in page


def test_a_chat_turned_into_an_ir_report_is_prefilled_and_linked(app, client, login, demo):
    with in_office_hours():
        question = "ยื่นเสนอราคาในระบบ e-GP ไม่ได้\nขึ้นข้อผิดพลาด 500 ตอนแนบไฟล์"
        visitor, token, chat = active_chat(app, client, login, question=question, name="สมชาย",
                                           email="somchai@example.com")
        chat_messages.agent_says(desk_admin_user("chat_agent"), db.session.get(ChatSession, chat.id), "ขอภาพหน้าจอครับ")
        chat_messages.agent_says(desk_admin_user("chat_agent"), db.session.get(ChatSession, chat.id), "บันทึกภายใน",
                         note=True)
        db.session.commit()
        category = helpdesk.categories()[0]
        response = client.post(f"/chat-desk/{chat.id}/ir", data={"category_id": str(category.id)})
        assert response.status_code == 200, response.get_data(as_text=True)
        number = response.get_json()["number"]
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
        chat = latest_chat()
        assert chat.ticket_id == ticket.id
        assert ticket.category_id == category.id and ticket.reporter_type == "vendor"
        assert ticket.subject.startswith(f"จากแชต {chat.number}:") and "\n" not in ticket.subject
        assert "ยื่นเสนอราคาในระบบ e-GP ไม่ได้" in ticket.subject
        assert "ขอภาพหน้าจอครับ" in ticket.description and "บันทึกภายใน" not in ticket.description
        assert ticket.contact_email == "somchai@example.com" and ticket.contact_name == "สมชาย"
        assert count(AuditEvent, AuditEvent.action == "chat.ir_report", AuditEvent.object_id == chat.id) == 1
        told = visitor.get(f"/chat/s/{token}").get_data(as_text=True)
        assert number in told and "/ir/follow/" in told
        # Once only.
        refused(client.post(f"/chat-desk/{chat.id}/ir", data={"category_id": str(category.id)}), 409)
        assert count(Ticket) == 1


def test_a_signed_in_visitor_sees_their_earlier_chats(app, client, login, demo):
    vendor = accounts.create_user("vendor@example.test", "บริษัท ผู้ค้า จำกัด", demo.password,
                                  email="vendor@example.test")
    vendor.account_kind, vendor.email_verified_at = AccountKind.reporter, utcnow()
    db.session.commit()
    with in_office_hours():
        _other_token, someone_elses = start_chat(app.test_client(), question="คำถามของคนอื่น")
        login("vendor@example.test")
        token, mine = start_chat(client, question="คำถามของฉันเรื่องราคากลาง", name="", email="")
        assert (mine.channel, mine.visitor_user_id) == ("account", vendor.id)
        assert mine.visitor_email == "vendor@example.test" and mine.visitor_name == "บริษัท ผู้ค้า จำกัด"
        page = client.get("/chat/").get_data(as_text=True)
        past = re.search(r'<ul class="list-unstyled" id="chat-past">(.*?)</ul>', page, re.S).group(1)
        assert mine.number in past and f"/chat/s/{token}" in past and "คำถามของฉันเรื่องราคากลาง" in past
        assert someone_elses.number not in past
        client.post("/logout")
        assert 'id="chat-past"' not in client.get("/chat/").get_data(as_text=True)


# --- figures -------------------------------------------------------------------------------------------------------------


def test_figures_count_a_known_set_of_chats(app, client, demo):
    agent = demo.user("chat_agent")
    day = working_morning()

    def at(moment):
        return time_machine.travel(moment, tick=False)

    def started(moment, **fields):
        with at(moment):
            data = {"visitor_type": "vendor", "topic_id": topic_id(), "question": QUESTION} | fields
            chat = chat_queue.start(chat_queue.StartInput(**data))
            db.session.commit()
            return chat

    topics = desk_admin.topics()
    db.session.commit()
    handled = []
    for minute, wait, rating, topic in ((0, 30, 5, topics[0]), (10, 60, 4, topics[0]), (20, 90, None, topics[1])):
        chat = started(day + timedelta(minutes=minute), topic_id=topic.id)
        with at(day + timedelta(minutes=minute, seconds=wait)):
            chat_queue.accept(agent, chat)
            db.session.commit()
        with at(day + timedelta(minutes=minute + 5)):
            chat_closing.agent_closes(agent, chat, topic.id)
            if rating:
                chat_closing.rate(chat, rating, None)
            db.session.commit()
        handled.append(chat)
    left = started(day + timedelta(minutes=30), topic_id=topics[1].id)
    with at(day + timedelta(minutes=31)):
        chat_closing.visitor_ends(left)
        db.session.commit()
    vendor = accounts.create_user("vendor@example.test", "บริษัท ผู้ค้า จำกัด", demo.password,
                                  email="vendor@example.test")
    db.session.commit()
    evening = started(day.replace(hour=20), user_id=vendor.id)  # outside service hours: offered at once
    assert evening.status == ChatStatus.offered
    with at(day.replace(hour=20, minute=1)):
        chat_closing.leave_question(evening, "ขอทราบขั้นตอน", "vendor@example.test")
        db.session.commit()
    waiting = started(day + timedelta(minutes=40))  # still in the queue
    next_day = started((day + timedelta(days=1)).replace(hour=0, minute=30))  # 17:30 UTC of the day: not counted
    assert next_day.id and waiting.status == ChatStatus.queued

    found = figures.figures(day.date(), day.date())
    assert found["chats"] == 6
    assert found["by_day"] == {day.date().isoformat(): 6}
    assert found["by_topic"] == {topics[0].name_th: 4, topics[1].name_th: 2}
    assert found["by_channel"] == {"web": 5, "account": 1}
    assert found["accept_seconds"] == {"median": 60.0, "p90": 90.0, "average": 60.0}
    assert found["outcome"] == {"handled": 3, "abandoned": 1, "offline": 1, "live": 1}
    assert found["ratings"] == {"count": 2, "average": 4.5, "by_stars": {1: 0, 2: 0, 3: 0, 4: 1, 5: 1}}
    assert found["offline_answered"] == 0
    assert set(found["faq"]) >= {"published"}
    both = figures.figures(day.date(), day.date() + timedelta(days=1))
    assert both["chats"] == 7 and len(both["by_day"]) == 2
    assert figures.figures(day.date() - timedelta(days=3), day.date() - timedelta(days=1))["chats"] == 0
