"""The inbox's own tables: each officer's saved filters, and delegations while an officer is away."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from app.core.types import UTCDateTime, utcnow


class SavedFilter(db.Model):
    """A named inbox view of one officer: the tab, filters, sort and search text, as the page's URL carries them."""

    __tablename__ = "inbox_saved_filter"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_inbox_saved_filter_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    params: Mapped[dict] = mapped_column(JSON)
    # The one opened by "Tasks" when the page is asked for without any parameter.
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TaskDelegation(db.Model):
    """An officer away names an acting officer for a period (Bangkok days, both included): meanwhile the acting
    officer sees and does the absent officer's tasks. It ends by itself after ``ends_on``; cancelling it sets
    ``cancelled_at`` (rows are kept for the audit)."""

    __tablename__ = "task_delegation"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    acting_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# "For whom am I acting today": the acting officer's delegations that have not ended yet.
Index("ix_task_delegation_acting", TaskDelegation.acting_id, TaskDelegation.ends_on)
