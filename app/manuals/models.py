"""Processes (กระบวนงาน), citizen manuals and their revisions, other services, and links to service points.

A manual changes only through a revision. A revision is a *draft* while its
author edits it; once submitted it is frozen (only its status and timestamps
change) and goes through ``workflows/manual_revision.bpmn``.

``ManualRevision.content`` is the manual's content as one JSON document (the
keys are documented in ``app/services/manual_content.py``, which validates and
compares it). The search words ``common_names``, ``tags``, ``category_ids`` and
``user_group_ids`` are part of it, so they go through approval like the rest.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import db
from app.core.types import UTCDateTime, utcnow
from app.org.models import Agency


class ServiceType:
    """What a process grants (ประเภทงานบริการ), as info.go.th lists them."""

    licence = "licence"  # อนุญาต
    registration = "registration"  # จดทะเบียน
    notification = "notification"  # รับแจ้ง
    approval = "approval"  # อนุมัติ
    certification = "certification"  # ให้ความเห็นชอบ / รับรอง
    other = "other"  # บริการอื่น

    ALL = (licence, registration, notification, approval, certification, other)


class ImpactLevel:
    local = "local"  # ท้องถิ่น
    provincial = "provincial"  # ภูมิภาค
    national = "national"  # ทั่วประเทศ

    ALL = (local, provincial, national)


class ServiceArea:
    central = "central"  # ส่วนกลาง
    regional = "regional"  # ส่วนภูมิภาค
    local_government = "local_government"  # ส่วนท้องถิ่น
    overseas = "overseas"  # ต่างประเทศ

    ALL = (central, regional, local_government, overseas)


class Process(db.Model):
    """A service an agency provides (กระบวนงาน); edited directly, without approval."""

    __tablename__ = "process"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)  # the owning department
    name_th: Mapped[str] = mapped_column(String(500))
    name_en: Mapped[str | None] = mapped_column(String(500))
    service_type: Mapped[str] = mapped_column(String(20), default=ServiceType.licence)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("catalogue_entry.id"), index=True)
    impact_level: Mapped[str | None] = mapped_column(String(20))
    service_area: Mapped[str | None] = mapped_column(String(20))
    legal_basis: Mapped[str | None] = mapped_column(Text)
    legal_time_limit_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    legacy_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    agency: Mapped[Agency] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": lock_version}

    def name(self, locale: str = "th") -> str:
        return (self.name_en or self.name_th) if locale == "en" else self.name_th


class ManualStatus:
    draft = "draft"  # never submitted
    in_review = "in_review"
    returned = "returned"  # waiting for the author to revise
    published = "published"


class RevisionStatus:
    draft = "draft"  # being edited; not yet submitted
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
    process_id: Mapped[int | None] = mapped_column(ForeignKey("process.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ManualStatus.draft)
    published_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("manual_revision.id", use_alter=True, name="fk_manual_published_revision")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    legacy_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    agency: Mapped[Agency] = relationship(lazy="joined")
    process: Mapped[Process | None] = relationship()
    published_revision: Mapped[ManualRevision | None] = relationship(foreign_keys=[published_revision_id])

    __mapper_args__ = {"version_id_col": lock_version}


class ManualRevision(db.Model):
    """Editable while ``draft``; frozen once submitted: only ``status`` and its timestamps change afterwards."""

    __tablename__ = "manual_revision"
    __table_args__ = (UniqueConstraint("manual_id", "number", name="uq_manual_revision_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    manual_id: Mapped[int] = mapped_column(ForeignKey("manual.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    change_note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=RevisionStatus.draft)
    # The revision this one was copied from ("add revision" copies the published one).
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("manual_revision.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two editors saving the same draft: the second gets a conflict instead of overwriting.
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)

    manual: Mapped[Manual] = relationship(foreign_keys=[manual_id])
    attachments: Mapped[list[ManualAttachment]] = relationship(
        back_populates="revision", order_by="ManualAttachment.position", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": row_version}


Index("ix_manual_revision_status", ManualRevision.manual_id, ManualRevision.status)
Index("ix_manual_revision_instance", ManualRevision.instance_id)  # a revision by its approval's instance


class ManualUserGroup(db.Model):
    """A user group (a catalogue entry of kind "user_group") the manual's latest revision is for: its content's
    ``user_group_ids`` kept as rows, filled when a revision is saved, so that reports count manuals per group
    without reading every revision's content."""

    __tablename__ = "manual_user_group"

    manual_id: Mapped[int] = mapped_column(ForeignKey("manual.id"), primary_key=True)
    user_group_id: Mapped[int] = mapped_column(ForeignKey("catalogue_entry.id"), primary_key=True, index=True)


