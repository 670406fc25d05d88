"""Who may see and do what: role × agency scope."""

from __future__ import annotations

from app.core.extensions import db
from tests.helpers import manual_titled, open_task, th


def test_an_author_cannot_approve(client, login, demo):
    task = open_task(manual_titled("การแจ้งย้ายที่อยู่"))
    login("author")
    assert client.get(f"/tasks/{task.id}").status_code == 404
    assert client.post(f"/tasks/{task.id}", data={"decision": "approve"}).status_code == 404
    assert client.post(f"/tasks/{task.id}/claim").status_code == 404
    assert f'data-task-id="{task.id}"' not in client.get("/tasks/").get_data(as_text=True)
    db.session.expire_all()
    assert open_task(manual_titled("การแจ้งย้ายที่อยู่")).id == task.id


def test_a_reviewer_of_another_agency_sees_nothing(client, login, demo):
    manual = manual_titled("การแจ้งย้ายที่อยู่")
    task = open_task(manual)
    login("lg_reviewer")
    assert f'data-task-id="{task.id}"' not in client.get("/tasks/").get_data(as_text=True)
    assert client.get(f"/tasks/{task.id}").status_code == 404
    assert client.get(f"/instances/{task.instance_id}").status_code == 404
    assert client.get(f"/instances/{task.instance_id}/diagram.json").status_code == 404
    assert client.get(f"/manuals/{manual.id}").status_code == 404
    assert "การแจ้งย้ายที่อยู่" not in client.get("/manuals/").get_data(as_text=True)


def test_opdc_sees_step_two_everywhere_but_not_step_one(client, login, demo):
    step_two = open_task(manual_titled("การขอเปลี่ยนชื่อตัว ชื่อสกุล"))
    step_one = open_task(manual_titled("การแจ้งย้ายที่อยู่"))
    login("opdc")
    page = client.get("/tasks/").get_data(as_text=True)
    assert f'data-task-id="{step_two.id}"' in page
    assert f'data-task-id="{step_one.id}"' not in page
    assert client.get(f"/tasks/{step_one.id}").status_code == 404
    assert client.get(f"/tasks/{step_two.id}").status_code == 200


def test_the_reviewer_of_the_owning_agency_sees_and_can_act(client, login, demo):
    task = open_task(manual_titled("การแจ้งย้ายที่อยู่"))
    login("reviewer")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="task-form"' in page


def test_a_claimed_task_can_only_be_completed_by_its_claimant(app, demo):
    task = open_task(manual_titled("การแจ้งย้ายที่อยู่"))
    from app.accounts.services import accounts
    from app.inbox.services import inbox
    from app.org.services import agencies

    colleague = accounts.create_user("reviewer2", "ผู้ตรวจคนที่สอง", "secret-pass")
    accounts.grant(colleague, demo.agency("dopa").id, "manual_reviewer")
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    first.post("/login", data={"username": "reviewer", "password": "secret-pass"})
    second.post("/login", data={"username": "reviewer2", "password": "secret-pass"})
    assert first.post(f"/tasks/{task.id}/claim").status_code == 302
    page = second.post(f"/tasks/{task.id}", data={"decision": "approve"}, follow_redirects=True).get_data(as_text=True)
    assert "ประเสริฐ" in page  # the claimant's name is given
    db.session.expire_all()
    assert open_task(manual_titled("การแจ้งย้ายที่อยู่")).spec_name == "review_agency"
    assert first.post(f"/tasks/{task.id}/unclaim").status_code == 302
    assert second.post(f"/tasks/{task.id}", data={"decision": "approve"}).status_code == 302
    assert agencies and inbox  # the services used above


def test_pages_need_sign_in(client, demo):
    for url in ("/tasks/", "/manuals/", "/notifications/", "/account/tokens"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_wrong_password_is_explained_in_thai(client, demo):
    response = client.post("/login", data={"username": "author", "password": "wrong"})
    assert response.status_code == 422
    assert "ไม่ถูกต้อง" in response.get_data(as_text=True)


def test_two_people_claiming_at_once_one_wins(app, demo):
    from sqlalchemy import select

    from app.accounts.services import accounts
    from app.core.workflow import HumanTask
    from app.inbox.services import inbox

    colleague = accounts.create_user("reviewer2", "ผู้ตรวจคนที่สอง", "secret-pass")
    accounts.grant(colleague, demo.agency("dopa").id, "manual_reviewer")
    db.session.commit()
    task = open_task(manual_titled("การแจ้งย้ายที่อยู่"))
    seen_version = task.row_version
    with db.engine.begin() as other:  # the colleague's claim lands between our read and our write
        other.execute(HumanTask.__table__.update().where(HumanTask.id == task.id)
                      .values(assignee_id=colleague.id, row_version=seen_version + 1))
    try:
        inbox.claim(demo.user("reviewer"), task)
        raise AssertionError("the second claim must not win")
    except inbox.TaskChangedMeanwhile:
        db.session.rollback()
    assert db.session.scalar(select(HumanTask.assignee_id).where(HumanTask.id == task.id)) == colleague.id


def test_sign_in_is_rate_limited(app, client, demo):
    from app.core.extensions import limiter

    limiter.reset()
    app.config["RATELIMIT_LOGIN"] = "10 per minute"  # the production default; the suite raises it
    try:
        codes = [client.post("/login", data={"username": "author", "password": "wrong"}).status_code
                 for _ in range(11)]
        page = client.post("/login", data={"username": "author", "password": "wrong"}).get_data(as_text=True)
    finally:
        app.config["RATELIMIT_LOGIN"] = "100000 per minute"
        limiter.reset()
    assert th("Too many attempts. Please wait a minute and try again.") in page
    assert codes[:10] == [422] * 10, codes
    assert codes[10] == 429, codes
