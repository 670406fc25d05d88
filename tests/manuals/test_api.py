"""Manuals over the API: the revision's whole life in seven calls, and every refusal on the way."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.core.extensions import db
from app.core.workflow import HumanTask, TaskStatus
from app.manuals.models import Manual
from app.org.models import Agency
from tests.helpers import complete_content
from tests.inbox.test_api import API, bearer, conforms, create_token


def _dopa_id() -> int:
    return db.session.scalar(select(Agency.id).where(Agency.code == "dopa"))


def _tasks(client, headers) -> list[dict]:
    response = client.get(f"{API}/tasks", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["items"]


def test_a_revision_from_creation_to_publication_in_seven_calls(client, login, demo):
    document = client.get(f"{API}/openapi.json").get_json()
    author = bearer(create_token(client, login, "author", scopes=("manuals:write",)))
    reviewer = bearer(create_token(client, login, "reviewer", scopes=("inbox:write",)))
    opdc = bearer(create_token(client, login, "opdc", scopes=("inbox:write",)))

    # 1. Create, with the content the reviewers need.
    response = client.post(f"{API}/manuals", headers=author, json={
        "title": "การขอใบอนุญาตจัดงานวัด", "agency_id": _dopa_id(), "content": complete_content("ยื่นที่อำเภอ"),
        "change_note": "ฉบับแรก"})
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    conforms(document, "ManualStatus", created)
    manual_id = created["id"]
    assert created["status"] == "draft" and created["draft"]["content"]["criteria"] == "ยื่นที่อำเภอ"

    # 2. Submit.
    response = client.post(f"{API}/manuals/{manual_id}/draft/submit", headers=author,
                           json={"row_version": created["draft"]["row_version"]})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "in_review"

    # 3–4. The department's reviewer finds it and approves.
    task = next(t for t in _tasks(client, reviewer) if t["subject"] == "การขอใบอนุญาตจัดงานวัด")
    response = client.post(f"{API}/tasks/{task['id']}/complete", headers=reviewer, json={"decision": "approve"})
    assert response.status_code == 200, response.get_data(as_text=True)

    # 5–6. Then OPDC.
    task = next(t for t in _tasks(client, opdc) if t["subject"] == "การขอใบอนุญาตจัดงานวัด")
    response = client.post(f"{API}/tasks/{task['id']}/complete", headers=opdc, json={"decision": "approve"})
    assert response.status_code == 200, response.get_data(as_text=True)

    # 7. Published.
    status = client.get(f"{API}/manuals/{manual_id}", headers=author).get_json()
    assert status["status"] == "published" and status["published_revision_id"] == status["revisions"][0]["id"]
    assert status["draft"] is None and status["review"] is None


def _counted(count_queries, send):
    db.session.expunge_all()  # as a server's new request starts
    with count_queries() as statements:
        response = send()
    return response, statements


def test_a_submission_and_the_publishing_approval_read_each_row_once(client, login, demo, count_queries):
    """The submission answers with the manual as saved without reading it again after the commit; the approval that
    publishes reads the revision once, though the approval's record (the service task before) left it unchanged
    and the session had let it go."""
    author = bearer(create_token(client, login, "author", scopes=("manuals:write",)))
    reviewer = bearer(create_token(client, login, "reviewer", scopes=("inbox:write",)))
    opdc = bearer(create_token(client, login, "opdc", scopes=("inbox:write",)))
    title = "คู่มือนับการอ่านแถว"
    created = client.post(f"{API}/manuals", headers=author, json={
        "title": title, "agency_id": _dopa_id(), "content": complete_content()}).get_json()

    response, sent = _counted(count_queries, lambda: client.post(
        f"{API}/manuals/{created['id']}/draft/submit", headers=author,
        json={"row_version": created["draft"]["row_version"]}))
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["status"] == "in_review" and answer["draft"] is None and answer["review"]["status"] == "in_review"
    assert len([statement for statement in sent if statement.startswith("SELECT manual.id")]) == 1, sent
    assert client.get(f"{API}/manuals/{created['id']}", headers=author).get_json() == answer  # as it was saved

    task = next(t for t in _tasks(client, reviewer) if t["subject"] == title)
    assert client.post(f"{API}/tasks/{task['id']}/complete", headers=reviewer,
                       json={"decision": "approve"}).status_code == 200
    task = next(t for t in _tasks(client, opdc) if t["subject"] == title)
    response, sent = _counted(count_queries, lambda: client.post(
        f"{API}/tasks/{task['id']}/complete", headers=opdc, json={"decision": "approve"}))
    assert response.status_code == 200, response.get_data(as_text=True)
    revision_reads = [statement for statement in sent
                      if re.search(r"FROM manual_revision\s+WHERE manual_revision\.id = ", statement)]
    assert len(revision_reads) == 1, revision_reads
    assert client.get(f"{API}/manuals/{created['id']}", headers=author).get_json()["status"] == "published"


def _returned(client, login, title: str) -> tuple[dict, int, dict]:
    """A manual created and submitted over the API and returned by the department's reviewer ("เพิ่มค่าธรรมเนียม"):
    the author's headers, the manual's id, the reviewer's task as the API listed it."""
    author = bearer(create_token(client, login, "author", scopes=("manuals:write",)))
    reviewer = bearer(create_token(client, login, "reviewer", scopes=("inbox:write",)))
    manual_id = client.post(f"{API}/manuals", headers=author, json={
        "title": title, "agency_id": _dopa_id(), "content": complete_content()}).get_json()["id"]
    assert client.post(f"{API}/manuals/{manual_id}/draft/submit", headers=author, json={}).status_code == 200
    task = next(t for t in _tasks(client, reviewer) if t["subject"] == title)
    response = client.post(f"{API}/tasks/{task['id']}/complete", headers=reviewer,
                           json={"decision": "return", "comment": "เพิ่มค่าธรรมเนียม"})
    assert response.status_code == 200
    return author, manual_id, task


