"""Live Chat's pages through HTTP: every visitor and desk form refuses bad input with a 4xx and a Thai message and
saves nothing; who reaches which desk page; the supervisor's settings, topics and blocks (audited). Files, IR
reports made from chats, past chats and figures: ``test_chat_files_and_figures.py``."""

from __future__ import annotations

import io
import re
from datetime import datetime, time

import time_machine
from sqlalchemy import func, select

from app.chat.models import ChatAttachment, ChatBlock, ChatMessage, ChatSession, ChatSettings, ChatStatus, ChatTopic
from app.chat.services import chat_closing, chat_messages, desk_admin
from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.helpdesk.models import Ticket
from tests.chat.helpers import QUESTION, in_office_hours, latest_chat, start_chat, topic_id, working_morning
from tests.helpers import th

THAI = re.compile("[\u0e00-\u0e7f]")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64
HUGE = "9" * 20


def shown(response) -> list[str]:
    """The refusals a person reads: the JSON error, or the page's field errors and alerts."""
    if response.is_json:
        return [response.get_json()["error"]]
    page = response.get_data(as_text=True)
    return [text.strip() for text in re.findall(
        r'(?:class="(?:invalid-feedback[^"]*|alert alert-(?:danger|warning)[^"]*)"|role="alert")[^>]*>([^<]+)<', page)]


def refused(response, status: int | None = None, message: str | None = None) -> list[str]:
    """A 4xx with a Thai message (the one given, when given)."""
    messages = shown(response)
    assert 400 <= response.status_code < 500, (response.status_code, messages)
    if status is not None:
        assert response.status_code == status, (response.status_code, messages)
    assert messages and all(THAI.search(m) for m in messages), messages
    if message is not None:
        assert th(message) in messages or any(th(message) in m for m in messages), (message, messages)
    return messages


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def saved() -> tuple[int, ...]:
    """What a refused action must not have changed."""
    return (count(ChatSession), count(ChatMessage), count(ChatAttachment), count(ChatTopic), count(ChatBlock),
            count(Ticket), count(AuditEvent))


def online(login, client, username="chat_agent", max_chats=3):
    login(username)
    desk_admin.set_availability(desk_admin_user(username), "online", max_chats)
    db.session.commit()


def desk_admin_user(username):
    from app.accounts.models import User

    return db.session.scalar(select(User).where(User.username == username))


def active_chat(app, client, login, **fields):
    """A chat routed to chat_agent at once; the client stays signed in as chat_agent. (visitor client, token, chat)"""
    online(login, client)
    visitor = app.test_client()
    token, chat = start_chat(visitor, **fields)
    assert chat.status == ChatStatus.active, chat.status
    return visitor, token, chat


def upload(client, url, files, **form):
    return client.post(url, content_type="multipart/form-data", headers={"Accept": "application/json"},
                       data={**form, "files": [(io.BytesIO(content), name) for name, content in files]})


# --- the visitor's forms -------------------------------------------------------------------------------------------


