"""Officer accounts moved in from the legacy system, and matching them on a first Digital ID sign-in.

An imported officer gets an inactive account without a password or a Digital ID link, holding the roles the
legacy system gave them at each agency. The first time someone signs in with Digital ID and no account is linked
to them yet, a waiting legacy account is looked for: by the citizen id's keyed hash first, by a verified e-mail
address otherwise. Exactly one match: that account becomes theirs, with its roles. Several: none is linked (an
administrator settles it), and the sign-in goes on as a new person's.

The citizen id is never stored, logged or audited in clear: only HMAC-SHA256 with ``CITIZEN_ID_HASH_KEY`` (the
application's secret key when unset), so a copy of the database alone does not give the ids back.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import LegacyAccount, LegacyAccountState, Membership, User
from app.core import settings
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit

LEGACY_SOURCE = "legacy"  # Membership.source of a role moved in from the legacy system
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


class InvalidCitizenId(ValueError):
    """``problem`` is "length" (not 13 digits) or "checksum" (a typing error: the check digit does not fit)."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


def citizen_id_digits(value: str) -> str:
    """The 13 digits of a Thai citizen id written with spaces or dashes (Thai digits too); checks the check digit."""
    digits = "".join(str(value).translate(THAI_DIGITS).replace("-", "").split())
    if len(digits) != 13 or not (digits.isascii() and digits.isdigit()):
        raise InvalidCitizenId("length")
    total = sum(int(digit) * (13 - position) for position, digit in enumerate(digits[:12]))
    if (11 - total % 11) % 10 != int(digits[12]):
        raise InvalidCitizenId("checksum")
    return digits


def citizen_id_hash(digits: str) -> str:
    key = settings.value("CITIZEN_ID_HASH_KEY", None) or settings.value("SECRET_KEY")
    return hmac.new(str(key).encode(), digits.encode(), hashlib.sha256).hexdigest()


def _username(ref: str) -> str:
    return "legacy-" + hashlib.sha256(ref.encode()).hexdigest()[:16]


# --- the import --------------------------------------------------------------------------------------------


def by_ref(ref: str) -> LegacyAccount | None:
    return db.session.scalar(select(LegacyAccount).where(LegacyAccount.legacy_ref == ref))


def import_pending(ref: str, name: str, email: str | None, citizen_hash: str | None,
                   grants: Iterable[tuple[int, str]]) -> str:
    """Create or update one legacy officer with their roles (agency id, role); "created", "updated" or "unchanged".

    Roles are only added: one an administrator took away (an inactive membership) is not given back. Once the
    account is linked, its name and e-mail follow Digital ID and the import leaves them alone. Flushes.
    """
    email = email.lower() if email else None
    legacy = by_ref(ref)
    outcome = "unchanged"
    if legacy is None:
        user = User(username=_username(ref), display_name=name, email=email, password_hash=None, active=False)
        db.session.add(user)
        db.session.flush()
        legacy = LegacyAccount(user_id=user.id, legacy_ref=ref, citizen_id_hash=citizen_hash, email=email,
                               imported_at=utcnow())
        db.session.add(legacy)
        db.session.flush()
        record_audit("legacy_account.imported", object_type="user", object_id=user.id,
                     after={"legacy_ref": ref, "display_name": name, "email": email})
        outcome = "created"
    elif legacy.state == LegacyAccountState.pending:
        user = legacy.user
        before = {"display_name": user.display_name, "email": legacy.email, "citizen_id": legacy.citizen_id_hash}
        after = {"display_name": name, "email": email, "citizen_id": citizen_hash}
        if before != after:
            user.display_name, user.email = name, email
            legacy.email, legacy.citizen_id_hash = email, citizen_hash
            changed = [key for key in after if before[key] != after[key]]  # names only: no hash in the audit
            record_audit("legacy_account.updated", object_type="user", object_id=user.id,
                         after={"legacy_ref": ref, "changed": changed})
            outcome = "updated"
    held = {(agency_id, role) for agency_id, role in db.session.execute(
        select(Membership.agency_id, Membership.role).where(Membership.user_id == legacy.user_id))}
    added = [(agency_id, role) for agency_id, role in dict.fromkeys(grants) if (agency_id, role) not in held]
    for agency_id, role in added:
        db.session.add(Membership(user_id=legacy.user_id, agency_id=agency_id, role=role, source=LEGACY_SOURCE))
    if added:
        db.session.flush()
        db.session.expire(legacy.user, ["memberships"])
        record_audit("legacy_account.roles_added", object_type="user", object_id=legacy.user_id,
                     after={"legacy_ref": ref, "roles": [{"agency_id": a, "role": r} for a, r in added]})
        outcome = "updated" if outcome == "unchanged" else outcome
    return outcome


# --- matching on a first Digital ID sign-in ----------------------------------------------------------------


