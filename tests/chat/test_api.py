"""Live Chat's visitor side over the API: start, write, end and rate, with the page's checks and limits."""

from __future__ import annotations

from tests.chat.helpers import QUESTION, in_office_hours, topic_id
from tests.chat.test_chat_pages import online
from tests.inbox.test_api import API


def _new(**changes) -> dict:
    return {"visitor_type": "vendor", "topic_id": topic_id(), "question": QUESTION, "name": "สมชาย",
            "email": "somchai@example.com"} | changes


def test_a_visitor_starts_writes_ends_and_rates_a_chat(app, client, login, demo):
    with in_office_hours():
        online(login, app.test_client())  # an agent takes the chat at once
        response = client.post(f"{API}/chat", json=_new())
        assert response.status_code == 201, response.get_data(as_text=True)
        chat = response.get_json()
        token = chat["follow_up_token"]
        assert chat["status"] == "active" and token.startswith(chat["number"])
        assert response.headers["Cache-Control"] == "no-store"

        # Not ended yet: no rating.
        assert client.post(f"{API}/chat/{token}/rate", json={"rating": 5}).status_code == 409
        response = client.post(f"{API}/chat/{token}/messages", json={"body": "ขอบคุณครับ", "client_ref": "m1"})
        assert response.status_code == 200, response.get_data(as_text=True)
        assert client.post(f"{API}/chat/{token}/messages", json={"body": "ก\x00"}).status_code == 422
        response = client.post(f"{API}/chat/{token}/end")
        assert response.status_code == 200 and response.get_json()["status"] not in ("queued", "offered", "active")
        assert client.post(f"{API}/chat/{token}/end").status_code == 409
        assert client.post(f"{API}/chat/{token}/messages", json={"body": "ยังอยู่ไหม"}).status_code == 409
        response = client.post(f"{API}/chat/{token}/rate", json={"rating": 4, "comment": "ดี"})
        assert response.status_code == 200 and response.get_json()["rating"] == 4
        assert client.get(f"{API}/chat/{token}").get_json()["rating"] == 4
    assert client.get(f"{API}/chat/{chat['number']}-{'0' * 20}").status_code == 404


def test_a_new_chat_is_checked_as_on_the_page_and_limited_per_address(app, client, demo, monkeypatch):
    with in_office_hours():
        for changes in ({"question": "  "}, {"question": "ก\x00"}, {"email": "nope"}, {"visitor_type": "alien"},
                        {"topic_id": 2**31}, {"name": "ก\r\nข"}):
            response = client.post(f"{API}/chat", json=_new(**changes))
            assert response.status_code == 422, (changes, response.get_data(as_text=True))
        monkeypatch.setitem(app.config, "RATELIMIT_CHAT_START", "1 per minute")
        assert client.post(f"{API}/chat", json=_new()).status_code == 201
        assert client.post(f"{API}/chat", json=_new()).status_code == 429
