"""The procurement FAQ over the API, open to anyone as the FAQ page is: search the published answers, read one."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field

from app.core import api
from app.core.api import ApiError, ErrorBody
from app.knowledge.services import faq_errors, faq_search
from forms.api import Line, PageNumber, Request

bp = api.blueprint("knowledge", __name__)


class FaqQuery(Request):
    q: Line | None = Field(None, description="words of the question; every one must appear")
    topic: Line | None = Field(None, max_length=100)
    page: PageNumber = 1


class FaqAnswer(BaseModel):
    id: int
    question: str
    answer: str
    topic: str | None
    published_at: datetime | None


class FaqPage(BaseModel):
    items: list[FaqAnswer]
    total: int
    page: int
    pages: int
    topics: dict[str, int]


def _answer(entry) -> FaqAnswer:
    return FaqAnswer(id=entry.id, question=entry.question, answer=entry.answer, topic=entry.topic,
                     published_at=entry.published_at)


@bp.get("/faq")
@api.operation(None, resp={"HTTP_200": FaqPage})
def search(query: FaqQuery):
    """Search the published answers (anyone)"""
    result = faq_search.search(query.q or "", query.topic, query.page)
    return FaqPage(items=[_answer(entry) for entry in result.page.rows], total=result.page.total,
                   page=result.page.page, pages=result.page.pages, topics=dict(faq_search.topics()))


@bp.get("/faq/<int:entry_id>")
@api.operation(None, resp={"HTTP_200": FaqAnswer, "HTTP_410": ErrorBody})
def entry(entry_id: int):
    """One published answer; a withdrawn one is 410"""
    try:
        return _answer(faq_search.public_entry(entry_id))
    except faq_errors.NotPublished as missing:
        if missing.withdrawn:
            raise ApiError(410, _l("This answer has been withdrawn. Search the FAQ for a current one."),
                           reason="withdrawn") from None
        raise ApiError(404) from None