class ManualAttachment(db.Model):
    """A sample form (PDF or image) of one revision; the file lives in instance/uploads under its SHA-256.

    Copying a revision copies these rows, not the files: identical files are stored once.
    """

    __tablename__ = "manual_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("manual_revision.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(255))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    revision: Mapped[ManualRevision] = relationship(back_populates="attachments")


class OtherService(db.Model):
    """A service of an agency that needs no legally required manual (บริการอื่นๆ); published without approval.

    ``content`` has the same keys as a manual revision's where they apply (criteria,
    channels, documents, fees, common_names, tags, category_ids, user_group_ids, ...).
    """

    __tablename__ = "other_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str | None] = mapped_column(Text)
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published | hidden
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    legacy_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    agency: Mapped[Agency] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": lock_version}


class OtherServiceStatus:
    draft = "draft"
    published = "published"
    hidden = "hidden"


class ServiceLink(db.Model):
    """An agency or service point that provides a process, a manual or an other service.

    Exactly one of ``process_id``, ``manual_id`` and ``other_service_id`` is set.
    """

    __tablename__ = "service_link"
    __table_args__ = (
        UniqueConstraint("agency_id", "process_id", name="uq_service_link_process"),
        UniqueConstraint("agency_id", "manual_id", name="uq_service_link_manual"),
        UniqueConstraint("agency_id", "other_service_id", name="uq_service_link_other_service"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    process_id: Mapped[int | None] = mapped_column(ForeignKey("process.id"), index=True)
    manual_id: Mapped[int | None] = mapped_column(ForeignKey("manual.id"), index=True)
    other_service_id: Mapped[int | None] = mapped_column(ForeignKey("other_service.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    agency: Mapped[Agency] = relationship(lazy="joined")


FROZEN_REVISION_FIELDS = ("manual_id", "number", "title", "content", "change_note", "submitted_at", "submitted_by_id")


class RevisionIsFrozen(Exception):
    pass


@event.listens_for(ManualRevision, "before_update")
def _refuse_content_changes(mapper, connection, target):
    state = db.inspect(target)
    status_history = state.attrs.status.history
    was = status_history.deleted[0] if status_history.deleted else target.status
    if was == RevisionStatus.draft:
        return  # a draft is the author's to edit; submitting it is the change that freezes it
    changed = [name for name in FROZEN_REVISION_FIELDS if state.attrs[name].history.has_changes()]
    if changed:
        raise RevisionIsFrozen(f"a submitted revision cannot change: {', '.join(changed)}")


@event.listens_for(ManualAttachment, "before_insert")
@event.listens_for(ManualAttachment, "before_update")
@event.listens_for(ManualAttachment, "before_delete")
def _refuse_attachment_changes(mapper, connection, target):
    revision = target.revision or db.session.get(ManualRevision, target.revision_id)
    if revision is not None and revision.status != RevisionStatus.draft and db.inspect(revision).persistent:
        status_history = db.inspect(revision).attrs.status.history
        if not (status_history.deleted and status_history.deleted[0] == RevisionStatus.draft):
            raise RevisionIsFrozen("the sample forms of a submitted revision cannot change")
