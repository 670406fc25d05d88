"""Hostile input gets a clear refusal (4xx, with a message) and never a server error; nothing a visitor or an agent
typed is ever rendered as HTML."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.knowledge.models import FaqEntry
from app.knowledge.services import faq_entries, faq_errors
from tests.knowledge.helpers import ANSWER, QUESTION, TOPIC, fresh, from_chat, open_task, review

BIG = 20 * "9"  # a 20-digit id
CONTROL = "กรุณาลบอักขระควบคุมออกจากข้อความนี้"
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _entries() -> int:
    return db.session.scalar(select(func.count()).select_from(FaqEntry))


@pytest.mark.parametrize(("values", "message"), [
    ({"question": "บรรทัดแรก\r\nบรรทัดที่สอง"}, CONTROL),
    ({"question": "มี\x00ศูนย์"}, CONTROL),
    ({"answer_text": "คำตอบ\x1b[31mสีแดง"}, CONTROL),
    ({"topic": "หัวข้อ\nใหม่"}, CONTROL),
    ({"question": "ก" * 501}, "ไม่เกิน 500 ตัวอักษร"),
    ({"answer_text": "ข" * 10001}, "ไม่เกิน 10000 ตัวอักษร"),
    ({"question": "\u200b\u200b \u00ad"}, "โปรดกรอกคำถาม"),
    ({"answer_text": ""}, "พิมพ์คำตอบ"),
])
def test_bad_text_in_the_proposal_form_is_refused_with_a_message(client, login, demo, values, message):
    login("chat_agent")
    before = _entries()
    data = {"question": QUESTION, "answer_text": ANSWER, "topic": TOPIC} | values
    response = client.post("/knowledge/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "invalid-feedback" in page
    assert _entries() == before


def test_bad_text_in_the_review_task_is_refused_and_nothing_moves(client, login, demo):
    entry = from_chat(demo)
    login("chat_super")
    task = open_task(entry)
    for values in ({"decision": "maybe"}, {"question": "คำถาม\x00"}, {"comment": "เหตุผล\x07", "decision": "return"},
                   {"answer": "ค" * 10001}, {"decision": "reject", "comment": "   "}):
        response = review(client, task, **({"decision": "approve"} | values))
        assert response.status_code == 422, values
    assert open_task(entry).id == task.id and fresh(entry).status == "in_review"
    # The page that refused shows the typed text escaped, never as HTML.
    response = review(client, task, "return", comment=SCRIPT + "\x00")
    assert response.status_code == 422 and "<script>alert" not in response.get_data(as_text=True)


def test_an_oversized_body_is_refused_with_a_message(client, login, demo):
    login("chat_agent")
    response = client.post("/knowledge/new", data={"question": QUESTION, "answer_text": "x" * (5 * 1024 * 1024)})
    assert response.status_code == 413 and "ใหญ่เกินไป" in response.get_data(as_text=True)


def test_ids_no_column_holds_are_pages_that_do_not_exist(client, login, demo):
    for url in (f"/faq/{BIG}", f"/faq/{BIG}?x=1", "/faq/-1", "/faq/0"):
        assert client.get(url).status_code == 404, url
    login("chat_super")
    for url in (f"/knowledge/{BIG}", f"/knowledge/{BIG}/edit", f"/tasks/{BIG}"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/knowledge/{BIG}/withdraw", data={"reason": "x"}).status_code == 404
    for query in ({"page": BIG}, {"page": "-3"}, {"status": "\x00" * 3, "page": "ก"}):
        assert client.get("/knowledge/", query_string=query).status_code == 200, query
    for query in ({"page": BIG}, {"q": "\x00\x00", "topic": "\x00"}, {"topic": "ก" * 5000}):
        assert client.get("/faq", query_string=query).status_code == 200, query


def test_a_missing_or_forged_version_is_a_conflict_not_a_change(client, login, demo):
    entry = from_chat(demo)
    login("chat_super")
    review(client, open_task(entry), "approve")
    for version in ("", BIG, "abc", "-1"):
        response = client.post(f"/knowledge/{entry.id}/edit", data={
            "question": QUESTION, "answer_text": "แก้", "topic": TOPIC, "lock_version": version})
        assert response.status_code == 409, version
        assert "มีผู้อื่นแก้ไขรายการนี้ในเวลาเดียวกัน" in response.get_data(as_text=True)
    assert open_task(entry) is None


def test_the_suggestions_endpoint_refuses_what_no_person_types(client, demo):
    response = client.get("/faq", query_string={"q": "ก" * 2001})
    assert response.status_code == 400 and "ข้อความค้นหายาวเกินไป" in response.get_data(as_text=True)
    response = client.get("/faq/suggest", query_string={"q": "ก" * 2001})
    assert response.status_code == 400 and response.is_json
    assert "ยาวเกินไป" in response.get_json()["error"]["message"]
    for query in ({"q": ""}, {"q": "\x00\x01"}, {"q": "ab"}, {"q": "หลักประกัน", "limit": BIG},
                  {"q": "หลักประกัน", "limit": "-5"}, {"q": "%_\\%"}, {"q": "' OR 1=1 --"}):
        response = client.get("/faq/suggest", query_string=query)
        assert response.status_code == 200 and response.is_json, query
        assert isinstance(response.get_json()["suggestions"], list)
    # A long question is fine: only its beginning is compared.
    assert client.get("/faq/suggest", query_string={"q": "หลักประกันสัญญา" * 100}).status_code == 200


def test_the_suggestions_endpoint_is_rate_limited_with_a_json_answer(app, client, demo, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_FAQ_SUGGEST", "3 per minute")
    codes = [client.get("/faq/suggest", query_string={"q": "หลักประกัน"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get("/faq/suggest", query_string={"q": "หลักประกัน"})
    assert refused.is_json and "โปรดรอสักครู่" in refused.get_json()["error"]["message"]


def test_what_people_typed_is_never_rendered_as_html(client, login, demo):
    entry = from_chat(demo, question=f"ถามว่า {SCRIPT}", answer=f"ตอบว่า {SCRIPT}\nบรรทัดสอง", topic=f"หัวข้อ{SCRIPT}")
    login("chat_super")
    task = open_task(entry)
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    review(client, task, "approve", question=f"ถามว่า {SCRIPT}", answer=f"ตอบว่า {SCRIPT}\nบรรทัดสอง",
           topic=f"หัวข้อ{SCRIPT}")
    assert fresh(entry).status == "published"
    for url in (f"/knowledge/{entry.id}", "/knowledge/"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, url
    client.post("/logout")
    for url, query in ((f"/faq/{entry.id}", {}), ("/faq", {}), ("/faq", {"q": "ถามว่า"}), ("/faq", {"q": SCRIPT}),
                       ("/faq", {"q": "ไม่มีในระบบเลย" + SCRIPT})):
        page = client.get(url, query_string=query).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, (url, query)
    suggested = client.get("/faq/suggest", query_string={"q": "ถามว่า script alert"})
    assert suggested.mimetype == "application/json" and suggested.headers["X-Content-Type-Options"] == "nosniff"
    assert suggested.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"question": "ก\x00"}, "question"),
    ({"question": " \u200b "}, "question"),
    ({"answer": "ข" * 10001}, "answer"),
    ({"topic": "ค" * 101}, "topic"),
    ({"source_kind": "facebook"}, "source_kind"),
    ({"source_kind": "chat", "source_ref": None}, "source_ref"),
    ({"source_ref": "x" * 65}, "source_ref"),
    ({"source_ref": "ref\r\nInjected: yes"}, "source_ref"),
])
def test_the_service_refuses_bad_values_from_the_chat(app, demo, kwargs, field):
    values = {"question": QUESTION, "answer": ANSWER, "source_kind": "chat", "source_ref": "chat-1:msg-1",
              "proposed_by_id": demo.user("chat_agent").id, "topic": TOPIC} | kwargs
    with pytest.raises(faq_errors.InvalidEntry) as refused:
        faq_entries.propose(values.pop("question"), values.pop("answer"), **values)
    db.session.rollback()
    assert refused.value.field == field and str(refused.value.message)


@pytest.mark.parametrize("who", [None, 0, -1, 10**20, True, "3", "author", "hd_super", "opdc"])
def test_only_the_chat_team_may_propose(app, demo, who):
    proposer = demo.user(who).id if isinstance(who, str) and not who.isdigit() else who
    with pytest.raises(faq_errors.NotAllowed):
        faq_entries.propose(QUESTION, ANSWER, source_kind="chat", source_ref="chat-1:msg-2", proposed_by_id=proposer)
    db.session.rollback()
    assert _entries() == len(__import__("app.demo", fromlist=["FAQ"]).FAQ)


def test_a_line_break_in_a_chat_question_becomes_a_space(app, demo):
    entry = from_chat(demo, question="ถามว่า\r\nหลักประกัน   ใช้อะไรได้", answer="บรรทัด 1\r\n\r\n\r\n\r\nบรรทัด 2  ")
    assert entry.question == "ถามว่า หลักประกัน ใช้อะไรได้" and entry.answer == "บรรทัด 1\n\nบรรทัด 2"
