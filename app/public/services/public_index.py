"""The public search index: one row per published manual or other service that citizens may see.

Services call these whenever something the public site shows changes; the index
row is rewritten in the same transaction (flush only, the caller commits).

What citizens may see is decided here, once, when a row is written: a manual
with a published revision, or an other service with status "published", whose
owning agency and its ancestors are all publicly visible. The public pages and
the search read only what is in the index.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import delete, func, insert, or_, select, text

from app.core.extensions import db
from app.core.types import path_ids, subtree_bounds
from app.manuals.models import Manual, ManualRevision, OtherService, OtherServiceStatus, ServiceLink
from app.org.models import Agency, CatalogueEntry
from app.public.models import SQLITE_FTS_TABLE, PublicEntry, PublicEntryFacet, PublicEntryKind, PublicFacet

# Characters that Thai text often carries invisibly (word-break hints) and that would split a match.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
BATCH = 500


def normalise(value: str | None) -> str:
    """The form both the index and the queries use: NFC, no invisible marks, case-folded, single spaces."""
    if not value:
        return ""
    return " ".join(unicodedata.normalize("NFC", value).translate(_INVISIBLE).casefold().split())


def index_manual(manual_id: int) -> None:
    """Rewrite the manual's entry from its published revision (or remove it when nothing is published)."""
    _rewrite(manual_ids=[manual_id], other_service_ids=[])


def index_manuals(manual_ids: list[int]) -> None:
    """Many manuals at once (an import): the same as ``index_manual`` each, in a few queries per batch."""
    _rewrite_in_batches(sorted(set(manual_ids)), [])


def index_other_service(other_service_id: int) -> None:
    """Rewrite the other service's entry (or remove it when it is not published)."""
    _rewrite(manual_ids=[], other_service_ids=[other_service_id])


def index_agency(agency_id: int) -> None:
    """An agency's name, province or display status changed: rewrite the entries that show it.

    That is everything owned in its subtree and everything linked to an agency in
    its subtree (the province facet lists the service points' provinces).
    """
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        return
    low, high = subtree_bounds(agency.path)
    subtree = select(Agency.id).where(Agency.path >= low, Agency.path < high)
    linked = select(ServiceLink.manual_id, ServiceLink.process_id, ServiceLink.other_service_id) \
        .where(ServiceLink.agency_id.in_(subtree))
    links = db.session.execute(linked).all()
    linked_manuals = {m for m, _p, _o in links if m}
    linked_processes = {p for _m, p, _o in links if p}
    linked_others = {o for _m, _p, o in links if o}
    manual_ids = set(db.session.scalars(select(Manual.id).where(or_(
        Manual.agency_id.in_(subtree), Manual.id.in_(linked_manuals), Manual.process_id.in_(linked_processes)))))
    other_ids = set(db.session.scalars(select(OtherService.id).where(
        or_(OtherService.agency_id.in_(subtree), OtherService.id.in_(linked_others)))))
    # Entries indexed under the agency's former place in the tree (it may just have moved).
    for manual_id, other_id in db.session.execute(select(PublicEntry.manual_id, PublicEntry.other_service_id)
                                                  .where(PublicEntry.agency_path >= low,
                                                         PublicEntry.agency_path < high)):
        (manual_ids if manual_id else other_ids).add(manual_id or other_id)
    _rewrite_in_batches(sorted(manual_ids), sorted(other_ids))


def index_catalogue_entry(catalogue_entry_id: int) -> None:
    """A category or user group was renamed or moved: rewrite the entries filed under it (their search text)."""
    rows = db.session.execute(
        select(PublicEntry.manual_id, PublicEntry.other_service_id)
        .join(PublicEntryFacet, PublicEntryFacet.entry_id == PublicEntry.id)
        .where(PublicEntryFacet.facet.in_((PublicFacet.category, PublicFacet.user_group)),
               PublicEntryFacet.value == str(catalogue_entry_id))).all()
    _rewrite_in_batches(sorted({m for m, _o in rows if m}), sorted({o for _m, o in rows if o}))


