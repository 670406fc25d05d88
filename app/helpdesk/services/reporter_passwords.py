"""Reporter accounts of IR Online after sign-up: a forgotten password, the profile, and a new e-mail address.

Both the password-reset link and the link that verifies a new address are ``ReporterLink`` rows: only the
token's hash is kept, a new link replaces the account's previous one of the same purpose, and using one is a
conditional UPDATE, so of two uses at once exactly one succeeds. Only reporter accounts take part: staff sign
in with Digital ID or are managed by administrators, so a staff address is answered like an unknown one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from app.accounts.models import AccountKind, User
from app.accounts.services import accounts
from app.core import settings, tokens
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.helpdesk.models import ReporterLink, ReporterLinkPurpose, ReporterProfile
from app.helpdesk.services.reporter_accounts import RESEND_PAUSE, normalise_email
from notifications import queue_mail


class LinkRefused(Exception):
    """``code``: "invalid" (no such link), "used", "replaced" (a newer link was sent, or the password or address
    changed since), "expired", or "taken" (the new address belongs to another account by now)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class WrongPassword(Exception):
    pass


@dataclass
class ProfileInput:
    display_name: str
    email: str
    reporter_type: str
    organisation: str | None = None
    phone: str | None = None


# --- forgotten password -------------------------------------------------------------------------------------


def request_reset(email: str) -> None:
    """E-mail a one-time reset link to the reporter account with this address; nothing for any other address.

    The caller answers the same either way. A second request within RESEND_PAUSE sends nothing more.
    """
    user = db.session.scalar(select(User).where(User.username == normalise_email(email)))
    if user is None or user.account_kind != AccountKind.reporter or not user.email:
        return
    if not user.active and user.email_verified_at is not None:
        return  # switched off by the helpdesk, not waiting for verification: a new password would not help
    hours = settings.value("REPORTER_RESET_HOURS")
    issued = _issue(user, ReporterLinkPurpose.password_reset, timedelta(hours=hours))
    if issued is None:
        return
    link, token = issued
    with force_locale(user.locale or "th"):
        subject = str(_l("Reset your IR Online password"))
        body = str(_l("Hello %(name)s,\n\nSomeone (perhaps you) asked to reset the password of your IR Online "
                      "account. Open this link within %(hours)d hours to choose a new password. The link works once, "
                      "and a newer link replaces it.\n\n%(link)s\n\n"
                      "If you did not ask for this, ignore this e-mail: your password stays as it is.",
                      name=user.display_name, hours=hours,
                      link=settings.external_url("ir.password_reset", token=token)))
    _mail(user, user.email, subject, body, f"reset:{link.token_hash[:32]}")
    record_audit("reporter.password_reset_requested", actor_id=user.id, object_type="user", object_id=user.id)
    db.session.flush()


def check_reset_link(token: str) -> ReporterLink:
    """The live reset link for this token; raises LinkRefused when it cannot be used (nothing is changed)."""
    return _live(token, ReporterLinkPurpose.password_reset)


def reset_password(token: str, password: str) -> User:
    """Set the new password with the link, once. Every other reset link of the account stops working.

    Opening a link sent to the address also proves the address, so an account still waiting for verification is
    verified and activated too.
    """
    link = _use(token, ReporterLinkPurpose.password_reset)
    user = db.session.get(User, link.user_id)
    now = utcnow()
    values = {"password_hash": accounts.hash_password(password)}
    verified_now = user.email_verified_at is None
    if verified_now:
        values |= {"email_verified_at": now, "active": True}
        db.session.execute(update(ReporterProfile).where(ReporterProfile.user_id == user.id)
                           .values(verify_token_hash=None, verify_expires_at=None)
                           .execution_options(synchronize_session=False))
    db.session.execute(update(User).where(User.id == user.id).values(**values)
                       .execution_options(synchronize_session=False))
    _replace_live(user.id, ReporterLinkPurpose.password_reset, now)
    accounts.end_sessions(user.id)  # whoever was signed in with the old password is signed out everywhere
    record_audit("reporter.password_reset", actor_id=user.id, object_type="user", object_id=user.id,
                 after={"verified": True} if verified_now else None)
    db.session.flush()
    db.session.refresh(user)
    _mail_password_changed(user)
    return user


# --- profile ------------------------------------------------------------------------------------------------


