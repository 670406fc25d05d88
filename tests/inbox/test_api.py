"""The JSON API under /api/v1: personal access tokens, the task inbox, instances, the OpenAPI document."""

from __future__ import annotations

import hashlib
import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from sqlalchemy import select, text

from app.accounts.models import ApiToken
from app.core.extensions import db
from app.core.workflow import HumanTask, TaskStatus

API = "/api/v1"
NEW_TOKEN = re.compile(r'<code id="new-token"[^>]*>\s*([^<\s]+)\s*</code>')


# --- helpers -----------------------------------------------------------------------------------------------


def create_token(client, login, username: str, name: str = "ระบบสารบรรณ", scopes: tuple[str, ...] | None = None) -> str:
    """Sign in and create a token on the account page, as a person would, with ``scopes`` (default: every scope
    offered); returns the token shown once."""
    from app.core import api

    login(username)
    offered = tuple(api.scopes_of(client.application))
    response = client.post("/account/tokens", data={"name": name, "scopes": list(offered if scopes is None else scopes)})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    found = NEW_TOKEN.search(response.get_data(as_text=True))
    assert found, "the new token is shown on the page"
    client.post("/logout", data={})
    return found.group(1)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def open_review_task(agency_code: str = "dopa") -> HumanTask:
    """The demo's one open step-1 review (the manual in review at the department)."""
    from app.org.models import Agency

    agency = db.session.scalar(select(Agency).where(Agency.code == agency_code))
    return db.session.scalar(select(HumanTask).where(
        HumanTask.status == TaskStatus.open, HumanTask.role == "manual_reviewer",
        HumanTask.agency_id == agency.id))


