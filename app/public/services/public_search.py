"""What citizens find and read: the search over the public index, and the public pages' data.

Search is a substring search over ``PublicEntry.search_text`` (Thai has no
spaces between words, so words cannot be split reliably): SQLite answers
through the FTS5 trigram table, PostgreSQL through GIN trigram indexes. Terms
shorter than three characters have no trigram, so they are matched by a LIKE
scan over the index rows instead (slower; the result page says so).

Every function here runs a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import ARRAY, Integer, String, and_, any_, case, cast, func, literal, or_, select, text, union_all

from app.core.extensions import db
from app.manuals.models import Manual, ManualAttachment, ManualRevision, OtherService, Process, ServiceLink
from app.manuals.services import links, manual_content
from app.org.models import Agency, CatalogueEntry, CatalogueKind
from app.public.models import SQLITE_FTS_TABLE, PublicEntry, PublicEntryFacet, PublicFacet
from app.public.services.public_index import normalise

PAGE_SIZE = 20
CANDIDATE_LIMIT = 1000  # see _matches: past this many matches the page asks for a narrower search
MAX_PAGE = CANDIDATE_LIMIT // PAGE_SIZE
MIN_TRIGRAM = 3  # shorter terms have no trigram to look up
MAX_TERMS = 8
MAX_TERM_LENGTH = 100
FACET_LIMIT = 20
FACETS = ("category", "user_group", "agency", "province")


class PublicNotFound(Exception):
    """Not published, hidden, or no such thing: the public site answers 404."""


@dataclass(frozen=True)
class SearchFilters:
    category: int | None = None
    user_group: int | None = None
    agency: int | None = None
    province: str | None = None

    def active(self) -> dict[str, str]:
        return {name: str(getattr(self, name)) for name in FACETS if getattr(self, name) not in (None, "")}


@dataclass(frozen=True)
class FacetValue:
    value: str
    label_th: str
    label_en: str | None
    count: int
    selected: bool

    def label(self, locale: str = "th") -> str:
        return (self.label_en or self.label_th) if locale == "en" else self.label_th


@dataclass
class SearchResult:
    query: str
    terms: list[str]
    filters: SearchFilters
    entries: list[PublicEntry]
    total: int
    page: int
    pages: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    short_terms: list[str] = field(default_factory=list)  # matched by a scan, not by the trigram index
    more: bool = False  # more than CANDIDATE_LIMIT matched: total and facets count the closest CANDIDATE_LIMIT


def terms_of(query: str | None) -> list[str]:
    terms: list[str] = []
    for term in normalise(query).split():
        term = term[:MAX_TERM_LENGTH]
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _every(column, terms: list[str]):
    return and_(*(column.like(_like_pattern(term), escape="\\") for term in terms))


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _matches(terms: list[str], filters: SearchFilters) -> tuple[list[int], list[str]]:
    """(at most CANDIDATE_LIMIT + 1 matching entry ids, the terms matched by a scan instead of an index).

    A broad word ("ใบอนุญาต") matches most of the country's services; ranking and counting every one of them
    is what made such searches slow. So the database stops after CANDIDATE_LIMIT + 1 matches anywhere in
    the text; when it had to stop, the matches in the *title* are added (the closest kind of match, so they
    are never crowded out), and the result page says there are more and asks for a word or a filter.
    Browsing without words takes the newest matches, which is also the order it shows.
    """
    long_terms = [t for t in terms if len(t) >= MIN_TRIGRAM]
    short_terms = [t for t in terms if len(t) < MIN_TRIGRAM]
    filter_conditions = []
    for facet in (PublicFacet.category, PublicFacet.user_group, PublicFacet.province):
        value = getattr(filters, facet)
        if value not in (None, ""):
            filter_conditions.append(PublicEntry.id.in_(select(PublicEntryFacet.entry_id).where(
                PublicEntryFacet.facet == facet, PublicEntryFacet.value == str(value))))
    if filters.agency:
        filter_conditions.append(PublicEntry.agency_id == filters.agency)
    if not terms:
        return list(db.session.scalars(
            select(PublicEntry.id).where(*filter_conditions)
            .order_by(PublicEntry.published_at.desc().nulls_last(), PublicEntry.id.desc())
            .limit(CANDIDATE_LIMIT + 1))), short_terms
    # SQLite: a narrow filter is quicker read row by row than a broad word looked up in the trigram index.
    use_fts = (db.session.get_bind().dialect.name == "sqlite" and bool(long_terms)
               and not _filters_are_narrow(filters))

    def ids_matching_in(column: str) -> list[int]:
        query = select(PublicEntry.id)
        scanned = terms
        if use_fts:
            # bm25() is left out on purpose: scoring every match costs ten times the lookup itself.
            phrases = " AND ".join(f"{column} : {_fts_phrase(t)}" for t in long_terms)
            fts = (text(f"SELECT rowid AS entry_id FROM {SQLITE_FTS_TABLE} WHERE {SQLITE_FTS_TABLE} MATCH :match")
                   .bindparams(match=phrases).columns(entry_id=Integer).subquery())
            query = query.join(fts, fts.c.entry_id == PublicEntry.id)
            scanned = short_terms
        # Otherwise LIKE '%term%': PostgreSQL answers it from its GIN trigram indexes.
        searched = getattr(PublicEntry, column)
        conditions = [searched.like(_like_pattern(t), escape="\\") for t in scanned]
        return list(db.session.scalars(query.where(*conditions, *filter_conditions).limit(CANDIDATE_LIMIT + 1)))

    ids = ids_matching_in("search_text")
    if len(ids) > CANDIDATE_LIMIT:
        ids = list(dict.fromkeys(ids_matching_in("title_key") + ids))
    return ids, short_terms


@contextmanager
def _indexes_only():
    """On PostgreSQL, keep the planner off whole-table scans while a search runs.

    Every query of a search reads at most a few thousand rows through an index, but the planner guesses
    otherwise: with a LIMIT it reads the table in order until enough rows match a Thai word, and for a
    list of a thousand ids it scans the facet table; both read ten times more (measured at 100,000 entries).
    """
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    if postgresql:
        db.session.execute(text("SELECT set_config('enable_seqscan', 'off', true)"))
    try:
        yield
    finally:
        if postgresql:
            db.session.execute(text("SELECT set_config('enable_seqscan', 'on', true)"))


def _among(column, ids: list[int]):
    """``column IN ids``; on PostgreSQL one array parameter, which plans far quicker than a thousand."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(cast(ids, ARRAY(Integer)))
    return column.in_(ids)


