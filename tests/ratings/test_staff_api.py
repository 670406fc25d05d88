"""The satisfaction report and moderation over the API, with real tokens: the figures as JSON, the ratings list, an
exclusion with a reason (audited) and its restoration; who may exclude; hostile input, Buddhist-era dates too."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.ratings.services.questions import today
from tests.inbox.test_api import API, bearer, create_token
from tests.ratings.conftest import give

REPORT, RATINGS = f"{API}/satisfaction/report", f"{API}/satisfaction/ratings"


def test_opdc_reads_the_figures_and_excludes_then_restores_a_rating(client, login, rated):
    code = rated.code(rated.muang)
    give(code, comment="บริการดี")
    spam = give(code, q1="1", q2="1", q3="1", q4="1", comment="โฆษณาขายของ")
    opdc = bearer(create_token(client, login, "opdc"))
    day = today()
    figures = client.get(REPORT, headers=opdc, query_string={"first": day.isoformat(), "last": day.isoformat()})
    assert figures.status_code == 200, figures.get_data(as_text=True)
    assert figures.get_json()["ratings"] == 2 and figures.get_json()["versions"][0]["questions"]
    buddhist = f"{day.day:02d}/{day.month:02d}/{day.year + 543}"  # the same day, as a Thai officer types it
    same = client.get(REPORT, headers=opdc, query_string={"first": buddhist, "last": buddhist}).get_json()
    assert same["ratings"] == 2 and same["first"] == day.isoformat()

    excluded = client.post(f"{RATINGS}/{spam.id}/exclude", headers=opdc, json={"reason": "โฆษณา ไม่เกี่ยวกับบริการ"})
    assert excluded.status_code == 200 and excluded.get_json()["exclusion_reason"] == "โฆษณา ไม่เกี่ยวกับบริการ"
    assert db.session.scalar(select(AuditEvent.comment).where(AuditEvent.action == "rating.excluded",
                                                              AuditEvent.object_id == spam.id))
    again = client.post(f"{RATINGS}/{spam.id}/exclude", headers=opdc, json={"reason": "ซ้ำ"})
    assert again.status_code == 409 and again.get_json()["error"]["message"] != again.get_json()["error"]["message_en"]
    after = client.get(REPORT, headers=opdc).get_json()
    assert after["ratings"] == 1 and after["excluded"] == 1
    listed = client.get(RATINGS, headers=opdc, query_string={"show": "excluded"}).get_json()["items"]
    assert [item["id"] for item in listed] == [spam.id]

    restored = client.post(f"{RATINGS}/{spam.id}/restore", headers=opdc)
    assert restored.status_code == 200 and restored.get_json()["excluded_at"] is None
    assert client.post(f"{RATINGS}/{spam.id}/restore", headers=opdc).status_code == 409
    assert client.get(REPORT, headers=opdc).get_json()["ratings"] == 2


def test_only_opdc_excludes_and_hostile_input_is_refused(client, login, rated):
    spam = give(rated.code(rated.muang), comment="โฆษณา")
    other = bearer(create_token(client, login, "reviewer"))
    assert client.post(f"{RATINGS}/{spam.id}/exclude", headers=other, json={"reason": "ไม่"}).status_code == 403
    read_only = bearer(create_token(client, login, "opdc", scopes=("ratings:read",)))
    response = client.post(f"{RATINGS}/{spam.id}/restore", headers=read_only)
    assert response.status_code == 403 and response.get_json()["error"]["reason"] == "missing_scope"
    opdc = bearer(create_token(client, login, "opdc"))
    for query in ({"first": "2569-13-01"}, {"first": "25690-01-01"},
                  {"first": "2026-12-04", "last": "2026-12-01"}, {"service": "x1"}, {"by": "colour"}):
        response = client.get(REPORT, headers=opdc, query_string=query)
        assert response.status_code == 422, (query, response.get_data(as_text=True))
        assert response.get_json()["error"]["message_en"]
    assert client.get(REPORT, headers=opdc, query_string={"agency": "9" * 20}).status_code == 200  # no such filter
    day = today()  # a query string's control characters are dropped, as everywhere in the app
    typed = f"{day.day:02d}/{day.month:02d}\r\n/{day.year + 543}"
    assert client.get(REPORT, headers=opdc, query_string={"last": typed}).get_json()["last"] == day.isoformat()
    assert client.post(f"{RATINGS}/{'9' * 20}/exclude", headers=opdc, json={"reason": "x"}).status_code == 404
    assert client.post(f"{RATINGS}/{spam.id}/exclude", headers=opdc, json={"reason": "ก\x00"}).status_code == 422