def test_a_return_is_answered_by_a_new_draft_submitted_through_the_api(client, login, demo):
    author, manual_id, _task = _returned(client, login, "คู่มือที่ถูกส่งกลับ")

    assert client.get(f"{API}/manuals/{manual_id}", headers=author).get_json()["status"] == "returned"
    response = client.post(f"{API}/manuals/{manual_id}/revisions", headers=author)
    assert response.status_code == 201
    draft = response.get_json()["draft"]
    response = client.put(f"{API}/manuals/{manual_id}/draft", headers=author, json={
        "title": draft["title"], "content": complete_content("แก้แล้ว"), "row_version": draft["row_version"]})
    assert response.status_code == 200
    # A stale row version is a conflict, and saves nothing.
    response = client.put(f"{API}/manuals/{manual_id}/draft", headers=author, json={
        "title": "ทับ", "content": complete_content("ทับ"), "row_version": draft["row_version"]})
    assert response.status_code == 409 and response.get_json()["error"]["message_en"]
    response = client.post(f"{API}/manuals/{manual_id}/draft/submit", headers=author, json={})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "in_review"


def test_refusals_are_4xx_with_thai_and_english_and_save_nothing(client, login, demo):
    author = bearer(create_token(client, login, "author", scopes=("manuals:write",)))
    reader = bearer(create_token(client, login, "author", scopes=("manuals:read",)))
    inbox_only = bearer(create_token(client, login, "author", scopes=("inbox:read",)))
    before = db.session.query(Manual).count()

    # A scope the token was not given.
    response = client.post(f"{API}/manuals", headers=reader, json={"title": "ก", "agency_id": _dopa_id()})
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["reason"] == "missing_scope" and "manuals:write" in error["message"]
    assert "manuals:write" in error["message_en"] and error["message"] != error["message_en"]
    assert client.get(f"{API}/manuals", headers=inbox_only).status_code == 403
    assert client.get(f"{API}/manuals", headers=reader).status_code == 200

    # Text with a NUL byte, a line break in a title, an unknown field, an id no column holds, not JSON.
    for body in ({"title": "คู่มือ\x00", "agency_id": _dopa_id()},
                 {"title": "คู่มือ\r\nแทรก", "agency_id": _dopa_id()},
                 {"title": "คู่มือ", "agency_id": _dopa_id(), "owner": "me"},
                 {"title": "คู่มือ", "agency_id": "9" * 20},
                 {"title": "   ", "agency_id": _dopa_id()},
                 {"title": "คู่มือ", "agency_id": _dopa_id(),
                  "content": {"steps": [{"title": "ยื่น", "duration": "นาน"}]}}):
        response = client.post(f"{API}/manuals", headers=author, json=body)
        assert response.status_code == 422, (body, response.get_data(as_text=True))
        assert response.get_json()["error"]["fields"], body
    fields = client.post(f"{API}/manuals", headers=author, json={
        "title": "คู่มือ", "agency_id": _dopa_id(), "content": {"steps": [{"title": "ยื่น", "duration": "นาน"}]}}
    ).get_json()["error"]["fields"]
    assert list(fields) == ["content.steps.0.duration"]
    response = client.post(f"{API}/manuals", headers=author, data="title=x", content_type="text/plain")
    assert response.status_code == 400 and response.get_json()["error"]["reason"] == "not_json"

    # Another department's agency: the author may not write there.
    other = db.session.scalar(select(Agency.id).where(Agency.code == "nakhon_nont"))
    assert client.post(f"{API}/manuals", headers=author, json={"title": "ก", "agency_id": other}).status_code == 403

    # Ids beyond a column, and manuals out of sight: 404.
    assert client.get(f"{API}/manuals/{'9' * 20}", headers=reader).status_code == 404
    assert client.get(f"{API}/manuals/2147483648", headers=reader).status_code == 404
    assert client.get(f"{API}/manuals?per_page=abc&page={'9' * 20}", headers=reader).status_code == 200
    assert client.get(f"{API}/manuals?q=%00", headers=reader).status_code in (200, 422)
    db.session.expire_all()
    assert db.session.query(Manual).count() == before

    # An incomplete draft cannot be submitted: the missing parts are named.
    manual_id = client.post(f"{API}/manuals", headers=author, json={"title": "ยังไม่ครบ", "agency_id": _dopa_id()}
                            ).get_json()["id"]
    response = client.post(f"{API}/manuals/{manual_id}/draft/submit", headers=author, json={})
    assert response.status_code == 422 and any(k.startswith("content.") for k in response.get_json()["error"]["fields"])
    assert client.get(f"{API}/manuals/{manual_id}", headers=reader).get_json()["status"] == "draft"