def rebuild_all() -> int:
    """Rebuild the whole index (``flask public reindex``); returns the number of entries written.

    Objects loaded before the call are detached from the session afterwards: each batch is
    flushed and let go so that memory stays flat however many manuals there are.
    """
    _clear_fts(None)
    db.session.execute(delete(PublicEntryFacet))
    db.session.execute(delete(PublicEntry))
    manual_ids = list(db.session.scalars(select(Manual.id).where(Manual.published_revision_id.is_not(None))
                                         .order_by(Manual.id)))
    other_ids = list(db.session.scalars(select(OtherService.id).where(
        OtherService.status == OtherServiceStatus.published).order_by(OtherService.id)))
    _rewrite_in_batches(manual_ids, other_ids, release=True)
    return db.session.scalar(select(func.count()).select_from(PublicEntry))


def _rewrite_in_batches(manual_ids: list[int], other_ids: list[int], *, release: bool = False) -> None:
    for start in range(0, max(len(manual_ids), len(other_ids)), BATCH):
        _rewrite(manual_ids[start:start + BATCH], other_ids[start:start + BATCH])
        if release:
            db.session.flush()
            db.session.expunge_all()


def _rewrite(manual_ids: list[int], other_service_ids: list[int]) -> None:
    """Delete and re-insert the entries of these manuals and other services, in a fixed number of queries."""
    if not manual_ids and not other_service_ids:
        return
    old_ids = list(db.session.scalars(select(PublicEntry.id).where(or_(
        PublicEntry.manual_id.in_(manual_ids), PublicEntry.other_service_id.in_(other_service_ids)))))
    if old_ids:
        _clear_fts(old_ids)
        db.session.execute(delete(PublicEntryFacet).where(PublicEntryFacet.entry_id.in_(old_ids)))
        db.session.execute(delete(PublicEntry).where(PublicEntry.id.in_(old_ids)))

    sources = _published_sources(manual_ids, other_service_ids)
    if not sources:
        return
    hidden = _hidden_among({i for s in sources for i in s.agency.ancestor_ids()})
    sources = [s for s in sources if not hidden.intersection(s.agency.ancestor_ids())]
    if not sources:
        return
    catalogue = _catalogue_entries({i for s in sources for key in ("category_ids", "user_group_ids")
                                    for i in s.content.get(key) or []})
    provinces = _linked_provinces([s.manual_id for s in sources if s.manual_id],
                                  [s.other_service_id for s in sources if s.other_service_id])

    entries, facets = [], []
    for source in sources:
        entry, entry_facets = _entry(source, catalogue, provinces)
        entries.append(entry)
        facets.append(entry_facets)
    db.session.add_all(entries)
    db.session.flush()
    rows = [{"entry_id": entry.id, "facet": facet, "value": value}
            for entry, entry_facets in zip(entries, facets, strict=True) for facet, value in entry_facets]
    if rows:
        db.session.execute(insert(PublicEntryFacet), rows)
    if _uses_fts():
        db.session.execute(text(f"INSERT INTO {SQLITE_FTS_TABLE} (rowid, title_key, search_text) "
                                "VALUES (:id, :title_key, :search_text)"),
                           [{"id": e.id, "title_key": e.title_key, "search_text": e.search_text} for e in entries])


class _Source:
    """What an entry is built from: a manual's published revision, or a published other service."""

    def __init__(self, *, kind, manual_id, other_service_id, title, content, agency, published_at):
        self.kind, self.manual_id, self.other_service_id = kind, manual_id, other_service_id
        self.title, self.content, self.agency, self.published_at = title, content or {}, agency, published_at


def _published_sources(manual_ids: list[int], other_service_ids: list[int]) -> list[_Source]:
    sources = []
    if manual_ids:
        query = (select(Manual, ManualRevision).join(ManualRevision, ManualRevision.id == Manual.published_revision_id)
                 .where(Manual.id.in_(manual_ids)))
        for manual, revision in db.session.execute(query).unique():
            sources.append(_Source(kind=PublicEntryKind.manual, manual_id=manual.id, other_service_id=None,
                                   title=revision.title, content=revision.content, agency=manual.agency,
                                   published_at=revision.published_at))
    if other_service_ids:
        query = select(OtherService).where(OtherService.id.in_(other_service_ids),
                                           OtherService.status == OtherServiceStatus.published)
        for service in db.session.scalars(query).unique():
            sources.append(_Source(kind=PublicEntryKind.other_service, manual_id=None, other_service_id=service.id,
                                   title=service.title, content=service.content, agency=service.agency,
                                   published_at=service.published_at or service.updated_at))
    return sources


