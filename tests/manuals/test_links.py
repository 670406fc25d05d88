"""Linking processes, manuals and other services to the agencies and service points that provide them."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.manuals.models import Manual, OtherService, Process, ServiceLink
from app.manuals.services import links


def _process(name_th: str) -> Process:
    return db.session.scalar(select(Process).where(Process.name_th == name_th))


def _manual(title: str) -> Manual:
    return db.session.scalar(select(Manual).where(Manual.title == title))


def _other_service(demo, title="บริการให้คำปรึกษาด้านทะเบียน", agency="dopa", status="published"):
    service = OtherService(agency_id=demo.agency(agency).id, title=title, content={}, status=status)
    db.session.add(service)
    db.session.commit()
    return service


def _link(client, agency, kind, target_id, **kwargs):
    return client.post(f"/agencies/{agency.id}/links", data={"kind": kind, "target_id": target_id}, **kwargs)


def test_link_list_and_unlink_on_the_service_point_page(client, login, demo):
    point = demo.agency("sp_muang")
    process = _process("การแจ้งย้ายที่อยู่")
    manual = _manual("การขอมีบัตรประจำตัวประชาชน")
    service = _other_service(demo)
    login("central")
    page = client.get(f"/agencies/{point.id}").get_data(as_text=True)
    assert "ยังไม่มีบริการที่เชื่อมโยง" in page and "เชื่อมโยงคู่มือ" in page
    for kind, target in (("process", process.id), ("manual", manual.id), ("other_service", service.id)):
        assert _link(client, point, kind, target).status_code == 302
    page = client.get(f"/agencies/{point.id}").get_data(as_text=True)
    assert f'data-link="process-{process.id}"' in page and f'data-link="manual-{manual.id}"' in page
    assert f'data-link="other_service-{service.id}"' in page
    through_process = _manual("การแจ้งย้ายที่อยู่")  # its manual shows through the linked process
    assert through_process.process_id == process.id and f'data-link="manual-{through_process.id}"' in page
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "link.added")) == 3

    # linking twice says so and adds nothing
    response = _link(client, point, "manual", manual.id, follow_redirects=True)
    assert "บริการนี้เชื่อมโยงกับหน่วยงานนี้อยู่แล้ว" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ServiceLink)) == 3

    link_id = db.session.scalar(select(ServiceLink.id).where(ServiceLink.manual_id == manual.id))
    assert client.post(f"/agencies/{point.id}/links/{link_id}/delete").status_code == 302
    assert f'data-link="manual-{manual.id}"' not in client.get(f"/agencies/{point.id}").get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent.before).where(AuditEvent.action == "link.removed")) == {
        "kind": "manual", "target_id": manual.id}


def test_only_the_owning_departments_services_and_only_in_scope(client, login, demo):
    point = demo.agency("sp_muang")
    foreign = _manual("การขออนุญาตก่อสร้างอาคาร")  # the municipality's
    login("central")
    response = _link(client, point, "manual", foreign.id, follow_redirects=True)
    assert "เชื่อมโยงได้เฉพาะบริการของกรม" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ServiceLink)) == 0
    assert "การขออนุญาตก่อสร้างอาคาร" not in client.get(f"/agencies/{point.id}").get_data(as_text=True)
    login("spoint")  # sees the page of their service point, but linking is the central officer's
    assert client.get(f"/agencies/{point.id}").status_code == 200
    assert _link(client, point, "manual", _manual("การขอมีบัตรประจำตัวประชาชน").id).status_code == 403
    login("lg_author")
    assert _link(client, point, "manual", foreign.id).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(ServiceLink)) == 0


def test_for_agency_uses_a_fixed_number_of_queries(app, demo, count_queries):
    point = demo.agency("sp_pakkret")
    point_id = point.id
    central = demo.user("central")
    links.link(central, point.id, "process", _process("การขอมีบัตรประจำตัวประชาชน").id)
    links.link(central, point.id, "other_service", _other_service(demo, "บริการหนึ่ง").id)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as few:
        result = links.for_agency(point_id)
    assert [p.name_th for p in result.processes] == ["การขอมีบัตรประจำตัวประชาชน"]
    assert [m.title for m in result.manuals] == ["การขอมีบัตรประจำตัวประชาชน"]
    for title in ("การแจ้งย้ายที่อยู่", "การขอเปลี่ยนชื่อตัว ชื่อสกุล", "การขอคัดสำเนาทะเบียนบ้าน"):
        links.link(central, point.id, "process", _process(title).id)
        links.link(central, point.id, "manual", _manual(title).id)
    for number in range(5):
        links.link(central, point.id, "other_service", _other_service(demo, f"บริการที่ {number}").id)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        result = links.for_agency(point_id)
        titles = [(m.title, m.agency.name_th) for m in result.manuals] + [s.agency.name_th for s in result.other_services]
    assert len(result.processes) == 4 and len(result.manuals) == 4 and len(result.other_services) == 6
    assert titles and len(many) == len(few) <= 4


def test_the_public_view_keeps_only_what_citizens_may_see(app, demo):
    point = demo.agency("sp_pakkret")
    central = demo.user("central")
    for title in ("การขอมีบัตรประจำตัวประชาชน", "การแจ้งย้ายที่อยู่"):  # published, and still in review
        links.link(central, point.id, "manual", _manual(title).id)
    links.link(central, point.id, "other_service", _other_service(demo, "ร่าง", status="draft").id)
    links.link(central, point.id, "other_service", _other_service(demo, "เผยแพร่แล้ว").id)
    db.session.commit()
    everything = links.for_agency(point.id)
    public = links.for_agency(point.id, public_only=True)
    assert len(everything.manuals) == 2 and len(everything.other_services) == 2
    assert [m.title for m in public.manuals] == ["การขอมีบัตรประจำตัวประชาชน"]
    assert [s.title for s in public.other_services] == ["เผยแพร่แล้ว"]
