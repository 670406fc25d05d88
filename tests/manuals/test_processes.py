"""Processes (กระบวนงาน): central officers and authors keep their agency's list; others cannot touch it."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.manuals.models import Process
from tests.helpers import manual_titled


def _values(demo, **overrides) -> dict:
    return {"name_th": "การขออนุญาตตั้งโรงงาน", "name_en": "Factory permit", "agency_id": demo.agency("dopa").id,
            "service_type": "licence", "category_id": "0", "impact_level": "national", "service_area": "regional",
            "legal_basis": "พระราชบัญญัติโรงงาน พ.ศ. 2535", "legal_time_limit_days": "30"} | overrides


def _process(name: str) -> Process:
    return db.session.scalar(select(Process).where(Process.name_th == name))


def test_a_central_officer_creates_edits_and_deactivates_a_process(client, login, demo):
    login("central")
    response = client.post("/processes/new", data=_values(demo, legal_time_limit_days="-1", name_th=""))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="name_th-errors"' in page and "0 ถึง 3650" in page
    assert _process("การขออนุญาตตั้งโรงงาน") is None

    assert client.post("/processes/new", data=_values(demo)).status_code == 302
    process = _process("การขออนุญาตตั้งโรงงาน")
    assert (process.legal_time_limit_days, process.service_type, process.created_by_id) == (
        30, "licence", demo.user("central").id)
    response = client.post(f"/processes/{process.id}", data=_values(
        demo, legal_time_limit_days="45", lock_version=process.lock_version))
    assert response.status_code == 302
    db.session.expire_all()
    assert process.legal_time_limit_days == 45
    client.post(f"/processes/{process.id}/active", data={"active": "0", "lock_version": process.lock_version})
    db.session.expire_all()
    assert process.active is False
    assert "การขออนุญาตตั้งโรงงาน" not in client.get("/processes/").get_data(as_text=True)
    assert "การขออนุญาตตั้งโรงงาน" in client.get("/processes/?inactive=1").get_data(as_text=True)
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "process",
                                                                     AuditEvent.object_id == process.id)))
    assert actions == {"process.created", "process.updated", "process.deactivated"}


def test_a_stale_edit_is_refused_with_a_message(client, login, demo):
    login("central")
    process = _process("การแจ้งย้ายที่อยู่")
    seen = process.lock_version
    assert client.post(f"/processes/{process.id}", data=_values(
        demo, name_th="การแจ้งย้ายที่อยู่", legal_time_limit_days="2", lock_version=seen)).status_code == 302
    response = client.post(f"/processes/{process.id}", data=_values(
        demo, name_th="การแจ้งย้ายที่อยู่", legal_time_limit_days="9", lock_version=seen))
    assert response.status_code == 409
    assert "มีผู้อื่นแก้ไขกระบวนงานนี้ในเวลาเดียวกัน" in response.get_data(as_text=True)
    db.session.expire_all()
    assert process.legal_time_limit_days == 2


def test_people_outside_the_scope_or_without_the_role_are_refused(client, login, demo):
    building = _process("การขออนุญาตก่อสร้างอาคาร")  # the municipality's
    login("author")  # the department's author: another agency's process is not found
    assert client.get(f"/processes/{building.id}").status_code == 404
    assert "การขออนุญาตก่อสร้างอาคาร" not in client.get("/processes/").get_data(as_text=True)
    response = client.post("/processes/new", data=_values(demo, agency_id=demo.agency("nakhon_nont").id))
    assert response.status_code == 422  # not a department the author may choose
    login("reviewer")  # a reviewer does not keep processes
    assert client.get("/processes/").status_code == 403
    assert client.post("/processes/new", data=_values(demo)).status_code == 403
    assert client.post(f"/processes/{_process('การแจ้งย้ายที่อยู่').id}/active", data={"active": "0"}).status_code == 404


def test_a_manual_is_tied_to_a_process_when_created(client, login, demo):
    login("author")
    process = _process("การแจ้งย้ายที่อยู่")
    client.post("/manuals/new", data={"title": "คู่มือทดสอบกระบวนงาน", "agency_id": demo.agency("dopa").id,
                                      "process_id": process.id})
    manual = manual_titled("คู่มือทดสอบกระบวนงาน")
    assert manual.process_id == process.id
    assert 'id="manual-process"' in client.get(f"/manuals/{manual.id}").get_data(as_text=True)


def test_the_process_list_filters_and_pages_in_a_fixed_number_of_queries(client, login, demo, count_queries):
    login("central")
    page = client.get(f"/processes/?name=ย้าย&agency_id={demo.agency('dopa').id}").get_data(as_text=True)
    assert "การแจ้งย้ายที่อยู่" in page and "การขอมีบัตรประจำตัวประชาชน" not in page
    with count_queries() as few:
        client.get("/processes/")
    for number in range(25):
        client.post("/processes/new", data=_values(demo, name_th=f"กระบวนงานทดสอบ {number:02d}"))
    with count_queries() as many:
        page = client.get("/processes/").get_data(as_text=True)
    assert len(many) == len(few)
    assert page.count('<tr><td><a href="/processes/') == 20  # one page of rows
    assert "page=2" in page