def test_the_question_form_refuses_bad_input_with_a_message_and_saves_nothing(app, client, demo, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_CHAT_START", "100 per hour")  # refusals count against the limit
    with in_office_hours():
        good = {"visitor_type": "vendor", "topic_id": topic_id(), "question": QUESTION, "name": "สมชาย",
                "email": "somchai@example.com"}
        unused = db.session.scalar(select(ChatTopic).order_by(ChatTopic.id.desc()).limit(1))
        unused.active = False
        db.session.commit()
        before = saved()
        for changes in ({"name": "สมชาย\r\nBcc: a@example.com"}, {"name": "สม\x00ชาย"}, {"name": "ก" * 101},
                        {"question": "ถาม\x00ตอบ"}, {"question": "ก" * 2001}, {"question": "   "}, {"question": ""},
                        {"topic_id": HUGE}, {"topic_id": "abc"}, {"topic_id": "0"}, {"topic_id": str(unused.id)},
                        {"topic_id": "-1"}, {"visitor_type": "admin"}, {"visitor_type": ""},
                        {"email": "not-an-address"}, {"email": "a@example.com\r\nBcc: b@example.com"},
                        {"email": "ก" * 250 + "@example.com"}):
            response = client.post("/chat/", data=good | changes)
            refused(response, 422)
            assert saved() == before, changes
        assert client.post("/chat/", data=good).status_code == 303
        assert count(ChatSession) == before[0] + 1


def test_the_chat_pages_forms_refuse_bad_input_with_a_message(app, client, login, demo, monkeypatch):
    with in_office_hours():
        visitor, token, chat = active_chat(app, client, login)
        base = f"/chat/s/{token}"
        before = saved()
        # An active chat is neither rated nor left as a question; the transcript's address must be one.
        refused(visitor.post(f"{base}/rate", data={"rating": "5"}), 409, "A chat is rated once it has ended.")
        refused(visitor.post(f"{base}/question", data={"question": "ขอฝากคำถาม"}), 409,
                "This chat is no longer waiting for an agent.")
        for email in ("", "not-an-address", "a@example.com\r\nBcc: b@example.com", "a\x00@example.com"):
            refused(visitor.post(f"{base}/transcript", data={"email": email}), 422)
        # Files: the same checks as IR Online's.
        refused(upload(visitor, f"{base}/files", [("notes.txt", b"plain text, not a document")]), 422,
                None)
        refused(upload(visitor, f"{base}/files", []), 422, "Choose a file to send.")
        refused(upload(visitor, f"{base}/files", [(f"p{n}.png", PNG) for n in range(6)]), 422)
        refused(upload(visitor, f"{base}/files", [("a.png", PNG)], body="ภาพ\x00"), 422)
        refused(upload(visitor, f"{base}/files", [("a.png", PNG)], body="ก" * 2001), 422)
        refused(upload(visitor, f"{base}/files", [("a.png", PNG)], client_ref="r" * 65), 422)
        monkeypatch.setitem(app.config, "HELPDESK_MAX_ATTACHMENT_BYTES", 1024)
        refused(upload(visitor, f"{base}/files", [("big.pdf", PDF + b"0" * 2048)]), 422)
        response = upload(visitor, f"{base}/files", [("huge.pdf", PDF + b"0" * (5 * 1024 + 70 * 1024))])
        refused(response, 413)
        monkeypatch.undo()
        assert saved() == before

        # The agent closes: now the rating's and the offer's refusals.
        login("chat_agent")
        chat_closing.agent_closes(desk_admin_user("chat_agent"), db.session.get(ChatSession, chat.id), chat.topic_id)
        db.session.commit()
        before = saved()
        for data in ({}, {"rating": "0"}, {"rating": "6"}, {"rating": "abc"}, {"rating": HUGE},
                     {"rating": "5", "comment": "ก" * 1001}, {"rating": "5", "comment": "ดี\x00"}):
            refused(visitor.post(f"{base}/rate", data=data), 422)
        refused(upload(visitor, f"{base}/files", [("a.png", PNG)]), 409)
        refused(visitor.post(f"{base}/end"), 409, "This chat has already ended.")
        assert saved() == before
        assert visitor.post(f"{base}/rate", data={"rating": "4", "comment": "ดี"}).status_code == 303
        refused(visitor.post(f"{base}/rate", data={"rating": "5"}), 409, "This chat has already been rated. Thank you.")

        # Wrong links: the chat's own page of refusals, in Thai.
        for url in ("/chat/s/LC6900001-forged", f"/chat/s/{HUGE}", "/chat/s/LC" + HUGE + "-x",
                    f"{base}/files/{HUGE}", f"{base}/files/1"):
            refused(visitor.get(url), 404)


def test_leaving_a_question_refuses_bad_input(app, client, demo):
    evening = datetime.combine(working_morning().date(), time(20, 0), tzinfo=working_morning().tzinfo)
    with time_machine.travel(evening, tick=True):
        visitor = app.test_client()
        token, chat = start_chat(visitor)
        assert chat.status == ChatStatus.offered
        before = saved()
        for data in ({"question": "ถาม\x00"}, {"question": "ก" * 2001}, {"email": "not-an-address"},
                     {"email": "a@example.com\nBcc: b@example.com"}):
            refused(visitor.post(f"/chat/s/{token}/question", data=data), 422)
        assert saved() == before and latest_chat().status == ChatStatus.offered


def test_a_blocked_visitor_is_refused(app, client, login, demo):
    with in_office_hours():
        visitor, token, chat = active_chat(app, client, login)
        login("chat_agent")
        refused(client.post(f"/chat-desk/{chat.id}/block", data={"reason": "ส่งข้อความก่อกวน"}), 403)
        assert count(ChatBlock) == 0
        login("chat_super")
        before = saved()
        for reason in ("", "ก" * 501, "ก่อกวน\x00"):
            refused(client.post(f"/chat-desk/{chat.id}/block", data={"reason": reason}), 422)
        assert saved() == before
        response = client.post(f"/chat-desk/{chat.id}/block", data={"reason": "ส่งข้อความก่อกวนซ้ำ ๆ"})
        assert response.status_code == 200 and response.get_json()["ok"]
        audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "chat.visitor_blocked"))
        assert audit.actor_id == demo.user("chat_super").id and audit.object_id == chat.id
        assert audit.comment == "ส่งข้อความก่อกวนซ้ำ ๆ"

        # The visitor (the same address) cannot start another chat, nor reconnect to this one.
        before = saved()
        response = visitor.post("/chat/", data={"visitor_type": "vendor", "topic_id": topic_id(),
                                                "question": "ขอถามอีกครั้ง"})
        refused(response, 403, str(desk_admin_errors_blocked()))
        assert saved() == before
        from tests.chat.helpers import visitor_socket

        assert not visitor_socket(app, token).is_connected("/chat")

        # Lifting it is audited and lets the visitor in again.
        block = db.session.scalar(select(ChatBlock))
        page = client.get("/chat-desk/settings").get_data(as_text=True)
        assert "ส่งข้อความก่อกวนซ้ำ ๆ" in page
        refused(client.post(f"/chat-desk/blocks/{block.id + 1}/lift"), 422)
        assert client.post(f"/chat-desk/blocks/{block.id}/lift").status_code == 303
        assert count(AuditEvent, AuditEvent.action == "chat.block_lifted") == 1
        refused(client.post(f"/chat-desk/blocks/{block.id}/lift"), 422)
        assert start_chat(visitor, question="ขอถามอีกครั้ง")[1].status == ChatStatus.active