def update_profile(user: User, data: ProfileInput) -> str | None:
    """Save name, organisation, reporter type and phone; a different e-mail address is only asked for.

    Returns the new address when it differs from the current one: it changes once its link is opened (until
    then the current address keeps working). Whether or not the new address belongs to another account, the
    answer is the same; a taken address is sent nothing.
    """
    profile = db.session.get(ReporterProfile, user.id)
    before = {"display_name": user.display_name, "reporter_type": profile.reporter_type,
              "organisation": profile.organisation, "phone": profile.phone}
    user.display_name = data.display_name.strip()
    profile.reporter_type = data.reporter_type
    profile.organisation = (data.organisation or "").strip() or None
    profile.phone = (data.phone or "").strip() or None
    after = {"display_name": user.display_name, "reporter_type": profile.reporter_type,
             "organisation": profile.organisation, "phone": profile.phone}
    if after != before:
        changed = [key for key in after if after[key] != before[key]]
        record_audit("reporter.profile_updated", actor_id=user.id, object_type="user", object_id=user.id,
                     before={key: before[key] for key in changed}, after={key: after[key] for key in changed})
    db.session.flush()
    new_email = normalise_email(data.email)
    if new_email == normalise_email(user.email or ""):
        return None
    _ask_for_email_change(user, new_email)
    return new_email


def pending_email(user: User) -> str | None:
    """The new address waiting for its link to be opened, if any."""
    return db.session.scalar(select(ReporterLink.new_email).where(
        ReporterLink.user_id == user.id, ReporterLink.purpose == ReporterLinkPurpose.email_change,
        ReporterLink.used_at.is_(None), ReporterLink.replaced_at.is_(None), ReporterLink.expires_at > utcnow()))


def change_password(user: User, current: str, new: str) -> None:
    """Raises WrongPassword (nothing changed) unless ``current`` is the account's password."""
    if not user.password_hash or not check_password_hash(user.password_hash, current or ""):
        raise WrongPassword()
    user.password_hash = accounts.hash_password(new)
    # A reset link asked for earlier must not undo the password chosen now.
    _replace_live(user.id, ReporterLinkPurpose.password_reset, utcnow())
    # Other devices signed in with the old password are signed out; the caller signs this session in again.
    accounts.end_sessions(user.id)
    record_audit("reporter.password_changed", actor_id=user.id, object_type="user", object_id=user.id)
    db.session.flush()
    _mail_password_changed(user)


def confirm_email_change(token: str) -> User:
    """Make the verified new address the account's e-mail and user name, once.

    Raises LinkRefused, and changes nothing, for a link that cannot be used or an address taken meanwhile.
    """
    link = _use(token, ReporterLinkPurpose.email_change)
    user = db.session.get(User, link.user_id)
    old_email, new_email = user.email, link.new_email
    if _address_taken(new_email, user.id):
        raise LinkRefused("taken")
    now = utcnow()
    try:
        with db.session.begin_nested():  # someone signed up with it a moment ago: the unique user name says so
            db.session.execute(update(User).where(User.id == user.id)
                               .values(username=new_email, email=new_email, email_verified_at=now)
                               .execution_options(synchronize_session=False))
    except IntegrityError:
        raise LinkRefused("taken") from None
    # Reset links went to the old address, which no longer speaks for the account.
    _replace_live(user.id, ReporterLinkPurpose.password_reset, now)
    record_audit("reporter.email_changed", actor_id=user.id, object_type="user", object_id=user.id,
                 before={"email": old_email}, after={"email": new_email})
    db.session.flush()
    db.session.refresh(user)
    if old_email:
        with force_locale(user.locale or "th"):
            subject = str(_l("Your IR Online e-mail address was changed"))
            body = str(_l("Hello %(name)s,\n\nThe e-mail address of your IR Online account was changed from "
                          "%(old)s to %(new)s. From now on, sign in with %(new)s.\n\n"
                          "If you did not do this, contact the IR Online helpdesk at once.",
                          name=user.display_name, old=old_email, new=new_email))
        _mail(user, old_email, subject, body, f"email_changed:{link.token_hash[:32]}")
    return user


# --- links --------------------------------------------------------------------------------------------------


