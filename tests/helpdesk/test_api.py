"""IR Online over the API, open to anyone: report, then follow the report with its follow-up token."""

from __future__ import annotations

from app.helpdesk.services import helpdesk
from tests.inbox.test_api import API


def _report(**changes) -> dict:
    return {"reporter_type": "vendor", "category_id": helpdesk.categories()[0].id, "subject": "เสนอราคาไม่ได้",
            "description": "กดยืนยันแล้วหน้าจอค้าง", "contact_email": "vendor@example.org",
            "project_number": "66019123456"} | changes


def test_anyone_reports_a_problem_and_follows_it_with_its_token(client, demo):
    response = client.post(f"{API}/ir/reports", json=_report())
    assert response.status_code == 201, response.get_data(as_text=True)
    report = response.get_json()
    token = report["follow_up_token"]
    assert report["status"] == "new" and token.startswith(report["number"])
    assert response.headers["Cache-Control"] == "no-store"  # one person's case

    followed = client.get(f"{API}/ir/follow/{token}").get_json()
    assert followed["number"] == report["number"] and followed["follow_up_token"] is None
    response = client.post(f"{API}/ir/follow/{token}/reply", json={"body": "เพิ่มเติม: ใช้ Chrome"})
    assert response.status_code == 200
    assert [m["body"] for m in response.get_json()["messages"]][-1] == "เพิ่มเติม: ใช้ Chrome"

    # Not closed yet: neither a confirmation nor a rating; a wrong token is a missing report.
    assert client.post(f"{API}/ir/follow/{token}/confirm").status_code == 409
    response = client.post(f"{API}/ir/follow/{token}/rate", json={"rating": 5})
    assert response.status_code == 409 and response.get_json()["error"]["message_en"]
    assert client.post(f"{API}/ir/follow/{token}/rate", json={"rating": 9}).status_code == 422
    assert client.get(f"{API}/ir/follow/{report['number']}-{'0' * 20}").status_code == 404
    assert client.get(f"{API}/ir/follow/{'9' * 20}").status_code == 404
    assert client.get(f"{API}/ir/follow/x%00y").status_code == 404


def test_a_report_is_checked_as_on_the_page(client, demo):
    for changes in ({"subject": "ค้าง\x00"}, {"subject": "ค้าง\r\nแทรก"}, {"contact_email": "nope"},
                    {"project_number": "123"}, {"category_id": 2**31}, {"category_id": 999_999},
                    {"description": "   "}, {"reporter_type": "alien"}):
        response = client.post(f"{API}/ir/reports", json=_report(**changes))
        assert response.status_code == 422, (changes, response.get_data(as_text=True))
        assert response.get_json()["error"]["fields"], changes


def test_reports_are_limited_per_address_as_on_the_page(app, client, demo, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_IR_REPORT", "2 per hour")
    assert [client.post(f"{API}/ir/reports", json=_report()).status_code for _ in range(2)] == [201, 201]
    response = client.post(f"{API}/ir/reports", json=_report())
    assert response.status_code == 429 and response.headers["Retry-After"]
