"""The public FAQ: a published entry, the topics, the search (the public manuals' way: normalised substrings, every
term required) and the suggestions while someone types (trigrams weighted by rarity)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import and_, case, func, literal, select

from app.core import settings
from app.core.extensions import db
from app.core.paging import Page
from app.knowledge.models import FaqEntry, FaqStatus
from app.knowledge.services.faq_entries import PAGE_SIZE
from app.knowledge.services.faq_errors import NotPublished
from app.knowledge.services.faq_text import TOPIC_MAX, _nfc, excerpt
from app.public.services.public_index import normalise
from app.public.services.public_search import terms_of

SUGGEST_TEXT_MAX = 300  # characters of a typed question compared (a visitor may type far more)
SUGGEST_LIMIT_MAX = 20
SUGGEST_GRAMS = 20  # trigrams of the typed text compared, at most (spread over the text)
SUGGEST_WORDS = 3  # typed text of at most this many words is first looked up as the search does,
SUGGEST_WORD_LENGTH = 20  # unless one is longer than this (a whole question typed without spaces)
SUGGEST_COMMON = 0.6  # a trigram in more than this share of the entries says nothing (once there are a few)
SUGGEST_MIN_SCORE = 0.3  # of what an entry whose question holds every (telling) trigram would score
SUGGEST_CLOSE_TO_BEST = 0.5  # and at least this share of the best entry's score


def public_entry(entry_id: int) -> FaqEntry:
    """A published entry; NotPublished otherwise (``withdrawn`` when it was published once)."""
    entry = db.session.get(FaqEntry, entry_id)
    if entry is None or entry.status != FaqStatus.published:
        raise NotPublished(entry_id, withdrawn=entry is not None and entry.status == FaqStatus.withdrawn)
    return entry


def topics(published_only: bool = True) -> list[tuple[str, int]]:
    """Topics with their number of published entries, the largest first; one query."""
    query = select(FaqEntry.topic, func.count()).where(FaqEntry.topic.is_not(None))
    if published_only:
        query = query.where(FaqEntry.status == FaqStatus.published)
    return [(topic, count) for topic, count in db.session.execute(
        query.group_by(FaqEntry.topic).order_by(func.count().desc(), FaqEntry.topic)).all()]


@dataclass
class SearchResult:
    query: str
    terms: list[str]
    topic: str | None
    page: Page


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(q: str | None, topic: str | None = None, page: int = 1, per_page: int = PAGE_SIZE) -> SearchResult:
    """Published entries holding every term (substrings of the normalised text, as in the manuals' search),
    those whose question matches first; browsing without terms, the newest first. Two queries."""
    terms = terms_of(q)
    topic = " ".join(_nfc(topic).split())[:TOPIC_MAX] or None
    clauses, rank = _matching(terms, topic)
    total = db.session.scalar(select(func.count()).select_from(FaqEntry).where(*clauses))
    return SearchResult(query=" ".join(_nfc(q).split()), terms=terms, topic=topic,
                        page=Page(_ranked(clauses, rank, page, per_page), total, page, per_page))


def _matching(terms: list[str], topic: str | None) -> tuple[list, object]:
    """The search's conditions and its rank: the whole phrase as the question, in the question, every term in the
    question, elsewhere."""
    clauses = [FaqEntry.status == FaqStatus.published]
    if topic:
        clauses.append(FaqEntry.topic == topic)
    clauses += [FaqEntry.search_text.like(_like(term), escape="\\") for term in terms]
    if not terms:
        return clauses, literal(0)
    phrase = " ".join(terms)
    in_question = [FaqEntry.question_key.like(_like(term), escape="\\") for term in terms]
    rank = case((FaqEntry.question_key == phrase, 0), (FaqEntry.question_key.like(_like(phrase), escape="\\"), 1),
                (and_(*in_question), 2), else_=3)
    return clauses, rank


def _ranked(clauses: list, rank, page: int, per_page: int) -> list[FaqEntry]:
    return list(db.session.scalars(select(FaqEntry).where(*clauses)
                                   .order_by(rank, FaqEntry.published_at.desc(), FaqEntry.id.desc())
                                   .limit(per_page).offset((max(page, 1) - 1) * per_page)))


@dataclass(frozen=True)
class Suggestion:
    id: int
    question: str
    excerpt: str
    topic: str | None
    url: str

    def as_dict(self) -> dict:
        return {"id": self.id, "question": self.question, "excerpt": self.excerpt, "topic": self.topic,
                "url": self.url}


def _trigrams(text: str) -> list[str]:
    """The character trigrams of the typed text's terms (normalised as the index is), spread over the text."""
    grams: list[str] = []
    for term in terms_of(_nfc(text)[:SUGGEST_TEXT_MAX]):
        for start in range(len(term) - 2):
            gram = term[start:start + 3]
            if gram not in grams:
                grams.append(gram)
    if len(grams) > SUGGEST_GRAMS:
        step = (len(grams) - 1) / (SUGGEST_GRAMS - 1)
        grams = [grams[round(i * step)] for i in range(SUGGEST_GRAMS)]
    return grams


def entry_path(entry_id: int) -> str:
    """The entry's public page as a path (with the application's path prefix, if it has one)."""
    return urlsplit(settings.external_url("public.faq_entry", entry_id=entry_id)).path


def suggest(text: str, limit: int = 5) -> list[Suggestion]:
    """Published entries close to the typed text, best first; see the module's docstring.

    A word or two are looked up as the FAQ's search does (entries holding them all, questions first). Otherwise,
    or when that finds nothing (Thai typed without spaces is one long "word"), the typed text is compared with
    the published questions (and topics) by its trigrams, each weighted by how rare it is among them. Questions
    are short and few (a FAQ holds hundreds, a few thousand at most): they are read in one query and compared
    here, which costs milliseconds where a LIKE per trigram per row in the database cost a hundred
    (``tests/knowledge/test_search_and_lists.py`` measures 2,000 entries). Two to four queries.
    """
    limit = max(1, min(int(limit), SUGGEST_LIMIT_MAX))
    grams = _trigrams(text or "")
    if not grams:
        return []
    terms = terms_of(text)
    if len(terms) <= SUGGEST_WORDS and max(map(len, terms)) <= SUGGEST_WORD_LENGTH:
        # A word or two: the entries holding them, questions first, as the FAQ's search finds them.
        entries = _ranked(*_matching(terms, None), page=1, per_page=limit)
        if entries:
            return _suggestions(entries)
    rows = db.session.execute(select(FaqEntry.id, FaqEntry.question_key, FaqEntry.topic)
                              .where(FaqEntry.status == FaqStatus.published)).all()
    topic_keys = {topic: normalise(topic) for topic in {topic for _entry_id, _question_key, topic in rows}}
    published = len(rows)
    scores: dict[int, float] = {}
    weights: list[float] = []
    for gram in grams:
        # The questions holding the trigram (a topic holding it counts half); a rare one says more than a common
        # one ("ต้องทำอย่างไร" is in most questions).
        in_question = [entry_id for entry_id, question_key, _topic in rows if gram in question_key]
        in_topic = [entry_id for entry_id, question_key, topic in rows
                    if gram not in question_key and gram in topic_keys[topic]]
        found = len(in_question) + len(in_topic)
        if published >= 8 and found > SUGGEST_COMMON * published:
            continue
        # A trigram no question holds still counts a little (as one every question holds would): much typed that
        # no question has makes a weak match, however well the rest fits.
        weight = math.log(1 + published / found) if found else math.log(2)
        weights.append(weight)
        for entry_id in in_question:
            scores[entry_id] = scores.get(entry_id, 0.0) + weight
        for entry_id in in_topic:
            scores[entry_id] = scores.get(entry_id, 0.0) + weight / 2
    best = sum(weights)
    if not best:
        return []
    ranked = [(score / best, entry_id) for entry_id, score in scores.items() if score >= SUGGEST_MIN_SCORE * best]
    ranked.sort(key=lambda item: (-item[0], -item[1]))
    ranked = [(score, entry_id) for score, entry_id in ranked[:limit] if score >= SUGGEST_CLOSE_TO_BEST * ranked[0][0]]
    if not ranked:
        return []
    found = {entry.id: entry for entry in db.session.scalars(
        select(FaqEntry).where(FaqEntry.id.in_([entry_id for _score, entry_id in ranked])))}
    return _suggestions([found[entry_id] for _score, entry_id in ranked])


def _suggestions(entries: list[FaqEntry]) -> list[Suggestion]:
    return [Suggestion(id=entry.id, question=entry.question, excerpt=excerpt(entry.answer), topic=entry.topic,
                       url=entry_path(entry.id)) for entry in entries]