NARROW_FILTER = 10_000  # entries; fewer are read row by row faster than a common word is looked up


def _filters_are_narrow(filters: SearchFilters) -> bool:
    """Does some chosen filter hold few entries? Counted off the facet and agency indexes; 1 query at most."""
    counts = [select(func.count()).where(PublicEntryFacet.facet == facet, PublicEntryFacet.value == str(value))
              .scalar_subquery()
              for facet in (PublicFacet.category, PublicFacet.user_group, PublicFacet.province)
              if (value := getattr(filters, facet)) not in (None, "")]
    if filters.agency:
        counts.append(select(func.count()).where(PublicEntry.agency_id == filters.agency).scalar_subquery())
    if not counts:
        return False
    return any(count <= NARROW_FILTER for count in db.session.execute(select(*counts)).one())


def search(q: str | None, filters: SearchFilters | None = None, page: int = 1) -> SearchResult:
    """Ranked results (exact title, title, common name, tag, other text), facet counts and paging; 3-7 queries."""
    with _indexes_only():
        return _search(q, filters, page)


def _search(q: str | None, filters: SearchFilters | None, page: int) -> SearchResult:
    filters = filters or SearchFilters()
    terms = terms_of(q)
    ids, short_terms = _matches(terms, filters)
    whole = _like_pattern(" ".join(terms)) if terms else None
    if terms:
        phrase = " ".join(terms)
        # Thai is written without spaces: "บัตร ประชาชน" is typed for "บัตรประชาชน", so the words run together count
        # as the phrase too; then every word in the title, every word in the common names.
        joined = _like_pattern("".join(terms))
        rank = case((PublicEntry.title_key == phrase, 0),
                    (or_(PublicEntry.title_key.like(whole, escape="\\"),
                         PublicEntry.title_key.like(joined, escape="\\")), 1),
                    (or_(PublicEntry.names_key.like(whole, escape="\\"),
                         PublicEntry.names_key.like(joined, escape="\\")), 2),
                    (_every(PublicEntry.title_key, terms), 3),
                    (_every(PublicEntry.names_key, terms), 4),
                    (PublicEntry.tags_key.like(whole, escape="\\"), 5), else_=6)
    else:  # browsing a category, an agency or a province: the newest first
        rank = literal(0)
    page = min(max(1, page), MAX_PAGE)
    more = len(ids) > CANDIDATE_LIMIT
    total = min(len(ids), CANDIDATE_LIMIT)
    entries = []
    if ids:
        # Rank and sort narrow rows, then read the page's entries whole: sorting whole rows is what costs.
        # Within a rank the shorter title is the closer match; then the newer.
        closeness = func.length(PublicEntry.title_key) if terms else literal(0)
        ranked = (select(PublicEntry.id.label("entry_id"), rank.label("rank"), closeness.label("closeness"),
                         PublicEntry.published_at)
                  .where(_among(PublicEntry.id, ids))
                  .order_by(rank, closeness, PublicEntry.published_at.desc().nulls_last(), PublicEntry.id)
                  .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).subquery("ranked")
        entries = list(db.session.scalars(
            select(PublicEntry).join(ranked, ranked.c.entry_id == PublicEntry.id)
            .order_by(ranked.c.rank, ranked.c.closeness, ranked.c.published_at.desc().nulls_last(), PublicEntry.id)))
    return SearchResult(query=(q or "").strip(), terms=terms, filters=filters, entries=entries,
                        total=total, page=page, pages=max(1, math.ceil(total / PAGE_SIZE)),
                        facets=_facets(ids[:CANDIDATE_LIMIT], filters), short_terms=short_terms, more=more)


