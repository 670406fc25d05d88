"""Reporter accounts of IR Online: sign-up, e-mail verification over the outbox, and who counts as a reporter.

A reporter is a ``User`` with ``account_kind = "reporter"``, no membership and the e-mail address as user name.
The account stays inactive (so /login refuses it) until the person opens the one-time link e-mailed to them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from app.accounts.models import AccountKind, User
from app.accounts.services import accounts
from app.core import settings, tokens
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.helpdesk.models import ReporterProfile
from notifications import queue_mail
from notifications.models import OutboxMessage

# A second "resend" within this time sends nothing more: the first e-mail is still on its way.
RESEND_PAUSE = timedelta(minutes=1)


class VerificationRefused(Exception):
    """``code``: "invalid" (no such link, or already used) or "expired"."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class SignupInput:
    display_name: str
    email: str
    password: str
    reporter_type: str
    organisation: str | None = None
    locale: str = "th"


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def sign_up(data: SignupInput) -> User | None:
    """Create the inactive reporter account and e-mail its verification link.

    An address that already has an account gets no second one; the answer on screen is the same (so the form
    does not tell strangers who has an account): an unverified reporter is sent a fresh link, anyone else a
    note that they already have an account. Returns the new user, or None when the address was taken.
    """
    email = normalise_email(data.email)
    existing = db.session.scalar(select(User).where(User.username == email))
    if existing is None:
        user = User(username=email, display_name=data.display_name.strip(), email=email,
                    password_hash=accounts.hash_password(data.password), locale=data.locale, active=False,
                    account_kind=AccountKind.reporter)
        try:
            with db.session.begin_nested():  # two sign-ups with one address at once: the second finds it taken
                db.session.add(user)
                db.session.flush()
        except IntegrityError:
            existing = db.session.scalar(select(User).where(User.username == email))
        else:
            db.session.add(ReporterProfile(user_id=user.id, reporter_type=data.reporter_type,
                                           organisation=(data.organisation or "").strip() or None))
            db.session.flush()
            record_audit("reporter.signed_up", actor_id=user.id, object_type="user", object_id=user.id,
                         after={"reporter_type": data.reporter_type})
            _send_link(user)
            return user
    if existing is not None:
        if _awaits_verification(existing):
            _send_link(existing)
        else:
            _mail_existing_account(existing)
    return None


def resend(email: str) -> None:
    """A new link for an unverified reporter (it replaces the previous one); nothing for any other address."""
    user = db.session.scalar(select(User).where(User.username == normalise_email(email)))
    if user is not None and _awaits_verification(user):
        _send_link(user)


def verify(token: str) -> tuple[User, bool]:
    """Activate the account whose link this is; returns the user and whether this call verified it.

    The link is cleared by a conditional UPDATE, so of two clicks at once one verifies and the other finds the
    account verified already. Raises VerificationRefused for an unknown, used or expired link.
    """
    digest = tokens.digest(token or "")
    profile = db.session.scalar(select(ReporterProfile).where(ReporterProfile.verify_token_hash == digest))
    if profile is None:
        raise VerificationRefused("invalid")
    now = utcnow()
    if profile.verify_expires_at is None or profile.verify_expires_at <= now:
        raise VerificationRefused("expired")
    won = db.session.execute(
        update(ReporterProfile)
        .where(ReporterProfile.user_id == profile.user_id, ReporterProfile.verify_token_hash == digest)
        .values(verify_token_hash=None, verify_expires_at=None)
        .execution_options(synchronize_session=False)).rowcount == 1
    user = db.session.get(User, profile.user_id)
    if won:
        db.session.execute(update(User).where(User.id == user.id, User.email_verified_at.is_(None))
                           .values(email_verified_at=now, active=True)
                           .execution_options(synchronize_session=False))
        record_audit("reporter.verified", actor_id=user.id, object_type="user", object_id=user.id)
        db.session.flush()
    db.session.refresh(user)
    return user, won


def sign_in(email: str, password: str) -> User | None:
    """The reporter with these credentials, or None. Reporters sign in with their e-mail and password even where
    staff use Digital ID only (PASSWORD_LOGIN_ENABLED=false): they have no Digital ID account."""
    user = accounts.authenticate(normalise_email(email), password)
    return user if user is not None and user.account_kind == AccountKind.reporter else None


def awaiting_verification(username: str, password: str) -> bool:
    """Whether these are the right credentials of a reporter who has not opened the link yet (/login says so)."""
    user = db.session.scalar(select(User).where(User.username == normalise_email(username)))
    return (user is not None and _awaits_verification(user) and bool(user.password_hash)
            and check_password_hash(user.password_hash, password))


def is_reporter(user_id: int | str) -> bool:
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return False
    return db.session.scalar(select(User.account_kind).where(User.id == user_id)) == AccountKind.reporter


def profile_of(user: User | None) -> ReporterProfile | None:
    if user is None or not getattr(user, "is_authenticated", False) or user.account_kind != AccountKind.reporter:
        return None
    return db.session.get(ReporterProfile, user.id)


# --- e-mail -------------------------------------------------------------------------------------------------


def _awaits_verification(user: User) -> bool:
    return user.account_kind == AccountKind.reporter and user.email_verified_at is None


def _send_link(user: User) -> None:
    profile = db.session.get(ReporterProfile, user.id)
    now = utcnow()
    if profile.verify_sent_at is not None and now - profile.verify_sent_at < RESEND_PAUSE:
        return
    token = secrets.token_urlsafe(32)
    hours = settings.value("REPORTER_VERIFY_HOURS")
    profile.verify_token_hash = tokens.digest(token)
    profile.verify_expires_at = now + timedelta(hours=hours)
    profile.verify_sent_at = now
    link = settings.external_url("ir.verify", token=token)
    with force_locale(user.locale or "th"):
        subject = str(_l("Verify your e-mail address for IR Online"))
        body = str(_l("Hello %(name)s,\n\nOpen this link within %(hours)d hours to verify your e-mail address "
                      "and activate your IR Online account. The link works once.\n\n%(link)s\n\n"
                      "If you did not sign up, ignore this e-mail: no account is activated without the link.",
                      name=user.display_name, hours=hours, link=link))
    queue_mail(dedup_key=f"reporter:{user.id}:verify:{profile.verify_token_hash[:32]}", user_id=user.id,
               to_address=user.email, subject=subject, body=body)
    record_audit("reporter.verification_sent", actor_id=user.id, object_type="user", object_id=user.id)
    db.session.flush()


def _mail_existing_account(user: User) -> None:
    if not user.email:
        return
    with force_locale(user.locale or "th"):
        subject = str(_l("You already have an account"))
        body = str(_l("Hello %(name)s,\n\nSomeone (perhaps you) tried to sign up for IR Online with this e-mail "
                      "address, which already has an account. Sign in here:\n\n%(link)s\n\n"
                      "If it was not you, you need not do anything.",
                      name=user.display_name, link=settings.external_url("auth.login")))
    # One note per account per day is plenty, however often the form is sent.
    day = utcnow().date().isoformat()
    key = f"reporter:{user.id}:exists:{day}"
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)) is None:
        queue_mail(dedup_key=key, user_id=user.id, to_address=user.email, subject=subject, body=body)
        db.session.flush()
