"""Question sets: OPDC drafts a new version, publishes it from a day on, and the rating page asks it from that day.

A published set never changes: its ratings are read against it for ever. A new version starts as a draft copy of
the latest one; there is one draft at a time. Two officers saving one draft at once: the second is told, and
nothing of theirs is saved (``row_version``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from app.accounts.models import User
from app.core.conflicts import flush_or_conflict
from app.core.extensions import db
from app.core.thai_dates import bangkok_day
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.ratings.models import MAX_CHOICES, MAX_QUESTIONS, Question, QuestionKind, QuestionSet, SetStatus
from app.ratings.services import access
from app.ratings.services.errors import (
    DraftExists,
    InvalidEffectiveDate,
    InvalidQuestions,
    NotAllowed,
    SetChangedMeanwhile,
    SetNotEditable,
    SetNotFound,
)

SCALE_POINTS = 5
YES_NO = [["ใช่", "Yes"], ["ไม่ใช่", "No"]]
TEXT_MAX = 500


@dataclass
class QuestionInput:
    kind: str
    text_th: str
    text_en: str | None = None
    required: bool = True
    options: list[list[str]] = field(default_factory=list)  # [Thai, English] each
    key: str | None = None


# --- reading ---------------------------------------------------------------------------------------------------


def today() -> date:
    return bangkok_day(utcnow())


def effective_set_id(day: date) -> int | None:
    """The published set that applies on ``day``: the latest whose first day has come."""
    return db.session.scalar(select(QuestionSet.id).where(QuestionSet.status == SetStatus.published,
                                                          QuestionSet.effective_from <= day)
                             .order_by(QuestionSet.effective_from.desc(), QuestionSet.id.desc()).limit(1))


def published(set_id: int) -> QuestionSet | None:
    """A published set with its questions (two queries; the session keeps them for the rest of the request)."""
    question_set = db.session.get(QuestionSet, set_id)
    return question_set if question_set is not None and question_set.status == SetStatus.published else None


# Published sets never change: the one asked on the rating page is kept per process, detached, with its questions,
# under its id and publication moment (a set published again under a reused id, as in tests, is another key).
_kept: dict[tuple, QuestionSet] = {}


def current(day: date | None = None) -> QuestionSet | None:
    """The set asked on ``day`` (today), with its questions: one query when this process has read it before."""
    row = db.session.execute(select(QuestionSet.id, QuestionSet.published_at)
                             .where(QuestionSet.status == SetStatus.published,
                                    QuestionSet.effective_from <= (day or today()))
                             .order_by(QuestionSet.effective_from.desc(), QuestionSet.id.desc()).limit(1)).first()
    if row is None:
        return None
    key = (str(db.engine.url), row.id, row.published_at)
    kept = _kept.get(key)
    if kept is None:
        kept = published(row.id)
        _ = list(kept.questions)  # loaded before the set leaves the session (its questions leave with it)
        db.session.expunge(kept)
        if len(_kept) > 32:
            _kept.clear()
        _kept[key] = kept
    return kept


def all_sets() -> list[QuestionSet]:
    """Drafts first, then the versions from the newest."""
    rows = list(db.session.scalars(select(QuestionSet)))
    return sorted(rows, key=lambda s: (s.status != SetStatus.draft, -(s.version or 0)))


def get(set_id: int) -> QuestionSet:
    question_set = db.session.get(QuestionSet, set_id)
    if question_set is None:
        raise SetNotFound(set_id)
    return question_set


def questions_by_id(set_ids) -> dict[int, Question]:
    """The questions of these sets by id."""
    found: dict[int, Question] = {}
    for set_id in set(set_ids):
        question_set = published(set_id)
        if question_set is not None:
            found.update({q.id: q for q in question_set.questions})
    return found


# --- drafts ----------------------------------------------------------------------------------------------------


def _require(user: User) -> None:
    if not access.can_manage_questions(user):
        raise NotAllowed()


def _check_version(question_set: QuestionSet, expected_version: int | None) -> None:
    if expected_version is not None and question_set.row_version != expected_version:
        raise SetChangedMeanwhile(question_set.id)


def new_draft(user: User) -> QuestionSet:
    """A draft copy of the latest version (there is one draft at a time: DraftExists names it)."""
    _require(user)
    draft_id = db.session.scalar(select(QuestionSet.id).where(QuestionSet.status == SetStatus.draft).limit(1))
    if draft_id is not None:
        raise DraftExists(draft_id)
    latest = db.session.scalar(select(QuestionSet).where(QuestionSet.status == SetStatus.published)
                               .order_by(QuestionSet.version.desc()).limit(1))
    draft = QuestionSet(status=SetStatus.draft, title_th=latest.title_th if latest else "แบบประเมินความพึงพอใจ",
                        title_en=latest.title_en if latest else "Satisfaction survey",
                        based_on_id=latest.id if latest else None, created_by_id=user.id, created_at=utcnow())
    if latest is not None:
        draft.questions = [Question(position=q.position, kind=q.kind, text_th=q.text_th, text_en=q.text_en,
                                    required=q.required, options=[list(o) for o in q.options or []], key=q.key)
                           for q in latest.questions]
    db.session.add(draft)
    db.session.flush()
    record_audit("rating.question_set_drafted", actor_id=user.id, object_type="rating_question_set",
                 object_id=draft.id, after={"based_on": latest.version if latest else None})
    return draft


def check_questions(title_th: str, questions: list[QuestionInput]) -> dict[int, str]:
    """What is wrong with a set, by row (1-based; 0 for the set as a whole); empty when it may be saved."""
    errors: dict[int, str] = {}
    if not (title_th or "").strip():
        errors[0] = "title_required"
    if not any(q.kind in QuestionKind.SCORED for q in questions):
        errors.setdefault(0, "no_scored_question")
    if len(questions) > MAX_QUESTIONS:
        errors.setdefault(0, "too_many")
    if sum(q.kind == QuestionKind.comment for q in questions) > 1:
        errors.setdefault(0, "one_comment")
    for row, question in enumerate(questions, start=1):
        texts = [question.text_th, question.text_en or "", *(t for pair in question.options for t in pair)]
        if question.kind not in QuestionKind.ALL:
            errors[row] = "kind"
        elif not question.text_th.strip():
            errors[row] = "text_required"
        elif any(len(t) > TEXT_MAX for t in texts):
            errors[row] = "too_long"
        elif question.kind == QuestionKind.scale and len(question.options) != SCALE_POINTS:
            errors[row] = "scale_labels"
        elif question.kind == QuestionKind.choice and not 2 <= len(question.options) <= MAX_CHOICES:
            errors[row] = "choices"
        elif any(not pair or not pair[0].strip() for pair in question.options):
            errors[row] = "option_text"
    return errors


def save_draft(user: User, set_id: int, *, title_th: str, title_en: str | None, questions: list[QuestionInput],
               expected_version: int | None) -> QuestionSet:
    """Replace the draft's title and questions (in the order given)."""
    _require(user)
    draft = get(set_id)
    if draft.status != SetStatus.draft:
        raise SetNotEditable(set_id)
    _check_version(draft, expected_version)
    errors = check_questions(title_th, questions)
    if errors:
        raise InvalidQuestions(errors)
    before = _summary(draft)
    draft.title_th, draft.title_en = title_th.strip(), (title_en or "").strip() or None
    draft.questions.clear()
    db.session.flush()  # the old rows go before the new take their positions
    for position, q in enumerate(questions, start=1):
        options = YES_NO if q.kind == QuestionKind.yes_no else [] if q.kind == QuestionKind.comment else [
            [pair[0].strip(), (pair[1] if len(pair) > 1 else "").strip()] for pair in q.options]
        draft.questions.append(Question(position=position, kind=q.kind, text_th=q.text_th.strip(),
                                        text_en=(q.text_en or "").strip() or None, required=bool(q.required),
                                        options=options, key=(q.key or "").strip() or None))
    flag_modified(draft, "title_th")  # the set's row changes too, so that its version moves on
    flush_or_conflict(SetChangedMeanwhile(set_id))
    record_audit("rating.question_set_saved", actor_id=user.id, object_type="rating_question_set",
                 object_id=draft.id, before=before, after=_summary(draft))
    return draft