def _facets(ids: list[int], filters: SearchFilters) -> dict[str, list[FacetValue]]:
    """Counts per category, user group, province (facet rows) and owning agency, in one query plus labels."""
    no_label = literal(None, String(255))
    from_facets = (select(PublicEntryFacet.facet, PublicEntryFacet.value, no_label.label("label_th"),
                          no_label.label("label_en"), func.count().label("count"))
                   .where(_among(PublicEntryFacet.entry_id, ids))
                   .group_by(PublicEntryFacet.facet, PublicEntryFacet.value))
    agency_id_text = cast(PublicEntry.agency_id, String(20))
    from_agencies = (select(literal("agency").label("facet"), agency_id_text.label("value"),
                            func.min(PublicEntry.agency_name_th).label("label_th"),
                            func.min(PublicEntry.agency_name_en).label("label_en"), func.count().label("count"))
                     .where(_among(PublicEntry.id, ids))
                     .group_by(PublicEntry.agency_id)
                     # a broad word spans a thousand agencies: only the largest few are shown
                     .order_by(func.count().desc(), PublicEntry.agency_id).limit(FACET_LIMIT)).subquery().select()
    rows = db.session.execute(union_all(from_facets, from_agencies)).all()
    catalogue_ids = {int(value) for facet, value, *_rest in rows
                     if facet in (PublicFacet.category, PublicFacet.user_group) and value.isdigit()}
    names = {e.id: e for e in db.session.scalars(select(CatalogueEntry).where(CatalogueEntry.id.in_(catalogue_ids)))} \
        if catalogue_ids else {}
    facets: dict[str, list[FacetValue]] = {name: [] for name in FACETS}
    selected = filters.active()
    for facet, value, label_th, label_en, count in rows:
        if facet in (PublicFacet.category, PublicFacet.user_group):
            entry = names.get(int(value)) if value.isdigit() else None
            if entry is None:
                continue
            label_th, label_en = entry.name_th, entry.name_en
        else:
            label_th = label_th or value
        facets[facet].append(FacetValue(value=value, label_th=label_th, label_en=label_en, count=count,
                                        selected=selected.get(facet) == value))
    for facet in facets:
        facets[facet] = sorted(facets[facet], key=lambda f: (not f.selected, -f.count, f.label_th))[:FACET_LIMIT]
    return facets


def home_categories() -> list[tuple[CatalogueEntry, int]]:
    """The main service categories with how many public services each has; 2 queries."""
    categories = list(db.session.scalars(select(CatalogueEntry).where(
        CatalogueEntry.kind == CatalogueKind.category, CatalogueEntry.parent_id.is_(None), CatalogueEntry.active)
        .order_by(CatalogueEntry.position, CatalogueEntry.name_th)))
    if not categories:
        return []
    counts = dict(db.session.execute(select(PublicEntryFacet.value, func.count()).where(
        PublicEntryFacet.facet == PublicFacet.category,
        PublicEntryFacet.value.in_([str(c.id) for c in categories])).group_by(PublicEntryFacet.value)).all())
    return [(category, counts.get(str(category.id), 0)) for category in categories]


# --- pages -------------------------------------------------------------------------------------------------


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
    agencies = list(db.session.scalars(query).unique())
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
    shown = _visible_agencies(select(Agency).where(Agency.id == agency_id))
    if not shown:
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

