"""Live Chat's agent console over the API, with real tokens: availability, the queue, accepting, writing (notes
too), proposing an answer for the FAQ, closing with a topic; who may use it; hostile input."""

from __future__ import annotations

from tests.chat.helpers import in_office_hours, topic_id
from tests.chat.test_api import _new
from tests.inbox.test_api import API, bearer, create_token

DESK = f"{API}/chat-desk"


def test_an_agent_takes_a_waiting_chat_answers_proposes_and_closes_it(client, login, demo):
    with in_office_hours():
        agent = bearer(create_token(client, login, "chat_agent"))
        away = client.post(f"{DESK}/availability", headers=agent, json={"status": "away", "max_chats": 2})
        assert away.status_code == 200 and away.get_json()["me"] == {"status": "away", "max_chats": 2}
        visitor = client.post(f"{API}/chat", json=_new()).get_json()
        token = visitor["follow_up_token"]
        queue = client.get(DESK, headers=agent).get_json()["queue"]
        chat_id = next(c["id"] for c in queue if c["number"] == visitor["number"])

        accepted = client.post(f"{DESK}/chats/{chat_id}/accept", headers=agent)
        assert accepted.status_code == 200 and accepted.get_json()["status"] == "active"
        assert client.post(f"{DESK}/chats/{chat_id}/accept", headers=agent).status_code == 409
        said = client.post(f"{DESK}/chats/{chat_id}/messages", headers=agent,
                           json={"body": "ยื่นหลักประกันได้ที่เมนูสัญญา", "client_ref": "a1"}).get_json()
        again = client.post(f"{DESK}/chats/{chat_id}/messages", headers=agent,
                            json={"body": "ยื่นหลักประกันได้ที่เมนูสัญญา", "client_ref": "a1"}).get_json()
        assert said["new"] and not again["new"] and again["message"]["id"] == said["message"]["id"]
        client.post(f"{DESK}/chats/{chat_id}/messages", headers=agent, json={"body": "ผู้ขายรายเดิม", "note": True})
        read = client.get(f"{DESK}/chats/{chat_id}", headers=agent, query_string={"since": said["message"]["id"]})
        assert [m["kind"] for m in read.get_json()["messages"]] == ["note"]
        assert "ผู้ขายรายเดิม" not in [m["body"] for m in client.get(f"{API}/chat/{token}").get_json()["messages"]]

        proposed = client.post(f"{DESK}/messages/{said['message']['id']}/propose", headers=agent)
        assert proposed.status_code == 201 and proposed.get_json()["entry_id"]
        twice = client.post(f"{DESK}/messages/{said['message']['id']}/propose", headers=agent)
        assert twice.status_code == 409 and twice.get_json()["error"]["message_en"]

        closed = client.post(f"{DESK}/chats/{chat_id}/close", headers=agent, json={"topic_id": topic_id()})
        assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
        refused = client.post(f"{DESK}/chats/{chat_id}/close", headers=agent, json={"topic_id": topic_id()})
        assert refused.status_code == 409 and refused.get_json()["error"]["message"] != refused.get_json()["error"][
            "message_en"]


def test_only_the_chat_team_with_the_scope_uses_the_console_and_hostile_input_is_refused(client, login, demo):
    with in_office_hours():
        outsider = client.get(DESK, headers=bearer(create_token(client, login, "reviewer")))
        assert outsider.status_code == 403
        read_only = bearer(create_token(client, login, "chat_agent", scopes=("chat:read",)))
        assert client.get(DESK, headers=read_only).status_code == 200
        response = client.post(f"{DESK}/availability", headers=read_only, json={"status": "online"})
        assert response.status_code == 403 and response.get_json()["error"]["reason"] == "missing_scope"
        agent = bearer(create_token(client, login, "chat_agent"))
        assert client.get(f"{DESK}/chats/{'9' * 20}", headers=agent).status_code == 404
        assert client.get(f"{DESK}/chats/1", headers=agent, query_string={"since": "-1"}).status_code == 422
        for change in ({"status": "busy"}, {"status": "online", "max_chats": 10**20}, {"status": "online\r\n"}):
            assert client.post(f"{DESK}/availability", headers=agent, json=change).status_code == 422, change
        visitor = client.post(f"{API}/chat", json=_new()).get_json()
        chat_id = next(c["id"] for c in client.get(DESK, headers=agent).get_json()["queue"]
                       if c["number"] == visitor["number"])
        for body in ({"body": "ก\x00ข"}, {"body": "  "}, {"body": "ก", "note": "maybe"}):
            response = client.post(f"{DESK}/chats/{chat_id}/messages", headers=agent, json=body)
            assert response.status_code == 422, body
        assert client.post(f"{DESK}/chats/{chat_id}/close", headers=agent,
                           json={"topic_id": 2**31}).status_code == 422