def test_a_manual_created_with_content_holds_it_in_its_first_draft_at_once(client, login, demo):
    from app.core.workflow import AuditEvent
    from app.manuals.models import ManualRevision, ManualUserGroup
    from app.org.models import CatalogueEntry, Tag

    group = CatalogueEntry(kind="user_group", code="api-elderly", name_th="ผู้สูงอายุ (API)", active=True)
    db.session.add(group)
    db.session.commit()
    author = bearer(create_token(client, login, "author", scopes=("manuals:write",)))
    content = complete_content("ยื่นที่เขต") | {"user_group_ids": [group.id], "tags": ["งานวัด API"]}
    response = client.post(f"{API}/manuals", headers=author, json={
        "title": "  การขออนุญาตจัดงานวัด API ", "agency_id": _dopa_id(), "content": content,
        "change_note": " ฉบับแรก "})
    assert response.status_code == 201, response.get_data(as_text=True)
    manual_id = response.get_json()["id"]
    db.session.expire_all()
    (draft,) = db.session.scalars(select(ManualRevision).where(ManualRevision.manual_id == manual_id)).all()
    assert (draft.number, draft.status, draft.title, draft.change_note) == (
        1, "draft", "การขออนุญาตจัดงานวัด API", "ฉบับแรก")
    assert draft.content["criteria"] == "ยื่นที่เขต" and draft.content["user_group_ids"] == [group.id]
    assert db.session.scalars(select(ManualUserGroup.user_group_id).where(
        ManualUserGroup.manual_id == manual_id)).all() == [group.id]
    assert db.session.scalar(select(Tag.id).where(Tag.name == "งานวัด API")) is not None  # offered to the next author
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "manual",
                                                         AuditEvent.object_id == manual_id)
                                .order_by(AuditEvent.id)).all()
    assert [event.action for event in events] == ["manual.created", "revision.draft_created"]
    assert {"criteria", "user_group_ids", "tags"} <= set(events[1].after["changed"])


def test_a_returned_revisions_task_page_reads_it_once(client, login, demo, count_queries):
    """The revise task's page shows the returned revision and its form starts from the author's draft of it: the
    returned revision is read once for the page."""
    author, manual_id, task = _returned(client, login, "คู่มือนับการอ่านเมื่อส่งกลับ")
    assert client.post(f"{API}/manuals/{manual_id}/revisions", headers=author).status_code == 201
    revise_id = db.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == task["instance_id"],
                                                             HumanTask.status == TaskStatus.open))
    login("author")
    db.session.expunge_all()  # as a server's new request starts
    with count_queries() as sent:
        page = client.get(f"/tasks/{revise_id}")
    assert page.status_code == 200 and "เพิ่มค่าธรรมเนียม" in page.get_data(as_text=True)
    reads = [statement for statement in sent if re.search(r"WHERE manual_revision\.instance_id = ", statement)]
    assert len(reads) == 1, reads
