"""Reporter accounts of IR Online: who they report as, and the e-mail verification they must complete."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.org import User
from app.models.types import UTCDateTime, utcnow


class AccountKind:
    staff = "staff"
    reporter = "reporter"


class ReporterProfile(db.Model):
    """One row per reporter account (``User.account_kind == "reporter"``).

    Only the SHA-256 of the e-mail verification token is kept; a new link replaces the previous one, and
    opening it clears the hash, so each link works once.
    """

    __tablename__ = "reporter_profile"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    reporter_type: Mapped[str] = mapped_column(String(16))
    organisation: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    verify_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    verify_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verify_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class ReporterLinkPurpose:
    password_reset = "password_reset"
    email_change = "email_change"


class ReporterLink(db.Model):
    """A one-time link e-mailed to a reporter: a password reset, or the verification of a new e-mail address.

    Only the token's SHA-256 is kept. Rows stay after use so that a used, replaced or expired link can each be
    explained; at most one link per account and purpose is live (neither used nor replaced).
    """

    __tablename__ = "reporter_link"
    __table_args__ = (Index("ix_reporter_link_user_purpose", "user_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    new_email: Mapped[str | None] = mapped_column(String(80))  # the address being verified (email_change)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
