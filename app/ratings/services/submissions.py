"""A citizen rates a service point: the page's questions, the answers checked, the duplicate check.

No personal data is asked for or kept. To find a second rating from one phone within minutes, the rating keeps a
keyed hash of the device's random cookie (or, without one, of its address) and the day: it cannot be turned back
into either, and tomorrow's differs. A rating from the point's counter tablet (kiosk token) is never a duplicate:
every citizen at the counter uses it.

The rating is all a submission writes: the fold job adds it to the report's tallies within the minute (``fold``),
and the report adds it itself until then.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select, text

from app.core.extensions import db
from app.core.thai_dates import bangkok_day
from app.core.types import utcnow
from app.manuals.services import links
from app.org.models import Agency
from app.ratings.models import (
    ANSWER_COMMENT,
    ANSWER_NONE,
    Channel,
    Question,
    QuestionKind,
    QuestionSet,
    Rating,
    RatingPoint,
)
from app.ratings.services import points, questions
from app.ratings.services.errors import InvalidAnswers, NoQuestionSet, QuestionsChanged

COMMENT_MAX = 1000
DUPLICATE_MINUTES = 30


@dataclass
class ServiceChoice:
    key: str  # "m<manual id>" or "o<other service id>"
    title: str


@dataclass
class RatingPage:
    point: RatingPoint
    agency: Agency
    question_set: QuestionSet
    services: list[ServiceChoice] = field(default_factory=list)


@dataclass
class RatingInput:
    code: str
    set_id: int | None  # the question set the page showed
    answers: dict[int, str]  # question position → the value sent ("" for none)
    comment: str | None = None
    service: str | None = None
    device: str | None = None  # the device cookie's random value
    address: str | None = None  # the sender's address (hashed with the day, never kept)
    kiosk_token: str | None = None


def services_of(agency: Agency) -> list[ServiceChoice]:
    """The services a citizen may name: the point's published manuals and other services."""
    provided = links.for_agency(agency.id, public_only=True)
    return ([ServiceChoice(f"m{m.id}", m.title) for m in provided.manuals]
            + [ServiceChoice(f"o{o.id}", o.title) for o in provided.other_services])


def page(code: str, *, with_services: bool = True) -> RatingPage:
    point, agency = points.by_code(code)
    question_set = questions.current()
    if question_set is None:
        raise NoQuestionSet()
    return RatingPage(point=point, agency=agency, question_set=question_set,
                      services=services_of(agency) if with_services else [])


def check_answers(question_list: list[Question], answers: dict[int, str], comment: str | None) -> tuple[str, dict]:
    """The answers as stored (one character per position) and what is wrong, by position."""
    errors: dict[int, str] = {}
    stored = []
    for question in question_list:
        value = (answers.get(question.position) or "").strip()
        if question.kind == QuestionKind.comment:
            text = (comment or "").strip()
            if len(text) > COMMENT_MAX:
                errors[question.position] = "too_long"
            elif not text and question.required:
                errors[question.position] = "required"
            stored.append(ANSWER_COMMENT if text else ANSWER_NONE)
            continue
        allowed = {QuestionKind.scale: {"1", "2", "3", "4", "5"}, QuestionKind.yes_no: {"0", "1"},
                   QuestionKind.choice: {str(i) for i in range(len(question.options or []))}}[question.kind]
        if not value:
            if question.required:
                errors[question.position] = "required"
            stored.append(ANSWER_NONE)
        elif value not in allowed:
            errors[question.position] = "invalid"
            stored.append(ANSWER_NONE)
        else:
            stored.append(value)
    return "".join(stored), errors


def fingerprint(secret: str, day, device: str | None, address: str | None) -> str | None:
    source = f"d:{device}" if device else f"a:{address}" if address else None
    if source is None:
        return None
    return hmac.new(secret.encode(), f"{day.isoformat()}|{source}".encode(), hashlib.sha256).hexdigest()[:32]


def submit(data: RatingInput, *, secret: str, duplicate_minutes: int = DUPLICATE_MINUTES,
           shown: RatingPage | None = None) -> Rating:
    """Store one rating, for the fold job to add to the tallies (flushed, not committed). ``shown``: the page the request
    already looked up for ``data.code``, so that nothing is read twice."""
    if db.engine.dialect.name == "postgresql":
        # A rating is worth less than a wait on the disk: its commit returns before the WAL is flushed (a crash
        # may lose the last fraction of a second of ratings; it never leaves a half-written one). This
        # transaction only.
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    if shown is None:
        shown = page(data.code, with_services=False)
    point, agency, question_set = shown.point, shown.agency, shown.question_set
    if data.set_id is not None and data.set_id != question_set.id:
        raise QuestionsChanged(question_set.id)
    question_list = list(question_set.questions)
    answers, errors = check_answers(question_list, data.answers, data.comment)
    service = (data.service or "").strip() or None
    if service is not None and service not in {choice.key for choice in shown.services or services_of(agency)}:
        errors[0] = "service"
    if errors:
        raise InvalidAnswers(errors)
    now = utcnow()
    day = bangkok_day(now)
    kiosk = points.kiosk_matches(point, data.kiosk_token)
    rating = Rating(agency_id=agency.id, set_id=question_set.id, service=service, created_at=now, day=day,
                    channel=Channel.kiosk if kiosk else Channel.web, answers=answers,
                    comment=(data.comment or "").strip() or None if ANSWER_COMMENT in answers else None)
    if not kiosk:
        rating.fingerprint = fingerprint(secret, day, data.device, data.address)
        if rating.fingerprint is not None:
            # Looked up by the INSERT itself: one round trip fewer for every citizen.
            rating.duplicate_of_id = (
                select(Rating.id).where(Rating.fingerprint == rating.fingerprint, Rating.agency_id == agency.id,
                                        Rating.created_at >= now - timedelta(minutes=duplicate_minutes),
                                        Rating.duplicate_of_id.is_(None))
                .order_by(Rating.id).limit(1).scalar_subquery())
    db.session.add(rating)
    db.session.flush()
    return rating
