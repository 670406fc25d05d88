"""Delayed applications under the Licensing Facilitation Act s.10 and the notices sent about them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.manual import Process
from app.models.org import Agency, User
from app.models.types import TreePath, UTCDateTime, utcnow


class DelayStatus:
    open = "open"
    decided = "decided"


class DelayDecision:
    approved = "approved"
    refused = "refused"
    withdrawn = "withdrawn"

    ALL = (approved, refused, withdrawn)


class NoticeKind:
    first = "first"
    update = "update"
    final = "final"

    ALL = (first, update, final)


class DelayRecord(db.Model):
    """One delayed application at a service point; its notice cycle runs in ``delay_notice.bpmn``.

    ``lookup_code`` is kept in plain text: it is printed on every letter so that the applicant can look the
    application up, and it reveals only the application's status, never the applicant's personal data.
    """

    __tablename__ = "delay_record"
    __table_args__ = (UniqueConstraint("agency_id", "reference", name="uq_delay_record_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)  # the service point
    agency_path: Mapped[str] = mapped_column(TreePath, index=True)  # for "this department and below"
    reference: Mapped[str] = mapped_column(String(64))
    lookup_code: Mapped[str] = mapped_column(String(16))
    applicant_name: Mapped[str] = mapped_column(String(255))
    applicant_address: Mapped[str | None] = mapped_column(Text)
    applicant_email: Mapped[str | None] = mapped_column(String(255))
    applicant_phone: Mapped[str | None] = mapped_column(String(32))
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id"), index=True)
    promised_days: Mapped[int] = mapped_column(Integer)
    received_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    expected_decision_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=DelayStatus.open)
    decision: Mapped[str | None] = mapped_column(String(16))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    next_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))

    agency: Mapped[Agency] = relationship(lazy="joined")
    process: Mapped[Process] = relationship(lazy="joined")
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])


Index("ix_delay_record_status_path", DelayRecord.status, DelayRecord.agency_path)


class DelayNotice(db.Model):
    """A notice to the applicant, numbered within its record; every one is copied to OPDC."""

    __tablename__ = "delay_notice"
    __table_args__ = (UniqueConstraint("delay_id", "number", name="uq_delay_notice_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delay_id: Mapped[int] = mapped_column(ForeignKey("delay_record.id"))
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(16))
    expected_decision_on: Mapped[date | None] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    emailed_to: Mapped[str | None] = mapped_column(String(255))
    opdc_copied: Mapped[int] = mapped_column(Integer, default=0)  # how many OPDC officers got the copy

    delay: Mapped[DelayRecord] = relationship(lazy="joined")
