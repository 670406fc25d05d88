"""Licence-issuance reports: monthly periods, each service point's figures per process, unlock requests, job runs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import Agency, User
from app.models.types import UTCDateTime, utcnow

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


class JobRun(db.Model):
    """One run of a scheduled job, for the administrators' jobs page."""

    __tablename__ = "job_run"
    __table_args__ = (Index("ix_job_run_job_started", "job", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16), default="running")  # running | ok | failed
    result: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)
