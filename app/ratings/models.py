"""Satisfaction ratings: versioned question sets, the points that take ratings, the ratings, and their daily tallies.

- ``QuestionSet`` / ``Question``: OPDC keeps the questions. A set is a draft until it is published with the day it
  applies from; a published set never changes again, so a rating always reads against the questions it answered.
- ``RatingPoint``: a service point's public code (``/rate/<code>``, printed on its poster) and its kiosk token
  (only the SHA-256 is kept).
- ``Rating``: one citizen's answers, one character per question position (see ``ANSWER_*``), the comment, and how
  it counts: a flagged duplicate or an excluded rating (reason and who, audited) is kept but not counted.
- ``RatingTally``: what the report reads. For every day, scope (nationwide, each agency on the point's path, the
  point's province) and service (all, or the one chosen), per question: how many answered, the sum of the values
  and how many gave each value. A submission stores the rating alone (``folded`` false); the fold job
  (``services.fold``) adds the new ratings' counts every minute, many ratings in one upsert per key. Until then
  the report adds those few ratings itself; an exclusion of a folded rating moves its counts.
- ``RatingFold``: the one row whose lock the fold, exclusions and recounts take, so that none counts twice.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.extensions import db
from app.core.types import UTCDateTime, utcnow
from app.org.models import Agency

# SQLite numbers rows only through INTEGER PRIMARY KEY; PostgreSQL takes the 20 million a year in a BIGINT.
RatingId = BigInteger().with_variant(Integer(), "sqlite")

# How many questions a set may hold: ``Rating.answers`` keeps one character per question.
MAX_QUESTIONS = 30
# A histogram column per value 0-9: a 1-5 scale uses h1-h5, yes/no h1 (yes) and h0 (no), a choice its option's index.
HISTOGRAM = tuple(f"h{value}" for value in range(10))
MAX_CHOICES = len(HISTOGRAM)

ANSWER_NONE = "."  # not answered (an optional question)
ANSWER_COMMENT = "c"  # a comment question answered (the text is in ``Rating.comment``)


class QuestionKind:
    scale = "scale"  # 1-5, each point labelled
    yes_no = "yes_no"
    choice = "choice"  # one of 2-10 options
    comment = "comment"  # free text; at most one per set

    ALL = (scale, yes_no, choice, comment)
    SCORED = (scale, yes_no, choice)


class SetStatus:
    draft = "draft"
    published = "published"


class Channel:
    web = "web"  # a citizen's own phone, from the poster's QR code or the link
    kiosk = "kiosk"  # the tablet at the counter


class QuestionSet(db.Model):
    __tablename__ = "rating_question_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int | None] = mapped_column(Integer, unique=True)  # numbered when published
    status: Mapped[str] = mapped_column(String(16), default=SetStatus.draft)
    title_th: Mapped[str] = mapped_column(String(255))
    title_en: Mapped[str | None] = mapped_column(String(255))
    effective_from: Mapped[date | None] = mapped_column(Date, index=True)  # set when published
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("rating_question_set.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Two OPDC officers editing one draft at once: the second is told, and nothing of theirs is half-saved.
    row_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    questions: Mapped[list[Question]] = relationship(
        back_populates="question_set", order_by="Question.position", cascade="all, delete-orphan",
        lazy="selectin")

    __mapper_args__ = {"version_id_col": row_version}

    def title(self, locale: str = "th") -> str:
        return (self.title_en or self.title_th) if locale == "en" else self.title_th


class Question(db.Model):
    __tablename__ = "rating_question"
    __table_args__ = (UniqueConstraint("set_id", "position", name="uq_rating_question_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("rating_question_set.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1, 2, …: also the answer's place in ``Rating.answers``
    kind: Mapped[str] = mapped_column(String(16))
    text_th: Mapped[str] = mapped_column(String(500))
    text_en: Mapped[str | None] = mapped_column(String(500))
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    # Scale: the five points' labels, lowest first; choice: the options. Each is [Thai, English].
    options: Mapped[list] = mapped_column(JSON, default=list)
    # What the question measures, the same across versions ("overall", "waiting_time"): optional.
    key: Mapped[str | None] = mapped_column(String(40))

    question_set: Mapped[QuestionSet] = relationship(back_populates="questions")

    def text(self, locale: str = "th") -> str:
        return (self.text_en or self.text_th) if locale == "en" else self.text_th

    def option_labels(self, locale: str = "th") -> list[str]:
        return [(pair[1] or pair[0]) if locale == "en" and len(pair) > 1 else pair[0] for pair in self.options or []]


class RatingPoint(db.Model):
    """A service point as it takes ratings: its public code and its counter tablet's token."""

    __tablename__ = "rating_point"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    kiosk_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    kiosk_token_prefix: Mapped[str | None] = mapped_column(String(12))
    kiosk_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kiosk_issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined")


