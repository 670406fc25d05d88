"""The whole approval through HTTP, as people do it: both return loops, escalation, two people at once."""

from __future__ import annotations

from datetime import datetime

import time_machine
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.workflow import AuditEvent, HumanTask, TaskStatus
from notifications.models import Notification
from tasks import jobs
from tests.helpers import draft_of, editor_post, manual_titled, open_task, revisions_of
from workflows.calendar import BANGKOK

TITLE = "การขอรับใบอนุญาตทดสอบ"


def _create_and_submit(client, login, demo, criteria="ขั้นตอนที่ 1"):
    login("author")
    response = client.post("/manuals/new", data={"title": TITLE, "agency_id": demo.agency("dopa").id})
    assert response.status_code == 302
    manual = manual_titled(TITLE)
    response = editor_post(client, manual, action="submit", criteria=criteria, change_note="แรก")
    assert response.status_code == 302, response.get_data(as_text=True)
    return manual


def _decide(client, task, **values):
    return client.post(f"/tasks/{task.id}", data=values)


def _answer_return(client, manual, criteria: str):
    """The author opens the editor from the revise task, corrects the draft and submits it."""
    revise = open_task(manual)
    assert revise.spec_name == "revise"
    page = client.get(f"/tasks/{revise.id}").get_data(as_text=True)
    assert 'id="return-comment"' in page
    # No draft yet: the task offers to start the correction (a draft copied from the returned revision) ...
    assert 'id="start-correction"' in page and 'id="open-correction"' not in page
    assert "เริ่มแก้ไขตามที่ส่งกลับ" in client.get(f"/manuals/{manual.id}").get_data(as_text=True)
    started = client.post(f"/manuals/{manual.id}/revisions")
    assert started.headers["Location"].endswith(f"/manuals/{manual.id}/draft")  # ... straight into the editor
    # ... after which the task opens the editor on that draft.
    assert 'id="open-correction"' in client.get(f"/tasks/{revise.id}").get_data(as_text=True)
    return editor_post(client, manual, action="submit", criteria=criteria)


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

    # the author answers through the editor: the revise task shows the comment and the returned content
    login("author")
    revise = open_task(manual)
    page = client.get(f"/tasks/{revise.id}").get_data(as_text=True)
    assert "เพิ่มเอกสาร" in page and "ขั้นตอนที่ 1" in page
    assert _answer_return(client, manual, "ขั้นตอนที่ 1 และเอกสาร").status_code == 302
    assert open_task(manual).spec_name == "review_agency"

    login("reviewer")
    assert _decide(client, open_task(manual), decision="approve").status_code == 302

    # step 2 returns, the author revises, both approve
    login("opdc")
    assert _decide(client, open_task(manual), decision="return", comment="ระบุค่าธรรมเนียม").status_code == 302
    login("author")
    assert _answer_return(client, manual, "ฉบับสมบูรณ์").status_code == 302
    login("reviewer")
    assert _decide(client, open_task(manual), decision="approve").status_code == 302
    login("opdc")
    task = open_task(manual)
    assert _decide(client, task, decision="approve").status_code == 302

    db.session.expire_all()
    assert manual.status == "published"
    assert [r.status for r in revisions_of(manual)] == ["returned", "returned", "published"]
    assert manual.published_revision.content["criteria"] == "ฉบับสมบูรณ์"
    assert manual.published_revision.based_on_id == revisions_of(manual)[1].id
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
    # Everyone signs in on the day they act: a session signed on one day is not taken back to an earlier one.
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
        page = client.get("/tasks/").get_data(as_text=True)
    task = open_task(manual)
    assert f'class="overdue" data-task-id="{task.id}"' in page


