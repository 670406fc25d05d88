"""One-time role tokens: issuing, refreshing, redeeming, expiring, and who may issue what.

Each token runs ``workflows/token_issuance.bpmn``: the instance waits for the
redemption message, the refresh message, or the expiry timer. The token row is
the truth about its state; every change of state is a conditional UPDATE
(``... WHERE state = 'waiting'``), so that two people acting on one token at the
same moment cannot both win. Only the SHA-256 of a token is stored.
"""

from __future__ import annotations

import logging
import math
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased, contains_eager

from app.accounts.models import AccountKind, Membership, Role, RoleToken, RoleTokenState, User
from app.accounts.services import accounts, policy
from app.core import capabilities, settings, tokens
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.org.models import OWNING_KINDS_VALUES, Agency, AgencyKind
from workflows import engine
from workflows.calendar import BANGKOK
from workflows.operations import OperationContext, operation

log = logging.getLogger(__name__)

PROCESS_ID = "token_issuance"
BUSINESS_TYPE = "role_token"
PAGE_SIZE = 20

# No 0/O, 1/I/L: a token is read aloud and typed by hand.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GROUPS, GROUP_LENGTH = 4, 4

# The roles a central officer hands out within its own scope.
CENTRAL_ISSUES = (Role.central_officer.value, Role.service_point_officer.value, Role.manual_author.value,
                  Role.manual_reviewer.value)
# The nationwide roles an administrator hands out, to people of a stand-alone office (OPDC, DGA): their agency is
# where they work, their role acts everywhere.
NATIONWIDE_ISSUES = (Role.opdc_officer.value, Role.admin.value)
NATIONWIDE_HOME_KINDS = frozenset({AgencyKind.office.value})


class NotAllowed(Exception):
    """The person may not issue (or refresh) this role for this agency."""


class TokenRefused(Exception):
    """A token that cannot be redeemed or refreshed; ``code`` says why: wrong, used, refreshed or expired."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --- who issues what -------------------------------------------------------------------------------------


def _is_admin(user: User) -> bool:
    return policy.is_admin(user)


def _central_paths(user: User) -> list[str]:
    return policy.scopes(user, {Role.central_officer.value}).get(Role.central_officer.value, [])


def issuable_roles(user: User) -> list[str]:
    """Roles the person may issue tokens for, in the order a form offers them."""
    roles: list[str] = []
    if _is_admin(user):
        roles.extend((Role.central_officer.value, *NATIONWIDE_ISSUES))
    if _central_paths(user):
        roles.extend(role for role in CENTRAL_ISSUES if role not in roles)
    for role, home in _role_homes().items():
        if home and (_is_admin(user) or policy.covers(user, Role.central_officer.value, home)):
            roles.append(role)
    return roles


def _role_homes() -> dict[str, str | None]:
    """The roles whose holders all belong to one agency (the e-GP help desk's staff to the department that runs
    it), as capabilities declare them, with that agency's path (None: not set up yet)."""
    return {role: home() for role, home in capabilities.current().role_homes.items()}


def can_manage_tokens(user: User) -> bool:
    return bool(issuable_roles(user))


def can_issue(user: User, role: str, agency: Agency) -> bool:
    """An administrator: central officers of any owning agency, OPDC officers and administrators of an office. A
    central officer: its scope's roles below it. Never for a closed agency."""
    if agency.closed_at is not None:
        return False
    if role in NATIONWIDE_ISSUES:
        return agency.kind in NATIONWIDE_HOME_KINDS and _is_admin(user)
    if role == Role.central_officer.value and agency.kind in OWNING_KINDS_VALUES and _is_admin(user):
        return True
    if role in (homes := _role_homes()):
        desk = homes[role]
        return bool(desk) and agency.path.startswith(desk) and (
            _is_admin(user) or policy.covers(user, Role.central_officer.value, agency.path))
    if role not in CENTRAL_ISSUES or not policy.covers(user, Role.central_officer.value, agency.path):
        return False
    is_service_point = agency.kind == AgencyKind.service_point.value
    return is_service_point if role == Role.service_point_officer.value else not is_service_point


def token_paths(user: User) -> list[str]:
    """Agency subtrees whose tokens the person sees in the list ("/" for administrators)."""
    return [policy.EVERYWHERE] if _is_admin(user) else _central_paths(user)


def issuable_agencies(user: User) -> tuple[list[Agency], list[Agency]]:
    """(agencies, service points) the person may pick when issuing, ordered along the tree."""
    clauses = []
    if _is_admin(user):
        clauses.append(Agency.kind.in_(OWNING_KINDS_VALUES))
    paths = _central_paths(user)
    if paths:
        clauses.append(policy.within(Agency.path, paths))
    if not clauses:
        return [], []
    rows = db.session.scalars(select(Agency).where(db.or_(*clauses), Agency.closed_at.is_(None))
                              .order_by(Agency.path)).all()
    service_points = [a for a in rows if a.kind == AgencyKind.service_point.value]
    # A service point is never the agency of an author, reviewer or central officer.
    agencies = [a for a in rows if a.kind != AgencyKind.service_point.value]
    # Only central officers issue service-point tokens, within their own scope.
    return agencies, [a for a in service_points if any(a.path.startswith(path) for path in paths)]


