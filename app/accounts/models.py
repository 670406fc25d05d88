"""People, their roles at agencies (memberships), API tokens and one-time role tokens."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import db
from app.core.types import UTCDateTime, utcnow
from app.org.models import Agency


class Role(str, enum.Enum):
    central_officer = "central_officer"
    service_point_officer = "service_point_officer"
    manual_author = "manual_author"
    manual_reviewer = "manual_reviewer"
    opdc_officer = "opdc_officer"
    admin = "admin"
    helpdesk_agent = "helpdesk_agent"
    helpdesk_supervisor = "helpdesk_supervisor"
    chat_agent = "chat_agent"  # answers Live Chat and proposes FAQ entries
    chat_supervisor = "chat_supervisor"  # manages Live Chat and reviews the FAQ


# Roles that act everywhere, whatever agency their membership names.
NATIONWIDE_ROLES = {Role.opdc_officer.value, Role.admin.value}


class AccountKind:
    staff = "staff"
    reporter = "reporter"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_user_account_oidc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(8), default="th")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Digital ID (OpenID Connect): the provider's issuer URL and the person's stable ``sub`` there.
    oidc_issuer: Mapped[str | None] = mapped_column(String(255))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    # "staff" work in the back office through memberships; "reporter" accounts only file and follow IR reports.
    account_kind: Mapped[str] = mapped_column(String(16), default="staff", server_default="staff")
    # Set when the person opened the link e-mailed to them (reporters sign in only after that).
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Every signed-in session carries this number (see get_id); raising it ends all of the person's sessions,
    # on every device, at their next request: signing out, a new password, a removed role.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The last day a delegation names this person the acting officer, raised as delegations are made and never
    # lowered: whether a page must look up whom they act for today (nearly nobody does) without a statement.
    acting_until: Mapped[date | None] = mapped_column(Date)
    # Whether the person has saved inbox filters, set again after each save or deletion: the inbox page skips
    # the filters' query for the many who have none.
    has_saved_filters: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", lazy="selectin", primaryjoin="and_(User.id == Membership.user_id, Membership.active)"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_reporter(self) -> bool:
        """An IR Online reporter account: no back-office page, menu entry or count."""
        return self.account_kind == AccountKind.reporter

    def get_id(self) -> str:
        """What the session and the remember-me cookie keep: the id and the session generation (Flask-Login's
        alternative id), so that a cookie saved before the generation was raised no longer signs anyone in."""
        return f"{self.id}:{self.session_generation or 0}"

    def __repr__(self) -> str:
        return f"<User {self.username}>"


Index("ix_user_account_email", User.email)  # an address taken: a reporter's sign-up, a new address


class Membership(db.Model):
    """A user holds one role within one agency (and everything below it).

    ``source`` says how it was granted: by an administrator, or later by a
    one-time access token on first Digital ID sign-in.
    """

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "agency_id", "role", name="uq_membership_user_agency_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16), default="admin")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    agency: Mapped[Agency] = relationship(lazy="joined")


class ApiToken(db.Model):
    """Personal access token for API clients; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written at most once a minute (a read through the API writes nothing in between).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the token may do, chosen when it is issued: "manuals:read manuals:write inbox:read …".
    scopes: Mapped[str] = mapped_column(String(1000), default="", server_default="")

    user: Mapped[User] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


Index("ix_membership_role_agency", Membership.role, Membership.agency_id)


class RoleTokenState(str, enum.Enum):
    waiting = "waiting"  # issued, not yet redeemed
    used = "used"  # redeemed: it made a membership
    refreshed = "refreshed"  # replaced by the next token of the same issue; stops working at once
    expired = "expired"  # nobody redeemed it in time


class RoleToken(db.Model):
    """A one-time token that binds the person who redeems it to an agency and a role.

    Only the SHA-256 of the token is stored; the token itself is shown once to the issuing officer.
    Each token runs ``workflows/token_issuance.bpmn`` (``instance_id``), which waits for the redemption,
    a refresh or the expiry. A refresh makes a new row whose ``replaces_id`` names the old one.
    """

    __tablename__ = "role_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=RoleTokenState.waiting.value, index=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("role_token.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # used, refreshed or expired at
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))

    agency: Mapped[Agency] = relationship(lazy="joined")
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])
    used_by: Mapped[User | None] = relationship(foreign_keys=[used_by_id])


class LegacyAccountState:
    pending = "pending"  # imported; nobody has signed in as this officer yet
    linked = "linked"  # matched to a Digital ID sign-in


class LegacyAccount(db.Model):
    """An officer account moved in from the legacy system, waiting to be matched on a first Digital ID sign-in.

    Its ``user`` is created inactive, without a password or a Digital ID link, holding the imported memberships:
    nobody can sign in as it until a sign-in matches it (then it becomes that person's account). The citizen id
    is kept only as a keyed hash (HMAC-SHA256), never in clear.
    """

    __tablename__ = "legacy_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    legacy_ref: Mapped[str] = mapped_column(String(64), unique=True)
    citizen_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    email: Mapped[str | None] = mapped_column(String(255), index=True)  # lower case, for matching
    state: Mapped[str] = mapped_column(String(16), default=LegacyAccountState.pending, index=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    matched_by: Mapped[str | None] = mapped_column(String(16))  # "citizen_id", "email" or "administrator"
    # An administrator gave the roles to a person's existing account instead: that account (``user`` stays unused).
    linked_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The last sign-in that matched this account and others alike: left for an administrator to settle.
    ambiguous_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])
