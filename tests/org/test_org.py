"""Agencies and structure through HTTP: the tree in scope, profiles, service points, moving a subtree, display status."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.services import accounts
from app.core.extensions import db
from app.core.workflow import AuditEvent, HumanTask, ProcessInstance, TaskStatus
from app.org.models import Agency
from app.org.services import agencies


def _officer_of(agency, username="lg_central", role="central_officer"):
    user = accounts.create_user(username, "เจ้าหน้าที่ส่วนกลางเทศบาล", "secret-pass")
    accounts.grant(user, agency.id, role)
    db.session.commit()
    return user


def _tree_ids(page: str, agencies_: list) -> set[int]:
    return {a.id for a in agencies_ if f'data-agency-id="{a.id}"' in page}


def test_the_tree_shows_the_users_scope(client, login, demo):
    every = list(db.session.scalars(select(Agency)))
    login("central")
    page = client.get("/agencies/").get_data(as_text=True)
    dopa_subtree = {a.id for a in every if a.path.startswith(demo.agency("dopa").path)}
    assert _tree_ids(page, every) == dopa_subtree
    assert "กรมการปกครอง" in page and "เทศบาลนครนนทบุรี" not in page
    login("spoint")
    assert _tree_ids(client.get("/agencies/").get_data(as_text=True), every) == {demo.agency("sp_muang").id}
    login("admin")
    assert _tree_ids(client.get("/agencies/").get_data(as_text=True), every) == {a.id for a in every}


def test_the_tree_page_does_not_grow_in_queries(client, login, demo, count_queries):
    login("central")
    client.get("/agencies/")
    with count_queries() as few:
        assert client.get("/agencies/").status_code == 200
    bora = demo.agency("bora")
    for number in range(15):
        agencies.create(kind="service_point", name_th=f"จุดบริการที่ {number}", parent=bora)
    db.session.commit()
    with count_queries() as many:
        page = client.get("/agencies/").get_data(as_text=True)
    assert "จุดบริการที่ 14" in page
    assert len(many) == len(few)


def test_profile_is_validated_next_to_each_field_and_nothing_is_half_saved(client, login, demo):
    point = demo.agency("sp_pakkret")
    login("central")
    response = client.post(f"/agencies/{point.id}/profile", data={
        "row_version": point.row_version, "phone": "02-111-2222", "postcode": "1100", "email": "not-an-address",
        "website": "www.example", "latitude": "95", "longitude": "100.5"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in ("รหัสไปรษณีย์มีห้าหลัก", "กรอกอีเมล เช่น", "ขึ้นต้นด้วย https://", "ละติจูดต้องอยู่ระหว่าง -90 ถึง 90"):
        assert message in page
    response = client.post(f"/agencies/{point.id}/profile", data={"row_version": point.row_version,
                                                                 "latitude": "13.9", "longitude": ""})
    assert "ทั้งละติจูดและลองจิจูด" in response.get_data(as_text=True)
    response = client.post(f"/agencies/{point.id}/profile", data={"row_version": point.row_version,
                                                                 "latitude": "nan", "longitude": "inf"})
    assert response.status_code == 422 and "กรอกค่าองศาแบบทศนิยม" in response.get_data(as_text=True)
    db.session.expire_all()
    assert point.phone == "02-583-7447"  # the demo's value: nothing of the refused forms was saved


def test_profile_edit_is_saved_audited_and_refused_outside_scope(client, login, demo):
    point = demo.agency("sp_muang")
    login("spoint")  # a service-point officer keeps their own profile
    response = client.post(f"/agencies/{point.id}/profile", data={
        "row_version": point.row_version, "address": "ถนนรัตนาธิเบศร์", "province": "นนทบุรี", "district": "เมือง",
        "postcode": "11000", "phone": "02-589-0481 ต่อ 12", "email": "muang@dopa.go.th",
        "website": "https://muang.example.go.th", "opening_hours": "จันทร์–ศุกร์", "latitude": "13.86",
        "longitude": "100.51"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (point.email, point.latitude, point.longitude) == ("muang@dopa.go.th", 13.86, 100.51)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "agency.profile_updated"))
    assert event.object_id == point.id and event.after["email"] == "muang@dopa.go.th"
    assert "email" in event.before
    other = demo.agency("sp_pakkret")
    assert client.get(f"/agencies/{other.id}").status_code == 404
    assert client.post(f"/agencies/{other.id}/profile", data={"row_version": other.row_version,
                                                              "phone": "0"}).status_code == 404
    # a central officer of another local government sees nothing of the department
    _officer_of(demo.agency("nakhon_nont"))
    login("lg_central")
    assert client.get(f"/agencies/{point.id}/profile").status_code == 404
    assert client.post(f"/agencies/{demo.agency('dopa').id}/service-points/new",
                       data={"name_th": "แอบเพิ่ม"}).status_code == 404
    assert db.session.scalar(select(Agency).where(Agency.name_th == "แอบเพิ่ม")) is None


def test_two_officers_editing_one_profile(app, demo):
    point = demo.agency("sp_pakkret")
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        client.post("/login", data={"username": "central", "password": demo.password})
        assert client.get(f"/agencies/{point.id}/profile").status_code == 200
    version = point.row_version
    assert first.post(f"/agencies/{point.id}/profile", data={"row_version": version, "phone": "02-000-0001"}
                      ).status_code == 302
    response = second.post(f"/agencies/{point.id}/profile", data={"row_version": version, "phone": "02-000-0002"})
    assert response.status_code == 409
    assert "มีผู้อื่นแก้ไขหน่วยงานนี้ในเวลาเดียวกัน" in response.get_data(as_text=True)
    db.session.expire_all()
    assert point.phone == "02-000-0001"


def test_service_points_are_added_and_shown_or_hidden_by_central_officers(client, login, demo):
    bora = demo.agency("bora")
    login("spoint")
    assert client.get(f"/agencies/{demo.agency('sp_muang').id}/service-points/new").status_code == 403
    login("central")
    response = client.post(f"/agencies/{bora.id}/service-points/new", data={"name_th": ""})
    assert response.status_code == 422 and "กรอกชื่อภาษาไทย" in response.get_data(as_text=True)
    response = client.post(f"/agencies/{bora.id}/service-points/new", data={"name_th": "ศูนย์บริการร่วม",
                                                                          "name_en": "One-stop centre"})
    assert response.status_code == 302
    point = db.session.scalar(select(Agency).where(Agency.name_th == "ศูนย์บริการร่วม"))
    assert point.kind == "service_point" and point.path == f"{bora.path}{point.id}/" and point.depth == bora.depth + 1
    assert "ศูนย์บริการร่วม" in client.get("/agencies/").get_data(as_text=True)

    assert client.post(f"/agencies/{point.id}/visibility", data={"visible": "0"}).status_code == 302
    db.session.expire_all()
    assert point.publicly_visible is False
    assert "ซ่อน" in client.get(f"/agencies/{point.id}").get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_id == point.id,
                                                             AuditEvent.action == "agency.hidden"))
    muang = demo.agency("sp_muang")
    login("spoint")  # keeps the profile, but the display status is the central officer's
    page = client.post(f"/agencies/{muang.id}/visibility", data={"visible": "0"}, follow_redirects=True)
    assert "ไม่มีสิทธิ์ดำเนินการนี้" in page.get_data(as_text=True)
    db.session.expire_all()
    assert muang.publicly_visible is True


def _open_work_at(agency) -> tuple[ProcessInstance, HumanTask, HumanTask]:
    """An instance with one open and one finished task at the agency (a stand-in for a service point's own work)."""
    spec_key = db.session.scalar(select(ProcessInstance.spec_key))
    instance = ProcessInstance(spec_key=spec_key, process_id="test", title="งานของจุดบริการ", business_type="test",
                               business_id=1, agency_id=agency.id, agency_path=agency.path, state="{}",
                               serializer_version="1", status="waiting")
    db.session.add(instance)
    db.session.flush()
    tasks = []
    for guid, status in (("00000000-0000-0000-0000-0000000000a1", TaskStatus.open),
                         ("00000000-0000-0000-0000-0000000000a2", TaskStatus.completed)):
        task = HumanTask(instance_id=instance.id, task_guid=guid, spec_name="report", process_id="test",
                         title="รายงาน", subject="งาน", role="service_point_officer", agency_id=agency.id,
                         agency_path=agency.path, status=status)
        db.session.add(task)
        tasks.append(task)
    db.session.commit()
    return instance, tasks[0], tasks[1]


def test_moving_a_division_moves_its_subtree_and_open_work(client, login, demo):
    dopa, bora = demo.agency("dopa"), demo.agency("bora")
    regional = agencies.create(kind="division", name_th="สำนักงานทะเบียนภาค", parent=dopa)
    point = agencies.create(kind="service_point", name_th="จุดบริการทะเบียน", parent=bora)
    db.session.commit()
    instance, open_task, done_task = _open_work_at(point)
    old_task_path = done_task.agency_path

    login("central")
    assert client.get(f"/agencies/{bora.id}/move").status_code == 200
    response = client.post(f"/agencies/{bora.id}/move", data={"parent_id": regional.id, "row_version": bora.row_version})
    assert response.status_code == 302
    db.session.expire_all()
    assert bora.parent_id == regional.id and bora.path == f"{regional.path}{bora.id}/" and bora.depth == 3
    assert point.path == f"{regional.path}{bora.id}/{point.id}/" and point.depth == 4
    assert instance.agency_path == point.path and open_task.agency_path == point.path
    assert done_task.agency_path == old_task_path  # finished work keeps the place where it was done
    moved = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "agency.moved"))
    assert moved.before["parent_id"] == dopa.id and moved.after["parent_id"] == regional.id

    # the service-point officer of the moved point still finds the open task through their scope
    from app.accounts.services import policy
    officer = _officer_of(point, "new_spoint", "service_point_officer")
    assert db.session.scalar(select(func.count()).select_from(HumanTask).where(
        policy.task_candidates_clause(policy.scope_of(officer)), HumanTask.status == TaskStatus.open)) == 1

    # not under itself or its own units; the message sits next to the field
    response = client.post(f"/agencies/{regional.id}/move", data={"parent_id": bora.id,
                                                                 "row_version": regional.row_version})
    assert response.status_code == 422
    assert "ไม่สามารถย้ายไปอยู่ภายใต้ตัวเองหรือหน่วยงานในสังกัดของตัวเองได้" in response.get_data(as_text=True)
    db.session.expire_all()
    assert regional.parent_id == dopa.id


