"""OPDC keeps the question sets: a new version from a day on, old ratings read against their own questions, one
draft edited by two people at once, and nobody else may touch them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.ratings.models import QuestionSet, Rating
from app.ratings.services import questions, report
from tests.helpers import th
from tests.ratings.conftest import days_ago, give, rate

V1_ROWS = 7


def _draft_form(set_: QuestionSet, **changes) -> dict:
    """The editor as the browser posts it: every question of the draft, plus ``changes``."""
    data = {"row_version": str(set_.row_version), "title_th": set_.title_th, "title_en": set_.title_en or ""}
    for index, q in enumerate(set_.questions):
        data |= {f"questions-{index}-kind": q.kind, f"questions-{index}-text_th": q.text_th,
                 f"questions-{index}-text_en": q.text_en or "", f"questions-{index}-key": q.key or "",
                 f"questions-{index}-options_th": "\n".join(p[0] for p in q.options) if q.kind != "yes_no" else "",
                 f"questions-{index}-options_en": "\n".join(p[1] for p in q.options) if q.kind != "yes_no" else ""}
        if q.required:
            data[f"questions-{index}-required"] = "y"
    return data | changes


def _new_draft(client) -> QuestionSet:
    response = client.post("/ratings/questions/new")
    assert response.status_code == 303
    set_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    return db.session.get(QuestionSet, set_id)


def test_a_new_version_applies_from_its_day_and_old_ratings_keep_their_questions(app, client, login, rated):
    code = rated.code(rated.muang)
    give(code, days_ago(3), q1="2")  # answered against version 1
    login("opdc")
    draft = _new_draft(client)
    assert [q.text_th for q in draft.questions] == [q.text_th for q in questions.get(1).questions]
    # Waiting time goes; a question on the queue system comes in, before the comment.
    form = _draft_form(draft, **{
        "questions-2-remove": "y",
        f"questions-{V1_ROWS}-kind": "yes_no", f"questions-{V1_ROWS}-text_th": "ท่านได้ใช้บริการจองคิวล่วงหน้าหรือไม่",
        f"questions-{V1_ROWS}-text_en": "Did you book your visit in advance?", f"questions-{V1_ROWS}-required": "y",
        f"questions-{V1_ROWS}-key": "booked"})
    saved = client.post(f"/ratings/questions/{draft.id}", data=form)
    assert saved.status_code == 303, saved.get_data(as_text=True)[:2000]
    db.session.expire_all()
    draft = db.session.get(QuestionSet, draft.id)
    assert [q.key for q in draft.questions] == ["overall", "clarity", "courtesy", "time_limit_met", "heard_from",
                                                "comment", "booked"]
    # A version cannot start in the past, nor on the day the current one started.
    yesterday = (questions.today() - timedelta(days=1)).isoformat()
    refused = client.post(f"/ratings/questions/{draft.id}/publish",
                          data={"row_version": draft.row_version, "effective_from": yesterday})
    assert refused.status_code == 422
    assert th("A new version applies from today or a later day: ratings already given keep their questions.") in \
        refused.get_data(as_text=True)
    tomorrow = questions.today() + timedelta(days=1)
    published = client.post(f"/ratings/questions/{draft.id}/publish",
                            data={"row_version": draft.row_version, "effective_from": tomorrow.isoformat()})
    assert published.status_code == 303
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rating.question_set_published"))
    assert event.after == {"version": 2, "effective_from": tomorrow.isoformat()}
    # Today citizens still answer version 1; from tomorrow version 2.
    assert "ระยะเวลารอรับบริการ" in client.get(f"/rate/{code}").get_data(as_text=True)
    with time_machine.travel(days_ago(-1), tick=False):
        page = client.get(f"/rate/{code}").get_data(as_text=True)
        assert "ระยะเวลารอรับบริการ" not in page and "ท่านได้ใช้บริการจองคิวล่วงหน้าหรือไม่" in page
        set_id = re.search(r'name="set_id" value="(\d+)"', page).group(1)
        assert rate(client, code, set_id=set_id, q1="4", q2="4", q3="5", q4="1", q5="2", q6=None, q7="0",
                    comment="จองคิวสะดวก").status_code == 303
        # A form answered against version 1 (opened yesterday) is shown again with the new questions.
        stale = rate(client, code)
        assert stale.status_code == 409
        assert th("The questions have just changed. Please answer them again.") in stale.get_data(as_text=True)
    assert [r.set_id for r in db.session.scalars(select(Rating).order_by(Rating.id))] == [1, draft.id]
    figures = report.satisfaction(report.ReportFilters(first=days_ago(5).date(), last=days_ago(-1).date(),
                                                       agency_id=rated.muang.id), ["/"])
    assert [v.question_set.version for v in figures.versions] == [2, 1]
    new, old = figures.versions
    assert [f.question.key for f in old.questions][2] == "waiting_time" and old.questions[0].average == 2.0
    assert "waiting_time" not in [f.question.key for f in new.questions]
    booked = next(f for f in new.questions if f.question.key == "booked")
    assert (booked.answered, booked.average) == (1, 0.0)  # "no"
    assert figures.ratings == 2


def test_two_people_editing_one_draft_at_once_the_second_is_told(app, client, login, rated):
    login("opdc")
    draft = _new_draft(client)
    form = _draft_form(draft)
    first = client.post(f"/ratings/questions/{draft.id}", data=form | {"title_th": "ฉบับของคนแรก"})
    assert first.status_code == 303
    second = client.post(f"/ratings/questions/{draft.id}", data=form | {"title_th": "ฉบับของคนที่สอง"})
    assert second.status_code == 409
    assert th("Someone else changed this question set at the same moment. Nothing you entered was saved: "
              "here is the set as it is now.") in second.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(QuestionSet, draft.id).title_th == "ฉบับของคนแรก"
    # Publishing what one saw before the other's change is refused the same way.
    assert client.post(f"/ratings/questions/{draft.id}/publish", data={
        "row_version": form["row_version"], "effective_from": questions.today().isoformat()}).status_code == 409


def test_two_saves_at_the_same_moment_one_wins(app, rated, demo):
    """Both read the draft at row version 1 and neither has written yet: the row's version decides which save
    lands, whatever the timing (the second's UPDATE finds no row at version 1)."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    opdc = demo.user("opdc")
    draft = questions.new_draft(opdc)
    db.session.commit()
    rows = [questions.QuestionInput(kind="scale", text_th="พอใจไหม", options=[["1"], ["2"], ["3"], ["4"], ["5"]])]
    with Session(db.engine) as other:
        seen_by_other = other.get(QuestionSet, draft.id)  # the second person's request has read the row
        questions.save_draft(opdc, draft.id, title_th="ของคนแรก", title_en=None, questions=rows, expected_version=1)
        db.session.commit()
        seen_by_other.title_th = "ของคนที่สอง"
        with pytest.raises(StaleDataError):
            other.flush()
        other.rollback()
    db.session.expire_all()
    assert db.session.get(QuestionSet, draft.id).title_th == "ของคนแรก"


def test_a_published_version_never_changes_and_a_bad_draft_says_why(client, login, rated):
    login("opdc")
    published = questions.get(1)
    response = client.post("/ratings/questions/1", data=_draft_form(published, title_th="แก้ของเดิม"),
                           follow_redirects=True)
    assert th("A published question set never changes: ratings were given against it. Make a new version "
              "instead.") in response.get_data(as_text=True)
    db.session.expire_all()
    assert questions.get(1).title_th == "แบบประเมินความพึงพอใจการรับบริการ"
    draft = _new_draft(client)
    bad = client.post(f"/ratings/questions/{draft.id}", data=_draft_form(draft, **{
        "questions-0-options_th": "น้อย\nมาก"}))  # a scale with two labels
    assert bad.status_code == 422
    assert th("A scale needs five labels, one per line, from the lowest to the highest.") in bad.get_data(as_text=True)
    only_comment = {k: v for k, v in _draft_form(draft).items() if not k.startswith("questions-")} | {
        "questions-0-kind": "comment", "questions-0-text_th": "ความคิดเห็น"}
    refused = client.post(f"/ratings/questions/{draft.id}", data=only_comment)
    assert refused.status_code == 422
    assert th("A question set needs at least one question with answers to count (a scale, yes or no, or a "
              "choice).") in refused.get_data(as_text=True)
    # One draft at a time: "new version" opens the one being prepared.
    again = client.post("/ratings/questions/new")
    assert again.headers["Location"].endswith(f"/ratings/questions/{draft.id}")


def test_only_opdc_keeps_the_questions(client, login, rated):
    for person in ("central", "spoint", "author"):
        login(person)
        assert client.get("/ratings/questions").status_code == 403, person
        assert client.post("/ratings/questions/new").status_code == 403, person
        assert client.post("/ratings/questions/1/publish", data={"effective_from": "2030-01-01"}).status_code == 403
    assert db.session.scalar(select(QuestionSet.id).where(QuestionSet.status == "draft")) is None
    login("opdc")
    assert client.get("/ratings/questions").status_code == 200
