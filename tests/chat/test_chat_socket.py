"""A chat from the question to the rating over Socket.IO: routing, messages both ways (stored before the
acknowledgement, repeated sends stored once), internal notes kept from the visitor, catching up after a
reconnect, closing with a topic, the rating and the transcript; and who may do what."""

from __future__ import annotations

from sqlalchemy import func, select

from app.chat.models import ChatMessage, ChatStatus
from app.core.extensions import db
from tests.chat.helpers import ack, in_office_hours, latest_chat, received, staff_socket, start_chat, visitor_socket


def _online(app, client, login, username="chat_agent"):
    login(username)
    sock = staff_socket(app, client)
    assert sock.is_connected("/chat")
    answer = ack(sock, "availability", {"status": "online", "max_chats": 2})
    assert answer["ok"], answer
    return sock


def test_a_chat_is_routed_answered_closed_and_rated(app, client, login, demo):
    with in_office_hours():
        agent = _online(app, client, login)
        visitor_client = app.test_client()
        token, chat = start_chat(visitor_client)
        assert chat.status == ChatStatus.active and chat.agent_id == demo.user("chat_agent").id
        assert received(agent, "assigned")[-1]["chat_id"] == chat.id  # the console opens it: sync joins its rooms
        assert ack(agent, "sync", {"chat_id": chat.id, "since": 0})["ok"]
        visitor = visitor_socket(app, token)
        assert visitor.is_connected("/chat")

        first = ack(visitor, "sync", {"since": 0})
        assert first["ok"] and first["messages"][0]["body"].startswith("ยื่นหลักประกัน")
        assert first["status"]["status"] == "active"

        sent = ack(visitor, "send", {"body": "<b>สวัสดีครับ</b>", "client_ref": "v-1"})
        assert sent["ok"] and sent["message"]["body"] == "<b>สวัสดีครับ</b>"
        again = ack(visitor, "send", {"body": "<b>สวัสดีครับ</b>", "client_ref": "v-1"})
        assert again["message"]["id"] == sent["message"]["id"]  # a repeat stores nothing new
        assert any(m["id"] == sent["message"]["id"] for m in received(agent, "message"))

        reply = ack(agent, "send", {"chat_id": chat.id, "body": "ได้ครับ ตามหนังสือเวียน", "client_ref": "a-1"})
        note = ack(agent, "send", {"chat_id": chat.id, "body": "บันทึกภายใน", "note": True})
        assert reply["ok"] and note["ok"]
        seen = received(visitor, "message")
        assert reply["message"]["id"] in [m["id"] for m in seen]
        assert "บันทึกภายใน" not in [m["body"] for m in seen]

        # A reload: the visitor asks for what came after the last id they hold, notes never included.
        visitor.disconnect("/chat")
        visitor = visitor_socket(app, token)
        caught = ack(visitor, "sync", {"since": sent["message"]["id"]})
        assert [m["id"] for m in caught["messages"]][:1] == [reply["message"]["id"]]
        assert all(m["kind"] != "note" for m in caught["messages"])

        typing = ack(visitor, "typing", {"on": True})
        assert typing["ok"] and received(agent, "typing")[-1] == {"chat_id": chat.id, "who": "visitor", "on": True}

        closed = ack(agent, "close", {"chat_id": chat.id, "topic_id": chat.topic_id})
        assert closed["ok"] and closed["status"]["status"] == "closed"
        assert received(visitor, "status")[-1]["status"] == "closed"

        rated = visitor_client.post(f"/chat/s/{token}/rate", data={"rating": "5", "comment": "ชัดเจน"})
        assert rated.status_code == 303
        pdf = visitor_client.get(f"/chat/s/{token}/transcript.pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        chat = latest_chat()
        assert chat.rating == 5 and chat.close_topic_id == chat.topic_id
        stored = db.session.scalar(select(func.count()).select_from(ChatMessage).where(ChatMessage.session_id == chat.id))
        assert stored >= 5


def test_the_queue_waits_for_an_agent_who_picks_and_a_visitor_who_leaves_first_abandons(app, client, login, demo):
    with in_office_hours():
        login("chat_agent")
        agent = staff_socket(app, client)
        token, chat = start_chat(app.test_client())
        assert chat.status == ChatStatus.queued  # nobody online
        visitor = visitor_socket(app, token)
        place = ack(visitor, "position")
        assert place["position"] == 1 and place["wait_seconds"] > 0
        desk = ack(agent, "desk")["desk"]
        assert [c["id"] for c in desk["queue"]] == [chat.id]
        assert ack(visitor, "accept", {"chat_id": chat.id})["status"] == 403  # a visitor accepts nothing
        accepted = ack(agent, "accept", {"chat_id": chat.id})
        assert accepted["ok"] and latest_chat().status == ChatStatus.active
        assert ack(agent, "accept", {"chat_id": chat.id})["status"] == 409  # taken already

        token2, chat2 = start_chat(app.test_client(), question="ขอสอบถามเรื่องราคากลาง")
        visitor2 = visitor_socket(app, token2)
        ended = ack(visitor2, "end")
        assert ended["ok"] and ended["status"]["status"] == "abandoned"


def test_who_may_connect_and_what_each_event_refuses(app, client, login, demo):
    with in_office_hours():
        nobody = visitor_socket(app, "LC6900001-forged")
        assert not nobody.is_connected("/chat")
        login("author")  # staff, but not of the chat team
        from tests.chat.helpers import staff_socket as staff

        assert not staff(app, client).is_connected("/chat")
        agent = _online(app, client, login)
        token, chat = start_chat(app.test_client())
        visitor = visitor_socket(app, token)
        for event, data in [("send", {"body": ""}), ("send", {"body": "x" * 5000}), ("send", {"body": "a\x00b"}),
                            ("send", {"body": 12}), ("send", "not a dict"), ("sync", {"since": -1}),
                            ("sync", {"since": "1"}), ("send", {"body": "ok", "client_ref": "r" * 200})]:
            answer = ack(visitor, event, data)
            assert not answer["ok"] and 400 <= answer["status"] < 500, (event, data, answer)
            assert answer["error"] and any("\u0e00" <= ch <= "\u0e7f" for ch in answer["error"]), answer
        for event, data in [("accept", {"chat_id": 10**20}), ("accept", {"chat_id": "1"}), ("close", {"chat_id": chat.id}),
                            ("close", {"chat_id": chat.id, "topic_id": 10**20}), ("transfer", {"chat_id": chat.id}),
                            ("availability", {"status": "party"}), ("availability", {"status": "online", "max_chats": 0}),
                            ("send", {"chat_id": chat.id, "body": ""})]:
            answer = ack(agent, event, data)
            assert not answer["ok"] and 400 <= answer["status"] < 500, (event, data, answer)
            assert any("\u0e00" <= ch <= "\u0e7f" for ch in answer["error"]), answer
        assert latest_chat().status == ChatStatus.active