def desk_admin_errors_blocked():
    from app.chat.services.errors import Blocked

    return Blocked.default


# --- the desk --------------------------------------------------------------------------------------------------------


def test_who_reaches_the_desk_and_the_supervisors_pages(app, client, login, demo):
    with in_office_hours():
        visitor, token, chat = active_chat(app, client, login)
        message = db.session.scalar(select(ChatMessage).where(ChatMessage.session_id == chat.id,
                                                              ChatMessage.kind == "visitor"))
        desk_pages = ["/chat-desk/", "/chat-desk/suggest?q=หลักประกัน"]
        supervisor_gets = ["/chat-desk/settings"]
        supervisor_posts = [("/chat-desk/settings", {}), ("/chat-desk/topics", {"name_th": "หัวข้อใหม่"}),
                            ("/chat-desk/blocks/1/lift", {}), (f"/chat-desk/{chat.id}/block", {"reason": "ทดสอบ"})]
        agent_posts = [(f"/chat-desk/{chat.id}/ir", {"category_id": "1"}),
                       (f"/chat-desk/messages/{message.id}/propose", {})]
        client.post("/logout")
        for url in desk_pages + supervisor_gets:
            response = client.get(url)
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        for url, data in supervisor_posts + agent_posts:
            response = client.post(url, data=data)
            assert response.status_code in (302, 401, 403), (url, response.status_code)
        before = saved()
        for other in ("hd_agent", "hd_super", "author", "admin"):
            login(other)
            for url in desk_pages + supervisor_gets:
                assert client.get(url).status_code == 403, (other, url)
            for url, data in supervisor_posts + agent_posts:
                assert client.post(url, data=data).status_code == 403, (other, url)
        login("chat_agent")
        for url in desk_pages:
            assert client.get(url).status_code == 200, url
        assert client.get("/chat-desk/settings").status_code == 403
        for url, data in supervisor_posts:
            assert client.post(url, data=data).status_code == 403, url
        assert saved() == before
        login("chat_super")
        for url in desk_pages + supervisor_gets:
            assert client.get(url).status_code == 200, url
        assert 'id="desk-settings"' in client.get("/chat-desk/").get_data(as_text=True)


