"""What citizens find: the search over the public index and its facets (the pages themselves: ``public_pages``).

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
from app.org.models import CatalogueEntry, CatalogueKind
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
