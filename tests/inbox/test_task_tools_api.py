"""The inbox's tools over the API: claim, give back, candidates, assign, claim several at once — with the same
rules and refusals as the pages, the reasons in the caller's language, and hostile ids refused before any query."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.core.workflow import AuditEvent, HumanTask
from app.inbox.services import inbox
from tests.helpers import submitted_tasks, th
from tests.inbox.test_api import API, bearer, create_token
from tests.inbox.test_assign_and_delegate import _colleague


def test_claim_unclaim_candidates_and_assign(client, login, demo):
    colleague = _colleague(demo)
    task = submitted_tasks(demo, "คู่มือผ่านเอพีไอ")[0]
    headers = bearer(create_token(client, login, "reviewer"))

    claimed = client.post(f"{API}/tasks/{task.id}/claim", headers=headers)
    assert claimed.status_code == 200, claimed.get_json()
    assert claimed.get_json()["assignee_id"] == demo.user("reviewer").id
    assert client.post(f"{API}/tasks/{task.id}/claim", headers=headers).status_code == 200  # one's own again
    back = client.post(f"{API}/tasks/{task.id}/unclaim", headers=headers)
    assert back.status_code == 200 and back.get_json()["assignee_id"] is None

    people = client.get(f"{API}/tasks/{task.id}/candidates", headers=headers).get_json()["items"]
    names = {person["display_name"] for person in people}
    assert names == {colleague.display_name, demo.user("reviewer").display_name}  # not another agency's or role's

    wrong = client.post(f"{API}/tasks/{task.id}/assign", headers=headers,
                        json={"assignee_id": demo.user("lg_reviewer").id})
    assert wrong.status_code == 422
    error = wrong.get_json()["error"]
    assert error["reason"] == "not_a_candidate" and error["message"] == th(
        "This person cannot take the task: only a colleague holding the task's role at its agency can. "
        "Choose someone from the list.")
    assert error["message_en"].startswith("This person cannot take the task")
    given = client.post(f"{API}/tasks/{task.id}/assign", headers=headers, json={"assignee_id": colleague.id})
    assert given.status_code == 200 and given.get_json()["assignee_id"] == colleague.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "task.assigned",
                                                       AuditEvent.human_task_id == task.id))
    assert event.actor_id == demo.user("reviewer").id and event.after["assignee_id"] == colleague.id

    # Now the colleague's: the reviewer can neither claim it, nor hand it on, nor give it back.
    for action, body in (("claim", None), ("assign", {"assignee_id": demo.user("reviewer").id}), ("unclaim", None)):
        refused = client.post(f"{API}/tasks/{task.id}/{action}", headers=headers, json=body)
        assert refused.status_code == 409, (action, refused.get_json())
        assert colleague.display_name in refused.get_json()["error"]["message"]
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee_id == colleague.id


def test_bulk_claim_says_which_tasks_someone_else_took(client, login, demo):
    colleague = _colleague(demo)
    first, taken, third = submitted_tasks(demo, "คู่มือเอพีไอ 1", "คู่มือเอพีไอ 2", "คู่มือเอพีไอ 3")
    inbox.claim(colleague, db.session.get(HumanTask, taken.id))
    db.session.commit()
    headers = bearer(create_token(client, login, "reviewer"))
    answer = client.post(f"{API}/tasks/claim", headers=headers,
                         json={"task_ids": [first.id, taken.id, third.id, first.id]})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["claimed"] == 2
    assert [(item["task_id"], item["claimed"]) for item in body["items"]] == [
        (first.id, True), (taken.id, False), (third.id, True)]
    assert "คู่มือเอพีไอ 2" in body["items"][1]["title"] and colleague.display_name in body["items"][1]["message"]
    db.session.expire_all()
    reviewer = demo.user("reviewer")
    assert [db.session.get(HumanTask, t.id).assignee_id for t in (first, taken, third)] == [
        reviewer.id, colleague.id, reviewer.id]


def test_refusals_scopes_and_hostile_input(client, login, demo):
    task = submitted_tasks(demo, "คู่มือขอบเขต")[0]
    read_only = bearer(create_token(client, login, "reviewer", name="อ่านอย่างเดียว", scopes=("inbox:read",)))
    assert client.post(f"{API}/tasks/{task.id}/claim", headers=read_only).status_code == 403
    assert client.get(f"{API}/tasks/{task.id}/candidates", headers=read_only).status_code == 200
    outsider = bearer(create_token(client, login, "lg_reviewer"))
    assert client.post(f"{API}/tasks/{task.id}/claim", headers=outsider).status_code == 404  # not theirs to see
    assert client.get(f"{API}/tasks/{task.id}/candidates", headers=outsider).status_code == 404
    headers = bearer(create_token(client, login, "reviewer"))
    for path in (f"{API}/tasks/99999999999999999999/claim", f"{API}/tasks/0/unclaim"):
        assert client.post(path, headers=headers).status_code == 404
    for body in ({"task_ids": []}, {"task_ids": ["1\x00"]}, {"task_ids": [10 ** 20]}, {"task_ids": [1] * 101},
                 {"task_ids": "1,2"}, {}):
        refused = client.post(f"{API}/tasks/claim", headers=headers, json=body)
        assert refused.status_code == 422, (body, refused.get_json())
    for body in ({"assignee_id": "๑"}, {"assignee_id": 10 ** 20}, {"assignee_id": None}, {}):
        refused = client.post(f"{API}/tasks/{task.id}/assign", headers=headers, json=body)
        assert refused.status_code == 422, (body, refused.get_json())
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee_id is None


def test_saved_filters_over_the_api(client, login, demo):
    headers = bearer(create_token(client, login, "reviewer"))
    saved = client.post(f"{API}/tasks/filters", headers=headers, json={
        "name": "  งานด่วน   ของฉัน ", "view": "claimed", "sort": "priority", "q": "คู่มือ", "default": True})
    assert saved.status_code == 200, saved.get_json()
    first = saved.get_json()
    assert first["name"] == "งานด่วน ของฉัน" and first["default"] is True
    assert first["params"] == {"view": "claimed", "process": None, "agency": None, "sort": "priority",
                               "order": "desc", "q": "คู่มือ"}
    login("reviewer")  # the page opens the default filter the API saved
    opened = client.get("/tasks/").location
    assert "view=claimed" in opened and "sort=priority" in opened
    second = client.post(f"{API}/tasks/filters", headers=headers, json={"name": "ทั้งหมด"}).get_json()
    replaced = client.post(f"{API}/tasks/filters", headers=headers, json={"name": "ทั้งหมด", "view": "completed"})
    assert replaced.get_json()["id"] == second["id"] and replaced.get_json()["params"]["view"] == "completed"
    made = client.post(f"{API}/tasks/filters/{second['id']}/default", headers=headers).get_json()
    assert made["default"] is True
    listed = client.get(f"{API}/tasks/filters", headers=headers).get_json()["items"]
    assert [(item["name"], item["default"]) for item in listed] == [("งานด่วน ของฉัน", False), ("ทั้งหมด", True)]
    left = client.post(f"{API}/tasks/filters/{first['id']}/delete", headers=headers).get_json()["items"]
    assert [item["name"] for item in left] == ["ทั้งหมด"]

    # Another person's filter is not there for me; bad names are refused in Thai; nothing half-saved.
    other = bearer(create_token(client, login, "author"))
    assert client.post(f"{API}/tasks/filters/{second['id']}/delete", headers=other).status_code == 404
    assert client.post(f"{API}/tasks/filters/{second['id']}/default", headers=other).status_code == 404
    for body in ({"name": "   "}, {"name": "ก" * 121}, {"name": "a\r\nb"}, {"name": "x", "view": "everything"},
                 {"name": "x", "agency": 10 ** 20}, {"name": "x", "q": "\x00"}, {"name": "x", "extra": 1}):
        refused = client.post(f"{API}/tasks/filters", headers=headers, json=body)
        assert refused.status_code == 422, (body, refused.get_json())
    assert len(client.get(f"{API}/tasks/filters", headers=headers).get_json()["items"]) == 1
    assert client.post(f"{API}/tasks/filters/99999999999999999999/delete", headers=headers).status_code == 404