# --- plain tokens ----------------------------------------------------------------------------------------


def _new_plain() -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))


def canonical(text: str | None) -> str | None:
    """The token as typed, without spaces or dashes and in capitals; None when it cannot be one."""
    value = "".join((text or "").split()).replace("-", "").upper()
    if len(value) != GROUPS * GROUP_LENGTH or any(ch not in ALPHABET for ch in value):
        return None
    return value


def _correlation(token_id: int) -> dict:
    # Matches the diagram's correlation key ``role_token`` over the process variable ``token_id``.
    return {"role_token": {"token_id": token_id}}


# --- issuing and refreshing ------------------------------------------------------------------------------


def issue(officer: User, role: str, agency_id: int) -> tuple[RoleToken, str]:
    """A new token for ``role`` in the agency; returns the row and the token itself, shown once."""
    agency = db.session.get(Agency, agency_id) if agency_id else None
    if agency is None or not can_issue(officer, role, agency):
        raise NotAllowed(role)
    return _mint(officer, role, agency, replaces=None)


def _mint(officer: User, role: str, agency: Agency, replaces: RoleToken | None) -> tuple[RoleToken, str]:
    plain = _new_plain()
    now = utcnow().replace(microsecond=0)
    expires_at = now + timedelta(days=settings.value("ROLE_TOKEN_DAYS"))
    token = RoleToken(token_hash=tokens.digest(canonical(plain)), role=role, agency_id=agency.id,
                      state=RoleTokenState.waiting.value, issued_by_id=officer.id, issued_at=now,
                      expires_at=expires_at, replaces_id=replaces.id if replaces else None)
    db.session.add(token)
    db.session.flush()
    instance = engine.start(
        PROCESS_ID,
        title=f"โทเค็นกำหนดบทบาท #{token.id} · {agency.name_th}",
        business_type=BUSINESS_TYPE,
        business_id=token.id,
        agency_id=agency.id,
        agency_path=agency.path,
        # The timer reads an ISO string with the Bangkok offset (a datetime would not serialize).
        data={"token_id": token.id, "expires_at": expires_at.astimezone(BANGKOK).isoformat()},
        actor_id=officer.id,
    )
    token.instance_id = instance.id
    record_audit("role_token.issued", actor_id=officer.id, instance_id=instance.id, object_type="role_token",
                 object_id=token.id, after={"role": role, "agency_id": agency.id,
                                            "expires_at": expires_at.isoformat(),
                                            "replaces_id": replaces.id if replaces else None})
    db.session.flush()
    return token, plain


def _reason(token: RoleToken | None, now: datetime) -> str:
    if token is None:
        return "wrong"
    if token.state in (RoleTokenState.used.value, RoleTokenState.refreshed.value):
        return token.state
    return "expired"  # expired by its timer, or past its expiry before the timer fired


def _fresh(query) -> RoleToken | None:
    # The row may already sit in the session from before the conditional UPDATE: read it again.
    return db.session.scalar(query.execution_options(populate_existing=True))