class Rating(db.Model):
    __tablename__ = "rating"

    id: Mapped[int] = mapped_column(RatingId, primary_key=True, autoincrement=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    set_id: Mapped[int] = mapped_column(ForeignKey("rating_question_set.id"))
    # The service the citizen chose from the point's linked ones: "m<manual id>" or "o<other service id>".
    service: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    day: Mapped[date] = mapped_column(Date)  # the day in Bangkok
    channel: Mapped[str] = mapped_column(String(8), default=Channel.web)
    answers: Mapped[str] = mapped_column(String(MAX_QUESTIONS))
    comment: Mapped[str | None] = mapped_column(Text)
    # A keyed hash of the device (or address) and the day: finds a second rating from one phone within minutes,
    # and says nothing about who or where (no address or device id is kept, and tomorrow's hash differs).
    fingerprint: Mapped[str | None] = mapped_column(String(32))
    duplicate_of_id: Mapped[int | None] = mapped_column(RatingId)
    excluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    excluded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    exclusion_reason: Mapped[str | None] = mapped_column(String(500))
    # Its counts are in the tallies (the fold job, or a recount, put them there); until then the report adds them.
    folded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    agency: Mapped[Agency] = relationship(lazy="raise")
    question_set: Mapped[QuestionSet] = relationship(lazy="raise")
    excluded_by: Mapped[User | None] = relationship(lazy="raise")

    @property
    def counted(self) -> bool:
        return self.duplicate_of_id is None and self.excluded_at is None


Index("ix_rating_agency_day", Rating.agency_id, Rating.day)
# The duplicate check: every column it compares, so that no database walks a busy point's ratings instead.
Index("ix_rating_fingerprint_agency", Rating.fingerprint, Rating.agency_id, Rating.created_at)
Index("ix_rating_day", Rating.day)
# The comments of a period, newest first, without reading the ratings that have none.
Index("ix_rating_comment_day", Rating.day, Rating.id, sqlite_where=text("comment IS NOT NULL"),
      postgresql_where=text("comment IS NOT NULL"))
# The ratings not yet folded: a minute's worth, read by the fold and by the report, never the whole table.
Index("ix_rating_unfolded", Rating.id, sqlite_where=text("folded = 0"), postgresql_where=text("folded = false"))


class RatingTally(db.Model):
    """Per day, scope, service and question: the counts the report sums.

    ``scope``: ``*`` nationwide, ``a<agency id>`` for the point and each agency above it, ``p<province>``.
    ``service``: ``""`` every service, or the rating's ``service``. ``question_id`` 0 counts the ratings
    themselves: ``n`` counted ratings, ``total`` with a comment, ``h0`` flagged duplicates, ``h1`` excluded,
    ``h2`` from a kiosk.
    """

    __tablename__ = "rating_tally"

    scope: Mapped[str] = mapped_column(String(120), primary_key=True)
    service: Mapped[str] = mapped_column(String(24), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    question_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    h0: Mapped[int] = mapped_column(Integer, default=0)
    h1: Mapped[int] = mapped_column(Integer, default=0)
    h2: Mapped[int] = mapped_column(Integer, default=0)
    h3: Mapped[int] = mapped_column(Integer, default=0)
    h4: Mapped[int] = mapped_column(Integer, default=0)
    h5: Mapped[int] = mapped_column(Integer, default=0)
    h6: Mapped[int] = mapped_column(Integer, default=0)
    h7: Mapped[int] = mapped_column(Integer, default=0)
    h8: Mapped[int] = mapped_column(Integer, default=0)
    h9: Mapped[int] = mapped_column(Integer, default=0)


class RatingFold(db.Model):
    """One row (id 1): the fold, an exclusion and a recount each update it first, so that they run one at a time
    (its row lock on PostgreSQL, the one writer on SQLite). ``generation`` changes with each of them: a report
    that read the tallies and the unfolded ratings while it stayed the same read them at one moment."""

    __tablename__ = "rating_fold"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)
