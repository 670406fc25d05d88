"""Citizen manuals and their revisions (a minimal model; full content comes later)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import Agency
from app.models.types import UTCDateTime, utcnow


class ManualStatus:
    draft = "draft"  # never submitted
    in_review = "in_review"
    returned = "returned"  # waiting for the author to revise
    published = "published"


class RevisionStatus:
    in_review = "in_review"  # submitted, waiting for the agency reviewer
    agency_approved = "agency_approved"  # waiting for OPDC
    returned = "returned"
    published = "published"
    superseded = "superseded"


class Manual(db.Model):
    __tablename__ = "manual"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ManualStatus.draft)
    published_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("manual_revision.id", use_alter=True, name="fk_manual_published_revision")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    agency: Mapped[Agency] = relationship(lazy="joined")
    published_revision: Mapped[ManualRevision | None] = relationship(foreign_keys=[published_revision_id])

    __mapper_args__ = {"version_id_col": lock_version}


class ManualRevision(db.Model):
    """Frozen once submitted: only ``status`` and its timestamps change afterwards."""

    __tablename__ = "manual_revision"
    __table_args__ = (UniqueConstraint("manual_id", "number", name="uq_manual_revision_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    manual_id: Mapped[int] = mapped_column(ForeignKey("manual.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    change_note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=RevisionStatus.in_review)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    manual: Mapped[Manual] = relationship(foreign_keys=[manual_id])


FROZEN_REVISION_FIELDS = ("manual_id", "number", "title", "body", "change_note", "submitted_at", "submitted_by_id")


class RevisionIsFrozen(Exception):
    pass


@event.listens_for(ManualRevision, "before_update")
def _refuse_content_changes(mapper, connection, target):
    state = db.inspect(target)
    changed = [name for name in FROZEN_REVISION_FIELDS if state.attrs[name].history.has_changes()]
    if changed:
        raise RevisionIsFrozen(f"a submitted revision cannot change: {', '.join(changed)}")