def claim_for_sign_in(claims: dict) -> User | None:
    """The waiting legacy account the verified claims match, now linked to that Digital ID; None when there is
    none, or more than one (then each is marked and the attempt audited). Flushes."""
    candidates, matched_by = _candidates(claims)
    if not candidates:
        return None
    if len(candidates) > 1:
        now = utcnow()
        for legacy in candidates:
            legacy.ambiguous_at = now
        record_audit("legacy_account.ambiguous_match", object_type="legacy_account",
                     after={"matched_by": matched_by, "legacy_refs": sorted(c.legacy_ref for c in candidates),
                            "oidc_subject": str(claims["sub"])})
        db.session.flush()
        return None
    legacy = candidates[0]
    user = legacy.user
    user.oidc_issuer, user.oidc_subject, user.active = claims["iss"], str(claims["sub"]), True
    legacy.state, legacy.linked_at, legacy.matched_by = LegacyAccountState.linked, utcnow(), matched_by
    db.session.flush()
    record_audit("legacy_account.linked", actor_id=user.id, object_type="user", object_id=user.id,
                 after={"legacy_ref": legacy.legacy_ref, "matched_by": matched_by,
                        "roles": [{"agency_id": m.agency_id, "role": m.role} for m in user.memberships]})
    return user


def _candidates(claims: dict) -> tuple[list[LegacyAccount], str]:
    pending = select(LegacyAccount).where(LegacyAccount.state == LegacyAccountState.pending)
    raw_id = claims.get("citizen_id")
    if raw_id:
        try:
            digest = citizen_id_hash(citizen_id_digits(str(raw_id)))
        except InvalidCitizenId:
            digest = None
        if digest:
            found = list(db.session.scalars(pending.where(LegacyAccount.citizen_id_hash == digest)))
            if found:
                return found, "citizen_id"
    email = str(claims.get("email") or "").strip().lower()
    if email and claims.get("email_verified") is True:  # an address the provider has not checked proves nothing
        return list(db.session.scalars(pending.where(LegacyAccount.email == email))), "email"
    return [], ""


# --- an administrator settles an account no sign-in could claim -----------------------------------------------


class LinkRefused(Exception):
    """``reason``: "not_waiting" (matched or linked already), "no_such_user", "not_digital_id" (the account has
    never signed in with Digital ID, or is itself a waiting one), "inactive"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def link_by_administrator(account_id: int, username: str, admin_id: int) -> User:
    """Give a waiting account's roles to a person's existing Digital ID account (after an ambiguous match, say):
    the roles are added to that account, the waiting one keeps none and is marked linked. Flushes."""
    legacy = db.session.get(LegacyAccount, account_id)
    if legacy is None or legacy.state != LegacyAccountState.pending:
        raise LinkRefused("not_waiting")
    target = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if target is None:
        raise LinkRefused("no_such_user")
    if not target.oidc_subject or target.id == legacy.user_id or target.is_reporter:
        raise LinkRefused("not_digital_id")
    if not target.active:
        raise LinkRefused("inactive")
    held = {(m.agency_id, m.role) for m in db.session.scalars(select(Membership).where(Membership.user_id == target.id))}
    moved = []
    for membership in db.session.scalars(select(Membership).where(Membership.user_id == legacy.user_id,
                                                                   Membership.active)):
        membership.active = False
        if (membership.agency_id, membership.role) not in held:
            db.session.add(Membership(user_id=target.id, agency_id=membership.agency_id, role=membership.role,
                                      source=LEGACY_SOURCE, granted_by_id=admin_id))
            moved.append({"agency_id": membership.agency_id, "role": membership.role})
    legacy.state, legacy.linked_at, legacy.matched_by = LegacyAccountState.linked, utcnow(), "administrator"
    legacy.linked_user_id = target.id
    db.session.flush()
    db.session.expire(target, ["memberships"])
    record_audit("legacy_account.linked_by_administrator", actor_id=admin_id, object_type="user",
                 object_id=target.id, after={"legacy_ref": legacy.legacy_ref, "roles": moved})
    return target


# --- the report of accounts nobody has claimed ---------------------------------------------------------------


def unmatched_query():
    return (select(LegacyAccount).where(LegacyAccount.state == LegacyAccountState.pending)
            .options(selectinload(LegacyAccount.user).selectinload(User.memberships))
            .order_by(LegacyAccount.ambiguous_at.is_(None), LegacyAccount.legacy_ref))


def counts() -> dict[str, int]:
    rows = {state: number for state, number in db.session.execute(
        select(LegacyAccount.state, func.count()).group_by(LegacyAccount.state))}
    ambiguous = db.session.scalar(select(func.count()).select_from(LegacyAccount).where(
        LegacyAccount.state == LegacyAccountState.pending, LegacyAccount.ambiguous_at.is_not(None)))
    return {"pending": rows.get(LegacyAccountState.pending, 0), "linked": rows.get(LegacyAccountState.linked, 0),
            "ambiguous": ambiguous or 0}
