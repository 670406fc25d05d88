"""One's notifications over the API: the newest first with the unread count, one or all marked read, never another
person's."""

from __future__ import annotations

from app.core.extensions import db
from notifications import notify
from tests.inbox.test_api import API, bearer, create_token


def test_list_and_mark_read_one_then_all(client, login, demo):
    reviewer, author = demo.user("reviewer"), demo.user("author")
    for number in range(1, 4):
        notify([reviewer], subject=f"งานใหม่ {number}", body="มีคู่มือรอตรวจ\r\nโปรดดำเนินการ", link=f"/tasks/{number}",
               dedup_key=f"api-note-{number}")
    notify([author], subject="ของคนอื่น", dedup_key="api-note-author")
    db.session.commit()
    headers = bearer(create_token(client, login, "reviewer"))
    page = client.get(f"{API}/notifications", headers=headers).get_json()
    mine = [item for item in page["items"] if item["subject"].startswith("งานใหม่")]
    assert [item["subject"] for item in mine] == ["งานใหม่ 3", "งานใหม่ 2", "งานใหม่ 1"]  # the newest first
    assert "ของคนอื่น" not in {item["subject"] for item in page["items"]}
    unread_before = page["unread"]
    assert unread_before >= 3 and all(item["read_at"] is None for item in mine)

    others = client.get(f"{API}/notifications", headers=bearer(create_token(client, login, "author"))).get_json()
    stranger = next(item for item in others["items"] if item["subject"] == "ของคนอื่น")
    left_alone = client.post(f"{API}/notifications/read", headers=headers, json={"id": stranger["id"]}).get_json()
    assert left_alone == {"marked": 0, "unread": unread_before}

    one = client.post(f"{API}/notifications/read", headers=headers, json={"id": mine[0]["id"]}).get_json()
    assert one == {"marked": 1, "unread": unread_before - 1}
    assert client.post(f"{API}/notifications/read", headers=headers, json={"id": mine[0]["id"]}).get_json()[
        "marked"] == 0  # already read
    every = client.post(f"{API}/notifications/read", headers=headers, json={}).get_json()
    assert every == {"marked": unread_before - 1, "unread": 0}
    again = client.get(f"{API}/notifications", headers=headers).get_json()
    assert again["unread"] == 0 and all(item["read_at"] for item in again["items"])
    assert client.get(f"{API}/notifications?page=999", headers=headers).get_json()["items"] == []


def test_hostile_input_and_scopes(client, login, demo):
    read_only = bearer(create_token(client, login, "reviewer", name="อ่านอย่างเดียว", scopes=("inbox:read",)))
    assert client.get(f"{API}/notifications", headers=read_only).status_code == 200
    assert client.post(f"{API}/notifications/read", headers=read_only, json={}).status_code == 403
    headers = bearer(create_token(client, login, "reviewer"))
    for body in ({"id": 10 ** 20}, {"id": "1\x00"}, {"id": 0}, {"id": "๑"}):
        assert client.post(f"{API}/notifications/read", headers=headers, json=body).status_code == 422, body
    for query, page in (("page=0", 1), ("page=%00", 1), ("page=99999999999999999999", 100_000)):  # as every list
        answer = client.get(f"{API}/notifications?{query}", headers=headers)
        assert answer.status_code == 200 and answer.get_json()["page"] == page, query