def _summary(question_set: QuestionSet) -> dict:
    return {"title_th": question_set.title_th,
            "questions": [f"{q.position}. [{q.kind}] {q.text_th}" for q in question_set.questions]}


def delete_draft(user: User, set_id: int, *, expected_version: int | None) -> None:
    _require(user)
    draft = get(set_id)
    if draft.status != SetStatus.draft:
        raise SetNotEditable(set_id)
    _check_version(draft, expected_version)
    db.session.delete(draft)
    flush_or_conflict(SetChangedMeanwhile(set_id))
    record_audit("rating.question_set_deleted", actor_id=user.id, object_type="rating_question_set",
                 object_id=set_id, before=_summary(draft))


def publish(user: User, set_id: int, *, effective_from: date, expected_version: int | None) -> QuestionSet:
    """The draft becomes the next version, asked from ``effective_from`` (today or later, after the latest
    version's first day)."""
    _require(user)
    draft = get(set_id)
    if draft.status != SetStatus.draft:
        raise SetNotEditable(set_id)
    _check_version(draft, expected_version)
    if effective_from < today():
        raise InvalidEffectiveDate("past")
    latest_day = db.session.scalar(select(func.max(QuestionSet.effective_from))
                                   .where(QuestionSet.status == SetStatus.published))
    if latest_day is not None and effective_from <= latest_day:
        raise InvalidEffectiveDate("not_after_current")
    errors = check_questions(draft.title_th, [QuestionInput(q.kind, q.text_th, q.text_en, q.required, q.options)
                                              for q in draft.questions])
    if errors:
        raise InvalidQuestions(errors)
    version = (db.session.scalar(select(func.max(QuestionSet.version))) or 0) + 1
    draft.status, draft.version, draft.effective_from = SetStatus.published, version, effective_from
    draft.published_at, draft.published_by_id = utcnow(), user.id
    flush_or_conflict(SetChangedMeanwhile(set_id))
    record_audit("rating.question_set_published", actor_id=user.id, object_type="rating_question_set",
                 object_id=draft.id, after={"version": version, "effective_from": effective_from.isoformat()})
    return draft