def _catalogue_entries(ids: set[int]) -> dict[int, CatalogueEntry]:
    """The referenced catalogue entries and their parents (an entry is found under its main entry too)."""
    found: dict[int, CatalogueEntry] = {}
    wanted = set(ids)
    for _level in range(2):  # main entries and sub entries: two levels
        wanted -= found.keys()
        if not wanted:
            break
        for entry in db.session.scalars(select(CatalogueEntry).where(CatalogueEntry.id.in_(wanted))):
            found[entry.id] = entry
        wanted = {e.parent_id for e in found.values() if e.parent_id}
    return found


def _hidden_among(agency_ids: set[int]) -> set[int]:
    """Which of these agencies are hidden from the public site (asked by id: never a scan of every agency)."""
    if not agency_ids:
        return set()
    return set(db.session.scalars(select(Agency.id).where(Agency.id.in_(agency_ids),
                                                          Agency.publicly_visible.is_(False))))


def _linked_provinces(manual_ids: list[int], other_ids: list[int]) -> dict[tuple, set[str]]:
    """(kind, id) -> provinces of the visible agencies linked to it, directly or through its process."""
    result: dict[tuple, set[str]] = defaultdict(set)
    if not manual_ids and not other_ids:
        return result
    manuals_of_process: dict[int, list[int]] = defaultdict(list)
    if manual_ids:
        for process_id, manual_id in db.session.execute(select(Manual.process_id, Manual.id).where(
                Manual.id.in_(manual_ids), Manual.process_id.is_not(None))):
            manuals_of_process[process_id].append(manual_id)
    query = (select(ServiceLink.manual_id, ServiceLink.process_id, ServiceLink.other_service_id, Agency.province,
                    Agency.path)
             .join(Agency, Agency.id == ServiceLink.agency_id)
             .where(Agency.province.is_not(None), or_(ServiceLink.manual_id.in_(manual_ids),
                                                      ServiceLink.process_id.in_(list(manuals_of_process)),
                                                      ServiceLink.other_service_id.in_(other_ids))))
    links = db.session.execute(query).all()
    hidden = _hidden_among({i for *_ids, path in links for i in path_ids(path)})
    for manual_id, process_id, other_id, province, path in links:
        if hidden.intersection(path_ids(path)):
            continue
        if other_id:
            result[(PublicEntryKind.other_service, other_id)].add(province)
        for target in [manual_id] if manual_id else manuals_of_process.get(process_id, []):
            result[(PublicEntryKind.manual, target)].add(province)
    return result


def _entry(source: _Source, catalogue: dict[int, CatalogueEntry], provinces: dict[tuple, set[str]]):
    content = source.content
    names = [str(n) for n in content.get("common_names") or []]
    tags = [str(t) for t in content.get("tags") or []]
    facets: set[tuple[str, str]] = set()
    labels: list[str] = []
    for key, facet in (("category_ids", PublicFacet.category), ("user_group_ids", PublicFacet.user_group)):
        for entry_id in content.get(key) or []:
            entry = catalogue.get(entry_id)
            while entry is not None:
                facets.add((facet, str(entry.id)))
                labels.extend(filter(None, (entry.name_th, entry.name_en)))
                entry = catalogue.get(entry.parent_id) if entry.parent_id else None
    agency = source.agency
    target = (source.kind, source.manual_id or source.other_service_id)
    for province in {agency.province, *provinces.get(target, ())} - {None, ""}:
        facets.add((PublicFacet.province, province[:100]))
    search_text = "\n".join(normalise(part) for part in
                            [source.title, *names, *tags, agency.name_th, agency.name_en or "", *labels] if part)
    entry = PublicEntry(
        kind=source.kind, manual_id=source.manual_id, other_service_id=source.other_service_id,
        title=source.title, common_names="\n".join(names), tags="\n".join(tags),
        title_key=normalise(source.title)[:500], names_key="\n".join(normalise(n) for n in names),
        tags_key="\n".join(normalise(t) for t in tags), agency_id=agency.id, agency_path=agency.path,
        agency_name_th=agency.name_th, agency_name_en=agency.name_en, province=agency.province,
        published_at=source.published_at, search_text=search_text)
    return entry, sorted(facets)


def _uses_fts() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _clear_fts(entry_ids: Iterable[int] | None) -> None:
    if not _uses_fts():
        return
    if entry_ids is None:
        db.session.execute(text(f"DELETE FROM {SQLITE_FTS_TABLE}"))
        return
    ids = list(entry_ids)
    db.session.execute(text(f"DELETE FROM {SQLITE_FTS_TABLE} WHERE rowid IN ({', '.join(map(str, map(int, ids)))})"))
