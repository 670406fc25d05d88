"""Other services (บริการอื่นๆ) through HTTP: published directly, audited, hidden by central officers, locked."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.manuals.models import OtherService

TITLE = "บริการให้คำปรึกษาด้านทะเบียนราษฎร"


def _form(demo, **overrides):
    data = {
        "agency_id": demo.agency("dopa").id, "title": TITLE, "summary": "ให้คำปรึกษาทางโทรศัพท์และที่สำนักงาน",
        "common_names": "ปรึกษาทะเบียน\nสอบถามทะเบียนบ้าน", "tags": "ทะเบียนราษฎร\nคำปรึกษา",
        "criteria": "ประชาชนทั่วไป", "channels-0-place": "สำนักบริหารการทะเบียน", "channels-0-hours": "08:30–16:30",
        "documents-0-name": "บัตรประจำตัวประชาชน", "documents-0-originals": "1", "no_fee": "y",
        "complaint_channels-0-channel": "โทรศัพท์", "complaint_channels-0-detail": "1548",
    }
    data.update(overrides)
    return data


def _service() -> OtherService:
    return db.session.scalar(select(OtherService).where(OtherService.title == TITLE))


def test_an_author_publishes_directly_and_every_change_is_audited(client, login, demo):
    login("author")
    response = client.post("/other-services/new", data=_form(demo, action="publish"))
    assert response.status_code == 302
    service = _service()
    assert service.status == "published" and service.published_at is not None
    assert service.content["channels"][0]["place"] == "สำนักบริหารการทะเบียน"
    assert service.content["no_fee"] is True and service.content["tags"] == ["ทะเบียนราษฎร", "คำปรึกษา"]
    page = client.get(f"/other-services/{service.id}").get_data(as_text=True)
    assert "ปรึกษาทะเบียน" in page and "1548" in page and 'data-status="published"' in page
    # the tags typed here are suggested to the next author
    assert client.get("/admin/catalogue/tags?q=คำปรึ").get_json()["tags"] == ["คำปรึกษา"]

    edit = client.get(f"/other-services/{service.id}/edit").get_data(as_text=True)
    assert "สอบถามทะเบียนบ้าน" in edit
    assert 'data-tag-suggestions="/admin/catalogue/tags"' in edit and "js/tag-suggestions.js" in edit
    response = client.post(f"/other-services/{service.id}/edit",
                           data=_form(demo, summary="ให้คำปรึกษาทุกช่องทาง", row_version=service.lock_version))
    assert response.status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "other_service.updated"))
    assert event.before == {"summary": "ให้คำปรึกษาทางโทรศัพท์และที่สำนักงาน"}
    assert event.after == {"summary": "ให้คำปรึกษาทุกช่องทาง"}
    assert db.session.scalar(select(AuditEvent.after).where(AuditEvent.action == "other_service.created"))["title"] == TITLE


def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(client, login, demo):
    login("author")
    response = client.post("/other-services/new", data=_form(demo, title=""))
    assert response.status_code == 422 and "กรอกชื่อบริการ" in response.get_data(as_text=True)
    response = client.post("/other-services/new", data=_form(demo, no_fee="", **{
        "fees-0-description": "ค่าคัดสำเนา", "fees-0-amount": "ห้าบาท", "documents-0-originals": "-1"}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "กรุณากรอกจำนวนเงินเป็นบาท" in page and "กรุณากรอกตัวเลขตั้งแต่ 0 ถึง 100" in page
    response = client.post("/other-services/new", data=_form(demo, **{"fees-0-description": "ค่าคัดสำเนา",
                                                                      "fees-0-amount": "20"}))
    assert response.status_code == 422  # "no fee" ticked and a fee listed
    assert db.session.scalar(select(func.count()).select_from(OtherService)) == 0
    response = client.post("/other-services/new", data=_form(demo, category_ids=["999999"]))
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(OtherService)) == 0


def test_the_central_officer_hides_and_only_they_show_it_again(client, login, demo):
    login("author")
    client.post("/other-services/new", data=_form(demo, action="publish"))
    service = _service()
    assert client.post(f"/other-services/{service.id}/status", data={"status": "hidden"},
                       follow_redirects=True).status_code == 200
    db.session.expire_all()
    assert service.status == "published"  # an author cannot hide it
    login("central")
    assert client.post(f"/other-services/{service.id}/status", data={"status": "hidden"}).status_code == 302
    db.session.expire_all()
    assert service.status == "hidden"
    assert db.session.scalar(select(AuditEvent.before).where(AuditEvent.action == "other_service.hidden")) == {
        "status": "published"}
    login("author")
    client.post(f"/other-services/{service.id}/status", data={"status": "published"})
    client.post(f"/other-services/{service.id}/edit", data=_form(demo, action="publish",
                                                                row_version=service.lock_version))
    db.session.expire_all()
    assert service.status == "hidden"  # editing does not bring it back either
    login("central")
    client.post(f"/other-services/{service.id}/status", data={"status": "published"})
    db.session.expire_all()
    assert service.status == "published"


def test_two_people_editing_one_service(app, demo):
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        client.post("/login", data={"username": "author", "password": demo.password})
    first.post("/other-services/new", data=_form(demo))
    service = _service()
    version = service.lock_version
    assert first.post(f"/other-services/{service.id}/edit",
                      data=_form(demo, summary="ฉบับของคนแรก", row_version=version)).status_code == 302
    response = second.post(f"/other-services/{service.id}/edit",
                           data=_form(demo, summary="ฉบับของคนที่สอง", row_version=version), follow_redirects=True)
    assert "มีผู้อื่นแก้ไขบริการนี้ในเวลาเดียวกัน" in response.get_data(as_text=True)
    db.session.expire_all()
    assert service.summary == "ฉบับของคนแรก"


def test_nobody_sees_or_changes_services_outside_their_scope(client, login, demo):
    login("author")
    client.post("/other-services/new", data=_form(demo, action="publish"))
    service = _service()
    login("lg_author")
    assert TITLE not in client.get("/other-services/").get_data(as_text=True)
    assert client.get(f"/other-services/{service.id}").status_code == 404
    assert client.post(f"/other-services/{service.id}/edit", data=_form(demo, summary="x")).status_code == 404
    response = client.post("/other-services/new", data=_form(demo, title="แอบสร้างในกรมอื่น"), follow_redirects=True)
    assert "ไม่มีสิทธิ์ดำเนินการนี้" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OtherService)) == 1
    login("reviewer")  # may read the department's services, not write them
    assert client.get(f"/other-services/{service.id}").status_code == 200
    assert client.get(f"/other-services/{service.id}/edit").status_code == 403
    assert client.get("/other-services/new").status_code == 403


def test_the_list_does_not_grow_in_queries(client, login, demo, count_queries):
    dopa = demo.agency("dopa")
    nakhon = demo.agency("nakhon_nont")

    def add(count, start):
        for number in range(start, start + count):
            db.session.add(OtherService(agency_id=(dopa if number % 2 else nakhon).id, title=f"บริการ {number}",
                                        content={}, status="published"))
        db.session.commit()

    add(2, 0)
    login("opdc")
    client.get("/other-services/")
    with count_queries() as few:
        assert client.get("/other-services/").status_code == 200
    add(16, 2)
    with count_queries() as many:
        page = client.get("/other-services/").get_data(as_text=True)
    assert "บริการ 17" in page and "เทศบาลนครนนทบุรี" in page
    assert len(many) == len(few)