def conforms(document: dict, schema_name: str, value) -> None:
    """The response matches the schema the OpenAPI document gives for it."""
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    errors = sorted(Draft202012Validator(schema).iter_errors(value), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


@pytest.fixture
def reviewer_token(client, login, demo):
    return create_token(client, login, "reviewer")


# --- authentication --------------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path", [
    ("get", f"{API}/tasks"),
    ("get", f"{API}/tasks/1"),
    ("post", f"{API}/tasks/1/complete"),
    ("get", f"{API}/instances/1"),
])
@pytest.mark.parametrize("authorization", [
    None,
    "Bearer rf_not-a-real-token",
    "Bearer ",
    "Basic cmV2aWV3ZXI6c2VjcmV0LXBhc3M=",  # reviewer:secret-pass is no token
    "rf_no-scheme",
])
def test_no_or_wrong_token_is_401_with_a_challenge(client, method, path, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = getattr(client, method)(path, headers=headers, json={"decision": "approve"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["code"] == 401


def test_a_signed_in_session_is_not_a_token(client, login, demo):
    login("reviewer")
    response = client.get(f"{API}/tasks")
    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers


def test_token_is_shown_once_and_only_its_sha256_is_stored(client, login, demo):
    plain = create_token(client, login, "reviewer", name="สคริปต์ของฝ่ายทะเบียน")
    assert plain.startswith("rf_") and len(plain) > 40

    row = db.session.scalar(select(ApiToken))
    assert row.user_id == demo.user("reviewer").id
    assert row.name == "สคริปต์ของฝ่ายทะเบียน"
    assert row.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert row.prefix == plain[:10]
    assert row.last_used_at is None and row.revoked_at is None

    # Nowhere in the table, whatever the column.
    for record in db.session.execute(text("SELECT * FROM api_token")).mappings():
        for column, value in record.items():
            assert plain not in str(value), column

    # The account page lists the token by name and prefix, never the token again.
    page = login("reviewer").get("/account/tokens").get_data(as_text=True)
    assert "สคริปต์ของฝ่ายทะเบียน" in page and row.prefix in page
    assert plain not in page and 'id="new-token"' not in page

    # The token works, and its use is recorded.
    assert client.get(f"{API}/tasks", headers=bearer(plain)).status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at is not None


def test_token_needs_a_name(client, login, demo):
    login("reviewer")
    response = client.post("/account/tokens", data={"name": "  "})
    assert response.status_code == 422
    assert 'id="new-token"' not in response.get_data(as_text=True)
    assert db.session.scalar(select(ApiToken)) is None


def test_revoked_token_is_401(client, login, reviewer_token):
    assert client.get(f"{API}/tasks", headers=bearer(reviewer_token)).status_code == 200
    token_id = db.session.scalar(select(ApiToken.id))

    login("reviewer")
    assert client.post(f"/account/tokens/{token_id}/revoke", data={}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).revoked_at is not None

    response = client.get(f"{API}/tasks", headers=bearer(reviewer_token))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_user_cannot_revoke_someone_elses_token(client, login, reviewer_token):
    token_id = db.session.scalar(select(ApiToken.id))
    login("author")
    client.post(f"/account/tokens/{token_id}/revoke", data={})
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).revoked_at is None
    assert client.get(f"{API}/tasks", headers=bearer(reviewer_token)).status_code == 200


def test_token_of_a_deactivated_user_is_401(client, demo, reviewer_token):
    demo.user("reviewer").active = False
    db.session.commit()
    assert client.get(f"{API}/tasks", headers=bearer(reviewer_token)).status_code == 401


# --- tasks and instances ---------------------------------------------------------------------------------


def test_review_a_revision_through_the_api(client, demo, reviewer_token):
    document = client.get(f"{API}/openapi.json").get_json()
    headers = bearer(reviewer_token)
    task = open_review_task()
    task_id, instance_id = task.id, task.instance_id

    # The inbox lists it.
    response = client.get(f"{API}/tasks", headers=headers)
    assert response.status_code == 200
    listing = response.get_json()
    conforms(document, "TaskPage", listing)
    assert task_id in [item["id"] for item in listing["items"]]
    item = next(item for item in listing["items"] if item["id"] == task_id)
    assert item["status"] == "open" and item["role"] == "manual_reviewer"
    assert item["instance_id"] == instance_id and item["process_id"] == "manual_revision"
    assert item["subject"] == "การแจ้งย้ายที่อยู่"
    assert item["agency_name"] == "กรมการปกครอง"
    assert listing["total"] == len(listing["items"]) and listing["page"] == 1
    assert client.get(f"{API}/tasks?view=nonsense", headers=headers).status_code == 422

    # The task with its form.
    response = client.get(f"{API}/tasks/{task_id}", headers=headers)
    assert response.status_code == 200
    detail = response.get_json()
    conforms(document, "TaskWithForm", detail)
    assert detail["can_complete"] is True and detail["form_key"] == "manual_revision.review"
    fields = {field["name"]: field for field in detail["fields"]}
    assert set(fields) == {"decision", "comment"}
    assert [choice["value"] for choice in fields["decision"]["choices"]] == ["approve", "return"]
    assert fields["decision"]["required"] is True
    assert fields["comment"]["required"] is False and fields["comment"]["description"]

    # Not JSON, then a return without saying what to change: nothing happens.
    response = client.post(f"{API}/tasks/{task_id}/complete", headers=headers, data="decision=approve",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    response = client.post(f"{API}/tasks/{task_id}/complete", headers=headers, json={"decision": "return"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    conforms(document, "ErrorBody", response.get_json())
    assert error["code"] == 422 and list(error["fields"]) == ["comment"] and error["fields"]["comment"]
    response = client.post(f"{API}/tasks/{task_id}/complete", headers=headers, json={"decision": "maybe"})
    assert response.status_code == 422 and "decision" in response.get_json()["error"]["fields"]
    db.session.expire_all()
    assert db.session.get(HumanTask, task_id).status == TaskStatus.open

    # Approve: the process moves on to OPDC.
    response = client.post(f"{API}/tasks/{task_id}/complete", headers=headers, json={"decision": "approve"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["task"]["id"] == task_id and body["task"]["status"] == "completed"
    assert body["task"]["completed_at"] is not None
    # "running": a person (the OPDC officer) has the next step.
    assert body["instance"] == {"id": instance_id, "status": "running"}

    response = client.get(f"{API}/instances/{instance_id}", headers=headers)
    assert response.status_code == 200
    instance = response.get_json()
    conforms(document, "Instance", instance)
    assert instance["id"] == instance_id and instance["status"] == "running"
    assert instance["business_object"]["type"] == "manual"
    completions = [entry for entry in instance["history"]
                   if entry["action"] == "task.completed" and entry["task"] == "review_agency"]
    assert len(completions) == 1
    assert completions[0]["actor"] == demo.user("reviewer").display_name
    assert completions[0]["time_spent_seconds"] is not None
    by_name = {t["id"]: t for t in instance["tasks"]}
    assert by_name[task_id]["status"] == "completed"
    following = [t for t in instance["tasks"] if t["status"] == "open"]
    assert [t["role"] for t in following] == ["opdc_officer"]

    # The task has left the reviewer's inbox.
    assert task_id not in [i["id"] for i in client.get(f"{API}/tasks", headers=headers).get_json()["items"]]
    done = client.get(f"{API}/tasks?view=completed", headers=headers).get_json()["items"]
    assert task_id in [i["id"] for i in done]

    # Completing it again is a conflict, and changes nothing.
    response = client.post(f"{API}/tasks/{task_id}/complete", headers=headers, json={"decision": "return",
                                                                                    "comment": "ช้าไป"})
    assert response.status_code == 409
    assert response.get_json()["error"]["reason"] == "already_completed"
    again = client.get(f"{API}/instances/{instance_id}", headers=headers).get_json()
    assert len([e for e in again["history"] if e["action"] == "task.completed"]) == len(
        [e for e in instance["history"] if e["action"] == "task.completed"])


def test_a_user_of_another_agency_gets_404(client, login, demo, reviewer_token):
    task = open_review_task()
    task_id, instance_id = task.id, task.instance_id
    other = bearer(create_token(client, login, "lg_reviewer"))

    assert task_id not in [i["id"] for i in client.get(f"{API}/tasks", headers=other).get_json()["items"]]
    response = client.get(f"{API}/tasks/{task_id}", headers=other)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == 404
    assert client.post(f"{API}/tasks/{task_id}/complete", headers=other,
                       json={"decision": "approve"}).status_code == 404
    assert client.get(f"{API}/instances/{instance_id}", headers=other).status_code == 404
    # Same answer as for a task that does not exist: no hint that it does.
    assert client.get(f"{API}/tasks/999999", headers=other).status_code == 404

    db.session.expire_all()
    assert db.session.get(HumanTask, task_id).status == TaskStatus.open
    # The right reviewer still can.
    assert client.post(f"{API}/tasks/{task_id}/complete", headers=bearer(reviewer_token),
                       json={"decision": "approve"}).status_code == 200


# --- the OpenAPI document --------------------------------------------------------------------------------


def test_openapi_document_is_valid_openapi_3_1(client, app):
    response = client.get(f"{API}/openapi.json")  # public: no token needed
    assert response.status_code == 200 and response.is_json
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document, cls=OpenAPIV31SpecValidator)

    operation_ids = [op["operationId"] for item in document["paths"].values()
                     for method, op in item.items() if method != "parameters"]
    assert len(operation_ids) == len(set(operation_ids))


def test_every_api_route_is_in_the_openapi_document(client, app):
    document = client.get(f"{API}/openapi.json").get_json()
    base = document["servers"][0]["url"]
    assert base == API

    routes = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(f"{API}/")]
    assert routes
    for rule in routes:
        if rule.endpoint == "api.openapi":
            continue  # the document itself, where clients find it
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(base):])
        assert path in document["paths"], f"{rule.rule} is not in the OpenAPI document"
        item = document["paths"][path]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in item, f"{method} {rule.rule} is not in the OpenAPI document"
            operation = item[method.lower()]
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(rule.arguments), rule.rule
            # Each operation says which scope its token needs (or none: open to anyone), and documents refusals.
            assert [list(s) for s in operation["security"]] in ([["bearerAuth"]], []), rule.rule
            assert {"422", "429"} <= set(operation["responses"]), rule.rule
            if operation["security"]:
                assert {"401", "403"} <= set(operation["responses"]), rule.rule