def _issue(user: User, purpose: str, valid_for: timedelta,
           new_email: str | None = None) -> tuple[ReporterLink, str] | None:
    """A new link replacing the account's live one of this purpose; None when one was just sent for the same."""
    now = utcnow()
    latest = db.session.scalar(select(ReporterLink).where(
        ReporterLink.user_id == user.id, ReporterLink.purpose == purpose, ReporterLink.used_at.is_(None),
        ReporterLink.replaced_at.is_(None)).order_by(ReporterLink.id.desc()).limit(1))
    if latest is not None and latest.new_email == new_email and now - latest.created_at < RESEND_PAUSE:
        return None
    _replace_live(user.id, purpose, now)
    token = secrets.token_urlsafe(32)
    link = ReporterLink(user_id=user.id, purpose=purpose, token_hash=tokens.digest(token), new_email=new_email,
                        created_at=now, expires_at=now + valid_for)
    db.session.add(link)
    db.session.flush()
    return link, token


def _replace_live(user_id: int, purpose: str, now) -> None:
    db.session.execute(update(ReporterLink).where(
        ReporterLink.user_id == user_id, ReporterLink.purpose == purpose, ReporterLink.used_at.is_(None),
        ReporterLink.replaced_at.is_(None)).values(replaced_at=now).execution_options(synchronize_session=False))


def _live(token: str, purpose: str) -> ReporterLink:
    link = db.session.scalar(select(ReporterLink).where(ReporterLink.token_hash == tokens.digest(token or ""),
                                                        ReporterLink.purpose == purpose))
    if link is None:
        raise LinkRefused("invalid")
    if link.used_at is not None:
        raise LinkRefused("used")
    if link.replaced_at is not None:
        raise LinkRefused("replaced")
    if link.expires_at <= utcnow():
        raise LinkRefused("expired")
    return link


def _use(token: str, purpose: str) -> ReporterLink:
    """Mark the link used; of two uses at once, the one that loses the conditional UPDATE is refused."""
    link = _live(token, purpose)
    now = utcnow()
    won = db.session.execute(
        update(ReporterLink)
        .where(ReporterLink.id == link.id, ReporterLink.used_at.is_(None), ReporterLink.replaced_at.is_(None),
               ReporterLink.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount == 1
    if not won:
        raise LinkRefused("used")
    return link


def _address_taken(email: str, user_id: int) -> bool:
    return db.session.scalar(select(User.id).where(or_(User.username == email, User.email == email),
                                                   User.id != user_id).limit(1)) is not None


def _ask_for_email_change(user: User, new_email: str) -> None:
    hours = settings.value("REPORTER_VERIFY_HOURS")
    issued = _issue(user, ReporterLinkPurpose.email_change, timedelta(hours=hours), new_email=new_email)
    if issued is None:
        return
    link, token = issued
    record_audit("reporter.email_change_requested", actor_id=user.id, object_type="user", object_id=user.id,
                 after={"email": new_email})
    db.session.flush()
    if _address_taken(new_email, user.id):
        return  # the link is recorded, so the page looks the same, but nobody can open it
    with force_locale(user.locale or "th"):
        subject = str(_l("Verify your new e-mail address for IR Online"))
        body = str(_l("Hello %(name)s,\n\nYou asked to use this address for your IR Online account. Open this link "
                      "within %(hours)d hours to verify it; until then your account keeps its current address. "
                      "The link works once.\n\n%(link)s\n\n"
                      "If you did not ask for this, ignore this e-mail: nothing changes without the link.",
                      name=user.display_name, hours=hours,
                      link=settings.external_url("ir.email_change", token=token)))
    _mail(user, new_email, subject, body, f"email:{link.token_hash[:32]}")


def _mail_password_changed(user: User) -> None:
    if not user.email:
        return
    with force_locale(user.locale or "th"):
        subject = str(_l("Your IR Online password was changed"))
        body = str(_l("Hello %(name)s,\n\nThe password of your IR Online account was just changed.\n\n"
                      "If you did not do this, ask for a new password at once:\n\n%(link)s",
                      name=user.display_name, link=settings.external_url("ir.password_forgot")))
    _mail(user, user.email, subject, body, f"password_changed:{secrets.token_hex(8)}")


def _mail(user: User, to_address: str, subject: str, body: str, key: str) -> None:
    queue_mail(dedup_key=f"reporter:{user.id}:{key}", user_id=user.id, to_address=to_address, subject=subject,
               body=body)
    db.session.flush()
