"""Citizen manuals: listing, creating and reading them."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Agency, Manual, ManualRevision, ManualStatus, User
from app.models.types import utcnow
from app.models.workflow import record_audit
from app.services import policy


class ManualError(Exception):
    code = "error"


class ManualNotFound(ManualError):
    code = "not_found"


class NotAllowed(ManualError):
    code = "forbidden"


def list_manuals(user: User, *, page: int = 1, per_page: int = 20, status: str | None = None):
    """Manuals the user may see, with their agency, in a fixed number of queries."""
    clause = policy.manuals_visible_clause(user, Agency.path)
    if status:
        clause = clause & (Manual.status == status)
    base = select(Manual).join(Agency, Agency.id == Manual.agency_id).where(clause)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    rows = db.session.scalars(
        base.order_by(Manual.updated_at.desc(), Manual.id.desc()).limit(per_page).offset((max(page, 1) - 1) * per_page)
    ).all()
    return rows, total or 0


def get_manual(user: User, manual_id: int) -> Manual:
    manual = db.session.get(Manual, manual_id)
    if manual is None or not policy.can_view_manual(user, manual):
        raise ManualNotFound(manual_id)
    return manual


def revisions(manual: Manual) -> list[ManualRevision]:
    return list(db.session.scalars(select(ManualRevision).where(ManualRevision.manual_id == manual.id)
                                   .order_by(ManualRevision.number.desc())))


def author_agencies(user: User) -> list[Agency]:
    """Agencies where the user may create manuals: their author scopes and everything below."""
    paths = policy.author_agency_paths(user)
    if not paths:
        return []
    return list(db.session.scalars(select(Agency).where(policy.within(Agency.path, paths)).order_by(Agency.path)))


def create_manual(user: User, *, title: str, agency_id: int) -> Manual:
    agency = db.session.get(Agency, agency_id)
    if agency is None or not policy.can_author_manual(user, agency_path=agency.path):
        raise NotAllowed(agency_id)
    now = utcnow()
    manual = Manual(title=title.strip(), agency_id=agency.id, status=ManualStatus.draft, created_by_id=user.id,
                    created_at=now, updated_at=now)
    db.session.add(manual)
    db.session.flush()
    record_audit("manual.created", actor_id=user.id, object_type="manual", object_id=manual.id,
                 after={"title": manual.title, "agency_id": agency.id})
    return manual
