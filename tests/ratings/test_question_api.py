"""Question sets over the API, with real tokens: OPDC begins a draft, replaces its questions, publishes it from a
day on (typed in the Buddhist era too) and citizens answer it from that day; a change made meanwhile, a published
version, a wrong row and a day in the past are refused with nothing saved; nobody else may touch them."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.ratings.models import QuestionSet
from app.ratings.services import questions
from tests.helpers import count_rows
from tests.inbox.test_api import API, bearer, conforms, create_token
from tests.ratings.conftest import days_ago

SETS = f"{API}/satisfaction/question-sets"
HUGE = "9" * 20


def _as_sent(detail: dict) -> list[dict]:
    return [{"kind": q["kind"], "text_th": q["text_th"], "text_en": q["text_en"], "required": q["required"],
             "options": [] if q["kind"] == "yes_no" else q["options"], "key": q["key"]} for q in detail["questions"]]


def test_opdc_drafts_changes_and_publishes_a_question_set_over_the_api(client, login, demo, rated):
    document = client.get(f"{API}/openapi.json").get_json()
    opdc = bearer(create_token(client, login, "opdc"))
    listed = client.get(SETS, headers=opdc)
    assert listed.status_code == 200 and listed.get_json()["current_id"] == 1
    conforms(document, "SetList", listed.get_json())

    begun = client.post(SETS, headers=opdc)
    assert begun.status_code == 201, begun.get_data(as_text=True)
    draft = begun.get_json()
    assert draft["status"] == "draft" and draft["version"] is None
    assert [q["text_th"] for q in draft["questions"]] == [q.text_th for q in questions.get(1).questions]
    again = client.post(SETS, headers=opdc)
    assert again.status_code == 409 and again.get_json()["error"]["reason"] == "draft_exists"

    url = f"{SETS}/{draft['id']}"
    sent = _as_sent(draft)
    sent = [q for q in sent if q["key"] != "waiting_time"] + [
        {"kind": "yes_no", "text_th": "ท่านได้ใช้บริการจองคิวล่วงหน้าหรือไม่", "text_en": "Did you book in advance?",
         "key": "booked"}]
    change = {"title_th": draft["title_th"], "questions": sent, "row_version": draft["row_version"]}
    before = count_rows(AuditEvent, AuditEvent.action == "rating.question_set_saved")
    for hostile in ({"title_th": ""}, {"title_th": "แบบประเมิน\x00"}, {"row_version": 0},
                    {"questions": [q | {"kind": "essay"} for q in sent]},
                    {"questions": [{"kind": "scale", "text_th": "เร็วไหม", "options": [{"th": "ช้า"}]}]},
                    {"questions": [{"kind": "comment", "text_th": "ความเห็น"}]},
                    {"questions": sent * 8}):
        response = client.put(f"{url}/draft", headers=opdc, json=change | hostile)
        assert response.status_code == 422, (hostile, response.get_data(as_text=True))
        assert response.get_json()["error"]["message"] != response.get_json()["error"]["message_en"]
    wrong_row = client.put(f"{url}/draft", headers=opdc, json=change | {"questions": [
        *sent[:2], {"kind": "choice", "text_th": "ช่องทางที่รู้จัก", "options": [{"th": "เพื่อน"}]}]})
    assert list(wrong_row.get_json()["error"]["fields"]) == ["questions.3"]
    assert count_rows(AuditEvent, AuditEvent.action == "rating.question_set_saved") == before

    saved = client.put(f"{url}/draft", headers=opdc, json=change)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert [q["key"] for q in saved.get_json()["questions"]][-1] == "booked"
    assert "waiting_time" not in [q["key"] for q in saved.get_json()["questions"]]
    # A second officer's change made from the version read before that save: refused, the first one's kept.
    stale = client.put(f"{url}/draft", headers=opdc, json=change | {"title_th": "ชื่ออื่น"})
    assert stale.status_code == 409
    assert db.session.get(QuestionSet, draft["id"], populate_existing=True).title_th == draft["title_th"]

    row_version = saved.get_json()["row_version"]
    yesterday = questions.today() - timedelta(days=1)
    past = client.post(f"{url}/publish", headers=opdc,
                       json={"effective_from": yesterday.isoformat(), "row_version": row_version})
    assert past.status_code == 422 and list(past.get_json()["error"]["fields"]) == ["effective_from"]
    for hostile in ({"effective_from": "31/02/2569"}, {"effective_from": "tomorrow"},
                    {"effective_from": "2026-12-0\x001"}):
        assert client.post(f"{url}/publish", headers=opdc, json={"row_version": row_version} | hostile
                           ).status_code == 422, hostile
    tomorrow = questions.today() + timedelta(days=1)
    typed = f"{tomorrow.day:02d}/{tomorrow.month:02d}/{tomorrow.year + 543}"  # as a Thai officer types it
    published = client.post(f"{url}/publish", headers=opdc, json={"effective_from": typed, "row_version": row_version})
    assert published.status_code == 200, published.get_data(as_text=True)
    assert published.get_json()["version"] == 2 and published.get_json()["effective_from"] == tomorrow.isoformat()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rating.question_set_published"))
    assert event.actor_id == demo.user("opdc").id

    # Published: it never changes; today citizens still answer version 1, from tomorrow version 2.
    changed = client.put(f"{url}/draft", headers=opdc, json=change | {"row_version": published.get_json()["row_version"]})
    assert changed.status_code == 409 and changed.get_json()["error"]["message_en"]
    assert client.post(f"{url}/delete", headers=opdc, json={"row_version": 1}).status_code == 409
    code = rated.code(rated.muang)
    assert "ระยะเวลารอรับบริการ" in client.get(f"/rate/{code}").get_data(as_text=True)
    with time_machine.travel(days_ago(-1), tick=False):
        page = client.get(f"/rate/{code}").get_data(as_text=True)
        assert "ท่านได้ใช้บริการจองคิวล่วงหน้าหรือไม่" in page and "ระยะเวลารอรับบริการ" not in page


def test_a_draft_is_deleted_and_only_opdc_keeps_the_questions(client, login, rated):
    opdc = bearer(create_token(client, login, "opdc"))
    read_only = bearer(create_token(client, login, "opdc", scopes=("ratings:read",)))
    point = bearer(create_token(client, login, "central"))
    assert client.get(SETS, headers=point).status_code == 403
    assert client.post(SETS, headers=point).status_code == 403
    assert client.post(SETS, headers=read_only).status_code == 403
    assert client.get(f"{SETS}/{HUGE}", headers=opdc).status_code == 404
    assert client.get(f"{SETS}/99999", headers=opdc).status_code == 404
    draft = client.post(SETS, headers=opdc).get_json()
    assert client.get(f"{SETS}/{draft['id']}", headers=point).status_code == 403
    assert client.post(f"{SETS}/{draft['id']}/delete", headers=point,
                       json={"row_version": draft["row_version"]}).status_code == 403
    assert client.post(f"{SETS}/{draft['id']}/delete", headers=opdc, json={}).status_code == 422
    stale = client.post(f"{SETS}/{draft['id']}/delete", headers=opdc, json={"row_version": draft["row_version"] + 1})
    assert stale.status_code == 409 and db.session.get(QuestionSet, draft["id"]) is not None
    deleted = client.post(f"{SETS}/{draft['id']}/delete", headers=opdc, json={"row_version": draft["row_version"]})
    assert deleted.status_code == 200 and [s["status"] for s in deleted.get_json()["items"]] == ["published"]
    assert client.post(f"{SETS}/{draft['id']}/delete", headers=opdc,
                       json={"row_version": draft["row_version"]}).status_code == 404
