"""A manual's sample forms, processes, other services and agency links over the API: each one's life through the
API, a refusal, and hostile input answered with a 4xx that saves nothing."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.core.extensions import db
from app.manuals.models import ManualAttachment, OtherService, Process
from tests.inbox.test_api import API, bearer, conforms, create_token
from tests.manuals.test_manual_content import PDF, PNG


def _new_manual(client, headers, demo, title: str) -> int:
    response = client.post(f"{API}/manuals", headers=headers, json={"title": title, "agency_id": demo.agency("dopa").id})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def test_sample_forms_are_attached_checked_and_removed(client, login, demo):
    document = client.get(f"{API}/openapi.json").get_json()
    author = bearer(create_token(client, login, "author", scopes=("manuals:write",)))
    reader = bearer(create_token(client, login, "author", scopes=("manuals:read",)))
    manual_id = _new_manual(client, author, demo, "คู่มือที่มีแบบฟอร์ม")
    url = f"{API}/manuals/{manual_id}/draft/attachments"

    response = client.post(url, headers=author, data={"label": "แบบคำขอ", "file": (io.BytesIO(PDF), "form.pdf")})
    assert response.status_code == 201, response.get_data(as_text=True)
    conforms(document, "Attachment", response.get_json())
    assert response.get_json()["content_type"] == "application/pdf"
    listed = client.get(f"{API}/manuals/{manual_id}/attachments", headers=reader).get_json()
    assert [item["label"] for item in listed["items"]] == ["แบบคำขอ"]

    # The type is read from the content; a read-only token may not attach; a label with a line break is refused.
    refused = client.post(url, headers=author, data={"label": "ปลอม", "file": (io.BytesIO(b"MZ" + PNG), "x.png")})
    assert refused.status_code == 422 and refused.get_json()["error"]["fields"]["file"]
    error = refused.get_json()["error"]
    assert error["message"] != error["message_en"]
    assert client.post(url, headers=reader, data={"label": "ก", "file": (io.BytesIO(PNG), "a.png")}).status_code == 403
    assert client.post(url, headers=author, data={"label": "ก\r\nข", "file": (io.BytesIO(PNG), "a.png")}
                       ).status_code == 422
    assert client.post(url, headers=author, json={"label": "ก"}).status_code == 400
    no_label = client.post(url, headers=author, data={"file": (io.BytesIO(PNG), "a.png")})
    assert no_label.status_code == 422 and list(no_label.get_json()["error"]["fields"]) == ["label"]
    assert db.session.query(ManualAttachment).count() == 1

    attachment_id = listed["items"][0]["id"]
    assert client.post(f"{url}/{'9' * 20}/delete", headers=author).status_code == 404
    response = client.post(f"{url}/{attachment_id}/delete", headers=author)
    assert response.status_code == 200 and response.get_json()["items"] == []


def test_a_process_is_created_changed_and_deactivated(client, login, demo):
    central = bearer(create_token(client, login, "central", scopes=("manuals:write",)))
    reader = bearer(create_token(client, login, "central", scopes=("manuals:read",)))
    values = {"name_th": "การขออนุญาตตั้งโรงงาน", "agency_id": demo.agency("dopa").id, "service_type": "licence",
              "legal_time_limit_days": 30}
    assert client.post(f"{API}/processes", headers=reader, json=values).status_code == 403
    for hostile in ({"name_th": "โรงงาน\x00"}, {"agency_id": "9" * 20}, {"legal_time_limit_days": 99999},
                    {"service_type": "everything"}, {"category_id": 2**31 - 1}):
        response = client.post(f"{API}/processes", headers=central, json=values | hostile)
        assert response.status_code == 422, (hostile, response.get_data(as_text=True))
    assert db.session.scalar(select(Process).where(Process.name_th == values["name_th"])) is None

    response = client.post(f"{API}/processes", headers=central, json=values)
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    response = client.put(f"{API}/processes/{created['id']}/details", headers=central,
                          json=values | {"legal_time_limit_days": 45, "lock_version": created["lock_version"]})
    assert response.status_code == 200 and response.get_json()["legal_time_limit_days"] == 45
    stale = client.put(f"{API}/processes/{created['id']}/details", headers=central,
                       json=values | {"lock_version": created["lock_version"]})
    assert stale.status_code == 409
    response = client.post(f"{API}/processes/{created['id']}/active", headers=central, json={"active": False})
    assert response.status_code == 200 and response.get_json()["active"] is False
    names = [p["name_th"] for p in client.get(f"{API}/processes?inactive=true&name=โรงงาน",
                                              headers=reader).get_json()["items"]]
    assert names == ["การขออนุญาตตั้งโรงงาน"]
    assert client.get(f"{API}/processes/{'9' * 20}", headers=reader).status_code == 404


def test_an_other_service_is_drafted_published_and_hidden(client, login, demo):
    central = bearer(create_token(client, login, "central", scopes=("manuals:write",)))
    response = client.post(f"{API}/other-services", headers=central, json={
        "agency_id": demo.agency("dopa").id, "title": "บริการให้คำปรึกษา", "content": {"criteria": "นัดล่วงหน้า"}})
    assert response.status_code == 201, response.get_data(as_text=True)
    service = response.get_json()
    assert service["status"] == "draft"
    bad = client.put(f"{API}/other-services/{service['id']}/content", headers=central, json={
        "title": "บริการ", "content": {"fees": [{"description": "ค่าธรรมเนียม", "amount": "แพง"}]}})
    assert bad.status_code == 422 and any(k.startswith("content.fees") for k in bad.get_json()["error"]["fields"])
    response = client.put(f"{API}/other-services/{service['id']}/content", headers=central, json={
        "title": "บริการให้คำปรึกษากฎหมาย", "publish": True, "row_version": service["row_version"]})
    assert response.status_code == 200 and response.get_json()["status"] == "published"
    response = client.post(f"{API}/other-services/{service['id']}/status", headers=central,
                           json={"status": "hidden"})
    assert response.status_code == 200 and response.get_json()["status"] == "hidden"

    author = bearer(create_token(client, login, "author", scopes=("manuals:write",)))
    refused = client.post(f"{API}/other-services/{service['id']}/status", headers=author,
                          json={"status": "published"})
    assert refused.status_code == 403  # only a central officer shows a hidden service again
    db.session.expire_all()
    assert db.session.get(OtherService, service["id"]).status == "hidden"


def test_a_service_is_linked_to_a_service_point_and_unlinked(client, login, demo):
    central = bearer(create_token(client, login, "central", scopes=("manuals:write",)))
    reader = bearer(create_token(client, login, "central", scopes=("manuals:read",)))
    point = demo.agency("sp_muang")
    process_id = db.session.scalar(select(Process.id).where(Process.agency_id == demo.agency("dopa").id))
    url = f"{API}/agencies/{point.id}/links"

    assert client.post(url, headers=reader, json={"kind": "process", "target_id": process_id}).status_code == 403
    assert client.post(url, headers=central, json={"kind": "process", "target_id": "1" * 20}).status_code == 422
    response = client.post(url, headers=central, json={"kind": "process", "target_id": process_id})
    assert response.status_code == 201, response.get_data(as_text=True)
    linked = next(item for item in response.get_json()["items"] if item["kind"] == "process")
    again = client.post(url, headers=central, json={"kind": "process", "target_id": process_id})
    assert again.status_code == 409 and again.get_json()["error"]["message_en"]
    response = client.post(f"{url}/{linked['link_id']}/delete", headers=central)
    assert response.status_code == 200
    assert all(item["kind"] != "process" or item["id"] != process_id for item in response.get_json()["items"])
