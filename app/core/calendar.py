"""The working-day calendar's own data: special days an administrator sets, and deadlines counted in working days.
Every capability and the diagrams' calendar functions (``workflows.calendar``) count with it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from app.core.types import UTCDateTime, utcnow


class SpecialDayKind:
    holiday = "holiday"  # a day off the cabinet announced (วันหยุดพิเศษ): not a working day
    working = "working"  # a public holiday of the package that is cancelled: a working day after all


class SpecialDay(db.Model):
    """An administrator's correction to the calendar; one per date."""

    __tablename__ = "special_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name_th: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str | None] = mapped_column(String(255))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeadlineStatus:
    open = "open"
    closed = "closed"


class WorkingDayDeadline(db.Model):
    """A deadline counted as ``working_days`` after ``starts_at``, kept so that a calendar change moves it.

    ``timer_variable`` names the process-instance data variable (an ISO time with +07:00) that a BPMN
    timer reads; moving the deadline rewrites it and the instance's next timer.
    """

    __tablename__ = "working_day_deadline"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    timer_variable: Mapped[str | None] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    working_days: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), default=DeadlineStatus.open, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# An object's deadlines: closing a step's (every completion) and replacing them, not every open one in the country.
Index("ix_working_day_deadline_object", WorkingDayDeadline.object_type, WorkingDayDeadline.object_id,
      WorkingDayDeadline.status)
