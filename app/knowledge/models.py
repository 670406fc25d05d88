"""The procurement FAQ: entries, and the revisions that go through review before they are published.

An entry (``FaqEntry``) is what the public site shows: its question, answer and topic are the published text
(or, before the first publication, the text proposed). Every change goes through a revision (``FaqRevision``)
reviewed in ``workflows/faq_review.bpmn``; approving it copies its text into the entry. History is the engine's
append-only audit log (``object_type="faq_entry"``).

Search: ``search_text`` and ``question_key`` hold the normalised text of a published entry (empty otherwise), as
the public manuals index does (``public_index.normalise``). PostgreSQL looks substrings up through GIN trigram
indexes (declared below); SQLite scans the published rows, which a FAQ keeps few (hundreds, a few thousand at
most: ``tests/knowledge/test_search.py`` holds a search of 2,000 entries to its time).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from app.core.types import UTCDateTime, utcnow


class FaqStatus:
    draft = "draft"  # returned to its proposer, never published yet
    in_review = "in_review"  # proposed, never published yet, waiting for the supervisor
    published = "published"  # on the public site (an edit may be in review meanwhile)
    withdrawn = "withdrawn"  # taken off the public site, or a proposal its proposer gave up
    rejected = "rejected"  # a proposal the supervisor refused, never published

    ALL = (draft, in_review, published, withdrawn, rejected)


class RevisionState:
    in_review = "in_review"
    returned = "returned"  # back with the proposer, with the supervisor's reason
    approved = "approved"  # published
    rejected = "rejected"
    abandoned = "abandoned"  # the proposer gave the return up

    OPEN = (in_review, returned)


class SourceKind:
    chat = "chat"  # proposed from an answer in Live Chat
    manual = "manual"  # written by hand by staff
    seed = "seed"  # loaded with the demo data or an import

    ALL = (chat, manual, seed)


class FaqEntry(db.Model):
    __tablename__ = "faq_entry"
    __table_args__ = (UniqueConstraint("source_kind", "source_ref", name="uq_faq_entry_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question: Mapped[str] = mapped_column(String(500))
    answer: Mapped[str] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(16), default=FaqStatus.in_review, index=True)
    # Where it came from: a chat message (kind "chat", ref its id), a staff member's own text ("manual"), ...
    # ``source_ref`` is unique per kind, so one chat answer is proposed once however often the button is pressed.
    source_kind: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str | None] = mapped_column(String(64))
    source_label: Mapped[str | None] = mapped_column(String(255))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How many times it has been published (the public page says "version 2").
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Normalised text of the published entry, for search (empty while it is not published).
    question_key: Mapped[str] = mapped_column(String(500), default="", server_default="")
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Two people changing one entry at once: the later one gets a conflict, nothing is half-written.
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def is_public(self) -> bool:
        return self.status == FaqStatus.published


class FaqRevision(db.Model):
    """One proposed text of an entry and its review (one review process each)."""

    __tablename__ = "faq_revision"
    __table_args__ = (UniqueConstraint("entry_id", "number", name="uq_faq_revision_entry_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entry.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(500))
    answer: Mapped[str] = mapped_column(Text)
    topic: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)  # why the change, from whoever proposed it
    state: Mapped[str] = mapped_column(String(16), default=RevisionState.in_review, index=True)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str | None] = mapped_column(Text)  # the reason of a return or a rejection
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    row_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __mapper_args__ = {"version_id_col": row_version}


# Published entries by topic, newest first: the public list reads them off this index.
Index("ix_faq_entry_public", FaqEntry.status, FaqEntry.topic, FaqEntry.published_at)
# Substring search without word splitting (Thai has no spaces): GIN trigram indexes on PostgreSQL. SQLite has no
# trigram index of this kind: there the same index is kept empty (WHERE 0), so the schema is one on both.
for _column in ("search_text", "question_key"):
    Index(f"ix_faq_entry_{_column}_trgm", getattr(FaqEntry, _column), postgresql_using="gin",
          postgresql_ops={_column: "gin_trgm_ops"}, sqlite_where=false())
