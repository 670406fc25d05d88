"""Other services (บริการอื่นๆ): services of agencies that need no legally required citizen manual.

Review choice: there is no two-step approval here. A manual author or a central
officer of the agency publishes directly, because no law prescribes the content and
OPDC does not vet it. What keeps it honest instead:

- every change is audited with the fields before and after;
- the department's central officer (or an administrator) can hide a published
  service from the public site at once, and only they can show it again.

Two people editing one service at once: the second gets a conflict
(``lock_version``), nothing is overwritten.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.services import policy
from app.core.conflicts import flush_or_conflict
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.manuals.models import OtherService, OtherServiceStatus
from app.manuals.services import manual_content
from app.org.models import Agency
from app.org.services import catalogue
from app.public.services import public_index

# The content keys an other service uses (a subset of a manual's; see app/services/manual_content.py).
CONTENT_KEYS = ("common_names", "tags", "category_ids", "user_group_ids", "criteria", "channels", "documents",
                "no_fee", "fees", "complaint_channels", "remark")
MAX_TITLE = 500
MAX_SUMMARY = 4000


class OtherServiceError(Exception):
    code = "error"


class ServiceNotFound(OtherServiceError):
    code = "not_found"


class NotAllowed(OtherServiceError):
    code = "forbidden"


class ServiceChangedMeanwhile(OtherServiceError):
    code = "conflict"


class InvalidService(OtherServiceError):
    """``errors`` maps a field ("title", "channels.0.place", ...) to its message."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


def list_services(user: User, *, page: int = 1, per_page: int = 20, status: str | None = None,
                  q: str | None = None) -> tuple[list[OtherService], int]:
    """Services the user may see, with their agency, in two queries whatever the page size."""
    clause = policy.other_services_visible_clause(user, Agency.path)
    if status in (OtherServiceStatus.draft, OtherServiceStatus.published, OtherServiceStatus.hidden):
        clause = clause & (OtherService.status == status)
    if q and q.strip():
        clause = clause & OtherService.title.ilike(f"%{q.strip()}%")
    base = select(OtherService).join(Agency, Agency.id == OtherService.agency_id).where(clause)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = db.session.scalars(base.order_by(OtherService.updated_at.desc(), OtherService.id.desc())
                              .limit(per_page).offset((max(page, 1) - 1) * per_page)).unique().all()
    return list(rows), total


def author_agencies(user: User) -> list[Agency]:
    paths = policy.other_service_author_paths(user)
    if not paths:
        return []
    return list(db.session.scalars(select(Agency).where(policy.within(Agency.path, paths)).order_by(Agency.path)))


def get_service(user: User, service_id: int) -> OtherService:
    service = db.session.get(OtherService, service_id)
    if service is None or not policy.can_view_other_service(user, service.agency.path):
        raise ServiceNotFound(service_id)
    return service


def can_edit(user: User, service: OtherService) -> bool:
    return policy.can_author_other_service(user, service.agency.path)


def can_hide(user: User, service: OtherService) -> bool:
    return policy.can_hide_other_service(user, service.agency.path)


def _clean(title: str | None, summary: str | None, raw_content: dict) -> tuple[str, str | None, dict]:
    content, errors = manual_content.clean({key: raw_content.get(key) for key in CONTENT_KEYS})
    title = " ".join((title or "").split())
    summary = (summary or "").strip() or None
    if not title:
        errors["title"] = _l("Enter the name of the service.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _l("At most %(limit)s characters.", limit=MAX_TITLE)
    if summary and len(summary) > MAX_SUMMARY:
        errors["summary"] = _l("At most %(limit)s characters.", limit=MAX_SUMMARY)
    for key, kind in (("category_ids", "category"), ("user_group_ids", "user_group")):
        allowed = {entry_id for entry_id, _label in catalogue.choices(kind)}
        if any(entry_id not in allowed for entry_id in content.get(key, [])):
            errors[key] = _l("Choose from the list.")
    if errors:
        raise InvalidService(errors)
    return title, summary, {key: value for key, value in content.items() if key in CONTENT_KEYS}


def _snapshot(service: OtherService) -> dict:
    return {"title": service.title, "summary": service.summary, "content": service.content,
            "status": service.status, "agency_id": service.agency_id}


def _changes(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after.get(key) for key in keys}


def create(user: User, *, agency_id: int, title: str, summary: str | None, content: dict,
           publish: bool = False) -> OtherService:
    agency = db.session.get(Agency, agency_id)
    if agency is None or not policy.can_author_other_service(user, agency.path):
        raise NotAllowed(agency_id)
    title, summary, content = _clean(title, summary, content)
    now = utcnow()
    service = OtherService(agency_id=agency.id, title=title, summary=summary, content=content,
                           status=OtherServiceStatus.published if publish else OtherServiceStatus.draft,
                           created_by_id=user.id, created_at=now, updated_by_id=user.id, updated_at=now,
                           published_at=now if publish else None)
    db.session.add(service)
    db.session.flush()
    catalogue.remember_tags(content.get("tags"))
    record_audit("other_service.created", actor_id=user.id, object_type="other_service", object_id=service.id,
                 after=_snapshot(service))
    public_index.index_other_service(service.id)
    return service


def update(user: User, service_id: int, *, title: str, summary: str | None, content: dict,
           expected_version: int | None, publish: bool = False) -> OtherService:
    """Save the edit; ``publish`` also makes a draft public (a hidden one stays hidden until shown again)."""
    service = get_service(user, service_id)
    if not can_edit(user, service):
        raise NotAllowed(service_id)
    if expected_version is not None and service.lock_version != expected_version:
        raise ServiceChangedMeanwhile(service_id)
    title, summary, content = _clean(title, summary, content)
    before = _snapshot(service)
    service.title, service.summary, service.content = title, summary, content
    if publish and service.status == OtherServiceStatus.draft:
        service.status, service.published_at = OtherServiceStatus.published, utcnow()
    old, new = _changes(before, _snapshot(service))
    if not new:
        return service
    service.updated_by_id, service.updated_at = user.id, utcnow()
    flush_or_conflict(ServiceChangedMeanwhile(service.id))
    catalogue.remember_tags(content.get("tags"))
    record_audit("other_service.updated", actor_id=user.id, object_type="other_service", object_id=service.id,
                 before=old, after=new)
    public_index.index_other_service(service.id)
    return service


def set_status(user: User, service_id: int, status: str, *, expected_version: int | None = None) -> OtherService:
    """Publish a draft (its authors), or hide / show again a published one (central officers)."""
    service = get_service(user, service_id)
    allowed = {
        (OtherServiceStatus.draft, OtherServiceStatus.published): can_edit(user, service),
        (OtherServiceStatus.published, OtherServiceStatus.hidden): can_hide(user, service),
        (OtherServiceStatus.hidden, OtherServiceStatus.published): can_hide(user, service),
    }
    if not allowed.get((service.status, status)):
        raise NotAllowed(service_id)
    if expected_version is not None and service.lock_version != expected_version:
        raise ServiceChangedMeanwhile(service_id)
    before = service.status
    now = utcnow()
    service.status, service.updated_by_id, service.updated_at = status, user.id, now
    if status == OtherServiceStatus.published and service.published_at is None:
        service.published_at = now
    flush_or_conflict(ServiceChangedMeanwhile(service.id))
    record_audit(f"other_service.{status}", actor_id=user.id, object_type="other_service", object_id=service.id,
                 before={"status": before}, after={"status": status})
    public_index.index_other_service(service.id)
    return service
