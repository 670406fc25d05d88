"""A citizen rates a service point from its QR code: the page, the answers checked, what is stored, what is refused."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.core.extensions import db
from app.manuals.models import Manual
from app.manuals.services import links
from app.org.services import org
from app.ratings.models import Channel, Rating, RatingTally
from tasks import jobs
from tests.helpers import th
from tests.ratings.conftest import rate


def _ratings() -> list[Rating]:
    return list(db.session.scalars(select(Rating).order_by(Rating.id)))


def test_a_citizen_rates_on_a_phone_without_signing_in(app, client, rated):
    code = rated.code(rated.muang)
    page = client.get(f"/rate/{code}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="th">' in body and "ที่ว่าการอำเภอเมืองนนทบุรี" in body
    assert "ท่านพึงพอใจต่อการรับบริการในครั้งนี้โดยรวมเพียงใด" in body  # the default set's first question
    assert "<script" not in body  # nothing to download and run on a cheap phone
    assert len(page.data) < 20_000
    assert page.headers["Cache-Control"] == "no-store"
    assert "rf_rater=" in page.headers.get("Set-Cookie", "")  # a random device id, nothing personal
    # Every answer has its label; every question is a group with its legend (screen readers read them together).
    assert body.count("<fieldset") == 7 and body.count("<legend>") == 6 and '<label for="comment">' in body

    sent = rate(client, code, comment="เจ้าหน้าที่บริการดีมาก")
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"/rate/{code}/thanks")
    thanks = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert th("Thank you for rating our service.") in thanks
    [rating] = _ratings()
    assert (rating.agency_id, rating.set_id, rating.answers, rating.comment) == (
        rated.muang.id, 1, "543510c", "เจ้าหน้าที่บริการดีมาก")
    assert rating.channel == Channel.web and rating.duplicate_of_id is None
    assert rating.day.isoformat() == rating.created_at.astimezone(__import__("zoneinfo").ZoneInfo(
        "Asia/Bangkok")).date().isoformat()
    # The rating alone is stored; the fold job adds it to the tallies the report reads: the point, its department,
    # the ministry, the country, the province.
    assert not rating.folded and db.session.scalar(select(RatingTally.scope)) is None
    assert jobs.run(app, "ratings_fold") == {"ratings": 1, "batches": 1}
    scopes = set(db.session.scalars(select(RatingTally.scope).where(RatingTally.question_id == 0)))
    assert scopes == {"*", f"a{rated.muang.id}", f"a{rated.muang.parent_id}", f"a{rated.muang.parent.parent_id}",
                      "pนนทบุรี"}


def test_codes_are_read_as_people_type_them(client, rated):
    code = rated.code(rated.pakkret)
    assert client.get(f"/rate/{code.lower()}").status_code == 200
    typed = client.get(f"/rate/?code={code[:3].lower()}-{code[3:]}")
    assert typed.status_code == 302 and typed.headers["Location"].endswith(f"/rate/{code}")
    assert client.get("/rate/?code=not a code!").status_code == 422
    missing = client.get("/rate/ZZZZZZ")
    assert missing.status_code == 404
    assert th("No service point takes ratings under this code. Check the code on the poster.") in missing.get_data(
        as_text=True)


def test_a_required_answer_missing_is_shown_and_nothing_is_saved(client, rated):
    code = rated.code(rated.muang)
    response = rate(client, code, q2=None, q3="9")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert th("Please answer this question.") in body and th("Choose one of the answers shown.") in body
    assert 'id="error-summary"' in body and 'href="#q2"' in body and 'href="#q3"' in body
    assert 'value="5" checked' in body  # what was answered stays answered
    assert _ratings() == [] and db.session.scalar(select(RatingTally.scope)) is None
    # Optional questions may stay unanswered.
    assert rate(client, code, q5=None, q6=None).status_code == 303
    assert _ratings()[0].answers == "5435..."


def test_the_citizen_may_name_the_service_from_those_linked_to_the_point(client, rated, demo):
    manual = db.session.scalar(select(Manual).where(Manual.published_revision_id.is_not(None)))
    links.link(demo.user("central"), rated.muang.id, "manual", manual.id)
    db.session.commit()
    code = rated.code(rated.muang)
    assert manual.title in client.get(f"/rate/{code}").get_data(as_text=True)
    assert rate(client, code, service=f"m{manual.id}").status_code == 303
    assert _ratings()[0].service == f"m{manual.id}"
    refused = rate(client, code, service="m999999")
    assert refused.status_code == 422
    assert th("Choose a service from the list, or leave it empty.") in refused.get_data(as_text=True)
    assert len(_ratings()) == 1


def test_a_hidden_service_point_refuses_ratings(client, rated, demo):
    org.set_visibility(demo.user("central"), rated.pakkret.id, False)
    db.session.commit()
    code = rated.code(rated.pakkret)
    page = client.get(f"/rate/{code}")
    assert page.status_code == 410
    assert th("This service point does not take ratings at the moment.") in page.get_data(as_text=True)
    assert rate(client, code).status_code == 410
    assert _ratings() == []
    org.set_visibility(demo.user("central"), rated.pakkret.id, True)
    db.session.commit()
    assert rate(client, code).status_code == 303


def test_an_agency_that_serves_no_counter_has_no_rating_page(client, demo):
    from app.ratings.models import RatingPoint

    db.session.add(RatingPoint(agency_id=demo.agency("dopa").id, code="DEPT22"))  # a department: not rated
    db.session.commit()
    assert client.get("/rate/DEPT22").status_code == 404


def test_the_page_reads_in_english_on_request(client, rated):
    code = rated.code(rated.muang)
    client.get(f"/lang/en?next=/rate/{code}")
    body = client.get(f"/rate/{code}").get_data(as_text=True)
    assert '<html lang="en">' in body and "Mueang Nonthaburi District Office" in body
    assert "Overall, how satisfied are you with the service you received?" in body
    assert re.search(r"Very satisfied", body)
