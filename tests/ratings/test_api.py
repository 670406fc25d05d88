"""Rating a service point over the API: the questions, a rating, and the answers checked as on the page."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.extensions import db
from app.ratings.models import Rating
from tests.inbox.test_api import API


def _answers(questions: list[dict]) -> dict[str, str]:
    return {str(q["position"]): "5" if q["kind"] == "scale" else "1" if q["kind"] == "yes_no" else "0"
            for q in questions if q["kind"] != "comment"}


def test_anyone_reads_the_questions_and_rates_a_service_point(client, rated):
    code = rated.code(rated.muang)
    page = client.get(f"{API}/ratings/{code}/questions").get_json()
    assert page["point"] == code and page["questions"]
    answers = _answers(page["questions"])
    response = client.post(f"{API}/ratings/{code}", json={"set_id": page["set_id"], "answers": answers,
                                                          "comment": "บริการดี"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 1

    first = str(page["questions"][0]["position"])
    for body in ({"set_id": page["set_id"], "answers": answers | {first: ""}},  # a required answer missing
                 {"set_id": page["set_id"], "answers": answers | {first: "9"}},
                 {"set_id": page["set_id"], "answers": answers, "comment": "ก\x00"},
                 {"set_id": page["set_id"], "answers": answers, "service": "m999999"},
                 {"set_id": "9" * 20, "answers": answers}):
        response = client.post(f"{API}/ratings/{code}", json=body)
        assert response.status_code in (409, 422), (body, response.get_data(as_text=True))
        assert response.get_json()["error"]["message_en"]
    assert db.session.scalar(select(func.count()).select_from(Rating)) == 1
    assert client.get(f"{API}/ratings/NOPE0000/questions").status_code == 404
    assert client.get(f"{API}/ratings/x%00y/questions").status_code == 404