def test_moves_are_refused_outside_scope_and_on_stale_pages(client, login, demo):
    point = demo.agency("sp_muang")
    login("central")
    # a place outside the department is not offered, and posting it anyway changes nothing
    page = client.get(f"/agencies/{point.id}/move").get_data(as_text=True)
    assert "เทศบาลนครนนทบุรี" not in page
    response = client.post(f"/agencies/{point.id}/move", data={"parent_id": demo.agency("nakhon_nont").id,
                                                              "row_version": point.row_version})
    assert response.status_code == 422
    assert "ย้ายได้เฉพาะไปยังหน่วยงานในความรับผิดชอบของคุณ" in response.get_data(as_text=True)
    # a department itself is not moved
    assert client.get(f"/agencies/{demo.agency('dopa').id}/move").status_code == 404
    # a page opened before someone else changed the service point
    stale = point.row_version
    client.post(f"/agencies/{point.id}/profile", data={"row_version": stale, "phone": "02-1"})
    response = client.post(f"/agencies/{point.id}/move", data={"parent_id": demo.agency("bora").id,
                                                              "row_version": stale}, follow_redirects=True)
    assert "มีผู้อื่นแก้ไขหน่วยงานนี้ในเวลาเดียวกัน" in response.get_data(as_text=True)
    db.session.expire_all()
    assert point.parent_id == demo.agency("dopa").id
    _officer_of(demo.agency("nakhon_nont"))
    login("lg_central")
    assert client.post(f"/agencies/{point.id}/move", data={"parent_id": demo.agency("nakhon_nont").id,
                                                          "row_version": point.row_version}).status_code == 404


