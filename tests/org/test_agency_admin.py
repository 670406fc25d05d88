"""The administrators' agency tree through HTTP: creating agencies under the tree's rules, moving a department,
merging one agency into another, closing one, and issuing OPDC-officer and administrator tokens; refused for
everyone else, with hostile input and two administrators at once. Uploading many from a CSV file:
``test_agency_upload.py``."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import Membership, RoleToken
from app.accounts.services import accounts, policy
from app.core.extensions import db
from app.core.workflow import AuditEvent, HumanTask, ProcessInstance, TaskStatus
from app.manuals.models import Manual, Process, ServiceLink
from app.org.models import Agency
from app.org.services import agencies

ADMIN_PAGES = ("/agencies/admin/", "/agencies/admin/new", "/agencies/admin/upload")


def _by_code(code: str) -> Agency | None:
    db.session.expire_all()
    return db.session.scalar(select(Agency).where(Agency.code == code))


def _audits(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _new(client, **values):
    return client.post("/agencies/admin/new", data=values)


def _page(response) -> str:
    return response.get_data(as_text=True)


# --- who may ---------------------------------------------------------------------------------------------------


def test_only_administrators_reach_the_agency_administration(client, login, demo):
    dopa = demo.agency("dopa")
    for username in ("central", "opdc", "author", "spoint", "hd_super"):
        login(username)
        for url in (*ADMIN_PAGES, f"/agencies/admin/{dopa.id}/merge", f"/agencies/admin/{dopa.id}/close"):
            assert client.get(url).status_code == 403, (username, url)
        assert _new(client, kind="ministry", parent_id="top", name_th="กระทรวงแอบสร้าง").status_code == 403
        assert client.post(f"/agencies/admin/{dopa.id}/close", data={"row_version": dopa.row_version}
                           ).status_code == 403
        assert "จัดการหน่วยงาน" not in _page(client.get("/agencies/"))  # no menu entry either
    assert _by_code("dopa").closed_at is None
    assert db.session.scalar(select(func.count()).select_from(Agency).where(Agency.name_th == "กระทรวงแอบสร้าง")) == 0
    client.post("/logout", data={})
    assert client.get("/agencies/admin/").status_code == 302  # signed out: to the sign-in page


# --- creating ----------------------------------------------------------------------------------------------


def test_an_administrator_creates_a_ministry_and_a_department_under_it(client, login, demo):
    login("admin")
    page = _page(client.get("/agencies/admin/new"))
    assert "เพิ่มหน่วยงาน" in page and "ระดับบนสุดของโครงสร้าง" in page
    response = _new(client, kind="ministry", parent_id="top", name_th="กระทรวงการอุดมศึกษา วิทยาศาสตร์ วิจัยและนวัตกรรม",
                    name_en="Ministry of Higher Education", code="mhesi")
    assert response.status_code == 302
    ministry = _by_code("mhesi")
    assert ministry.parent_id is None and ministry.depth == 0 and ministry.path == f"/{ministry.id}/"
    response = _new(client, kind="department", parent_id=str(ministry.id), name_th="กรมวิทยาศาสตร์บริการ",
                    code="dss", province="กรุงเทพมหานคร", postcode="10400", letter_prefix="อว 0601")
    assert response.status_code == 302
    department = _by_code("dss")
    assert department.parent_id == ministry.id and department.path == f"{ministry.path}{department.id}/"
    assert (department.province, department.postcode, department.letter_prefix) == ("กรุงเทพมหานคร", "10400", "อว 0601")
    created = _audits("agency.created")
    assert [event.object_id for event in created] == [ministry.id, department.id]
    assert created[1].actor_id == demo.user("admin").id and created[1].after["parent_id"] == ministry.id
    assert "กรมวิทยาศาสตร์บริการ" in _page(client.get("/agencies/admin/"))
    # a central officer of the new department can be given a token for it at once
    issued = client.post("/admin/tokens", data={"role": "central_officer", "agency_id": department.id})
    assert issued.status_code == 302


def test_the_tree_rules_and_bad_input_are_refused_in_thai_with_nothing_saved(client, login, demo):
    login("admin")
    before = db.session.scalar(select(func.count(Agency.id)))
    point, dopa = demo.agency("sp_muang"), demo.agency("dopa")
    cases = [
        (dict(kind="department", parent_id="top", name_th="กรมลอย"), "หน่วยงานประเภทกรมอยู่ระดับบนสุดของโครงสร้างไม่ได้"),
        (dict(kind="division", parent_id=str(point.id), name_th="กองในจุดบริการ"), "หน่วยงานประเภทสำนัก/กองอยู่ภายใต้จุดให้บริการไม่ได้"),
        (dict(kind="ministry", parent_id=str(dopa.id), name_th="กระทรวงใต้กรม"), "หน่วยงานประเภทกระทรวงอยู่ภายใต้กรมไม่ได้"),
        (dict(kind="department", parent_id=str(demo.agency("moi").id), name_th="กรมซ้ำ", code="dopa"),
         "รหัส dopa มีหน่วยงานอื่นใช้อยู่แล้ว"),
        (dict(kind="spaceship", parent_id="top", name_th="ยาน"), "ไม่มีประเภทหน่วยงาน"),
        (dict(kind="department", parent_id="99999999999999999999", name_th="กรมไกล"), "เลือกจากรายการ"),
        (dict(kind="department", parent_id="2147483647", name_th="กรมไม่มีจริง"), "ไม่พบหน่วยงานนั้น"),
        (dict(kind="ministry", parent_id="top", name_th="กระทรวง\r\nสองบรรทัด"), "อักขระควบคุม"),
        (dict(kind="ministry", parent_id="top", name_th="กระทรวง\x00"), "อักขระควบคุม"),
        (dict(kind="ministry", parent_id="top", name_th="ก" * 256), "255"),
        (dict(kind="ministry", parent_id="top", name_th="กระทรวงใหม่", code="มีไทย"), "ตัวอักษรอังกฤษ"),
        (dict(kind="ministry", parent_id="top", name_th="กระทรวงใหม่", postcode="๑๐๔๐"), "รหัสไปรษณีย์มีห้าหลัก"),
        (dict(kind="", parent_id="", name_th=""), "เลือกประเภทหน่วยงาน"),
    ]
    for values, message in cases:
        response = _new(client, **values)
        assert response.status_code == 422, (values, response.status_code)
        assert message in _page(response), (values, message)
    assert db.session.scalar(select(func.count(Agency.id))) == before
    assert client.get("/agencies/admin/99999999999999999999/merge").status_code == 404
    assert client.get("/agencies/admin/2147483647/close").status_code == 404


def test_an_administrator_moves_a_department_to_another_ministry(client, login, demo):
    dopa, mof, point = demo.agency("dopa"), demo.agency("mof"), demo.agency("sp_muang")
    login("admin")
    page = _page(client.get(f"/agencies/{dopa.id}/move"))
    assert "กระทรวงการคลัง" in page and "กรมบัญชีกลาง" not in page  # only where a department may sit
    refused = client.post(f"/agencies/{dopa.id}/move", data={"parent_id": demo.agency("cgd").id,
                                                             "row_version": dopa.row_version})
    assert refused.status_code == 422 and "หน่วยงานประเภทนี้อยู่ภายใต้หน่วยงานนั้นไม่ได้" in _page(refused)
    response = client.post(f"/agencies/{dopa.id}/move", data={"parent_id": mof.id, "row_version": dopa.row_version})
    assert response.status_code == 302
    db.session.expire_all()
    assert dopa.parent_id == mof.id and point.path == f"{mof.path}{dopa.id}/{point.id}/"
    assert _audits("agency.moved")[-1].actor_id == demo.user("admin").id
    # a ministry stays at the top
    assert client.get(f"/agencies/{mof.id}/move").status_code == 404


# --- merging ---------------------------------------------------------------------------------------------------


def test_merging_hands_everything_to_the_survivor_and_keeps_the_merged_agency_for_history(client, login, demo):
    dopa, moi, bora, point = demo.agency("dopa"), demo.agency("moi"), demo.agency("bora"), demo.agency("sp_muang")
    survivor = agencies.create(kind="department", name_th="กรมการปกครองใหม่", code="dopa_new", parent=moi)
    db.session.flush()
    # someone who already works at both keeps one membership
    both = accounts.create_user("both", "ทำงานสองกรม", "secret-pass")
    accounts.grant(both, dopa.id, "manual_author")
    accounts.grant(both, survivor.id, "manual_author")
    db.session.commit()
    manuals_before = db.session.scalar(select(func.count(Manual.id)).where(Manual.agency_id == dopa.id))
    processes_before = db.session.scalar(select(func.count(Process.id)).where(Process.agency_id == dopa.id))
    links_before = db.session.scalar(select(func.count(ServiceLink.id)).where(ServiceLink.agency_id == dopa.id))
    open_before = db.session.scalar(select(func.count(ProcessInstance.id)).where(
        ProcessInstance.agency_id == dopa.id, ProcessInstance.status.in_(("running", "waiting"))))
    assert manuals_before and processes_before

    login("admin")
    page = _page(client.get(f"/agencies/admin/{dopa.id}/merge"))
    assert "กรมการปกครองใหม่" in page and "กรมบัญชีกลาง" in page and "สำนักบริหารการทะเบียน" not in page
    response = client.post(f"/agencies/admin/{dopa.id}/merge", data={"survivor_id": survivor.id,
                                                                     "row_version": dopa.row_version})
    assert response.status_code == 302, _page(response)[:2000]
    db.session.expire_all()
    assert dopa.closed_at is not None and dopa.merged_into_id == survivor.id and not dopa.publicly_visible
    assert bora.parent_id == survivor.id and bora.path == f"{survivor.path}{bora.id}/"
    assert point.path == f"{survivor.path}{point.id}/"
    assert db.session.scalar(select(func.count(Manual.id)).where(Manual.agency_id == survivor.id)) == manuals_before
    assert db.session.scalar(select(func.count(Process.id)).where(Process.agency_id == survivor.id)) == processes_before
    assert db.session.scalar(select(func.count(ServiceLink.id)).where(ServiceLink.agency_id == survivor.id)) \
        == links_before
    assert db.session.scalar(select(func.count(ProcessInstance.id)).where(
        ProcessInstance.agency_id == survivor.id, ProcessInstance.agency_path == survivor.path)) >= open_before
    assert db.session.scalar(select(func.count(HumanTask.id)).where(
        HumanTask.agency_path == dopa.path, HumanTask.status == TaskStatus.open)) == 0
    # the people work at the survivor now; the one already there keeps one active membership
    author = demo.user("author")
    assert {m.agency_id for m in author.memberships} == {survivor.id}
    assert policy.can_author_manual(author, agency_path=survivor.path)
    rows = db.session.execute(select(Membership.agency_id, Membership.active).where(
        Membership.user_id == both.id)).all()
    assert sorted(rows) == sorted([(dopa.id, False), (survivor.id, True)])
    merged = _audits("agency.merged")[-1]
    assert merged.object_id == dopa.id and merged.after["merged_into_id"] == survivor.id
    assert merged.after["moved"]["units"] == 3 and merged.after["moved"]["manual"] == manuals_before
    # the merged agency is closed: shown as such, and never offered again
    assert "ปิดเมื่อ" in _page(client.get(f"/agencies/{dopa.id}"))
    assert f'value="{dopa.id}"' not in _page(client.get("/agencies/admin/new"))
    assert f'value="{dopa.id}"' not in _page(client.get("/admin/tokens"))
    again = client.post(f"/agencies/admin/{survivor.id}/merge", data={"survivor_id": dopa.id,
                                                                      "row_version": survivor.row_version})
    assert again.status_code == 422 and "ปิดไปแล้ว" in _page(again)


def test_a_merge_is_into_another_open_agency_of_the_same_kind(client, login, demo):
    dopa, cgd = demo.agency("dopa"), demo.agency("cgd")
    office = agencies.create(kind="office", name_th="สำนักงานทดลอง", code="trial_office")
    unit = agencies.create(kind="division", name_th="กองทดลอง", parent=office)
    db.session.commit()
    login("admin")
    inside = agencies.create(kind="office", name_th="สำนักงานย่อย", parent=demo.agency("moi"))
    db.session.commit()
    response = client.post(f"/agencies/admin/{dopa.id}/merge", data={"survivor_id": dopa.id,
                                                                     "row_version": dopa.row_version})
    assert response.status_code == 422 and "เลือกหน่วยงานอื่นที่จะรวมเข้าไป" in _page(response)
    # an office into another office: its division follows
    response = client.post(f"/agencies/admin/{office.id}/merge", data={"survivor_id": inside.id,
                                                                       "row_version": office.row_version})
    assert response.status_code == 302
    db.session.expire_all()
    assert unit.parent_id == inside.id
    ministry_merge = client.post(f"/agencies/admin/{cgd.id}/merge", data={"survivor_id": demo.agency("moi").id,
                                                                          "row_version": cgd.row_version})
    assert ministry_merge.status_code == 422 and "เลือกหน่วยงานประเภทเดียวกัน (กรม)" in _page(ministry_merge)
    db.session.expire_all()
    assert cgd.closed_at is None


def test_two_administrators_at_once(app, demo):
    moi = demo.agency("moi")
    first_dept = agencies.create(kind="department", name_th="กรมที่หนึ่ง", code="d_one", parent=moi)
    second_dept = agencies.create(kind="department", name_th="กรมที่สอง", code="d_two", parent=moi)
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        client.post("/login", data={"username": "admin", "password": demo.password})
        assert client.get(f"/agencies/admin/{first_dept.id}/merge").status_code == 200
    seen_one, seen_two = first_dept.row_version, second_dept.row_version
    # crossing merges: one into two, and (on a page read before) two into one
    assert first.post(f"/agencies/admin/{first_dept.id}/merge", data={"survivor_id": second_dept.id,
                                                                      "row_version": seen_one}).status_code == 302
    response = second.post(f"/agencies/admin/{second_dept.id}/merge", data={"survivor_id": first_dept.id,
                                                                            "row_version": seen_two},
                           follow_redirects=True)
    assert "ปิดไปแล้ว" in _page(response) or "มีผู้อื่นแก้ไขหน่วยงานนี้ในเวลาเดียวกัน" in _page(response)
    # closing what the other administrator merged meanwhile
    response = second.post(f"/agencies/admin/{first_dept.id}/close", data={"row_version": seen_one},
                           follow_redirects=True)
    assert "มีผู้อื่นแก้ไขหน่วยงานนี้ในเวลาเดียวกัน" in _page(response)
    db.session.expire_all()
    assert first_dept.closed_at is not None and first_dept.merged_into_id == second_dept.id
    assert second_dept.closed_at is None
    assert len(_audits("agency.merged")) == 1 and not _audits("agency.closed")
    # the same code, twice
    assert first.post("/agencies/admin/new", data={"kind": "ministry", "parent_id": "top", "name_th": "กระทรวงก",
                                                   "code": "same"}).status_code == 302
    response = second.post("/agencies/admin/new", data={"kind": "ministry", "parent_id": "top",
                                                        "name_th": "กระทรวงข", "code": "same"})
    assert response.status_code == 422 and "รหัส same มีหน่วยงานอื่นใช้อยู่แล้ว" in _page(response)


def test_a_child_created_under_a_parent_closed_meanwhile_is_refused(app, demo):
    """The parent's version is taken when a child is placed under it: the close committed first wins."""
    import pytest
    from sqlalchemy import update

    from app.org.services import agency_admin, org

    moi = demo.agency("moi")
    parent = agencies.create(kind="department", name_th="กรมจะปิด", parent=moi)
    db.session.commit()
    db.session.get(Agency, parent.id)  # read by this administrator
    with db.engine.begin() as other:  # another administrator closes it
        other.execute(update(Agency).where(Agency.id == parent.id).values(row_version=Agency.row_version + 1))
    with pytest.raises(org.AgencyChangedMeanwhile):
        agency_admin.create(demo.user("admin"), kind="division", name_th="กองใหม่", parent_id=parent.id)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Agency.id)).where(Agency.name_th == "กองใหม่")) == 0


