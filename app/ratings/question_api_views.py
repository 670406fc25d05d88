"""Question sets over the API (OPDC), as their screens keep them (``question_views.py``): the versions and the
draft, a new draft copied from the latest version, the draft's title and questions replaced, its publication from a
day on, and its deletion. Each change sends back the ``row_version`` it was made from: a change made meanwhile by
someone else is a 409 and nothing is saved. A published version never changes (409): ratings were given against it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.core import api, messages
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.ratings.services import access, questions
from app.ratings.services.errors import (
    DraftExists,
    InvalidEffectiveDate,
    InvalidQuestions,
    NotAllowed,
    RatingError,
    SetNotFound,
)
from app.ratings.staff_api_views import READ, TAG, WRITE
from forms.api import Day, Id, Line, Request, RequiredLine

bp = api.blueprint("ratings_questions", __name__)
_REFUSALS = {"HTTP_409": ErrorBody}


class Option(BaseModel):
    th: str
    en: str = ""


class QuestionOut(BaseModel):
    position: int
    kind: str
    text_th: str
    text_en: str | None
    required: bool
    options: list[Option] = Field(description="a scale's five labels, a choice's options, yes/no's two")
    key: str | None


class SetSummary(BaseModel):
    id: int
    version: int | None = Field(description="numbered when published; none: the draft")
    status: str
    title_th: str
    title_en: str | None
    effective_from: date | None = Field(description="asked from this day (published versions)")
    published_at: datetime | None
    row_version: int = Field(description="send it back with a change to the draft")


class SetList(BaseModel):
    items: list[SetSummary] = Field(description="the draft first, then the versions from the newest")
    current_id: int | None = Field(description="the version asked today")


class SetDetail(SetSummary):
    questions: list[QuestionOut]


class OptionIn(Request):
    th: RequiredLine = Field(max_length=questions.TEXT_MAX)
    en: Line = Field("", max_length=questions.TEXT_MAX)


class QuestionIn(Request):
    kind: Literal["scale", "yes_no", "choice", "comment"]
    text_th: RequiredLine = Field(max_length=questions.TEXT_MAX)
    text_en: Line | None = Field(None, max_length=questions.TEXT_MAX)
    required: bool = True
    options: list[OptionIn] = Field([], max_length=20,
                                    description="scale: its five labels, lowest first; choice: 2 to 10 options; "
                                                "yes/no and comment: none (a yes/no's are set)")
    key: Line | None = Field(None, max_length=40, description="a name the figures keep across versions")


class QuestionSetDraft(Request):
    title_th: RequiredLine = Field(max_length=255)
    title_en: Line | None = Field(None, max_length=255)
    questions: list[QuestionIn] = Field(max_length=50, description="in the order they are asked")
    row_version: Id


class Publication(Request):
    effective_from: Day = Field(description="the first day it is asked: today or later, after the current one's")
    row_version: Id


class VersionRead(Request):
    row_version: Id


def _summary_fields(row) -> dict:
    return {"id": row.id, "version": row.version, "status": row.status, "title_th": row.title_th,
            "title_en": row.title_en, "effective_from": row.effective_from, "published_at": row.published_at,
            "row_version": row.row_version}


def _detail(row) -> SetDetail:
    return SetDetail(**_summary_fields(row), questions=[
        QuestionOut(position=q.position, kind=q.kind, text_th=q.text_th, text_en=q.text_en, required=q.required,
                    options=[Option(th=pair[0], en=pair[1] if len(pair) > 1 else "") for pair in q.options or []],
                    key=q.key) for q in row.questions])


def _invalid(exc: InvalidQuestions) -> ApiError:
    """Each wrong row under ``questions.<n>`` (1-based, as sent), the set's own under ``title_th``."""
    fields = {("title_th" if row == 0 else f"questions.{row}"): [messages.for_error(InvalidQuestions({row: code}))]
              for row, code in exc.errors.items()}
    return ApiError(422, lambda: messages.for_error(exc), fields=fields, reason="invalid_questions")


def _applied(action):
    """``action(user)``'s answer once committed; each refusal of the services as its status."""
    user = api.current_user_of_token()
    try:
        answer = action(user)
        db.session.commit()
    except NotAllowed:
        raise ApiError(403) from None
    except SetNotFound:
        raise ApiError(404) from None
    except InvalidQuestions as exc:
        raise _invalid(exc) from None
    except DraftExists as exc:  # the draft begun is listed first by GET /satisfaction/question-sets
        raise ApiError(409, lambda exc=exc: messages.for_error(exc), reason="draft_exists") from None
    except InvalidEffectiveDate as exc:
        raise ApiError(422, lambda exc=exc: messages.for_error(exc), reason=exc.reason,
                       fields={"effective_from": [messages.for_error(exc)]}) from None
    except RatingError as exc:  # a published set, a change made meanwhile
        raise api.refusal(409, exc) from None
    return answer


def _changed(action) -> SetDetail:
    return _detail(_applied(action))


def _manager() -> None:
    if not access.can_manage_questions(api.current_user_of_token()):
        raise ApiError(403)


def _set_list() -> SetList:
    current = questions.current()
    return SetList(items=[SetSummary(**_summary_fields(row)) for row in questions.all_sets()],
                   current_id=current.id if current else None)


@bp.get("/satisfaction/question-sets")
@api.operation(READ, tag=TAG, resp={"HTTP_200": SetList})
def list_sets():
    """The question sets: the draft, and every version with the day it is asked from (OPDC)"""
    _manager()
    return _set_list()


@bp.get("/satisfaction/question-sets/<int:set_id>")
@api.operation(READ, tag=TAG, resp={"HTTP_200": SetDetail})
def get_set(set_id: int):
    """A question set and its questions"""
    _manager()
    try:
        return _detail(questions.get(set_id))
    except SetNotFound:
        raise ApiError(404) from None


@bp.post("/satisfaction/question-sets")
@api.operation(WRITE, tag=TAG, resp={"HTTP_201": SetDetail, **_REFUSALS})
def new_draft():
    """Begin a draft: a copy of the latest version (one draft at a time: else 409, reason draft_exists)"""
    return _changed(questions.new_draft), 201


@bp.put("/satisfaction/question-sets/<int:set_id>/draft")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": SetDetail, **_REFUSALS})
def save_draft(set_id: int, json: QuestionSetDraft):
    """Replace the draft's title and questions"""
    rows = [questions.QuestionInput(kind=q.kind, text_th=q.text_th, text_en=q.text_en, required=q.required,
                                    options=[[o.th, o.en] for o in q.options], key=q.key) for q in json.questions]
    return _changed(lambda user: questions.save_draft(user, set_id, title_th=json.title_th, title_en=json.title_en,
                                                      questions=rows, expected_version=json.row_version))


@bp.post("/satisfaction/question-sets/<int:set_id>/publish")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": SetDetail, **_REFUSALS})
def publish(set_id: int, json: Publication):
    """Publish the draft as the next version, asked from a day on"""
    return _changed(lambda user: questions.publish(user, set_id, effective_from=json.effective_from,
                                                   expected_version=json.row_version))


@bp.post("/satisfaction/question-sets/<int:set_id>/delete")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": SetList, **_REFUSALS})
def delete_draft(set_id: int, json: VersionRead):
    """Delete the draft"""
    _applied(lambda user: questions.delete_draft(user, set_id, expected_version=json.row_version))
    return _set_list()
