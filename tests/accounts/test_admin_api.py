"""People and role tokens over the API, with an administrator's token: find, change a role, end a membership; issue
and refresh role tokens (OPDC officers and administrators only to an office); refusals in Thai and English."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import Membership, RoleToken
from app.core.extensions import db
from app.core.workflow import AuditEvent
from tests.inbox.test_api import API, bearer, conforms, create_token


def _membership(user, role, agency) -> Membership:
    return db.session.scalar(select(Membership).where(Membership.user_id == user.id, Membership.role == role,
                                                      Membership.agency_id == agency.id))


def test_an_administrator_finds_people_changes_a_role_and_ends_a_membership(client, login, demo):
    document = client.get(f"{API}/openapi.json").get_json()
    admin = bearer(create_token(client, login, "admin", scopes=("admin:write",)))
    reader = bearer(create_token(client, login, "admin", scopes=("admin:read",)))
    reviewer = demo.user("reviewer")
    membership = _membership(reviewer, "manual_reviewer", demo.agency("dopa"))

    found = client.get(f"{API}/users?q=reviewer", headers=reader).get_json()
    assert reviewer.id in [item["id"] for item in found["items"]]
    person = client.get(f"{API}/users/{reviewer.id}", headers=reader).get_json()
    conforms(document, "Person", person)
    assert membership.id in person["can_change"]

    url = f"{API}/users/{reviewer.id}/memberships/{membership.id}"
    assert client.post(f"{url}/role", headers=reader, json={"role": "manual_author"}).status_code == 403
    for hostile in ({"role": "emperor"}, {"role": "manual_author\x00"}, {"role": "manual_reviewer"}):
        response = client.post(f"{url}/role", headers=admin, json=hostile)
        assert response.status_code == 422, (hostile, response.get_data(as_text=True))
        error = response.get_json()["error"]
        assert error["message"] and error["message_en"]
    assert client.post(f"{API}/users/{reviewer.id}/memberships/{'9' * 20}/role", headers=admin,
                       json={"role": "manual_author"}).status_code == 404

    response = client.post(f"{url}/role", headers=admin, json={"role": "manual_author"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [m["role"] for m in response.get_json()["memberships"] if m["id"] == membership.id] == ["manual_author"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.role_changed"))
    assert event.actor_id == demo.user("admin").id

    response = client.post(f"{url}/remove", headers=admin)
    assert response.status_code == 200
    assert [m["active"] for m in response.get_json()["memberships"] if m["id"] == membership.id] == [False]
    again = client.post(f"{url}/remove", headers=admin)
    assert again.status_code == 404  # an ended membership is no longer there to end

    # The person's account history tells both changes, newest first, in Thai and English, with who made them.
    history = client.get(f"{API}/users/{reviewer.id}/history", headers=reader)
    assert history.status_code == 200
    conforms(document, "History", history.get_json())
    latest, earlier = history.get_json()["items"][:2]
    assert (latest["action"], earlier["action"]) == ("membership.removed", "membership.role_changed")
    assert latest["label"] != latest["label_en"] and latest["actor"] == demo.user("admin").display_name
    assert earlier["agency_id"] == demo.agency("dopa").id and "→" in earlier["summary"]
    assert client.get(f"{API}/users/{'9' * 20}/history", headers=reader).status_code == 404
    assert client.get(f"{API}/users/{reviewer.id}/history",
                      headers=bearer(create_token(client, login, "author"))).status_code == 403


def test_an_administrator_issues_and_refreshes_role_tokens(client, login, demo):
    admin = bearer(create_token(client, login, "admin", scopes=("admin:write",)))
    opdc, dopa = demo.agency("opdc"), demo.agency("dopa")

    refused = client.post(f"{API}/role-tokens", headers=admin, json={"role": "opdc_officer", "agency_id": dopa.id})
    assert refused.status_code == 422 and list(refused.get_json()["error"]["fields"]) == ["agency_id"]
    for hostile in ({"role": "opdc_officer", "agency_id": "9" * 20}, {"role": "opdc\r\n", "agency_id": opdc.id},
                    {"role": "opdc_officer", "agency_id": opdc.id, "expires": "2569-12-04"}):
        assert client.post(f"{API}/role-tokens", headers=admin, json=hostile).status_code == 422, hostile
    assert db.session.query(RoleToken).count() == 0

    response = client.post(f"{API}/role-tokens", headers=admin, json={"role": "opdc_officer", "agency_id": opdc.id})
    assert response.status_code == 201, response.get_data(as_text=True)
    issued = response.get_json()
    assert issued["state"] == "waiting" and issued["token"]
    listed = client.get(f"{API}/role-tokens", headers=admin).get_json()
    assert [item["id"] for item in listed["items"]] == [issued["id"]] and "token" not in listed["items"][0]

    response = client.post(f"{API}/role-tokens/{issued['id']}/refresh", headers=admin)
    assert response.status_code == 201 and response.get_json()["replaces_id"] == issued["id"]
    again = client.post(f"{API}/role-tokens/{issued['id']}/refresh", headers=admin)
    assert again.status_code == 409 and again.get_json()["error"]["message"] != again.get_json()["error"]["message_en"]
