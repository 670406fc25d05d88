"""The public pages of one thing, as a citizen reads them: a manual (its published revision), an other service, a
service point (a place) and a published sample form. Only what the public index holds is shown (``PublicNotFound``
otherwise, also for what was withdrawn)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from app.core.extensions import db
from app.manuals.models import Manual, ManualAttachment, ManualRevision, OtherService, Process, ServiceLink
from app.manuals.services import links, manual_content
from app.org.models import Agency, CatalogueEntry
from app.public.models import PublicEntry


class PublicNotFound(Exception):
    """Not published, hidden, or no such thing: the public site answers 404."""


@dataclass
class ServicePage:
    """A manual or other service as a citizen reads it."""

    entry: PublicEntry
    title: str
    summary: str | None
    content: dict
    agency: Agency
    published_at: object
    categories: list[CatalogueEntry]
    user_groups: list[CatalogueEntry]
    attachments: list[ManualAttachment]
    places: list[Agency]
    total_time: str
    process: Process | None = None  # the law behind a licence (s.7): its legal basis and legal time limit


def manual_page(manual_id: int) -> ServicePage:
    """The published revision of a manual that the public index holds."""
    entry = db.session.scalar(select(PublicEntry).where(PublicEntry.manual_id == manual_id))
    if entry is None:
        raise PublicNotFound(manual_id)
    row = db.session.execute(select(Manual, ManualRevision)
                             .join(ManualRevision, ManualRevision.id == Manual.published_revision_id)
                             .where(Manual.id == manual_id)).first()
    if row is None:
        raise PublicNotFound(manual_id)
    manual, revision = row
    attachments = list(db.session.scalars(select(ManualAttachment).where(ManualAttachment.revision_id == revision.id)
                                          .order_by(ManualAttachment.position, ManualAttachment.id)))
    link_clause = ServiceLink.manual_id == manual.id
    if manual.process_id:
        link_clause = or_(link_clause, ServiceLink.process_id == manual.process_id)
    page = _page(entry, revision.title, None, revision.content, manual.agency, revision.published_at,
                 attachments, link_clause)
    page.process = db.session.get(Process, manual.process_id) if manual.process_id else None
    return page


def other_service_page(other_service_id: int) -> ServicePage:
    """A published other service that the public index holds."""
    entry = db.session.scalar(select(PublicEntry).where(PublicEntry.other_service_id == other_service_id))
    service = db.session.get(OtherService, other_service_id) if entry is not None else None
    if service is None:
        raise PublicNotFound(other_service_id)
    return _page(entry, service.title, service.summary, service.content, service.agency, entry.published_at, [],
                 ServiceLink.other_service_id == service.id)


def _page(entry, title, summary, content, agency, published_at, attachments, link_clause) -> ServicePage:
    content = content or {}
    ids = [*(content.get("category_ids") or []), *(content.get("user_group_ids") or [])]
    catalogue = {e.id: e for e in db.session.scalars(select(CatalogueEntry).where(CatalogueEntry.id.in_(ids)))} \
        if ids else {}
    places = _visible_agencies(select(Agency).join(ServiceLink, ServiceLink.agency_id == Agency.id)
                               .where(link_clause).distinct())
    return ServicePage(
        entry=entry, title=title, summary=summary, content=content, agency=agency, published_at=published_at,
        categories=[catalogue[i] for i in content.get("category_ids") or [] if i in catalogue],
        user_groups=[catalogue[i] for i in content.get("user_group_ids") or [] if i in catalogue],
        attachments=attachments, places=places, total_time=_total_time(content))


def _total_time(content: dict) -> str:
    """The author's total or the steps' sum; nothing when no step says how long it takes."""
    total = manual_content.total_time(content)
    return manual_content.format_duration(total) if total.get("value") else ""


def _visible_agencies(query) -> list[Agency]:
    """The agencies of ``query`` that are shown, with every ancestor shown too; 2 queries."""
    return _shown(list(db.session.scalars(query).unique()))


def _shown(agencies: list[Agency]) -> list[Agency]:
    """Those of ``agencies`` that are shown, with every ancestor shown too; 1 query."""
    ancestors = {i for a in agencies for i in a.ancestor_ids()}
    hidden = set(db.session.scalars(select(Agency.id).where(Agency.id.in_(ancestors),
                                                            Agency.publicly_visible.is_(False)))) if ancestors else set()
    return sorted((a for a in agencies if not hidden.intersection(a.ancestor_ids())),
                  key=lambda a: (a.province or "", a.name_th))


def published_attachment(manual_id: int, attachment_id: int) -> ManualAttachment:
    """A sample form of the manual's published revision, if the manual is public."""
    from app.core import file_store
    from app.manuals.services import attachments

    if db.session.scalar(select(PublicEntry.id).where(PublicEntry.manual_id == manual_id)) is None:
        raise PublicNotFound(manual_id)
    attachment = db.session.get(ManualAttachment, attachment_id)
    if attachment is None or attachment.revision.manual_id != manual_id or not attachments.is_published(attachment) \
            or not file_store.path_for(attachment.sha256).exists():
        raise PublicNotFound(attachment_id)
    return attachment


@dataclass
class PlacePage:
    agency: Agency
    parent: Agency | None
    entries: list[PublicEntry]


def place_page(agency_id: int) -> PlacePage:
    """A shown agency or service point with the public services it provides."""
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise PublicNotFound(agency_id)
    if not _shown([agency]):
        raise PublicNotFound(agency_id)
    provided = links.for_agency(agency_id, public_only=True)
    manual_ids = [m.id for m in provided.manuals]
    other_ids = [o.id for o in provided.other_services]
    # What is linked to the place, and what the agency owns itself (a department's own page).
    entries = list(db.session.scalars(select(PublicEntry).where(or_(
        PublicEntry.agency_id == agency_id, PublicEntry.manual_id.in_(manual_ids),
        PublicEntry.other_service_id.in_(other_ids))).order_by(PublicEntry.title)))
    parent = db.session.get(Agency, agency.parent_id) if agency.parent_id else None
    return PlacePage(agency=agency, parent=parent, entries=entries)

