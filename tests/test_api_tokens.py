"""What every API call shares: a token's scopes, its own rate limits, and its last use written at most once a
minute (a read writes nothing in between)."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from app.accounts.models import ApiToken
from app.core.extensions import db
from tests.clock import SUITE_START
from tests.inbox.test_api import API, bearer, create_token


def _last_used(token_id: int):
    db.session.expire_all()
    return db.session.get(ApiToken, token_id).last_used_at


def test_a_tokens_use_is_written_at_most_once_a_minute(client, login, demo, count_queries):
    headers = bearer(create_token(client, login, "reviewer", scopes=("inbox:read",)))
    token_id = db.session.scalar(select(ApiToken.id))
    assert _last_used(token_id) is None

    with time_machine.travel(SUITE_START, tick=False):
        assert client.get(f"{API}/tasks", headers=headers).status_code == 200
        first = _last_used(token_id)
    assert first is not None

    with time_machine.travel(SUITE_START + timedelta(seconds=59), tick=False):
        with count_queries() as statements:
            assert client.get(f"{API}/tasks", headers=headers).status_code == 200
            assert client.get(f"{API}/tasks?view=completed", headers=headers).status_code == 200
    writes = [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]
    assert writes == []  # a read writes nothing
    token_lookups = [s for s in statements if "api_token" in s]
    assert len(token_lookups) == 2  # one indexed query a call
    assert _last_used(token_id) == first

    with time_machine.travel(SUITE_START + timedelta(seconds=61), tick=False):
        assert client.get(f"{API}/tasks", headers=headers).status_code == 200
    assert _last_used(token_id) - first == timedelta(seconds=61)


def test_each_token_has_its_own_rate_limits(app, client, login, demo, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    monkeypatch.setitem(app.config, "API_WRITE_RATE_LIMIT", "1 per minute")
    busy = bearer(create_token(client, login, "reviewer", scopes=("inbox:write",)))
    calm = bearer(create_token(client, login, "reviewer", name="อีกระบบ", scopes=("inbox:read",)))

    assert [client.get(f"{API}/tasks", headers=busy).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(f"{API}/tasks", headers=busy)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    error = response.get_json()["error"]
    assert error["code"] == 429 and error["reason"] == "rate_limited" and error["message"] and error["message_en"]
    # Another token of the same person still works; writes are counted apart from reads.
    assert client.get(f"{API}/tasks", headers=calm).status_code == 200
    assert client.post(f"{API}/tasks/2147483647/complete", headers=busy, json={}).status_code == 404
    assert client.post(f"{API}/tasks/2147483647/complete", headers=busy, json={}).status_code == 429


def test_a_token_is_issued_with_the_scopes_chosen(client, login, demo):
    login("reviewer")
    page = client.get("/account/tokens").get_data(as_text=True)
    assert 'value="inbox:read"' in page and 'value="manuals:write"' in page
    response = client.post("/account/tokens", data={"name": "ไม่มีสิทธิ์"})
    assert response.status_code == 422 and db.session.scalar(select(ApiToken)) is None
    response = client.post("/account/tokens", data={"name": "สารบรรณ", "scopes": ["manuals:write", "nonsense"]})
    assert response.status_code == 422  # only scopes that exist
    response = client.post("/account/tokens", data={"name": "สารบรรณ", "scopes": ["manuals:write"]})
    assert response.status_code == 200
    # Acting implies reading what one acts on.
    assert db.session.scalar(select(ApiToken.scopes)) == "manuals:read manuals:write"


def test_the_openapi_document_names_each_operations_scope(client):
    document = client.get(f"{API}/openapi.json").get_json()
    scopes = {op["operationId"]: op["security"][0]["bearerAuth"] if op["security"] else None
              for item in document["paths"].values() for op in item.values()}
    assert scopes["inbox.list_tasks"] == ["inbox:read"]
    assert scopes["inbox.complete_task"] == ["inbox:write"]
    assert scopes["manuals.create_manual"] == ["manuals:write"]
    assert scopes["helpdesk.report"] is None  # open to anyone, like the report page
