"""The satisfaction report and the moderation of ratings over the API, as on their screens (``views.py``): the
report's figures as JSON (the viewer's scope, a period, a breakdown), the ratings list, and OPDC's exclusion of a
rating with a reason (audited) and its restoration. Who may see which agencies, and who may exclude, is the
services' (``access``): out of scope is 404, as on the pages; excluding without the right is 403.

Dates are ISO (2026-12-04) or วว/ดด/ปปปป; a Buddhist-era year is read as such. Without dates: the last 12 months.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.core import api
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.ratings.services import access, moderation, questions, report
from app.ratings.services.errors import NotAllowed, RatingError, RatingNotFound
from forms.api import Day, Line, PageNumber, QueryId, Request, RequiredText

bp = api.blueprint("ratings_staff", __name__)
TAG = "ratings"
READ, WRITE = "ratings:read", "ratings:write"


class Period(Request):
    first: Day | None = None
    last: Day | None = None
    agency: QueryId = Field(None, description="an agency of my scope (none: all of it)")
    province: Line | None = Field(None, max_length=100)
    service: Line | None = Field(None, pattern=r"^[mo]\d{1,10}$", description="m<manual id> or o<other service id>")
    page: PageNumber = 1


class ReportQuery(Period):
    by: Literal["unit", "province", "service"] = "unit"


class RatingsQuery(Period):
    q: Line | None = Field(None, max_length=200, description="words of the comments")
    show: Literal["comments", "duplicates", "excluded", "all"] = "comments"


class ShareFigure(BaseModel):
    label_th: str
    label_en: str | None
    count: int
    share: float


class QuestionFigure(BaseModel):
    position: int
    kind: str
    text_th: str
    answered: int
    average: float | None
    distribution: list[ShareFigure]


class SetFigures(BaseModel):
    set_id: int
    ratings: int
    questions: list[QuestionFigure]


class MonthFigure(BaseModel):
    year: int
    month: int
    ratings: int
    score: float | None


class BreakdownFigure(BaseModel):
    key: str
    label_th: str
    label_en: str | None
    ratings: int
    score: float | None
    agency_id: int | None
    province: str | None
    service: str | None


class SatisfactionReport(BaseModel):
    first: date
    last: date
    scope_agency_id: int | None
    scope_name: str | None
    ratings: int
    comments: int
    duplicates: int
    excluded: int
    kiosk: int
    score: float | None = Field(description="the mean of every 1-5 answer")
    percent: float | None
    versions: list[SetFigures]
    months: list[MonthFigure]
    breakdown: list[BreakdownFigure]
    breakdown_total: int


class RatingItem(BaseModel):
    id: int
    day: date
    agency_id: int
    agency_name: str
    service: str | None
    channel: str
    comment: str | None
    duplicate_of_id: int | None
    excluded_at: datetime | None
    exclusion_reason: str | None


class RatingList(BaseModel):
    items: list[RatingItem]
    total: int
    page: int
    pages: int
    more: bool = Field(description="more than the counted total match")


class Exclusion(Request):
    reason: RequiredText = Field(max_length=moderation.REASON_MAX)


def scope_paths() -> list[str]:
    paths = access.view_paths(api.current_user_of_token())
    if not paths:
        raise ApiError(403, reason="no_rating_scope")
    return paths


def period_of(query: Period) -> tuple[date, date]:
    today = questions.today()
    last = query.last or today
    first = query.first or report.twelve_months_back(today)
    if first > last:
        raise ApiError(422, fields={"last": [str(api.MESSAGES[422])]}, reason="period_reversed")
    return first, last


def refused(exc: RatingError) -> ApiError:
    if isinstance(exc, NotAllowed | RatingNotFound):
        return ApiError(404)
    return api.refusal(422, exc)


def report_of(query: ReportQuery) -> report.Report:
    """The report for my scope and the query's period and filters, as its page computes it."""
    paths = scope_paths()
    first, last = period_of(query)
    filters = report.ReportFilters(first=first, last=last, agency_id=query.agency, province=query.province or None,
                                   service=query.service or None, breakdown=query.by, page=min(query.page, 10_000))
    try:
        return report.satisfaction(filters, paths)
    except RatingError as exc:
        raise refused(exc) from None