def test_bad_input_in_the_editor_is_explained_and_nothing_is_saved(client, login, demo):
    login("author")
    manual = manual_titled("การขออนุญาตก่อสร้างอาคาร")  # belongs to the municipality: not this author's
    assert client.get(f"/manuals/{manual.id}").status_code == 404
    client.post("/manuals/new", data={"title": TITLE, "agency_id": demo.agency("dopa").id})
    manual = manual_titled(TITLE)
    before = draft_of(manual).row_version
    response = editor_post(client, manual, title="", **{"steps-0-duration": "สิบ", "fees-0-amount": "-5"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="title-errors"' in page and 'id="steps-0-duration-errors"' in page and 'id="fees-0-amount-errors"' in page
    db.session.expire_all()
    assert draft_of(manual).row_version == before and draft_of(manual).content == {}


def test_submitting_an_incomplete_draft_names_what_is_missing(client, login, demo):
    login("author")
    client.post("/manuals/new", data={"title": TITLE, "agency_id": demo.agency("dopa").id})
    manual = manual_titled(TITLE)
    response = editor_post(client, manual, action="submit", criteria="", **{
        "steps-0-title": "", "steps-0-description": "", "steps-0-duration": "", "steps-0-unit": "",
        "channels-0-place": "", "channels-0-hours": "", "fees-0-description": "", "fees-0-amount": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for section in ("steps", "channels", "fees"):
        assert f'id="{section}-errors"' in page
    assert 'id="criteria-errors"' in page
    db.session.expire_all()
    assert [r.status for r in revisions_of(manual)] == ["draft"] and open_task(manual) is None


def test_submitting_again_from_a_stale_page_is_explained(client, login, demo):
    manual = _create_and_submit(client, login, demo)  # the author's other tab still shows the editor
    response = editor_post(client, manual, action="submit", row_version="1", follow_redirects=True)
    assert response.status_code == 200
    assert "ไม่มีฉบับร่าง" in response.get_data(as_text=True)
    assert len(revisions_of(manual)) == 1


def test_answering_a_return_without_a_complete_draft_is_refused_and_the_task_stays(client, login, demo):
    manual = _create_and_submit(client, login, demo)
    login("reviewer")
    _decide(client, open_task(manual), decision="return", comment="เพิ่มเอกสาร")
    login("author")
    revise = open_task(manual)
    client.post(f"/manuals/{manual.id}/revisions")
    editor_post(client, manual, criteria="")  # saved, but not complete
    response = client.post(f"/tasks/{revise.id}", data={"revision_id": draft_of(manual).id}, follow_redirects=True)
    assert "ร่าง" in response.get_data(as_text=True)
    db.session.expire_all()
    assert open_task(manual).id == revise.id
    assert [r.status for r in revisions_of(manual)] == ["returned", "draft"]
    # completing the draft and submitting from the task page works too
    editor_post(client, manual, criteria="ครบแล้ว")
    assert client.post(f"/tasks/{revise.id}", data={"revision_id": draft_of(manual).id}).status_code == 302
    db.session.expire_all()
    assert [r.status for r in revisions_of(manual)] == ["returned", "in_review"]


def test_a_holiday_announced_during_a_review_moves_its_due_date_reminder_and_escalation(app, client, login, demo):
    # Submitted Mon 23 Nov 2026 09:00: reminder after 3 working days (Thu 26), escalation after 5 (Mon 30).
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=BANGKOK), tick=False):
        manual = _create_and_submit(client, login, demo)
        assert open_task(manual).due_at == datetime(2026, 11, 26, 9, 0, tzinfo=BANGKOK)
    with time_machine.travel(datetime(2026, 11, 24, 9, 0, tzinfo=BANGKOK), tick=False):
        login("admin")
        response = client.post("/admin/calendar/holidays", data={"day": "2026-11-25", "name_th": "วันหยุดพิเศษ"})
        assert response.status_code == 302
        # The task says the new day at once: Fri 27 (the reminder), and the escalation waits until Tue 1 Dec.
        assert open_task(manual).due_at == datetime(2026, 11, 27, 9, 0, tzinfo=BANGKOK)
    with time_machine.travel(datetime(2026, 11, 30, 10, 0, tzinfo=BANGKOK), tick=False):
        jobs.fire_timers(app)
        # this review's own escalation (the demo's reviews, submitted on another day, escalate on their own dates)
        escalated = select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "review.escalated", AuditEvent.instance_id == open_task(manual).instance_id)
        assert db.session.scalar(escalated) == 0
    with time_machine.travel(datetime(2026, 12, 1, 9, 1, tzinfo=BANGKOK), tick=False):
        jobs.fire_timers(app)
        assert db.session.scalar(escalated) == 1
