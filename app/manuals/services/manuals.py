"""Citizen manuals: listing, creating and reading them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, false, func, insert, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.accounts.services import policy
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.manuals.models import Manual, ManualRevision, ManualStatus, ManualUserGroup, Process, RevisionStatus
from app.org.models import Agency, CatalogueEntry


class ManualError(Exception):
    code = "error"


class ManualNotFound(ManualError):
    code = "not_found"


class NotAllowed(ManualError):
    code = "forbidden"


# What the manual list shows and filters on: the manual's status, with "in review" split by step.
LIST_STATUSES = ("draft", "step1", "step2", "returned", "published")
_REVIEW_STEP = {RevisionStatus.in_review: "step1", RevisionStatus.agency_approved: "step2"}


@dataclass
class ManualRow:
    manual: Manual
    status: str  # one of LIST_STATUSES
    has_draft: bool


def list_manuals(user: User, *, page: int = 1, per_page: int = 20, status: str | None = None,
                 agency_id: int | None = None, q: str | None = None):
    """Manuals the user may see, with agency, process and published revision, in a fixed number of queries."""
    clause = policy.manuals_visible_clause(user, Agency.path)
    if status in ("step1", "step2"):
        wanted = RevisionStatus.in_review if status == "step1" else RevisionStatus.agency_approved
        clause = clause & (Manual.status == ManualStatus.in_review) & select(ManualRevision.id).where(
            ManualRevision.manual_id == Manual.id, ManualRevision.status == wanted).exists()
    elif status in LIST_STATUSES:
        clause = clause & (Manual.status == status)
    if agency_id:
        agency = db.session.get(Agency, agency_id)
        clause = clause & (policy.within(Agency.path, [agency.path]) if agency else false())
    if q and q.strip():
        clause = clause & Manual.title.ilike(f"%{q.strip()}%")
    base = select(Manual).join(Agency, Agency.id == Manual.agency_id).where(clause)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    manuals = db.session.scalars(
        base.options(selectinload(Manual.process), selectinload(Manual.published_revision))
        .order_by(Manual.updated_at.desc(), Manual.id.desc()).limit(per_page).offset((max(page, 1) - 1) * per_page)
    ).all()
    open_revisions = db.session.execute(select(ManualRevision.manual_id, ManualRevision.status).where(
        ManualRevision.manual_id.in_([m.id for m in manuals]),
        ManualRevision.status.in_([RevisionStatus.draft, *_REVIEW_STEP]))).all() if manuals else []
    steps = {manual_id: _REVIEW_STEP[s] for manual_id, s in open_revisions if s in _REVIEW_STEP}
    drafts = {manual_id for manual_id, s in open_revisions if s == RevisionStatus.draft}
    rows = [ManualRow(m, steps.get(m.id, "step1") if m.status == ManualStatus.in_review else m.status,
                      m.id in drafts) for m in manuals]
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


def create_manual(user: User, *, title: str, agency_id: int, process_id: int | None = None) -> Manual:
    agency = db.session.get(Agency, agency_id)
    if agency is None or not policy.can_author_manual(user, agency_path=agency.path):
        raise NotAllowed(agency_id)
    process = db.session.get(Process, process_id) if process_id else None
    if process_id and (process is None or not process.active
                       or not policy.can_author_manual(user, agency_path=process.agency.path)):
        raise NotAllowed(process_id)
    now = utcnow()
    manual = Manual(title=title.strip(), agency_id=agency.id, process_id=process.id if process else None,
                    status=ManualStatus.draft, created_by_id=user.id, created_at=now, updated_at=now)
    db.session.add(manual)
    db.session.flush()
    record_audit("manual.created", actor_id=user.id, object_type="manual", object_id=manual.id,
                 after={"title": manual.title, "agency_id": agency.id, "process_id": manual.process_id})
    return manual


def author_processes(user: User) -> list[Process]:
    """Active processes a manual of this author may describe."""
    paths = policy.author_agency_paths(user)
    if not paths:
        return []
    return list(db.session.scalars(select(Process).join(Agency, Agency.id == Process.agency_id)
                                   .where(Process.active, policy.within(Agency.path, paths))
                                   .order_by(Process.name_th)))


def file_user_groups(manual_id: int, content: dict, *, new_manual: bool = False) -> None:
    """Keep the user groups a manual's revision names (``user_group_ids`` of its content) as its rows; flushes.
    ``new_manual``: it has no rows yet to replace."""
    wanted = {int(i) for i in content.get("user_group_ids") or [] if str(i).isdigit()}
    known = set(db.session.scalars(select(CatalogueEntry.id).where(CatalogueEntry.id.in_(wanted),
                                                                  CatalogueEntry.kind == "user_group"))) if wanted else ()
    if not new_manual:
        db.session.execute(delete(ManualUserGroup).where(ManualUserGroup.manual_id == manual_id))
    if known:
        db.session.execute(insert(ManualUserGroup), [{"manual_id": manual_id, "user_group_id": group}
                                                     for group in sorted(known)])
    db.session.flush()
