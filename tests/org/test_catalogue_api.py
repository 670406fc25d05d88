"""The catalogue over the API: an administrator's token adds, renames, moves and deactivates an entry; a read-only
token and hostile input are refused, with nothing saved."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.extensions import db
from app.org.models import CatalogueEntry
from tests.inbox.test_api import API, bearer, create_token


def _count() -> int:
    return db.session.scalar(select(func.count(CatalogueEntry.id)))


def test_an_administrator_keeps_the_catalogue(client, login, demo):
    admin = bearer(create_token(client, login, "admin", scopes=("admin:write",)))
    reader = bearer(create_token(client, login, "admin", scopes=("admin:read",)))
    mains = client.get(f"{API}/catalogue?kind=category", headers=reader).get_json()["items"]
    parent = mains[0]
    before = _count()

    assert client.post(f"{API}/catalogue/entries", headers=reader,
                       json={"kind": "category", "name_th": "หมวดใหม่"}).status_code == 403
    for hostile in ({"kind": "category", "name_th": "หมวด\x00"}, {"kind": "category", "name_th": "ก\r\nข"},
                    {"kind": "planet", "name_th": "ดาว"}, {"kind": "category", "name_th": "ก" * 256},
                    {"kind": "category", "name_th": "หมวด", "parent_id": "9" * 20},
                    {"kind": "category", "name_th": "หมวด", "parent_id": parent["children"][0]["id"]}):
        response = client.post(f"{API}/catalogue/entries", headers=admin, json=hostile)
        assert response.status_code in (404, 422), (hostile, response.get_data(as_text=True))
    assert _count() == before

    response = client.post(f"{API}/catalogue/entries", headers=admin,
                           json={"kind": "category", "name_th": "ใบอนุญาตโรงงาน", "parent_id": parent["id"]})
    assert response.status_code == 201, response.get_data(as_text=True)
    entry = response.get_json()
    response = client.put(f"{API}/catalogue/entries/{entry['id']}/names", headers=admin,
                          json={"name_th": "ใบอนุญาตประกอบกิจการโรงงาน", "name_en": "Factory licences"})
    assert response.status_code == 200 and response.get_json()["name_en"] == "Factory licences"
    response = client.post(f"{API}/catalogue/entries/{entry['id']}/move", headers=admin, json={"direction": "up"})
    assert response.status_code == 200 and response.get_json()["position"] < entry["position"]
    response = client.post(f"{API}/catalogue/entries/{entry['id']}/active", headers=admin, json={"active": False})
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert client.post(f"{API}/catalogue/entries/{'9' * 20}/active", headers=admin,
                       json={"active": True}).status_code == 404


def test_an_administrator_renames_and_merges_tags_and_authors_get_suggestions(client, login, demo):
    from app.core.workflow import AuditEvent
    from app.org.models import Tag
    from app.org.services import catalogue

    catalogue.remember_tags(["บัตรประชาชน", "บัตรปชช", "สำเนา"])
    db.session.commit()
    short = db.session.scalar(select(Tag).where(Tag.name == "บัตรปชช"))
    admin = bearer(create_token(client, login, "admin", scopes=("admin:read", "admin:write")))
    author = bearer(create_token(client, login, "author", scopes=("manuals:read",)))

    suggested = client.get(f"{API}/catalogue/tag-suggestions", headers=author, query_string={"q": "บัตร"})
    assert suggested.status_code == 200 and {"บัตรประชาชน", "บัตรปชช"} <= set(suggested.get_json()["tags"])
    assert client.get(f"{API}/catalogue/tags", headers=author).status_code == 403
    listed = client.get(f"{API}/catalogue/tags", headers=admin, query_string={"q": "บัตร"}).get_json()
    assert {"บัตรประชาชน", "บัตรปชช"} <= {item["name"] for item in listed["items"]} and listed["page"] == 1

    clash = client.put(f"{API}/catalogue/tags/{short.id}/name", headers=admin, json={"name": "บัตรประชาชน"})
    assert clash.status_code == 409 and clash.get_json()["error"]["reason"] == "tag_name_taken"
    for hostile in ({"name": ""}, {"name": "ก" * 101}, {"name": "บัตร\x00"}, {"name": "บัตร\r\nปชช"}):
        assert client.put(f"{API}/catalogue/tags/{short.id}/name", headers=admin, json=hostile).status_code == 422
    assert client.put(f"{API}/catalogue/tags/{'9' * 20}/name", headers=admin, json={"name": "ก"}).status_code == 404
    unknown = client.post(f"{API}/catalogue/tags/{short.id}/merge", headers=admin, json={"target": "ไม่มี"})
    assert unknown.status_code == 422 and "target" in unknown.get_json()["error"]["fields"]
    merged = client.post(f"{API}/catalogue/tags/{short.id}/merge", headers=admin, json={"target": "บัตรประชาชน"})
    assert merged.status_code == 200 and merged.get_json()["name"] == "บัตรประชาชน"
    assert db.session.scalar(select(Tag).where(Tag.name == "บัตรปชช")) is None
    copy = db.session.scalar(select(Tag).where(Tag.name == "สำเนา"))
    renamed = client.put(f"{API}/catalogue/tags/{copy.id}/name", headers=admin, json={"name": "สำเนาเอกสาร"})
    assert renamed.status_code == 200 and renamed.get_json() == {"id": copy.id, "name": "สำเนาเอกสาร"}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action.in_(("tag.renamed", "tag.merged")))) == 2
