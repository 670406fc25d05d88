"""An agency's own pages over the API, with real tokens: a point officer keeps its profile (checked as on the page,
two officers at once: the second is told), a central officer adds a service point and hides it; the letter prefix,
the display status and other agencies are not a point officer's."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.org.models import Agency
from tests.helpers import count_rows
from tests.inbox.test_api import API, bearer, conforms, create_token

HUGE = "9" * 20
PROFILE = {"address": "ถนนรัตนาธิเบศร์", "province": "นนทบุรี", "district": "เมือง", "postcode": "11000",
           "phone": "02-589-0481 ต่อ 12", "email": "muang@dopa.go.th", "website": "https://muang.example.go.th",
           "opening_hours": "จันทร์–ศุกร์ 08:30–16:30", "latitude": 13.86, "longitude": 100.51}


def test_a_point_officer_keeps_its_profile_over_the_api(client, login, demo):
    document = client.get(f"{API}/openapi.json").get_json()
    officer = bearer(create_token(client, login, "spoint"))
    point = demo.agency("sp_muang")
    read = client.get(f"{API}/agencies/{point.id}/profile", headers=officer)
    url = f"{API}/agencies/{point.id}/profile/details"
    assert read.status_code == 200
    conforms(document, "Profile", read.get_json())
    version = read.get_json()["row_version"]

    for hostile, field in (({"postcode": "1100"}, "postcode"), ({"email": "not-an-address"}, "email"),
                           ({"website": "www.example"}, "website"), ({"latitude": 95}, "latitude"),
                           ({"latitude": 13.9, "longitude": None}, "longitude"), ({"phone": "โทร 02"}, "phone"),
                           ({"address": "ถนน\x00"}, "address"), ({"province": "นนท\r\nบุรี"}, "province"),
                           ({"colour": "red"}, "colour")):
        response = client.put(url, headers=officer, json=PROFILE | hostile | {"row_version": version})
        assert response.status_code == 422, (hostile, response.get_data(as_text=True))
        assert field in response.get_json()["error"]["fields"], (hostile, response.get_json())
    assert db.session.get(Agency, point.id, populate_existing=True).phone == point.phone  # nothing half-saved

    saved = client.put(url, headers=officer, json=PROFILE | {"row_version": version})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert (saved.get_json()["email"], saved.get_json()["latitude"]) == ("muang@dopa.go.th", 13.86)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "agency.profile_updated"))
    assert event.object_id == point.id and event.actor_id == demo.user("spoint").id
    # A second officer who read the profile before that save: refused, the first one's values kept.
    stale = client.put(url, headers=officer, json=PROFILE | {"phone": "02-000-0002", "row_version": version})
    assert stale.status_code == 409 and stale.get_json()["error"]["message_en"]
    assert db.session.get(Agency, point.id, populate_existing=True).phone == PROFILE["phone"]

    # The letter prefix is kept by those who keep the structure; another point is not this officer's.
    prefix = client.put(url, headers=officer, json=PROFILE | {"letter_prefix": "นบ 0001",
                                                               "row_version": saved.get_json()["row_version"]})
    assert prefix.status_code == 403
    other = demo.agency("sp_pakkret")
    assert client.get(f"{API}/agencies/{other.id}/profile", headers=officer).status_code == 404
    assert client.put(f"{API}/agencies/{other.id}/profile/details", headers=officer, json=PROFILE).status_code == 404
    assert client.put(f"{API}/agencies/{HUGE}/profile/details", headers=officer, json=PROFILE).status_code == 404
    assert client.post(f"{API}/agencies/{point.id}/visibility", headers=officer,
                       json={"visible": False}).status_code == 403
    read_only = bearer(create_token(client, login, "spoint", scopes=("org:read",)))
    assert client.put(url, headers=read_only, json=PROFILE).status_code == 403


def test_a_central_officer_adds_and_hides_a_service_point_over_the_api(client, login, demo):
    central = bearer(create_token(client, login, "central"))
    officer = bearer(create_token(client, login, "spoint"))
    bora = demo.agency("bora")
    for hostile in ({"name_th": ""}, {"name_th": "ศูนย์\x00"}, {"name_th": "ก" * 256}, {}):
        response = client.post(f"{API}/agencies/{bora.id}/service-points", headers=central, json=hostile)
        assert response.status_code == 422, hostile
    assert client.post(f"{API}/agencies/{demo.agency('sp_muang').id}/service-points", headers=officer,
                       json={"name_th": "แอบเพิ่ม"}).status_code == 403
    leaf = client.post(f"{API}/agencies/{demo.agency('sp_muang').id}/service-points", headers=central,
                       json={"name_th": "ใต้จุดบริการ"})
    assert leaf.status_code == 422 and leaf.get_json()["error"]["reason"] == "leaf_parent"
    added = client.post(f"{API}/agencies/{bora.id}/service-points", headers=central,
                        json={"name_th": "ศูนย์บริการร่วม", "name_en": "One-stop centre"})
    assert added.status_code == 201, added.get_data(as_text=True)
    point = db.session.get(Agency, added.get_json()["id"])
    assert point.kind == "service_point" and point.parent_id == bora.id
    assert count_rows(Agency, Agency.name_th.in_(("แอบเพิ่ม", "ใต้จุดบริการ"))) == 0

    hidden = client.post(f"{API}/agencies/{point.id}/visibility", headers=central,
                         json={"visible": False, "row_version": added.get_json()["row_version"]})
    assert hidden.status_code == 200 and hidden.get_json()["publicly_visible"] is False
    stale = client.post(f"{API}/agencies/{point.id}/visibility", headers=central,
                        json={"visible": True, "row_version": added.get_json()["row_version"]})
    assert stale.status_code == 409
