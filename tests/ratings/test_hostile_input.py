"""Hostile input answered with a 4xx and a message, never a 500, and nothing half-saved: line breaks and NUL,
20-digit ids, Buddhist-era and impossible dates, huge text."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.ratings.models import QuestionSet, Rating
from tests.helpers import th
from tests.ratings.conftest import rate

HUGE_ID = "9" * 20


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Rating))


@pytest.mark.parametrize(("query", "message"), [
    (f"agency={HUGE_ID}", "The number is out of range."),
    ("agency=-4", "The number is out of range."),
    ("page=0", "The number is out of range."),
    ("first=2569-02-30", "Not a valid date value."),
    ("first=1800-01-01", None),
    ("first=2027-01-01&last=2026-01-01", "The end of the period comes before its start."),
    ("service=m1x", "Choose a service from the list."),
    ("by=everything", "Not a valid choice."),
    ("q=" + "ก" * 5000, None),
])
def test_report_filters_refuse_with_a_message(client, login, rated, query, message):
    login("opdc")
    for path in ("/ratings/", "/ratings/list", "/ratings/export.csv", "/ratings/export/ratings.csv"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400, (path, query, response.status_code)
        if message:
            assert th(message) in response.get_data(as_text=True), (path, query)


def test_control_characters_in_the_address_bar_are_dropped_as_everywhere(client, login, rated):
    """Query-string values lose their control characters before any view (``app.input_limits``)."""
    login("opdc")
    for query in ("province=%E0%B8%99%0D%0Aevil", "service=m1%00", "q=%00%0D%0A", "first=2026-01-01%00"):
        assert client.get(f"/ratings/?{query}").status_code == 200, query
        assert client.get(f"/ratings/list?{query}").status_code == 200, query


def test_a_buddhist_era_date_is_a_date(client, login, rated):
    login("opdc")
    assert client.get("/ratings/?first=2569-01-01&last=2569-12-31").status_code == 200
    assert client.get("/ratings/list?first=2569-01-01").status_code == 200
    assert client.get("/ratings/?first=2569-02-29").status_code == 400  # 2026 has no 29 February


def test_hostile_ratings_are_refused_and_nothing_is_saved(client, rated):
    code = rated.code(rated.muang)
    client.get(f"/rate/{code}")
    cases = [
        ({"comment": "ดี\x00มาก"}, "Remove the control characters from this text (such as NUL, or a line break in a "
                                     "one-line field)."),
        ({"comment": "ก" * 5000}, "At most %(max)d characters."),
        ({"q1": "5\r\n"}, None),
        ({"q1": "5" * 5000}, None),
        ({"service": "m1\n"}, None),
        ({"q3": "-1"}, "Choose one of the answers shown."),
    ]
    for values, message in cases:
        response = rate(client, code, **values)
        assert response.status_code == 422, values
        if message:
            assert th(message, max=1000) in response.get_data(as_text=True), values
    assert _count() == 0
    # A set id no column holds, or none at all: the questions shown now are answered.
    assert rate(client, code, set_id=HUGE_ID).status_code == 303
    assert rate(client, code, set_id="").status_code == 303
    assert _count() == 2


def test_hostile_codes_and_ids(client, login, rated):
    for code in ("%00", "A" * 300, "..%2F..%2Fetc", "7KD4QX%0D%0ASet-Cookie:x=1"):
        response = client.get(f"/rate/{code}")
        assert response.status_code in (404, 400), code
        assert "Set-Cookie: x" not in str(response.headers)
    login("opdc")
    for url in (f"/ratings/points/{HUGE_ID}", f"/ratings/points/{HUGE_ID}/poster.pdf",
                f"/ratings/questions/{HUGE_ID}", f"/ratings/posters?agency={HUGE_ID}",
                f"/ratings/posters/all.pdf?agency={HUGE_ID}"):
        assert client.get(url).status_code == 404, url
    for url in (f"/ratings/{HUGE_ID}/exclude", f"/ratings/{HUGE_ID}/restore", f"/ratings/questions/{HUGE_ID}/publish"):
        assert client.post(url, data={"reason": "x", "effective_from": "2030-01-01"}).status_code == 404, url


def test_a_hostile_question_set_draft(client, login, rated):
    login("opdc")
    client.post("/ratings/questions/new")
    draft = db.session.scalar(select(QuestionSet).where(QuestionSet.status == "draft"))
    base = {"row_version": str(draft.row_version), "title_th": "ชุดคำถาม"}
    for values in ({"questions-0-kind": "scale", "questions-0-text_th": "ก\x00ข"},
                   {"questions-0-kind": "evil", "questions-0-text_th": "คำถาม"},
                   {"questions-0-kind": "choice", "questions-0-text_th": "ข" * 600},
                   {"questions-0-kind": "scale", "questions-0-text_th": "คำถาม", "questions-0-key": "Bad Key"},
                   {"title_th": "ก\r\nข", "questions-0-kind": "yes_no", "questions-0-text_th": "คำถาม"},
                   {"row_version": HUGE_ID, "questions-0-kind": "yes_no", "questions-0-text_th": "คำถาม"}):
        response = client.post(f"/ratings/questions/{draft.id}", data=base | values)
        assert response.status_code in (409, 422), values
    db.session.expire_all()
    assert [q.text_th for q in db.session.get(QuestionSet, draft.id).questions][0].startswith("ท่านพึงพอใจ")
    for day in ("2569-02-30", "1999-01-01", "not a day", HUGE_ID):
        response = client.post(f"/ratings/questions/{draft.id}/publish",
                               data={"row_version": draft.row_version, "effective_from": day})
        assert response.status_code == 422, day
    db.session.expire_all()
    assert db.session.get(QuestionSet, draft.id).status == "draft"
