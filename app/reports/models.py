"""The reports' own tables: licence figures summed per agency of the tree (so that a national or a department's
view reads a few rows, not every service point's), and the exports prepared in the background."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from app.core.types import UTCDateTime, utcnow


class LicenceTally(db.Model):
    """One period's licence figures of every service point under ``agency_id`` (the point itself included; NULL: the
    whole country), by the points' province ("*": all) and the process (0: all). Rebuilt per period from
    ``licence_report`` by the reports' job (``app.reports.services.tallies``)."""

    __tablename__ = "report_licence_tally"
    __table_args__ = (UniqueConstraint("period_id", "agency_id", "province", "process_id",
                                       name="uq_report_licence_tally"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("report_period.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    province: Mapped[str] = mapped_column(String(100), default="")
    process_id: Mapped[int] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(Integer, default=0)
    approved: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    pending: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Every view reads one grain (a province — or each, named — or all; a process or all) of the agencies it shows,
# over the period's months: equalities down the index whatever the planner knows of the table.
Index("ix_report_licence_tally_grain", LicenceTally.agency_id, LicenceTally.province, LicenceTally.process_id,
      LicenceTally.period_id)


class ExportStatus:
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class ReportExport(db.Model):
    """A large export written in the background: its progress, its file, and when its download link expires."""

    __tablename__ = "report_export"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    report_key: Mapped[str] = mapped_column(String(32))
    query: Mapped[str] = mapped_column(Text, default="")  # the report's filters, as in its address
    kind: Mapped[str] = mapped_column(String(8))  # csv | xlsx
    status: Mapped[str] = mapped_column(String(16), default=ExportStatus.queued, index=True)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # the download link's secret
    file_name: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.done:
            return 100
        return min(99, int(100 * self.rows_done / self.rows_total)) if self.rows_total else 0


class StepTally(db.Model):
    """How long the approval steps of citizen manuals took, per month the task was completed and per agency of the
    tree (NULL: the whole country): a histogram of hours (``bucket``: its index in
    ``app.reports.services.steps.BUCKET_HOURS``), and the returns each step made. Rebuilt per month by the job."""

    __tablename__ = "report_step_tally"
    __table_args__ = (UniqueConstraint("month", "agency_id", "step", "bucket", name="uq_report_step_tally"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date)  # its first day
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    step: Mapped[str] = mapped_column(String(64))
    bucket: Mapped[int] = mapped_column(Integer)  # -1: the returns' row
    tasks: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_report_step_tally_agency", StepTally.agency_id, StepTally.month)


class InstanceSnapshot(db.Model):
    """The engine's state as the job last counted it, for the operations report: instances per process, version and
    status, and open tasks per role and agency (``kind`` tells which; ``key`` and ``detail`` name the group)."""

    __tablename__ = "report_instance_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # instances | tasks
    key: Mapped[str] = mapped_column(String(120))  # process id | role
    detail: Mapped[str] = mapped_column(String(120))  # spec key | agency id
    status: Mapped[str] = mapped_column(String(16), default="")
    count: Mapped[int] = mapped_column(Integer, default=0)
    past_due: Mapped[int] = mapped_column(Integer, default=0)
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportSum(db.Model):
    """A figure of a report summed per day, agency of the tree and dimension values (``app.reports.services.sums``):
    ``subject`` names the report's facts (delays, desk, manuals), ``day`` the fact's day (NULL: a count of the
    present state), ``agency_id`` an agency the fact falls under (NULL: the whole country), ``dim1``–``dim3`` the
    values of the subject's dimensions in its order ("*": all of them), ``measure`` what is counted."""

    __tablename__ = "report_sum"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(16))
    day: Mapped[date | None] = mapped_column(Date)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    dim1: Mapped[str] = mapped_column(String(100), default="*")
    dim2: Mapped[str] = mapped_column(String(100), default="*")
    dim3: Mapped[str] = mapped_column(String(100), default="*")
    measure: Mapped[str] = mapped_column(String(32))
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_report_sum_lookup", ReportSum.subject, ReportSum.agency_id, ReportSum.dim1, ReportSum.dim2, ReportSum.dim3,
      ReportSum.day)
