"""The ratings themselves, listed for reading (comments, flagged duplicates, excluded ones), and OPDC's exclusions.

An excluded rating stays, with who excluded it, when and why (audited), and counts no more; putting it back
counts it again (or as the duplicate it was). Every change moves its tallies in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app.accounts.models import User
from app.core.extensions import db
from app.core.paging import Page
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.org.models import Agency
from app.ratings.models import Rating
from app.ratings.services import access, fold, questions, tallies
from app.ratings.services.errors import AlreadyExcluded, NotAllowed, NotExcluded, RatingNotFound

PER_PAGE = 20
COUNT_CAP = 1000
SHOW = ("comments", "duplicates", "excluded", "all")
REASON_MAX = 500


@dataclass(frozen=True)
class ListFilters:
    first: date
    last: date
    agency_id: int | None = None
    province: str | None = None
    service: str | None = None
    text: str | None = None
    show: str = "comments"
    page: int = 1


@dataclass
class RatingRow:
    rating: Rating
    agency_name_th: str
    agency_name_en: str | None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def ratings(filters: ListFilters, paths: list[str]) -> Page:
    """One page of the ratings in the viewer's scope, newest first (three queries: the page, its count, its sets)."""
    if not paths:
        raise NotAllowed()
    query = (select(Rating, Agency.name_th, Agency.name_en).join(Agency, Agency.id == Rating.agency_id)
             .where(Rating.day >= filters.first, Rating.day <= filters.last, access.within(Agency.path, paths)))
    if filters.agency_id is not None:
        scope = db.session.get(Agency, filters.agency_id)
        if scope is None or not access.covers(paths, scope.path):
            raise NotAllowed(filters.agency_id)
        query = query.where(access.within(Agency.path, [scope.path]))
    if filters.province:
        query = query.where(Agency.province == filters.province)
    if filters.service:
        query = query.where(Rating.service == filters.service)
    if filters.show == "comments" or filters.text:
        query = query.where(Rating.comment.is_not(None))
    if filters.text:
        query = query.where(Rating.comment.ilike(_like(filters.text), escape="\\"))
    if filters.show == "duplicates":
        query = query.where(Rating.duplicate_of_id.is_not(None))
    elif filters.show == "excluded":
        query = query.where(Rating.excluded_at.is_not(None))
    counted = db.session.scalar(select(func.count()).select_from(
        query.with_only_columns(Rating.id).limit(COUNT_CAP + 1).subquery())) or 0
    offset = (max(filters.page, 1) - 1) * PER_PAGE
    rows = [RatingRow(rating, name_th, name_en) for rating, name_th, name_en in db.session.execute(
        query.order_by(Rating.id.desc()).offset(offset).limit(PER_PAGE))]
    return Page(rows=rows, total=min(counted, COUNT_CAP), page=filters.page, per_page=PER_PAGE,
                more=counted > COUNT_CAP)


def get(rating_id: int, paths: list[str]) -> tuple[Rating, Agency]:
    # As committed now (after the fold's lock, whether the fold added it yet), not as first read in this request.
    rating = db.session.get(Rating, rating_id, populate_existing=True)
    agency = db.session.get(Agency, rating.agency_id) if rating is not None else None
    if rating is None or agency is None or not access.covers(paths, agency.path):
        raise RatingNotFound(rating_id)
    return rating, agency


def exclude(user: User, rating_id: int, reason: str) -> Rating:
    """OPDC takes a rating out of the figures, with a reason."""
    if not access.can_exclude(user):
        raise NotAllowed(rating_id)
    fold.lock()
    rating, agency = get(rating_id, access.view_paths(user))
    if rating.excluded_at is not None:
        raise AlreadyExcluded(rating_id)
    reason = " ".join((reason or "").split())[:REASON_MAX]
    old_state = tallies.state_of(rating)
    rating.excluded_at, rating.excluded_by_id, rating.exclusion_reason = utcnow(), user.id, reason
    db.session.flush()
    if rating.folded:
        tallies.move(rating, agency, list(questions.get(rating.set_id).questions), old_state, "excluded")
    record_audit("rating.excluded", actor_id=user.id, object_type="rating", object_id=rating.id,
                 comment=reason, before={"state": old_state}, after={"state": "excluded", "reason": reason})
    return rating


def restore(user: User, rating_id: int) -> Rating:
    """An exclusion undone: the rating counts again (as the duplicate it was, if it was one)."""
    if not access.can_exclude(user):
        raise NotAllowed(rating_id)
    fold.lock()
    rating, agency = get(rating_id, access.view_paths(user))
    if rating.excluded_at is None:
        raise NotExcluded(rating_id)
    reason = rating.exclusion_reason
    rating.excluded_at = rating.excluded_by_id = rating.exclusion_reason = None
    db.session.flush()
    new_state = tallies.state_of(rating)
    if rating.folded:
        tallies.move(rating, agency, list(questions.get(rating.set_id).questions), "excluded", new_state)
    record_audit("rating.restored", actor_id=user.id, object_type="rating", object_id=rating.id,
                 before={"state": "excluded", "reason": reason}, after={"state": new_state})
    return rating
