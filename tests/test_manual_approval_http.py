"""The whole approval through HTTP, as people do it: both return loops, escalation, two people at once."""

from __future__ import annotations

from datetime import datetime

import time_machine
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent, HumanTask, Notification, TaskStatus
from tasks import jobs
from tests.helpers import manual_titled, open_task, revisions_of
from workflows.calendar import BANGKOK

TITLE = "การขอรับใบอนุญาตทดสอบ"


def _create_and_submit(client, login, demo):
    login("author")
    response = client.post("/manuals/new", data={"title": TITLE, "agency_id": demo.agency("dopa").id})
    assert response.status_code == 302
    manual = manual_titled(TITLE)
    response = client.post(f"/manuals/{manual.id}", data={"title": TITLE, "body": "ขั้นตอนที่ 1", "change_note": "แรก"})
    assert response.status_code == 302
    return manual


def _decide(client, task, **values):
    return client.post(f"/tasks/{task.id}", data=values)


def test_full_approval_with_both_return_loops(client, login, demo):
    manual = _create_and_submit(client, login, demo)
    assert "อยู่ระหว่างพิจารณา" in client.get(f"/manuals/{manual.id}").get_data(as_text=True)

    # step 1 returns with a required comment
    login("reviewer")
    task = open_task(manual)
    page = client.get("/tasks/").get_data(as_text=True)
    assert f'data-task-id="{task.id}"' in page
    response = _decide(client, task, decision="return", comment="")
    assert response.status_code == 422
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert open_task(manual).id == task.id  # nothing happened
    assert _decide(client, task, decision="return", comment="เพิ่มเอกสาร").status_code == 302

    # the author resubmits through the revise task (prefilled with the returned content)
    login("author")
    revise = open_task(manual)
    assert revise.spec_name == "revise"
    assert "ขั้นตอนที่ 1" in client.get(f"/tasks/{revise.id}").get_data(as_text=True)
    assert _decide(client, revise, title=TITLE, body="ขั้นตอนที่ 1 และเอกสาร", change_note="เพิ่มเอกสาร").status_code == 302

    login("reviewer")
    assert _decide(client, open_task(manual), decision="approve").status_code == 302

    # step 2 returns, the author revises, both approve
    login("opdc")
    assert _decide(client, open_task(manual), decision="return", comment="ระบุค่าธรรมเนียม").status_code == 302
    login("author")
    assert _decide(client, open_task(manual), title=TITLE, body="ฉบับสมบูรณ์").status_code == 302
    login("reviewer")
    assert _decide(client, open_task(manual), decision="approve").status_code == 302
    login("opdc")
    task = open_task(manual)
    assert _decide(client, task, decision="approve").status_code == 302

    db.session.expire_all()
    assert manual.status == "published"
    assert [r.status for r in revisions_of(manual)] == ["returned", "returned", "published"]
    assert manual.published_revision.body == "ฉบับสมบูรณ์"
    # the diagram shows the whole path done, and the history names who did what
    diagram = client.get(f"/instances/{task.instance_id}/diagram.json").get_json()
    for element in ("start", "review_agency", "review_opdc", "revise", "publish", "end_published"):
        assert diagram["states"][element] == "done", element
    assert "เจ้าหน้าที่รีวิวคู่มือ" in diagram["xml"]  # lanes are shown by role name, not key
    page = client.get(f"/instances/{task.instance_id}").get_data(as_text=True)
    assert "ระบุค่าธรรมเนียม" in page and 'data-status="complete"' in page


def test_returning_notifies_the_author(client, login, demo):
    manual = _create_and_submit(client, login, demo)
    login("reviewer")
    _decide(client, open_task(manual), decision="return", comment="แก้ไขขั้นตอน")
    author = demo.user("author")
    note = db.session.scalar(select(Notification).where(Notification.user_id == author.id,
                                                        Notification.subject.contains(TITLE)))
    assert TITLE in note.subject and note.body == "แก้ไขขั้นตอน"


def test_two_people_submitting_the_same_task(app, demo):
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        client.post("/login", data={"username": "reviewer", "password": demo.password})
    manual = manual_titled("การแจ้งย้ายที่อยู่")  # a demo manual waiting for step 1
    task = open_task(manual)
    assert first.get(f"/tasks/{task.id}").status_code == 200
    assert second.get(f"/tasks/{task.id}").status_code == 200
    assert _decide(first, task, decision="approve").status_code == 302
    response = second.post(f"/tasks/{task.id}", data={"decision": "return", "comment": "ช้าไป"}, follow_redirects=True)
    assert "มีผู้อื่นดำเนินการงานนี้เสร็จแล้ว" in response.get_data(as_text=True)
    completed = db.session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.instance_id == task.instance_id, HumanTask.status == TaskStatus.completed))
    assert completed == 1
    assert open_task(manual).spec_name == "review_opdc"


def test_escalation_reaches_the_departments_central_officers(app, client, login, demo):
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=BANGKOK), tick=False):
        manual = _create_and_submit(client, login, demo)
    with time_machine.travel(datetime(2026, 11, 30, 10, 0, tzinfo=BANGKOK), tick=False):
        jobs.fire_timers(app)
    central = demo.user("central")
    login("central")
    page = client.get("/notifications/").get_data(as_text=True)
    assert TITLE in page
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "review.escalated")) >= 1
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == central.id, Notification.subject.contains(TITLE))) == 1
    # the overdue task is highlighted in the reviewer's inbox
    login("reviewer")
    with time_machine.travel(datetime(2026, 11, 30, 10, 0, tzinfo=BANGKOK), tick=False):
        page = client.get("/tasks/").get_data(as_text=True)
    task = open_task(manual)
    assert f'class="overdue" data-task-id="{task.id}"' in page


def test_bad_input_on_the_revision_form_is_explained_and_nothing_is_saved(client, login, demo):
    login("author")
    manual = manual_titled("การขออนุญาตก่อสร้างอาคาร")  # belongs to the municipality: not this author's
    assert client.get(f"/manuals/{manual.id}").status_code == 404
    client.post("/manuals/new", data={"title": TITLE, "agency_id": demo.agency("dopa").id})
    manual = manual_titled(TITLE)
    response = client.post(f"/manuals/{manual.id}", data={"title": "", "body": ""})
    assert response.status_code == 422
    assert response.get_data(as_text=True).count("invalid-feedback") >= 2
    assert revisions_of(manual) == []


def test_submitting_again_from_a_stale_page_is_explained(client, login, demo):
    manual = _create_and_submit(client, login, demo)  # the author's other tab still shows the form
    response = client.post(f"/manuals/{manual.id}", data={"title": TITLE, "body": "อีกฉบับ"}, follow_redirects=True)
    assert response.status_code == 200
    assert "อยู่ระหว่างพิจารณาแล้ว" in response.get_data(as_text=True)
    assert len(revisions_of(manual)) == 1


def test_an_empty_resubmission_is_refused_and_the_task_stays(client, login, demo):
    manual = _create_and_submit(client, login, demo)
    login("reviewer")
    _decide(client, open_task(manual), decision="return", comment="เพิ่มเอกสาร")
    login("author")
    revise = open_task(manual)
    response = _decide(client, revise, title=TITLE, body="")
    assert response.status_code == 422
    assert 'id="body-errors"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert open_task(manual).id == revise.id
    assert len(revisions_of(manual)) == 1
