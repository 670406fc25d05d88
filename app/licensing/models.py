"""Licence-issuance reports (monthly periods, each service point's figures per process, unlock requests) and delayed
applications under the Licensing Facilitation Act s.10 with the notices sent about them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.extensions import db
from app.core.types import TreePath, UTCDateTime, utcnow
from app.manuals.models import Process
from app.org.models import Agency

FIGURE_FIELDS = ("received", "approved", "refused", "pending", "within_limit", "over_limit")


class ReportPeriod(db.Model):
    """One month of reports; it closes at ``closes_at`` (the close day of the following month, Bangkok midnight)."""

    __tablename__ = "report_period"
    __table_args__ = (UniqueConstraint("year", "month", name="uq_report_period_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set once, by the locking job
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LicenceReport(db.Model):
    """A service point's figures for one process in one period."""

    __tablename__ = "licence_report"
    __table_args__ = (
        UniqueConstraint("period_id", "agency_id", "process_id", name="uq_licence_report_row"),
        CheckConstraint("received >= 0 AND approved >= 0 AND refused >= 0 AND pending >= 0 "
                        "AND within_limit >= 0 AND over_limit >= 0", name="non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("report_period.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)  # the service point
    process_id: Mapped[int] = mapped_column(ForeignKey("process.id"), index=True)
    received: Mapped[int] = mapped_column(Integer, default=0)
    approved: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    pending: Mapped[int] = mapped_column(Integer, default=0)
    within_limit: Mapped[int] = mapped_column(Integer, default=0)
    over_limit: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": lock_version}


class UnlockStatus:
    pending = "pending"
    approved = "approved"  # the window is open until ``opens_until``
    refused = "refused"
    expired = "expired"  # the window closed; the service point's one unlock of the period is used up

    HOLDS_SLOT = (pending, approved, expired)


class UnlockRequest(db.Model):
    """A service point's request to reopen a locked period, decided by OPDC through ``unlock_request.bpmn``.

    ``slot`` is "<period>:<service point>" while the request is pending, approved or expired, and NULL once
    refused: the unique constraint lets at most one such request exist, so two requests sent at the same
    moment cannot both pass, and an unlock once granted can never be asked for again.
    """

    __tablename__ = "unlock_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("report_period.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    slot: Mapped[str | None] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=UnlockStatus.pending)
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    opens_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    relocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))

    period: Mapped[ReportPeriod] = relationship(lazy="joined")
    agency: Mapped[Agency] = relationship(lazy="joined")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


Index("ix_unlock_request_instance", UnlockRequest.instance_id)  # the request of a task (its steps, the task's page)


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
    # When the officer last gave the current reason (the weekly task): a notice without a newer one restates it.
    reason_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))

    agency: Mapped[Agency] = relationship(lazy="joined")
    process: Mapped[Process] = relationship(lazy="joined")
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])


Index("ix_delay_record_status_path", DelayRecord.status, DelayRecord.agency_path)
Index("ix_delay_record_instance", DelayRecord.instance_id)  # the record of a task (its steps, the task's page)
Index("ix_delay_record_reference", DelayRecord.reference)  # the public status page looks a reference up
Index("ix_delay_record_path", DelayRecord.agency_path)  # a central officer's delays, of every status


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
    # Issued on its day with no newer reason from the officer: it restates the last one.
    restated: Mapped[bool] = mapped_column(Boolean, default=False)
    # The applicant's e-mail in the outbox; a notice not e-mailed (no address, the mail failed) goes by post.
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    delay: Mapped[DelayRecord] = relationship(lazy="joined")


# The notices to post (not e-mailed, or the e-mail failed), oldest first: the register's "to post" list.
Index("ix_delay_notice_to_post", DelayNotice.posted_at, DelayNotice.issued_at, DelayNotice.id)