def test_the_topics_a_fresh_desk_shows_are_kept(app, client, login, demo):
    """The default topics are made by the first page that shows them: the ids it shows name stored topics."""
    login("chat_agent")
    page = client.get("/chat-desk/").get_data(as_text=True)
    shown_ids = {int(i) for i in re.findall(r'<option value="(\d+)">', page.split('desk-chat-topic')[1].split("</select>")[0])}
    assert len(shown_ids) == len(desk_admin.DEFAULT_TOPICS)
    db.session.rollback()
    assert set(db.session.scalars(select(ChatTopic.id))) == shown_ids
    chosen = re.findall(r'<option value="(\d+)">', client.get("/chat/").get_data(as_text=True))
    assert {int(i) for i in chosen} - {0} == shown_ids and count(ChatSettings) == 1


def test_the_desk_forms_refuse_bad_input_with_a_message(app, client, login, demo, monkeypatch):
    with in_office_hours():
        visitor, token, chat = active_chat(app, client, login)
        agent_message = chat_messages.agent_says(desk_admin_user("chat_agent"), db.session.get(ChatSession, chat.id),
                                         "ตอบ: ได้ครับ")[0]
        db.session.commit()
        visitor_message = db.session.scalar(select(ChatMessage).where(ChatMessage.session_id == chat.id,
                                                                      ChatMessage.kind == "visitor"))
        before = saved()
        for value in ("", "0", "abc", HUGE, "99999"):
            refused(client.post(f"/chat-desk/{chat.id}/ir", data={"category_id": value}), 422)
        refused(upload(client, f"/chat-desk/{chat.id}/files", [("notes.txt", b"plain text")]), 422)
        refused(upload(client, f"/chat-desk/{chat.id}/files", []), 422)
        refused(upload(client, f"/chat-desk/{chat.id}/files", [(f"p{n}.png", PNG) for n in range(6)]), 422)
        monkeypatch.setitem(app.config, "HELPDESK_MAX_ATTACHMENT_BYTES", 1024)
        refused(upload(client, f"/chat-desk/{chat.id}/files", [("big.pdf", PDF + b"0" * 2048)]), 422)
        monkeypatch.undo()
        refused(client.post(f"/chat-desk/messages/{visitor_message.id}/propose"), 422)
        assert client.get(f"/chat-desk/answers/{HUGE}?chat={chat.id}").status_code == 404
        assert client.get(f"/chat-desk/answers/1?chat={HUGE}").status_code == 404
        assert client.get(f"/chat-desk/{chat.id}/files/{HUGE}").status_code == 404
        assert client.get(f"/chat-desk/{HUGE}/files/1").status_code == 404
        assert saved() == before
        proposed = client.post(f"/chat-desk/messages/{agent_message.id}/propose")
        assert proposed.status_code == 200 and proposed.get_json()["ok"]
        refused(client.post(f"/chat-desk/messages/{agent_message.id}/propose"), 409)


