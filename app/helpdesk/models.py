"""IR Online: problem reports about the e-GP system, their conversation, teams, SLA targets and standard answers,
and the reporter accounts' profiles and e-mail links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.extensions import db
from app.core.types import UTCDateTime, utcnow


class ReporterType:
    agency = "agency"
    vendor = "vendor"
    public = "public"

    ALL = (agency, vendor, public)


class TicketStatus:
    new = "new"  # reported, waiting for triage
    open = "open"  # triaged and assigned, no public answer yet
    in_progress = "in_progress"
    waiting_reporter = "waiting_reporter"
    resolved = "resolved"
    closed = "closed"
    merged = "merged"

    ALL = (new, open, in_progress, waiting_reporter, resolved, closed, merged)
    ACTIVE = (new, open, in_progress, waiting_reporter)  # the desk works on these
    FINISHED = (closed, merged)


class TicketPriority:
    urgent = "urgent"
    high = "high"
    normal = "normal"
    low = "low"

    ALL = (urgent, high, normal, low)


class MessageKind:
    reporter = "reporter"
    public_reply = "public_reply"
    internal_note = "internal_note"
    system = "system"

    PUBLIC = (reporter, public_reply, system)


class TicketCategory(db.Model):
    """A managed list of e-GP areas (registration, procurement plan, announcement, …)."""

    __tablename__ = "ticket_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_th: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str | None] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class HelpdeskTeam(db.Model):
    """A group of agents a ticket can be assigned to (e.g. the e-bidding desk)."""

    __tablename__ = "helpdesk_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class HelpdeskTeamMember(db.Model):
    __tablename__ = "helpdesk_team_member"

    team_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_team.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True, index=True)


class SlaTarget(db.Model):
    """Targets per priority, in office minutes (08:30-16:30 on working days)."""

    __tablename__ = "helpdesk_sla_target"

    priority: Mapped[str] = mapped_column(String(16), primary_key=True)
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class Ticket(db.Model):
    """One report; its lifecycle runs in ``incident_ticket.bpmn`` (``instance_id``).

    The follow-up link is never stored: it is an HMAC of ``follow_nonce`` under the application's secret key,
    so every e-mail can carry it again and a stolen database does not reveal it.

    SLA: due times count office minutes from ``created_at``; ``paused_minutes`` adds the office minutes spent
    waiting on the reporter (or resolved before a reopen), so the due times shift by exactly that much.
    """

    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    follow_nonce: Mapped[str] = mapped_column(String(64))
    reporter_type: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int] = mapped_column(ForeignKey("ticket_category.id"), index=True)
    project_number: Mapped[str | None] = mapped_column(String(11), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(255))
    contact_email: Mapped[str | None] = mapped_column(String(255))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=TicketStatus.new)
    priority: Mapped[str] = mapped_column(String(16), default=TicketPriority.normal)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("helpdesk_team.id"), index=True)
    # SLA
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_minutes: Mapped[int] = mapped_column(Integer, default=0)
    first_response_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    # Waiting on the reporter and the reporter's window after a resolution.
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirm_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str | None] = mapped_column(String(32))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    reopened_from_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[TicketCategory] = relationship(lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    team: Mapped[HelpdeskTeam | None] = relationship()
    reporter_user: Mapped[User | None] = relationship(foreign_keys=[reporter_user_id])
    merged_into: Mapped[Ticket | None] = relationship(remote_side=[id], foreign_keys=[merged_into_id])
    reopened_from: Mapped[Ticket | None] = relationship(remote_side=[id], foreign_keys=[reopened_from_id])

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def sla_due_at(self) -> datetime | None:
        """The next target that counts: the first response until it is given, then the resolution."""
        return self.resolution_due_at if self.first_responded_at else self.first_response_due_at

    @property
    def breached(self) -> bool:
        return self.first_response_breached or self.resolution_breached


Index("ix_ticket_status_assignee", Ticket.status, Ticket.assignee_id)
Index("ix_ticket_status_team", Ticket.status, Ticket.team_id)
Index("ix_ticket_instance", Ticket.instance_id)  # the ticket of a task (the triage step, the task's page)
Index("ix_ticket_merged_into", Ticket.merged_into_id)  # a ticket's page shows the reports merged into it


class TicketMessage(db.Model):
    __tablename__ = "ticket_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")
    attachments: Mapped[list[TicketAttachment]] = relationship(lazy="raise", viewonly=True,
                                                               order_by="TicketAttachment.id")

    @property
    def is_public(self) -> bool:
        return self.kind in MessageKind.PUBLIC


class TicketAttachment(db.Model):
    """A screenshot or PDF; the file is stored once per content (see app.manuals.services.attachments)."""

    __tablename__ = "ticket_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_message.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StandardAnswer(db.Model):
    """A canned reply; its body may hold {ticket_number} {reporter_name} {project_number} {agent_name}."""

    __tablename__ = "helpdesk_answer"
    __table_args__ = (UniqueConstraint("title", name="uq_helpdesk_answer_title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_category.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    category: Mapped[TicketCategory | None] = relationship(lazy="joined")


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
