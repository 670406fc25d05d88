"""The service catalogue lists and tags: administrators keep them, every officer gets tag suggestions."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.manuals.models import OtherService
from app.org.models import CatalogueEntry, Tag
from app.org.services import catalogue, catalogue_defaults


def _entry(name_th: str) -> CatalogueEntry:
    return db.session.scalar(select(CatalogueEntry).where(CatalogueEntry.name_th == name_th))


def test_the_default_lists_load_once(app, demo):
    count = db.session.scalar(select(func.count()).select_from(CatalogueEntry))
    assert count > 20
    assert catalogue_defaults.seed_defaults() == 0  # the demo already loaded them
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CatalogueEntry)) == count
    labels = dict(catalogue.choices("category"))
    assert "ทะเบียนราษฎร์และบัตร › บัตรประจำตัวประชาชน" in labels.values()
    assert "ผู้สูงอายุ" in dict(catalogue.choices("user_group")).values()


def test_only_administrators_manage_the_lists(client, login, demo):
    login("central")
    assert client.get("/admin/catalogue/").status_code == 403
    assert client.post("/admin/catalogue/entries", data={"kind": "category", "name_th": "ใหม่"}).status_code == 403
    assert _entry("ใหม่") is None
    login("admin")
    page = client.get("/admin/catalogue/?kind=user_group").get_data(as_text=True)
    assert "ชาวต่างชาติ" in page and "กลุ่มผู้ใช้บริการ" in page


def test_add_rename_reorder_and_deactivate(client, login, demo):
    login("admin")
    parent = _entry("ภาษี")
    response = client.post("/admin/catalogue/entries", data={"kind": "category", "name_th": "ภาษีป้าย",
                                                             "name_en": "Signboard tax", "parent_id": parent.id})
    assert response.status_code == 302
    sub = _entry("ภาษีป้าย")
    assert sub.parent_id == parent.id and sub.kind == "category"
    assert "ภาษี › ภาษีป้าย" in dict(catalogue.choices("category")).values()
    # what a manual's pages show: the same labels, in either language
    assert catalogue.labels()[sub.id] == "ภาษี › ภาษีป้าย"
    assert catalogue.labels("en")[sub.id] == f"{parent.name_en or parent.name_th} › Signboard tax"

    # a Thai name is required, and the message sits next to the field
    response = client.post("/admin/catalogue/entries", data={"kind": "category", "name_th": "  ", "parent_id": 0})
    assert response.status_code == 422
    assert "กรอกชื่อภาษาไทย" in response.get_data(as_text=True)

    response = client.post(f"/admin/catalogue/entries/{sub.id}", data={"name_th": "ภาษีป้ายโฆษณา", "name_en": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert sub.name_th == "ภาษีป้ายโฆษณา" and sub.name_en is None

    second = _entry("การศึกษา")
    before = [entry.id for entry, _subs in catalogue.tree("category")]
    client.post(f"/admin/catalogue/entries/{second.id}/move", data={"direction": "up"})
    db.session.expire_all()
    after = [entry.id for entry, _subs in catalogue.tree("category")]
    index = before.index(second.id)
    assert after[index - 1] == second.id and after[index] == before[index - 1]

    client.post(f"/admin/catalogue/entries/{sub.id}/active", data={"active": "0"})
    db.session.expire_all()
    assert sub.active is False and db.session.get(CatalogueEntry, sub.id) is not None
    assert sub.id not in dict(catalogue.choices("category"))
    assert sub.id not in catalogue.labels()
    assert catalogue.labels("en") == {entry_id: label for kind in catalogue.LISTS
                                      for entry_id, label in catalogue.choices(kind, "en")}
    assert "ภาษีป้ายโฆษณา" in client.get("/admin/catalogue/").get_data(as_text=True)  # still listed, inactive
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "catalogue_entry")))
    assert {"catalogue.entry_added", "catalogue.entry_renamed", "catalogue.entry_moved",
            "catalogue.entry_deactivated"} <= actions


def test_tag_suggestions_prefix_first_at_most_ten(client, login, demo):
    catalogue.remember_tags(["บัตรประชาชน", "ทำบัตร", "บัตรหาย", "  บัตรประชาชน ", "ทะเบียนบ้าน"]
                            + [f"บัตร{i:02d}" for i in range(12)])
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Tag).where(Tag.name == "บัตรประชาชน")) == 1
    login("spoint")  # any signed-in officer
    tags = client.get("/admin/catalogue/tags?q=บัตร").get_json()["tags"]
    assert len(tags) == 10 and all(tag.startswith("บัตร") for tag in tags)
    tags = client.get("/admin/catalogue/tags?q=ทำบ").get_json()["tags"]
    assert tags == ["ทำบัตร"]
    assert client.get("/admin/catalogue/tags?q=ประชา").get_json()["tags"] == ["บัตรประชาชน"]  # substring
    assert client.get("/admin/catalogue/tags?q=").get_json() == {"tags": []}
    client.post("/logout")
    assert client.get("/admin/catalogue/tags?q=บัตร").status_code == 302  # to the sign-in page


def test_remembering_a_tag_twice_at_once_does_not_fail(app, demo):
    demo_tags = set(db.session.scalars(select(Tag.name)))  # the demo manuals' own
    catalogue.remember_tags(["ฉุกเฉิน"])
    db.session.execute(Tag.__table__.insert().values(name="พร้อมกัน", created_at=db.func.now()))
    catalogue.remember_tags(["พร้อมกัน", "ฉุกเฉิน", "ใหม่"])  # one was added by "someone else" meanwhile
    db.session.commit()
    assert set(db.session.scalars(select(Tag.name))) - demo_tags == {"ฉุกเฉิน", "พร้อมกัน", "ใหม่"}


def test_rename_and_merge_tags(client, login, demo):
    demo_tags = set(db.session.scalars(select(Tag.name)))  # the demo manuals' own
    catalogue.remember_tags(["บัตรประชาชน", "บัตรปชช", "สำเนา"])
    db.session.commit()
    short = db.session.scalar(select(Tag).where(Tag.name == "บัตรปชช"))
    login("author")
    assert client.get(f"/admin/catalogue/tag-list/{short.id}").status_code == 403
    login("admin")
    response = client.post(f"/admin/catalogue/tag-list/{short.id}",
                           data={"action": "rename", "rename-name": "บัตรประชาชน"})
    assert response.status_code == 422 and "มีป้ายคำ “บัตรประชาชน” อยู่แล้ว" in response.get_data(as_text=True)
    response = client.post(f"/admin/catalogue/tag-list/{short.id}", data={"action": "merge", "merge-target": "ไม่มี"})
    assert response.status_code == 422
    response = client.post(f"/admin/catalogue/tag-list/{short.id}",
                           data={"action": "merge", "merge-target": "บัตรประชาชน"})
    assert response.status_code == 302
    assert db.session.scalar(select(Tag).where(Tag.name == "บัตรปชช")) is None
    copy = db.session.scalar(select(Tag).where(Tag.name == "สำเนา"))
    response = client.post(f"/admin/catalogue/tag-list/{copy.id}", data={"action": "rename", "rename-name": "สำเนาเอกสาร"})
    assert response.status_code == 302
    assert set(db.session.scalars(select(Tag.name))) - demo_tags == {"บัตรประชาชน", "สำเนาเอกสาร"}
    assert "สำเนาเอกสาร" in client.get("/admin/catalogue/tag-list").get_data(as_text=True)


def test_merging_rewrites_the_tags_of_other_services(client, login, demo):
    login("author")
    response = client.post("/other-services/new", data={
        "agency_id": demo.agency("dopa").id, "title": "บริการรับเรื่องร้องทุกข์", "tags": "ร้องเรียน\nร้องทุกข์"})
    assert response.status_code == 302
    source = db.session.scalar(select(Tag).where(Tag.name == "ร้องทุกข์"))
    login("admin")
    client.post(f"/admin/catalogue/tag-list/{source.id}", data={"action": "merge", "merge-target": "ร้องเรียน"})
    service = db.session.scalar(select(OtherService))
    db.session.refresh(service)
    assert service.content["tags"] == ["ร้องเรียน"]
