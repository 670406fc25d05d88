"""The help desk's staff side over the API, with real tokens: a report from triage to its resolution and reopening,
the standard answers, who may act, and hostile input."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.core.extensions import db
from tests.helpdesk.test_api import _report
from tests.inbox.test_api import API, bearer, create_token


def _filed(client) -> tuple[str, str]:
    report = client.post(f"{API}/ir/reports", json=_report()).get_json()
    return report["number"], report["follow_up_token"]


def test_a_report_from_triage_to_resolution_and_reopening(client, login, demo):
    agent = bearer(create_token(client, login, "hd_agent"))
    supervisor = bearer(create_token(client, login, "hd_super"))
    number, token = _filed(client)
    ticket = f"{API}/helpdesk/tickets/{number}"

    # Triage is the triage task's form, answered through the inbox's API.
    new = client.get(ticket, headers=supervisor).get_json()
    assert new["status"] == "new" and new["messages"][0]["kind"] == "reporter"
    unassigned = client.get(f"{API}/helpdesk/tickets", headers=agent, query_string={"queue": "unassigned"})
    assert number in [item["number"] for item in unassigned.get_json()["items"]]
    super_id = db.session.scalar(select(User.id).where(User.username == "hd_super"))
    done = client.post(f"{API}/tasks/{new['triage_task_id']}/complete", headers=supervisor,
                       json={"category_id": new["category_id"], "priority": "normal", "assignee_id": super_id,
                             "team_id": 0})
    assert done.status_code == 200, done.get_data(as_text=True)

    taken = client.post(f"{ticket}/take", headers=agent).get_json()
    assert taken["assignee_id"] != super_id and taken["status"] == "open"
    mine = client.get(f"{API}/helpdesk/tickets", headers=agent, query_string={"queue": "mine", "q": number})
    assert [item["number"] for item in mine.get_json()["items"]] == [number]

    assert client.post(f"{ticket}/messages", headers=agent,
                       json={"action": "note", "body": "ตรวจ log แล้ว"}).status_code == 200
    replied = client.post(f"{ticket}/messages", headers=agent, json={"action": "reply", "body": "กำลังตรวจสอบ"})
    assert replied.status_code == 200
    raised = client.post(f"{ticket}/priority", headers=agent, json={"priority": "high"}).get_json()
    assert raised["priority"] == "high"
    resolved = client.post(f"{ticket}/messages", headers=agent, json={"action": "resolve", "body": "แก้ไขแล้ว"})
    assert resolved.get_json()["status"] == "resolved"
    kinds = [m["kind"] for m in resolved.get_json()["messages"]]
    assert "internal_note" in kinds and kinds.count("public_reply") >= 2
    assert {"ticket.assigned", "ticket.priority_changed"} <= {e["action"] for e in resolved.get_json()["history"]}

    # The reporter sees no internal note, and reopens it: back to work.
    followed = client.get(f"{API}/ir/follow/{token}").get_json()
    assert "ตรวจ log แล้ว" not in [m["body"] for m in followed["messages"]]
    reopened = client.post(f"{API}/ir/follow/{token}/reopen", json={"reason": "ยังเสนอราคาไม่ได้"})
    assert reopened.status_code == 200 and reopened.get_json()["status"] == "in_progress"
    assert client.post(f"{API}/ir/follow/{token}/reopen", json={"reason": "อีกครั้ง"}).status_code == 409

    # A resolved report is no longer the desk's to merge: refused with a reason in both languages.
    client.post(f"{ticket}/messages", headers=agent, json={"action": "resolve", "body": "แก้ไขแล้วจริง"})
    merged = client.post(f"{ticket}/merge", headers=agent, json={"target": "IR6900001"})
    error = merged.get_json()["error"]
    assert merged.status_code == 409 and error["message"] != error["message_en"]


def test_standard_answers_and_who_may_use_the_desk(client, login, demo):
    agent = bearer(create_token(client, login, "hd_agent"))
    supervisor = bearer(create_token(client, login, "hd_super"))
    created = client.post(f"{API}/helpdesk/answers", headers=agent,
                          json={"title": "ขอบคุณที่แจ้ง", "body": "เรื่อง {ticket_number} ได้รับแล้ว โดย {agent_name}"})
    assert created.status_code == 201, created.get_data(as_text=True)
    answer = created.get_json()
    number, _token = _filed(client)
    filled = client.get(f"{API}/helpdesk/tickets/{number}/answers/{answer['id']}", headers=agent).get_json()
    assert filled["body"].startswith(f"เรื่อง {number} ได้รับแล้ว")

    # Changing an answer is a supervisor's; an officer outside the desk, or a token without the scope, is refused.
    change = {"title": "ขอบคุณที่แจ้งปัญหา", "body": "ได้รับเรื่อง {ticket_number} แล้ว", "active": False}
    refused = client.put(f"{API}/helpdesk/answers/{answer['id']}", headers=agent, json=change)
    assert refused.status_code == 403 and refused.get_json()["error"]["message_en"]
    assert client.put(f"{API}/helpdesk/answers/{answer['id']}", headers=supervisor, json=change).status_code == 200
    listed = client.get(f"{API}/helpdesk/answers", headers=agent).get_json()["items"]
    assert answer["id"] not in [a["id"] for a in listed]
    outsider = bearer(create_token(client, login, "reviewer"))
    response = client.get(f"{API}/helpdesk/tickets", headers=outsider)
    assert response.status_code == 403 and response.get_json()["error"]["reason"] == "not_helpdesk_staff"
    read_only = bearer(create_token(client, login, "hd_agent", scopes=("helpdesk:read",)))
    response = client.post(f"{API}/helpdesk/tickets/{number}/take", headers=read_only)
    assert response.status_code == 403 and response.get_json()["error"]["reason"] == "missing_scope"


def test_hostile_input_is_a_clear_refusal(client, login, demo):
    agent = bearer(create_token(client, login, "hd_agent"))
    number, _token = _filed(client)
    for path in (f"IR{'9' * 20}", "IR69%00001", "IR69%0D%0A001", "9" * 20):
        assert client.get(f"{API}/helpdesk/tickets/{path}", headers=agent).status_code == 404, path
    for body in ({"action": "note", "body": "ก\x00ข"}, {"action": "shout", "body": "ก"}, {"action": "note"},
                 {"action": "note", "body": "   "}):
        response = client.post(f"{API}/helpdesk/tickets/{number}/messages", headers=agent, json=body)
        assert response.status_code == 422, (body, response.get_data(as_text=True))
        assert response.get_json()["error"]["message"] != response.get_json()["error"]["message_en"]
    for change in ({"assignee_id": 10**20}, {"team_id": 0}):
        assert client.post(f"{API}/helpdesk/tickets/{number}/assign", headers=agent, json=change).status_code == 422
    assert client.get(f"{API}/helpdesk/tickets/{number}/answers/{'9' * 20}", headers=agent).status_code == 404
    for target in ("IR69\r\n00001", number):
        response = client.post(f"{API}/helpdesk/tickets/{number}/merge", headers=agent, json={"target": target})
        assert response.status_code == 422, target
