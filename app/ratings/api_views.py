"""Satisfaction ratings over the API, open to anyone as the rating page is: the questions of a rating point, and a
rating of it. The same service checks the answers; each address is limited as on the page."""

from __future__ import annotations

from flask import current_app
from flask_limiter.util import get_remote_address
from pydantic import BaseModel, Field

from app.core import api
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.ratings.services import submissions
from app.ratings.services.errors import InvalidAnswers, NoQuestionSet, PointHidden, PointNotFound, QuestionsChanged
from app.ratings.texts import ANSWER_MESSAGES
from forms.api import Line, Request, Text

bp = api.blueprint("ratings", __name__)


class NewRating(Request):
    set_id: int = Field(ge=1, le=2**31 - 1, description="the question set answered (from the questions read)")
    answers: dict[int, Line] = Field(description="question position → the answer's value (\"\" for none)",
                                     max_length=30)
    comment: Text | None = Field(None, max_length=1000)
    service: Line | None = Field(None, description="the service rated, one of the point's (m12, o3)")


class Question(BaseModel):
    position: int
    kind: str
    text_th: str
    text_en: str | None
    required: bool
    options: list


class RatingQuestions(BaseModel):
    point: str
    agency_name: str
    set_id: int
    questions: list[Question]
    services: dict[str, str]


class Thanks(BaseModel):
    rated: bool = True


def _page(code: str, with_services: bool):
    try:
        return submissions.page(code, with_services=with_services)
    except PointNotFound:
        raise ApiError(404) from None
    except PointHidden:
        raise ApiError(410, reason="hidden") from None
    except NoQuestionSet:
        raise ApiError(409, reason="no_questions") from None


@bp.get("/ratings/<code>/questions")
@api.operation(None, resp={"HTTP_200": RatingQuestions, "HTTP_409": ErrorBody, "HTTP_410": ErrorBody})
def questions(code: str):
    """The questions of a rating point (anyone)"""
    page = _page(code, with_services=True)
    return RatingQuestions(point=page.point.code, agency_name=page.agency.name_th, set_id=page.question_set.id,
                           questions=[Question(position=q.position, kind=q.kind, text_th=q.text_th, text_en=q.text_en,
                                               required=q.required, options=q.options or [])
                                      for q in page.question_set.questions],
                           services={choice.key: choice.title for choice in page.services})


@bp.post("/ratings/<code>")
@api.operation(None, resp={"HTTP_201": Thanks, "HTTP_409": ErrorBody, "HTTP_410": ErrorBody},
               limit="RATELIMIT_RATING_ADDRESS")
def rate(code: str, json: NewRating):
    """Rate a service point (anyone)"""
    page = _page(code, with_services=False)
    data = submissions.RatingInput(code=code, set_id=json.set_id, answers=dict(json.answers), comment=json.comment,
                                   service=json.service or None, address=get_remote_address())
    try:
        submissions.submit(data, secret=current_app.config["SECRET_KEY"], shown=page,
                           duplicate_minutes=int(current_app.config["RATING_DUPLICATE_MINUTES"]))
        db.session.commit()
    except InvalidAnswers as exc:
        raise ApiError(422, fields={f"answers.{position}" if position else "service": [str(ANSWER_MESSAGES[key])]
                                    for position, key in exc.errors.items()}) from None
    except QuestionsChanged:
        raise ApiError(409, reason="questions_changed") from None
    return Thanks(), 201