def test_the_settings_pages_refuse_bad_input_with_a_message_and_save_audited(app, client, login, demo):
    with in_office_hours():
        login("chat_super")
        page = client.get("/chat-desk/settings")
        assert page.status_code == 200 and 'id="chat-settings-form"' in page.get_data(as_text=True)
        row = desk_admin.current()
        db.session.commit()
        good = {"opens_at": "08:00", "closes_at": "17:00", "accept_minutes": "3", "idle_remind_minutes": "8",
                "idle_close_minutes": "12", "offline_answer_days": "3", "default_max_chats": "4",
                "lock_version": str(row.lock_version)}
        before = saved()
        for changes in ({"opens_at": "25:00"}, {"opens_at": "8.30"}, {"opens_at": "08:00\r\n"},
                        {"closes_at": "07:00"}, {"closes_at": "08:00"}, {"accept_minutes": "0"},
                        {"accept_minutes": HUGE}, {"accept_minutes": "abc"}, {"accept_minutes": ""},
                        {"idle_close_minutes": "241"}, {"offline_answer_days": "31"}, {"default_max_chats": "21"},
                        {"opens_at": "08:\x0000"}):
            refused(client.post("/chat-desk/settings", data=good | changes), 422)
            assert saved() == before, changes
        assert client.post("/chat-desk/settings", data=good).status_code == 303
        db.session.expire_all()
        row = db.session.get(ChatSettings, 1)
        assert (row.opens_at, row.closes_at, row.accept_minutes, row.offline_answer_days) == ("08:00", "17:00", 3, 3)
        audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "chat.settings_saved"))
        assert audit.actor_id == demo.user("chat_super").id
        assert audit.before["opens_at"] == "08:30" and audit.after["opens_at"] == "08:00"
        # A form opened before that save: refused, the other person's values kept.
        stale = client.post("/chat-desk/settings", data=good | {"accept_minutes": "9"})
        refused(stale, 409)
        assert db.session.get(ChatSettings, 1, populate_existing=True).accept_minutes == 3

        # Topics.
        existing = desk_admin.topics()[0]
        before = saved()
        for data in ({"name_th": ""}, {"name_th": "   "}, {"name_th": "ก" * 256}, {"name_th": "หัวข้อ\r\nใหม่"},
                     {"name_th": "หัวข้อ\x00"}, {"name_th": existing.name_th}, {"name_th": "ใหม่", "position": "5000"},
                     {"name_th": "ใหม่", "position": HUGE}, {"name_th": "ใหม่", "active": "maybe"},
                     {"name_th": "ใหม่", "topic_id": "99999"}, {"name_th": "ใหม่", "topic_id": HUGE},
                     {"name_th": "ใหม่", "topic_id": "abc"}, {"name_th": "ใหม่", "name_en": "x" * 256}):
            refused(client.post("/chat-desk/topics", data={"position": "1", "active": "1"} | data), 422)
            assert saved() == before, data
        response = client.post("/chat-desk/topics", data={"name_th": "การบริหารสัญญา", "name_en": "Contracts",
                                                          "position": "7", "active": "1"})
        assert response.status_code == 303
        topic = db.session.scalar(select(ChatTopic).where(ChatTopic.name_th == "การบริหารสัญญา"))
        assert topic is not None and topic.position == 7
        assert client.post("/chat-desk/topics", data={"topic_id": str(topic.id), "name_th": "การบริหารสัญญา",
                                                      "position": "7", "active": "0"}).status_code == 303
        assert not db.session.get(ChatTopic, topic.id, populate_existing=True).active
        assert count(AuditEvent, AuditEvent.action == "chat.topic_saved") == 2
        # A topic out of use is no longer offered to visitors.
        assert "การบริหารสัญญา" not in client.get("/chat/").get_data(as_text=True)


def test_the_start_page_reads_the_desks_settings_once(app, client, demo, count_queries):
    """The hours shown and the start form's checks are the same settings row: read once for the page."""
    client.get("/chat/")  # the first page makes the desk's topics and settings
    db.session.commit()
    db.session.expunge_all()  # as a server's new request starts
    with count_queries() as sent:
        page = client.get("/chat/")
    assert page.status_code == 200 and 'name="question"' in page.get_data(as_text=True)
    assert len([statement for statement in sent if "FROM chat_settings" in statement]) == 1, sent


def test_the_desk_reads_its_staff_once(app, client, login, demo, count_queries):
    """The desk shows who answers chats and its forms offer them: read once for the page."""
    login("chat_agent")
    assert client.get("/chat-desk/").status_code == 200  # the desk's topics made on first sight
    db.session.commit()
    db.session.expunge_all()  # as a server's new request starts
    with count_queries() as sent:
        page = client.get("/chat-desk/")
    assert page.status_code == 200
    staff = [statement for statement in sent if re.search(r"FROM user_account JOIN membership", statement)]
    assert len(staff) == 1, staff
    topic_reads = [statement for statement in sent if "FROM chat_topic" in statement]
    assert len(set(topic_reads)) == len(topic_reads), topic_reads  # the active ones, or all: each read once
