"""In-app notifications and the outbox of messages to send."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from app.core.types import UTCDateTime, utcnow


class Notification(db.Model):
    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


Index("ix_notification_user_unread", Notification.user_id, Notification.read_at, Notification.created_at)


class OutboxStatus:
    pending = "pending"
    sent = "sent"
    skipped = "skipped"  # no mail server configured, or no address
    failed = "failed"  # gave up: a reason that will not go away, or after the last attempt


class OutboxMessage(db.Model):
    """Written in the same transaction as the change it reports; sent at least once by a job."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(255), unique=True)
    channel: Mapped[str] = mapped_column(String(16), default="email")
    to_address: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # One file sent with the message (an official letter as PDF), kept as it was when the change happened.
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment_data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # "<kind>:<record id>" while the file is still to be made by the outbox (notifications.MadeLater).
    attachment_source: Mapped[str | None] = mapped_column(String(64))

    @property
    def failed_at(self) -> datetime | None:
        """When a failed message was given up on: its next attempt time is set to that, as none is due any more."""
        return self.next_attempt_at if self.status == OutboxStatus.failed else None


Index("ix_outbox_pending", OutboxMessage.status, OutboxMessage.next_attempt_at)
