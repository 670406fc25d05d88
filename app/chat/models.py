"""Live Chat: chats (a visitor's session with the desk), their messages and files, the topics, the desk's
settings (service hours, time limits), the agents' availability and the blocked visitors.

A chat's life runs in ``workflows/chat_session.bpmn`` (``instance_id``): queued, accepted, active, closed by
either side or after the visitor was idle, rated; or, when nobody accepts in time or the desk is closed, an
offline question answered later. The follow-up link is never stored: like IR Online's, it is an HMAC of
``follow_nonce`` under the application's secret key (``services.sessions.follow_token``).

Messages are numbered by their id: a client asks for what came after the last id it holds (``since``), and
drops an id it already has, so a message is shown once however often it is delivered. ``client_ref`` is the
sender's own id of a message: sending it again (after a dropped connection) stores nothing new.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from app.core.types import UTCDateTime, utcnow


class ChatStatus:
    queued = "queued"  # waiting for an agent
    offered = "offered"  # nobody accepted in time, or outside service hours: the visitor may leave a question
    active = "active"
    closed = "closed"  # ended by the visitor, the agent, or after the visitor was idle
    abandoned = "abandoned"  # the visitor left before anyone accepted
    offline = "offline"  # an offline question waiting for its answer
    answered = "answered"  # an offline question answered

    ALL = (queued, offered, active, closed, abandoned, offline, answered)
    LIVE = (queued, offered, active)


class VisitorType:
    agency = "agency"
    vendor = "vendor"
    public = "public"

    ALL = (agency, vendor, public)


class MessageKind:
    visitor = "visitor"
    agent = "agent"
    note = "note"  # internal: agents only
    system = "system"

    PUBLIC = (visitor, agent, system)


class Availability:
    online = "online"
    away = "away"
    offline = "offline"

    ALL = (online, away, offline)


class ChatTopic(db.Model):
    """A managed list of what people ask about (e-bidding, contract guarantee, e-GP registration, ...)."""

    __tablename__ = "chat_topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_th: Mapped[str] = mapped_column(String(255), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ChatSettings(db.Model):
    """The desk's one row of settings, kept by the supervisor: service hours on working days and time limits."""

    __tablename__ = "chat_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    opens_at: Mapped[str] = mapped_column(String(5), default="08:30")  # Bangkok time, on working days
    closes_at: Mapped[str] = mapped_column(String(5), default="16:30")
    accept_minutes: Mapped[int] = mapped_column(Integer, default=5)  # then the visitor may leave a question
    idle_remind_minutes: Mapped[int] = mapped_column(Integer, default=10)
    idle_close_minutes: Mapped[int] = mapped_column(Integer, default=15)  # after the reminder
    offline_answer_days: Mapped[int] = mapped_column(Integer, default=2)  # working days to answer a question
    default_max_chats: Mapped[int] = mapped_column(Integer, default=3)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __mapper_args__ = {"version_id_col": lock_version}


class ChatAgentState(db.Model):
    """An agent's availability and how many chats they take at once."""

    __tablename__ = "chat_agent_state"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=Availability.offline)
    max_chats: Mapped[int] = mapped_column(Integer, default=3)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChatSession(db.Model):
    __tablename__ = "chat_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    follow_nonce: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=ChatStatus.queued, index=True)
    channel: Mapped[str] = mapped_column(String(16), default="web")  # "web" (anonymous) or "account" (signed in)
    visitor_type: Mapped[str] = mapped_column(String(16))
    visitor_name: Mapped[str | None] = mapped_column(String(255))
    visitor_email: Mapped[str | None] = mapped_column(String(255))
    visitor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    visitor_address: Mapped[str | None] = mapped_column(String(64), index=True)  # for blocking and rate limits
    topic_id: Mapped[int] = mapped_column(ForeignKey("chat_topic.id"), index=True)
    question: Mapped[str] = mapped_column(Text)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("helpdesk_team.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(16))  # visitor, agent, idle, abandoned
    close_topic_id: Mapped[int | None] = mapped_column(ForeignKey("chat_topic.id"))
    last_visitor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offline_question: Mapped[str | None] = mapped_column(Text)
    offline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offline_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offline_answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))  # the IR report made of it
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    __mapper_args__ = {"version_id_col": lock_version}


Index("ix_chat_session_status_agent", ChatSession.status, ChatSession.agent_id)
Index("ix_chat_session_accepted", ChatSession.accepted_at)  # the recent waits a queued visitor's estimate reads


class ChatMessage(db.Model):
    __tablename__ = "chat_message"
    __table_args__ = (UniqueConstraint("session_id", "client_ref", name="uq_chat_message_client_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("chat_session.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    author_name: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    client_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChatAttachment(db.Model):
    """An image or PDF sent in a chat; the file is stored once per content (``app.core.file_store``)."""

    __tablename__ = "chat_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("chat_session.id"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("chat_message.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))


class ChatBlock(db.Model):
    """A visitor the supervisor blocked: by network address, or by account. Lifting it keeps the row."""

    __tablename__ = "chat_block"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str | None] = mapped_column(String(64), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("chat_session.id"))
    reason: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
