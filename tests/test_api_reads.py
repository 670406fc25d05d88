"""What the API lets anyone, or a token's user, read: the FAQ, and agencies with their service points."""

from __future__ import annotations

from app.core.extensions import db
from app.knowledge.services import faq_entries
from tests.inbox.test_api import API, bearer, create_token


def test_anyone_searches_the_faq_and_reads_an_answer(client, demo):
    entry = faq_entries.seed_published("หลักประกันซองใช้อะไรได้บ้าง", "เงินสด เช็ค หนังสือค้ำประกัน", topic="หลักประกัน",
                                     source_ref="api-1", actor_id=None)
    db.session.commit()
    page = client.get(f"{API}/faq", query_string={"q": "ประกันซอง"}).get_json()
    assert [item["id"] for item in page["items"]] == [entry.id] and page["topics"]["หลักประกัน"] >= 1
    assert client.get(f"{API}/faq/{entry.id}").get_json()["answer"].startswith("เงินสด")
    assert client.get(f"{API}/faq?q=%00&page={'9' * 20}").status_code == 200
    assert client.get(f"{API}/faq/{'9' * 20}").status_code == 404
    assert client.get(f"{API}/faq/2147483647").status_code == 404


def test_a_token_reads_the_agencies_in_its_users_scope(client, login, demo):
    headers = bearer(create_token(client, login, "central", scopes=("org:read",)))
    tree = client.get(f"{API}/agencies", headers=headers).get_json()["items"]
    assert tree and tree[0]["level"] == 0
    top = tree[0]["id"]
    agency = client.get(f"{API}/agencies/{top}", headers=headers).get_json()
    assert agency["id"] == top and isinstance(agency["children"], list)
    no_scope = bearer(create_token(client, login, "central", scopes=("inbox:read",)))
    response = client.get(f"{API}/agencies", headers=no_scope)
    assert response.status_code == 403 and response.get_json()["error"]["reason"] == "missing_scope"
    assert client.get(f"{API}/agencies/{'9' * 20}", headers=headers).status_code == 404
