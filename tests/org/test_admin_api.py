"""The agency tree's administration over the API: only an administrator's token gets the admin scopes; it creates,
moves, merges and closes agencies under the tree's rules, audited, and hostile input saves nothing."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.org.models import Agency
from tests.inbox.test_api import API, bearer, conforms, create_token


def _count() -> int:
    return db.session.scalar(select(func.count(Agency.id)))


def test_only_an_administrator_may_give_a_token_the_admin_scopes(client, login, demo):
    login("central")
    page = client.get("/account/tokens").get_data(as_text=True)
    assert 'value="admin:write"' not in page
    response = client.post("/account/tokens", data={"name": "แอบ", "scopes": ["admin:write"]})
    assert response.status_code == 422
    login("admin")
    assert 'value="admin:write"' in client.get("/account/tokens").get_data(as_text=True)
    client.post("/logout", data={})
    # every other scope does not reach the administration
    everything_else = bearer(create_token(client, login, "central"))
    response = client.post(f"{API}/agencies", headers=everything_else, json={"kind": "ministry", "name_th": "ก"})
    assert response.status_code == 403 and response.get_json()["error"]["reason"] == "missing_scope"
    document = client.get(f"{API}/openapi.json").get_json()
    assert document["paths"]["/agencies"]["post"]["security"] == [{"bearerAuth": ["admin:write"]}]


def test_an_administrator_creates_moves_merges_and_closes_agencies(client, login, demo):
    document = client.get(f"{API}/openapi.json").get_json()
    admin = bearer(create_token(client, login, "admin", scopes=("admin:write",)))
    before = _count()
    for hostile in ({"kind": "ministry", "name_th": "กระทรวง\x00"}, {"kind": "ministry", "name_th": "ก\r\nข"},
                    {"kind": "department", "name_th": "กรม", "parent_id": "9" * 20},
                    {"kind": "spaceship", "name_th": "ยาน"}, {"kind": "ministry", "name_th": "ก", "postcode": "๑๐๔๐"},
                    {"kind": "ministry", "name_th": "ก", "code": "มีไทย"},
                    {"kind": "department", "name_th": "กรมลอย"}):  # a department never sits at the top
        response = client.post(f"{API}/agencies", headers=admin, json=hostile)
        assert response.status_code == 422, (hostile, response.get_data(as_text=True))
        assert response.get_json()["error"]["fields"], hostile
    assert _count() == before

    response = client.post(f"{API}/agencies", headers=admin, json={
        "kind": "ministry", "name_th": "กระทรวงการอุดมศึกษา", "code": "mhesi"})
    assert response.status_code == 201, response.get_data(as_text=True)
    ministry = response.get_json()
    conforms(document, "AdminAgency", ministry)
    response = client.post(f"{API}/agencies", headers=admin, json={
        "kind": "department", "name_th": "กรมวิทยาศาสตร์บริการ", "code": "dss", "parent_id": ministry["id"],
        "letter_prefix": "อว 0601"})
    assert response.status_code == 201, response.get_data(as_text=True)
    department = response.get_json()

    dopa = demo.agency("dopa")
    as_read = dopa.row_version
    response = client.post(f"{API}/agencies/{dopa.id}/move", headers=admin,
                           json={"parent_id": ministry["id"], "row_version": as_read})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["parent_id"] == ministry["id"]
    stale = client.post(f"{API}/agencies/{dopa.id}/move", headers=admin,
                        json={"parent_id": demo.agency("moi").id, "row_version": as_read})
    assert stale.status_code == 409 and stale.get_json()["error"]["message_en"]

    refused = client.post(f"{API}/agencies/{ministry['id']}/close", headers=admin, json={})
    assert refused.status_code == 422  # it still holds its departments
    response = client.post(f"{API}/agencies/{department['id']}/merge", headers=admin,
                           json={"survivor_id": dopa.id})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["id"] == dopa.id
    response = client.post(f"{API}/agencies/{department['id']}/close", headers=admin, json={})
    assert response.status_code == 422 and re.search("closed", response.get_json()["error"]["reason"])
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == demo.user("admin").id)))
    assert {"agency.created", "agency.moved", "agency.merged"} <= actions
    assert client.post(f"{API}/agencies/{'9' * 20}/close", headers=admin, json={}).status_code == 404


def test_an_administrator_checks_then_creates_agencies_from_a_csv_over_the_api(client, login, demo):
    import io

    from tests.org.test_agency_upload import GOOD

    admin = bearer(create_token(client, login, "admin", scopes=("admin:write",)))
    url = f"{API}/agencies/upload"

    def sent(content: bytes, **form):
        return client.post(url, headers=admin, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(content), "agencies.csv"), **form})

    before = _count()
    checked = sent(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    assert checked.status_code == 200, checked.get_data(as_text=True)
    assert [row["line"] for row in checked.get_json()["rows"]] == [2, 3, 4, 5, 6]
    assert checked.get_json()["created"] == [] and _count() == before  # a check writes nothing
    created = sent(GOOD.encode("utf-8"), create="true")
    assert created.status_code == 201 and len(created.get_json()["created"]) == 5 and _count() == before + 5
    assert created.get_json()["created"][1]["parent_id"] == created.get_json()["created"][0]["id"]

    again = sent(GOOD.encode("utf-8"), create="true")  # every code is taken now: each line says so
    assert again.status_code == 422 and again.get_json()["error"]["reason"] == "rows_refused"
    assert "รหัส mdes มีหน่วยงานอื่นใช้อยู่แล้ว" in again.get_json()["error"]["fields"]["line.2"][0]
    for content, message in (("code,kind,name_th\nx,ministry,กระทรวง\n".encode("cp874"), "TIS-620"),
                             (b"name,colour\nx,y\n", "colour"), (b"", "ว่างเปล่า"),
                             (b"code,kind,parent_code,name_th\nx,ministry,,\x00NUL\n", "NUL")):
        response = sent(content, create="true")
        assert response.status_code == 422 and message in response.get_json()["error"]["fields"]["file"][0]
    assert client.post(url, headers=admin, json={"create": True}).status_code == 400
    reader = bearer(create_token(client, login, "admin", scopes=("admin:read",)))
    assert client.post(url, headers=reader, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(GOOD.encode()), "a.csv")}).status_code == 403
    assert _count() == before + 5