def test_the_structure_pages_speak_thai_and_english(client, login, demo):
    point = demo.agency("sp_muang")
    login("admin")
    pages = ["/agencies/", f"/agencies/{point.id}", f"/agencies/{point.id}/profile", f"/agencies/{point.id}/move",
             f"/agencies/{demo.agency('bora').id}/service-points/new", "/admin/catalogue/",
             "/admin/catalogue/tag-list", "/other-services/", "/other-services/new"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="th">' in response.get_data(as_text=True)
    assert "หน่วยงานและโครงสร้าง" in client.get("/agencies/").get_data(as_text=True)
    client.get("/lang/en")
    assert "Services provided here" in client.get(f"/agencies/{point.id}").get_data(as_text=True)
    assert "Mueang Nonthaburi District Office" in client.get("/agencies/").get_data(as_text=True)


def test_a_save_racing_another_commit_is_refused_not_overwritten(app, demo):
    """The page's version matched when read, but another officer committed before this flush."""
    import pytest
    from sqlalchemy import update

    from app.org.services import org

    point = demo.agency("sp_pakkret")
    seen_version = point.row_version
    with db.engine.begin() as other_connection:  # the other officer's transaction
        other_connection.execute(update(Agency).where(Agency.id == point.id)
                                 .values(phone="02-999-9999", row_version=Agency.row_version + 1))
    with pytest.raises(org.AgencyChangedMeanwhile):
        org.update_profile(demo.user("central"), point.id, {"phone": "02-000-0000"}, expected_version=seen_version)
    db.session.rollback()
    assert db.session.get(Agency, point.id).phone == "02-999-9999"


def test_choices_that_create_something_start_empty(client, login, demo):
    """A link or a delay record is never made by a stray click on a list that had its first entry chosen."""
    login("central")
    page = client.get(f"/agencies/{demo.agency('sp_muang').id}").get_data(as_text=True)
    forms = page.split('name="target_id"')[1:]
    assert forms, "the service point offers something to link"
    for form in forms:
        select = form.split("</select>")[0]
        assert '<option value="" selected disabled>เลือก…</option>' in select
        assert select.count(" selected") == 1
    login("spoint")
    page = client.get(f"/delays/points/{demo.agency('sp_muang').id}/new").get_data(as_text=True)
    select = page.split('name="process_id"')[1].split("</select>")[0]
    assert select.count("<option") == 1 or '<option value="" selected disabled>เลือก…</option>' in select
