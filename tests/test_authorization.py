"""Who may see and do what: role × agency scope."""

from __future__ import annotations

from app.extensions import db
from tests.helpers import manual_titled, open_task


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
    from app.services import accounts, agencies, inbox

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