def refresh(officer: User, token_id: int) -> tuple[RoleToken, str]:
    """End a waiting token at once and mint the next one for the same role and agency."""
    old = db.session.get(RoleToken, token_id)
    if old is None or not can_issue(officer, old.role, old.agency):
        raise NotAllowed(token_id)
    now = utcnow()
    ended = db.session.execute(
        update(RoleToken)
        .where(RoleToken.id == old.id, RoleToken.state == RoleTokenState.waiting.value, RoleToken.expires_at > now)
        .values(state=RoleTokenState.refreshed.value, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    old = _fresh(select(RoleToken).where(RoleToken.id == token_id))
    if ended.rowcount != 1:
        raise TokenRefused(_reason(old, now))
    token, plain = _mint(officer, old.role, old.agency, replaces=old)
    _tell_instance("role_token_refreshed", old, {"next_token_id": token.id}, officer.id)
    record_audit("role_token.refreshed", actor_id=officer.id, instance_id=old.instance_id, object_type="role_token",
                 object_id=old.id, before={"state": RoleTokenState.waiting.value},
                 after={"state": RoleTokenState.refreshed.value, "next_token_id": token.id})
    db.session.flush()
    return token, plain


def _tell_instance(message: str, token: RoleToken, payload: dict, actor_id: int | None) -> None:
    try:
        engine.deliver_message(message, _correlation(token.id), payload, actor_id=actor_id)
    except engine.NotWaiting:
        # The row already changed under the conditional UPDATE; an instance that has moved on
        # (its timer fired in the same instant) changes nothing about that.
        log.warning("token %s: instance %s was not waiting for %s", token.id, token.instance_id, message)


# --- redeeming -------------------------------------------------------------------------------------------


def redeem(user: User, plain: str) -> Membership:
    """Use a token up: the person gets its role in its agency. Raises TokenRefused with the reason."""
    if user.account_kind == AccountKind.reporter:
        raise TokenRefused("reporter")  # IR Online's accounts hold no staff role
    value = canonical(plain)
    if value is None:
        raise TokenRefused("wrong")
    digest = tokens.digest(value)
    now = utcnow()
    # First, before reading anything: of two redemptions at the same moment only one changes the row.
    used = db.session.execute(
        update(RoleToken)
        .where(RoleToken.token_hash == digest, RoleToken.state == RoleTokenState.waiting.value,
               RoleToken.expires_at > now)
        .values(state=RoleTokenState.used.value, used_by_id=user.id, used_at=now, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    token = _fresh(select(RoleToken).where(RoleToken.token_hash == digest))
    if used.rowcount != 1:
        raise TokenRefused(_reason(token, now))
    membership = _membership_for(user, token)
    _tell_instance("role_token_redeemed", token, {"user_id": user.id}, user.id)
    record_audit("role_token.redeemed", actor_id=user.id, instance_id=token.instance_id, object_type="user",
                 object_id=user.id, after={"token_id": token.id, "role": token.role, "agency_id": token.agency_id,
                                           "membership_id": membership.id, "granted_by_id": token.issued_by_id})
    db.session.flush()
    return membership


def _membership_for(user: User, token: RoleToken) -> Membership:
    existing = db.session.scalar(select(Membership).where(
        Membership.user_id == user.id, Membership.agency_id == token.agency_id, Membership.role == token.role))
    if existing is None:
        return accounts.grant(user, token.agency_id, token.role, source="token",
                              granted_by=db.session.get(User, token.issued_by_id))
    # Removed from this agency once and invited back: one row per (user, agency, role).
    existing.active = True
    existing.source = "token"
    existing.granted_by_id = token.issued_by_id
    db.session.flush()
    db.session.expire(user, ["memberships"])
    return existing


# --- expiry (the diagram's timer path) ---------------------------------------------------------------------


@operation("role_token.expire")
def expire(ctx: OperationContext, token_id: int) -> dict:
    """Nobody redeemed the token in time; it ends only if it is still waiting."""
    now = utcnow()
    ended = db.session.execute(
        update(RoleToken)
        .where(RoleToken.id == token_id, RoleToken.state == RoleTokenState.waiting.value)
        .values(state=RoleTokenState.expired.value, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount == 1:
        record_audit("role_token.expired", instance_id=ctx.instance_id, object_type="role_token", object_id=token_id,
                     before={"state": RoleTokenState.waiting.value}, after={"state": RoleTokenState.expired.value})
    return {"expired": ended.rowcount == 1}


# --- the list ----------------------------------------------------------------------------------------------


def shown_state(token: RoleToken, now: datetime | None = None) -> str:
    """The state people see: a waiting token past its expiry is expired even before its timer fires."""
    if token.state == RoleTokenState.waiting.value and token.expires_at <= (now or utcnow()):
        return RoleTokenState.expired.value
    return token.state


def get(officer: User, token_id: int) -> RoleToken | None:
    """One token of the officer's scope, or None."""
    paths = token_paths(officer)
    if not paths:
        return None
    return db.session.scalar(select(RoleToken).join(Agency, Agency.id == RoleToken.agency_id)
                             .where(RoleToken.id == token_id, policy.within(Agency.path, paths)))


def list_tokens(officer: User, page: int = 1) -> tuple[list[RoleToken], int]:
    """Tokens of the officer's scope, newest first, with their agency and people (no query per row)."""
    paths = token_paths(officer)
    if not paths:
        return [], 0
    scope = policy.within(Agency.path, paths)
    total = db.session.scalar(select(func.count(RoleToken.id)).join(Agency, Agency.id == RoleToken.agency_id)
                              .where(scope)) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(page, 1), pages)
    issued_by, used_by = aliased(User), aliased(User)
    rows = db.session.scalars(
        select(RoleToken)
        .join(Agency, Agency.id == RoleToken.agency_id)
        .join(issued_by, issued_by.id == RoleToken.issued_by_id)
        .outerjoin(used_by, used_by.id == RoleToken.used_by_id)
        .where(scope)
        .options(contains_eager(RoleToken.agency), contains_eager(RoleToken.issued_by.of_type(issued_by)),
                 contains_eager(RoleToken.used_by.of_type(used_by)))
        .order_by(RoleToken.issued_at.desc(), RoleToken.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).unique().all()
    return list(rows), pages
