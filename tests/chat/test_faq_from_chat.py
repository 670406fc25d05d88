"""The knowledge base grows from the chats: an agent proposes a good answer as FAQ, the supervisor reviews it in
their task list (``workflows/faq_review.bpmn``), edits and approves it, and it is published on the public FAQ and
suggested to the next visitor while they type their question, and to agents while they answer."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.chat.models import ChatMessage, ChatSession
from app.chat.services import chat_messages, desk_admin
from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.knowledge.models import FaqEntry, FaqStatus
from tests.chat.helpers import in_office_hours, start_chat
from tests.knowledge.helpers import open_task, review

QUESTION = "ผู้ค้าต้องวางหลักประกันสัญญาเป็นหนังสือค้ำประกันอิเล็กทรอนิกส์ได้หรือไม่"
ANSWER = "ได้ครับ ธนาคารออกหนังสือค้ำประกันอิเล็กทรอนิกส์ผ่านระบบ e-GP และหน่วยงานตรวจสอบได้ทันที"
EDITED = ANSWER + "\nอ้างอิง: ระเบียบกระทรวงการคลังฯ พ.ศ. 2560 ข้อ 168"


def _agent(username: str = "chat_agent") -> User:
    return db.session.scalar(select(User).where(User.username == username))


def test_an_answer_proposed_in_a_chat_is_reviewed_published_and_suggested(app, client, login, demo):
    with in_office_hours():
        login("chat_agent")
        desk_admin.set_availability(_agent(), "online")
        db.session.commit()
        visitor = app.test_client()
        _token, chat = start_chat(visitor, question=QUESTION)
        chat = db.session.get(ChatSession, chat.id)
        answer, _new = chat_messages.agent_says(_agent(), chat, ANSWER, "a-1")
        db.session.commit()

        # Before: the visitor's question finds nothing like it.
        before = client.get("/faq/suggest", query_string={"q": "หนังสือค้ำประกันอิเล็กทรอนิกส์"}).get_json()
        assert all(s["question"] != QUESTION for s in before["suggestions"])

        # The agent proposes the answer from the console.
        response = client.post(f"/chat-desk/messages/{answer.id}/propose")
        assert response.status_code == 200, response.get_data(as_text=True)
        entry = db.session.get(FaqEntry, response.get_json()["entry_id"])
        assert (entry.status, entry.question, entry.answer) == (FaqStatus.in_review, QUESTION, ANSWER)
        assert entry.source_kind == "chat" and entry.source_ref == str(answer.id)
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "chat.faq_proposed",
                                                          AuditEvent.object_id == chat.id)) is not None
        assert client.get(f"/faq/{entry.id}").status_code == 404  # not public in review

        # The supervisor reviews it in their task list: an agent cannot.
        task = open_task(entry)
        assert (task.role, task.form_key) == ("chat_supervisor", "knowledge.review")
        assert review(client, task, "approve", answer=EDITED).status_code in (403, 404)
        login("chat_super")
        page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
        assert 'id="task-faq-entry"' in page and chat.number in page
        assert review(client, task, "approve", question=QUESTION, answer=EDITED,
                      topic="หลักประกันสัญญา").status_code == 302
        db.session.expire_all()
        entry = db.session.get(FaqEntry, entry.id)
        assert entry.status == FaqStatus.published and entry.answer == EDITED

        # Published: the list, the search, its page, and the suggestions to the next visitor and to agents.
        client.post("/logout")
        page = client.get("/faq", query_string={"q": "อิเล็กทรอนิกส์"}).get_data(as_text=True)
        assert f'data-entry="{entry.id}"' in page
        assert "ข้อ 168" in client.get(f"/faq/{entry.id}").get_data(as_text=True)
        typed = client.get("/faq/suggest", query_string={"q": "วางหลักประกันสัญญาแบบอิเล็กทรอนิกส์ได้ไหม"})
        found = typed.get_json()["suggestions"]
        assert found and found[0]["id"] == entry.id and found[0]["url"] == f"/faq/{entry.id}"
        assert 'data-faq-suggest="/faq/suggest"' in client.get("/chat/").get_data(as_text=True)
        login("chat_agent")
        for_agents = client.get("/chat-desk/suggest", query_string={"q": "หลักประกันสัญญาอิเล็กทรอนิกส์"}).get_json()
        assert entry.id in [s["id"] for s in for_agents["suggestions"]]

        # The same answer is proposed once; a visitor's message is not an answer.
        again = client.post(f"/chat-desk/messages/{answer.id}/propose")
        assert again.status_code == 409 and again.get_json()["error"]
        visitor_message = db.session.scalar(select(ChatMessage).where(ChatMessage.session_id == chat.id,
                                                                      ChatMessage.kind == "visitor"))
        assert client.post(f"/chat-desk/messages/{visitor_message.id}/propose").status_code == 422