# --- closing ---------------------------------------------------------------------------------------------------


def test_closing_is_refused_while_something_is_open_and_done_when_nothing_is(client, login, demo):
    dopa = demo.agency("dopa")
    login("admin")
    page = _page(client.get(f"/agencies/admin/{dopa.id}/close"))
    assert "ยังปิดไม่ได้" in page and "หน่วยงานในสังกัดที่ยังเปิดอยู่" in page and "คู่มือ" in page
    response = client.post(f"/agencies/admin/{dopa.id}/close", data={"row_version": dopa.row_version})
    assert response.status_code == 422
    assert "ปิดกรมการปกครองไม่ได้ เพราะยังมี" in _page(response)
    db.session.expire_all()
    assert dopa.closed_at is None and not _audits("agency.closed")

    empty = agencies.create(kind="division", name_th="กองที่ยุบ", parent=dopa)
    db.session.commit()
    response = client.post(f"/agencies/admin/{empty.id}/close", data={"row_version": empty.row_version})
    assert response.status_code == 302
    db.session.expire_all()
    assert empty.closed_at is not None and not empty.publicly_visible
    closed = _audits("agency.closed")
    assert [event.object_id for event in closed] == [empty.id] and closed[0].actor_id == demo.user("admin").id
    # nothing is placed under a closed agency, by the form or by a central officer
    response = _new(client, kind="service_point", parent_id=str(empty.id), name_th="จุดใต้กองที่ยุบ")
    assert response.status_code == 422 and "ปิดแล้ว" in _page(response)
    login("central")
    response = client.post(f"/agencies/{empty.id}/service-points/new", data={"name_th": "จุดใต้กองที่ยุบ"},
                           follow_redirects=True)
    assert "ปิดแล้ว" in _page(response)
    assert db.session.scalar(select(func.count(Agency.id)).where(Agency.name_th == "จุดใต้กองที่ยุบ")) == 0


