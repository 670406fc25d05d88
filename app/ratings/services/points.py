"""Rating points: a service point's public code (``/rate/<code>``), its links, and its counter tablet's kiosk token.

A code is made the first time a point's poster or link is asked for: six characters that cannot be misread
(no 0/O, 1/I/L), printed under the QR code so that a citizen can also type it. The kiosk token is shown once to the
officer who issues it; only its SHA-256 is kept, and issuing a new one retires the old.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.core import settings
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.org.models import Agency
from app.ratings.models import RatingPoint
from app.ratings.services import access
from app.ratings.services.errors import NotAllowed, PointHidden, PointNotFound

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
KIOSK_TOKEN_BYTES = 24


@dataclass
class PointLinks:
    agency: Agency
    point: RatingPoint
    rating_url: str


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalised_code(code: str) -> str | None:
    """A typed code in its stored form (upper case, no spaces or dashes); None when it cannot be one."""
    text = (code or "").strip().upper().replace("-", "").replace(" ", "")
    if not (0 < len(text) <= 16) or any(ch not in CODE_ALPHABET for ch in text):
        return None
    return text


def ensure_points(agencies: list[Agency]) -> dict[int, RatingPoint]:
    """The rating point of each agency (rateable ones only), made with a fresh code where missing; a few queries
    whatever the number of agencies."""
    wanted = {agency.id: agency for agency in agencies if access.is_rateable(agency)}
    found: dict[int, RatingPoint] = {}
    ids = list(wanted)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found.update({p.agency_id: p for p in db.session.scalars(
            select(RatingPoint).where(RatingPoint.agency_id.in_(chunk)))})
    for agency_id in ids:
        if agency_id not in found:
            found[agency_id] = _create(wanted[agency_id])
    return found


def _create(agency: Agency) -> RatingPoint:
    """A new point with an unused code; a code or point another request took at the same moment is retried."""
    for _attempt in range(8):
        point = RatingPoint(agency_id=agency.id, code=_new_code(), created_at=utcnow())
        try:
            with db.session.begin_nested():
                db.session.add(point)
            return point
        except IntegrityError:
            existing = db.session.get(RatingPoint, agency.id)
            if existing is not None:  # someone else made this point's code first: theirs it is
                return existing
    raise RuntimeError("no free rating code found")  # 887 million codes: not reached


def point_for(agency: Agency) -> RatingPoint:
    return ensure_points([agency])[agency.id]


def by_code(code: str) -> tuple[RatingPoint, Agency]:
    """The point a public code names; PointNotFound for none, PointHidden when it is hidden from the public."""
    normal = normalised_code(code)
    point = db.session.scalar(select(RatingPoint).where(RatingPoint.code == normal)) if normal else None
    if point is None or not access.is_rateable(point.agency):
        raise PointNotFound(code)
    if not point.agency.publicly_visible:
        raise PointHidden(point.agency_id)
    return point, point.agency


def rating_url(point: RatingPoint) -> str:
    """The public address of the point's rating page, from BASE_URL (the same in a job and in a request)."""
    return settings.external_url("public.rate", code=point.code)


def kiosk_url(point: RatingPoint, token: str) -> str:
    return settings.external_url("public.rate_kiosk", code=point.code, token=token)


def links(agency: Agency) -> PointLinks:
    point = point_for(agency)
    return PointLinks(agency=agency, point=point, rating_url=rating_url(point))


def _poster_query(paths: list[str], under: Agency | None):
    query = select(Agency).where(Agency.kind.in_(access.RATEABLE_KINDS), access.within(Agency.path, paths))
    if under is not None:
        query = query.where(access.within(Agency.path, [under.path]))
    return query


def poster_points(paths: list[str], under: Agency | None = None) -> list[Agency]:
    """The rateable agencies in the viewer's scope (below ``under`` when given), in tree order."""
    return list(db.session.scalars(_poster_query(paths, under).order_by(Agency.path)))


def poster_points_page(paths: list[str], under: Agency | None, page: int, per_page: int) -> tuple[list[Agency], int]:
    """One page of them, and how many there are (two queries)."""
    query = _poster_query(paths, under)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(db.session.scalars(query.order_by(Agency.path).offset((page - 1) * per_page).limit(per_page)))
    return rows, total


def existing_points(agency_ids: list[int]) -> list[RatingPoint]:
    """The points already made among these agencies (none is made here)."""
    if not agency_ids:
        return []
    return list(db.session.scalars(select(RatingPoint).where(RatingPoint.agency_id.in_(agency_ids))))


# --- the counter tablet ---------------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_kiosk_token(user: User, agency: Agency) -> tuple[RatingPoint, str]:
    """A new kiosk token for the point (the previous one stops working); the token itself is returned once."""
    if not access.can_manage_kiosk(user, agency.path):
        raise NotAllowed(agency.id)
    point = point_for(agency)
    token = secrets.token_urlsafe(KIOSK_TOKEN_BYTES)
    replaced = point.kiosk_token_prefix
    point.kiosk_token_hash, point.kiosk_token_prefix = _hash(token), token[:6]
    point.kiosk_issued_at, point.kiosk_issued_by_id = utcnow(), user.id
    db.session.flush()
    record_audit("rating.kiosk_token_issued", actor_id=user.id, object_type="agency", object_id=agency.id,
                 before={"prefix": replaced} if replaced else None, after={"prefix": point.kiosk_token_prefix})
    return point, token


def revoke_kiosk_token(user: User, agency: Agency) -> None:
    if not access.can_manage_kiosk(user, agency.path):
        raise NotAllowed(agency.id)
    point = point_for(agency)
    if point.kiosk_token_hash is None:
        return
    before = {"prefix": point.kiosk_token_prefix}
    point.kiosk_token_hash = point.kiosk_token_prefix = point.kiosk_issued_at = point.kiosk_issued_by_id = None
    db.session.flush()
    record_audit("rating.kiosk_token_revoked", actor_id=user.id, object_type="agency", object_id=agency.id,
                 before=before)


def kiosk_matches(point: RatingPoint, token: str | None) -> bool:
    """Whether ``token`` is the point's current kiosk token (compared in constant time)."""
    if not token or point.kiosk_token_hash is None or len(token) > 200:
        return False
    return secrets.compare_digest(point.kiosk_token_hash, _hash(token))
