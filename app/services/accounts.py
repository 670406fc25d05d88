"""Sign-in, users and personal access tokens."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models import AccountKind, Agency, ApiToken, Membership, Role, User
from app.models.types import utcnow
from app.services.manual_revisions import owning_department

TOKEN_PREFIX = "rf_"


def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password)  # same work either way: no user enumeration by timing
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    return user


_DUMMY_HASH = generate_password_hash("not-a-password", method="scrypt")


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


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the row and the token itself, which is shown once and never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name.strip()[:120], token_hash=_digest(plain), prefix=plain[:10])
    db.session.add(row)
    db.session.flush()
    return row, plain


def user_for_api_token(plain: str) -> User | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plain)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    if row.user.account_kind == AccountKind.reporter:
        return None  # the API is the back office's: an IR Online reporter account has no part in it
    row.last_used_at = utcnow()
    return row.user


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