# --- the list --------------------------------------------------------------------------------------------------


def test_the_administration_list_does_not_grow_in_queries(client, login, demo, count_queries):
    login("admin")
    client.get("/agencies/admin/")
    with count_queries() as few:
        assert client.get("/agencies/admin/").status_code == 200
    moi = demo.agency("moi")
    for number in range(30):
        agencies.create(kind="department", name_th=f"กรมทดสอบที่ {number}", parent=moi)
    db.session.commit()
    with count_queries() as many:
        page = _page(client.get("/agencies/admin/"))
    assert "กรมทดสอบที่ 29" in page
    assert len(many) == len(few)
    found = _page(client.get("/agencies/admin/", query_string={"q": "ทดสอบที่ 7"}))
    assert "กรมทดสอบที่ 7" in found and "กรมการปกครอง" not in found
    assert client.get("/agencies/admin/", query_string={"page": "99999999999999999999", "q": "\x00"}
                      ).status_code == 200


# --- tokens for OPDC officers and administrators ---------------------------------------------------------------


def test_an_administrator_issues_opdc_and_administrator_tokens_from_the_screen(client, login, demo):
    opdc, dga, dopa = demo.agency("opdc"), demo.agency("dga"), demo.agency("dopa")
    login("admin")
    page = _page(client.get("/admin/tokens"))
    assert 'value="opdc_officer"' in page and 'value="admin"' in page
    response = client.post("/admin/tokens", data={"role": "opdc_officer", "agency_id": dopa.id})
    assert response.status_code == 422 and "ออกให้ได้เฉพาะหน่วยงานประเภทสำนักงาน" in _page(response)
    for role, agency in (("opdc_officer", opdc), ("admin", dga)):
        assert client.post("/admin/tokens", data={"role": role, "agency_id": agency.id}).status_code == 302
        token = db.session.scalar(select(RoleToken).where(RoleToken.role == role))
        assert token.agency_id == agency.id and token.issued_by_id == demo.user("admin").id
        plain = _page(client.get("/admin/tokens")).split('id="new-token"')[1].split(">")[1].split("<")[0].strip()
        issued = [e for e in _audits("role_token.issued") if e.object_id == token.id]
        assert issued and issued[0].after["role"] == role
        newcomer = accounts.create_user(f"new_{role}", "ผู้มาใหม่", "secret-pass")
        db.session.commit()
        login(newcomer.username)
        assert client.post("/welcome/token", data={"token": plain}).status_code == 302
        db.session.expire_all()
        assert policy.scopes(newcomer, {role}) == {role: [policy.EVERYWHERE]}
        login("admin")
    # nobody else issues them
    for username in ("central", "opdc"):
        login(username)
        assert client.post("/admin/tokens", data={"role": "admin", "agency_id": dga.id}).status_code == 403
