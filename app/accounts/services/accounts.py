"""Sign-in, users and personal access tokens."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.util import identity_key
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.models import AccountKind, ApiToken, Membership, Role, User
from app.core import settings, tokens
from app.core.extensions import db
from app.core.types import utcnow
from app.org.models import Agency
from app.org.services.agencies import owning_department

TOKEN_PREFIX = "rf_"


# Built once: every signed-in page reads the person (``session.get`` with options built its query anew, 0.1 ms).
_SESSION_USER = select(User).where(User.id == bindparam("user_id")).options(joinedload(User.memberships))


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: the person, while the session's generation is still theirs (else signed out).

    One query: every page reads the memberships (the gate, the menu, the policy), so they come joined to the person
    rather than by a second statement."""
    user_id, sep, generation = str(session_id or "").partition(":")
    if not (sep and user_id.isdecimal() and generation.isdecimal()):
        return None  # not a session this app writes (or one from before generations): sign in again
    # Held already (an API call's token brought the person with it): no statement, as session.get would.
    user = db.session.identity_map.get(identity_key(User, int(user_id))) or db.session.execute(
        _SESSION_USER, {"user_id": int(user_id)}).unique().scalar_one_or_none()
    if user is None or user.session_generation != int(generation):
        return None
    return user


def end_sessions(user_id: int) -> None:
    """Sign the person out everywhere: every session and remember-me cookie they hold stops working. Flushes.

    The session the request itself runs in ends too; sign it in again (``login_user``) to keep it.
    """
    db.session.execute(update(User).where(User.id == user_id)
                       .values(session_generation=User.session_generation + 1)
                       .execution_options(synchronize_session=False))
    loaded = db.session.identity_map.get(identity_key(User, user_id))
    if loaded is not None:
        db.session.expire(loaded, ["session_generation"])
    db.session.flush()


def password_method() -> str:
    """The setting ``PASSWORD_HASH_METHOD`` (see config.py)."""
    return settings.value("PASSWORD_HASH_METHOD")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=password_method())


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active or not user.password_hash:
        check_password_hash(_dummy_hash(password_method()), password)  # same work either way: no user enumeration by timing
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    if not user.password_hash.startswith(password_method() + "$"):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


@functools.cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not-a-password", method=method)


def create_user(username: str, display_name: str, password: str | None, email: str | None = None,
                locale: str = "th") -> User:
    user = User(username=username.strip().lower(), display_name=display_name, email=email, locale=locale,
                password_hash=hash_password(password) if password else None)
    db.session.add(user)
    db.session.flush()
    return user


def grant(user: User, agency_id: int, role: str, *, source: str = "admin", granted_by: User | None = None) -> Membership:
    membership = Membership(user_id=user.id, agency_id=agency_id, role=role, source=source,
                            granted_by_id=granted_by.id if granted_by else None)
    db.session.add(membership)
    db.session.flush()
    db.session.expire(user, ["memberships"])
    return membership


# --- personal access tokens for the API ---------------------------------------------------------------


def create_api_token(user: User, name: str, scopes: Iterable[str] = ()) -> tuple[ApiToken, str]:
    """Returns the row and the token itself, which is shown once and never stored. ``scopes``: what it may do
    (the caller offers only scopes that exist)."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name.strip()[:120], token_hash=tokens.digest(plain), prefix=plain[:10],
                   scopes=" ".join(sorted(set(scopes))))
    db.session.add(row)
    db.session.flush()
    return row, plain


# A token's last use is recorded at most this often, so that reading through the API writes nothing.
LAST_USED_EVERY = timedelta(minutes=1)


# Built once: every API call sends it, and a statement built anew costs SQLAlchemy its cache key again.
_TOKEN_IN_USE = (select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                 .where(ApiToken.token_hash == bindparam("token_hash")).options(joinedload(User.memberships)))


def api_token_in_use(plain: str) -> tuple[ApiToken, User, bool] | None:
    """The token and its user, found by the token's hash (one indexed query), and whether its last use was just
    recorded (the caller commits that). None for an unknown, revoked or reporter's token, or an inactive user.
    The user's memberships come joined: every call's policy reads them."""
    found = db.session.execute(_TOKEN_IN_USE, {"token_hash": tokens.digest(plain)}).unique().first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or not user.active:
        return None
    if user.account_kind == AccountKind.reporter:
        return None  # the API is the back office's: an IR Online reporter account has no part in it
    now = utcnow()
    touched = row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY
    if touched:
        row.last_used_at = now
    return row, user, touched


def api_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc())))


def revoke_api_token(user: User, token_id: int) -> bool:
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    return True


# --- who to tell ------------------------------------------------------------------------------------------


def opdc_officers() -> list[User]:
    """Every active OPDC officer (they act nationwide)."""
    return list(db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.role == Role.opdc_officer.value, Membership.active, User.active).distinct().order_by(User.id)))


def central_officers_of(agency: Agency) -> list[User]:
    """The active central officers of the department (or local government) that owns ``agency``."""
    department = owning_department(agency)
    return list(db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.role == Role.central_officer.value, Membership.agency_id == department.id, Membership.active,
        User.active).distinct().order_by(User.id)))