@bp.get("/satisfaction/report")
@api.operation(READ, tag=TAG, resp={"HTTP_200": SatisfactionReport, "HTTP_422": ErrorBody})
def satisfaction_report(query: ReportQuery):
    """The satisfaction report's figures for my scope and a period"""
    result = report_of(query)
    return SatisfactionReport(
        first=result.filters.first, last=result.filters.last, scope_agency_id=result.scope.id if result.scope else None,
        scope_name=result.scope.name_th if result.scope else None, ratings=result.ratings, comments=result.comments,
        duplicates=result.duplicates, excluded=result.excluded, kiosk=result.kiosk, score=result.score,
        percent=result.percent, breakdown_total=result.breakdown_total,
        versions=[SetFigures(set_id=v.question_set.id, ratings=v.ratings, questions=[
            QuestionFigure(position=q.question.position, kind=q.question.kind, text_th=q.question.text_th,
                           answered=q.answered, average=q.average,
                           distribution=[ShareFigure(label_th=s.label_th, label_en=s.label_en, count=s.count,
                                                     share=s.share) for s in q.distribution])
            for q in v.questions]) for v in result.versions],
        months=[MonthFigure(year=m.year, month=m.month, ratings=m.ratings, score=m.score) for m in result.months],
        breakdown=[BreakdownFigure(key=b.key, label_th=b.label_th, label_en=b.label_en, ratings=b.ratings,
                                   score=b.score, agency_id=b.agency_id, province=b.province, service=b.service)
                   for b in result.breakdown])


def _item(row) -> RatingItem:
    rating = row.rating
    return RatingItem(id=rating.id, day=rating.day, agency_id=rating.agency_id, agency_name=row.agency_name_th,
                      service=rating.service, channel=rating.channel, comment=rating.comment,
                      duplicate_of_id=rating.duplicate_of_id, excluded_at=rating.excluded_at,
                      exclusion_reason=rating.exclusion_reason)


@bp.get("/satisfaction/ratings")
@api.operation(READ, tag=TAG, resp={"HTTP_200": RatingList, "HTTP_422": ErrorBody})
def ratings_list(query: RatingsQuery):
    """The ratings of my scope and a period, newest first (with a comment, flagged, excluded, or all)"""
    paths = scope_paths()
    first, last = period_of(query)
    filters = moderation.ListFilters(first=first, last=last, agency_id=query.agency, province=query.province or None,
                                     service=query.service or None, text=query.q or None, show=query.show,
                                     page=min(query.page, 10_000))
    try:
        page = moderation.ratings(filters, paths)
    except RatingError as exc:
        raise refused(exc) from None
    return RatingList(items=[_item(row) for row in page.rows], total=page.total, page=page.page, pages=page.pages,
                      more=bool(getattr(page, "more", False)))


def _moderated(action) -> RatingItem:
    user = api.current_user_of_token()
    if not access.can_exclude(user):
        raise ApiError(403, reason="not_allowed_to_exclude")
    try:
        rating = action(user)
        db.session.commit()
    except (NotAllowed, RatingNotFound):
        raise ApiError(404) from None
    except RatingError as exc:
        raise api.refusal(409, exc) from None
    row, agency = moderation.get(rating.id, access.view_paths(user))
    return _item(moderation.RatingRow(row, agency.name_th, agency.name_en))


@bp.post("/satisfaction/ratings/<int:rating_id>/exclude")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": RatingItem, "HTTP_409": ErrorBody})
def exclude(rating_id: int, json: Exclusion):
    """Take a rating out of the figures, with the reason (OPDC; audited)"""
    return _moderated(lambda user: moderation.exclude(user, rating_id, json.reason))


@bp.post("/satisfaction/ratings/<int:rating_id>/restore")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": RatingItem, "HTTP_409": ErrorBody})
def restore(rating_id: int):
    """Count an excluded rating again (OPDC; audited)"""
    return _moderated(lambda user: moderation.restore(user, rating_id))
