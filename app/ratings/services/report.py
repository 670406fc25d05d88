"""The satisfaction report (รายงานผลประเมินความพึงพอใจ): plain filters in, figures out, from the daily tallies alone.

``satisfaction(filters, paths)`` is the one entry point (the summary reports reuse it): ``paths`` are the agency
paths the viewer covers (``access.view_paths``), ``filters`` the scope agency, province, service and period. The
figures: ratings counted, comments, flagged duplicates, excluded; per question set version and question the
number of answers, the average and the distribution; the trend by month; and a breakdown one level down (the
units below the scope, or provinces, or services) to drill into.

Scope keys (``tallies``): one agency (``a<id>``), the country (``*``) or a province nationwide (``p<name>``); a
province inside an agency's subtree sums its points' own rows.

The ratings the fold job has not yet added (``fold.tail``: a minute's worth) are added here, so that a rating
shows the moment it is given. Tallies and tail are read between two readings of the fold's generation: a fold
committed in between would count a rating in both, so the report is read again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from app.core.extensions import db
from app.org.models import Agency
from app.ratings.models import HISTOGRAM, Question, QuestionKind, QuestionSet, RatingTally
from app.ratings.services import access, fold, report_choices, tallies
from app.ratings.services.errors import BadFilter, NotAllowed

BREAKDOWN_PAGE = 50
MAX_DAYS = 366 * 5
SCALE_MAX = 5


@dataclass(frozen=True)
class ReportFilters:
    first: date
    last: date
    agency_id: int | None = None  # None: the viewer's whole scope
    province: str | None = None
    service: str | None = None  # "m<manual id>" or "o<other service id>"
    breakdown: str = "unit"  # unit | province | service
    page: int = 1


@dataclass
class Share:
    label_th: str
    label_en: str
    count: int
    share: float  # 0-100


@dataclass
class QuestionFigures:
    question: Question
    answered: int
    average: float | None  # scale: 1-5; yes/no: the share of "yes" (0-1); otherwise None
    distribution: list[Share] = field(default_factory=list)


@dataclass
class VersionFigures:
    question_set: QuestionSet
    ratings: int
    questions: list[QuestionFigures]


@dataclass
class MonthFigures:
    year: int
    month: int
    ratings: int
    score: float | None


@dataclass
class BreakdownRow:
    key: str
    label_th: str
    label_en: str | None
    ratings: int
    score: float | None
    agency_id: int | None = None  # drill into it
    province: str | None = None
    service: str | None = None


@dataclass
class Report:
    filters: ReportFilters
    scope: Agency | None  # None: the whole country, or all the viewer's agencies
    ratings: int = 0
    comments: int = 0
    duplicates: int = 0
    excluded: int = 0
    kiosk: int = 0
    score: float | None = None  # the mean of every 1-5 answer
    versions: list[VersionFigures] = field(default_factory=list)
    months: list[MonthFigures] = field(default_factory=list)
    breakdown: list[BreakdownRow] = field(default_factory=list)
    breakdown_total: int = 0
    ancestors: list[Agency] = field(default_factory=list)  # the scope's path, for the breadcrumb

    @property
    def percent(self) -> float | None:
        return None if self.score is None else self.score / SCALE_MAX * 100


def twelve_months_back(today: date) -> date:
    """The first day of the month eleven months back: the report's default period runs from it to today."""
    back = today.year * 12 + today.month - 1 - 11
    return date(back // 12, back % 12 + 1, 1)


def _mean(total: int, count: int) -> float | None:
    return total / count if count else None


# --- the scope ----------------------------------------------------------------------------------------------


def resolve_scope(filters: ReportFilters, paths: list[str]) -> tuple[Agency | None, list[str]]:
    """The scope agency and its tally keys; NotAllowed outside the viewer's paths."""
    if not paths:
        raise NotAllowed()
    if filters.first > filters.last:
        raise BadFilter("first")
    if (filters.last - filters.first).days > MAX_DAYS:
        raise BadFilter("last")
    if filters.agency_id is not None:
        agency = db.session.get(Agency, filters.agency_id)
        if agency is None or not access.covers(paths, agency.path):
            raise NotAllowed(filters.agency_id)
        return agency, [tallies.agency_scope(agency.id)]
    if access.EVERYWHERE in paths:
        return None, [tallies.ALL]
    tops = access.top_agencies(paths)
    if len(tops) == 1:
        return tops[0], [tallies.agency_scope(tops[0].id)]
    return None, [tallies.agency_scope(agency.id) for agency in tops]


def _keys_for(filters: ReportFilters, scope: Agency | None, keys: list[str], paths: list[str]) -> list[str]:
    """The tally keys to sum: the scope's own, or with a province the nationwide province key or the points'."""
    if not filters.province:
        return keys
    if keys == [tallies.ALL]:
        return [tallies.province_scope(filters.province)]
    under = [scope.path] if scope is not None else paths
    point_ids = db.session.scalars(select(Agency.id).where(
        Agency.kind.in_(access.RATEABLE_KINDS), Agency.province == filters.province,
        access.within(Agency.path, under)))
    return [tallies.agency_scope(point_id) for point_id in point_ids]


def _tally_rows(tail: fold.Tail, keys: list[str], service: str, first: date, last: date, group: tuple,
                question_ids: set[int] | None = None):
    """Sums of the tallies over ``keys`` (of these questions only, when given), grouped by ``group`` columns (a
    few queries for long key lists), with what the ratings not yet folded add."""
    columns = [func.sum(getattr(RatingTally, name)) for name in tallies.COUNTS]
    rows = []
    for start in range(0, len(keys), 1000):
        chunk = keys[start:start + 1000]
        scope_clause = RatingTally.scope == chunk[0] if len(chunk) == 1 else RatingTally.scope.in_(chunk)
        query = (select(*group, *columns)
                 .where(scope_clause, RatingTally.service == service, RatingTally.day >= first,
                        RatingTally.day <= last)
                 .group_by(*group))
        if question_ids is not None:
            query = query.where(RatingTally.question_id.in_(sorted(question_ids)))
        rows.extend(db.session.execute(query).all())
    return fold.with_tail(rows, tail.sums(keys, service, tuple(column.key for column in group), question_ids))


def _counts(row, offset: int) -> dict[str, int]:
    return {name: int(row[offset + i] or 0) for i, name in enumerate(tallies.COUNTS)}


# --- the figures ------------------------------------------------------------------------------------------


def satisfaction(filters: ReportFilters, paths: list[str]) -> Report:
    scope, keys = resolve_scope(filters, paths)
    keys = _keys_for(filters, scope, keys, paths)
    for _attempt in range(3):  # a fold commits once a minute: a second reading is all but never needed
        before = fold.generation()
        report = _figures(filters, paths, scope, keys, fold.tail(filters.first, filters.last))
        if fold.generation() == before:
            break
    return report


def _figures(filters: ReportFilters, paths: list[str], scope: Agency | None, keys: list[str],
             tail: fold.Tail) -> Report:
    service = filters.service or ""
    report = Report(filters=filters, scope=scope)
    if scope is not None:
        report.ancestors = _ancestors(scope, paths)
    if not keys:
        return report
    rows = _tally_rows(tail, keys, service, filters.first, filters.last, (RatingTally.day, RatingTally.question_id))
    by_question: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(tallies.COUNTS, 0))
    by_month: dict[tuple[int, int], dict[int, tuple[int, int]]] = defaultdict(lambda: defaultdict(lambda: (0, 0)))
    for row in rows:
        day, question_id, counts = row[0], row[1], _counts(row, 2)
        target = by_question[question_id]
        for name, value in counts.items():
            target[name] += value
        n, total = by_month[(day.year, day.month)][question_id]
        by_month[(day.year, day.month)][question_id] = (n + counts["n"], total + counts["total"])
    overall = by_question.get(tallies.RATINGS, dict.fromkeys(tallies.COUNTS, 0))
    report.ratings, report.comments = overall["n"], overall["total"]
    report.duplicates, report.excluded, report.kiosk = overall["h0"], overall["h1"], overall["h2"]
    questions = _questions([qid for qid in by_question if qid != tallies.RATINGS])
    scale_ids = {q.id for q in questions.values() if q.kind == QuestionKind.scale}
    score_n = sum(by_question[qid]["n"] for qid in scale_ids)
    report.score = _mean(sum(by_question[qid]["total"] for qid in scale_ids), score_n)
    report.versions = _versions(questions, by_question)
    for (year, month), per_question in sorted(by_month.items()):
        n = sum(per_question[qid][0] for qid in scale_ids if qid in per_question)
        total = sum(per_question[qid][1] for qid in scale_ids if qid in per_question)
        report.months.append(MonthFigures(year, month, per_question.get(tallies.RATINGS, (0, 0))[0], _mean(total, n)))
    _breakdown(report, scope, keys, paths, scale_ids, tail)
    return report


def _ancestors(scope: Agency, paths: list[str]) -> list[Agency]:
    ids = scope.ancestor_ids()
    rows = {a.id: a for a in db.session.scalars(select(Agency).where(Agency.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows and access.covers(paths, rows[i].path)]


def _questions(question_ids: list[int]) -> dict[int, Question]:
    if not question_ids:
        return {}
    return {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(question_ids)))}


def _versions(questions: dict[int, Question], by_question: dict[int, dict[str, int]]) -> list[VersionFigures]:
    by_set: dict[int, list[Question]] = defaultdict(list)
    for question in questions.values():
        by_set[question.set_id].append(question)
    # The sets' own questions are not needed again: those answered are here already.
    sets = {s.id: s for s in db.session.scalars(select(QuestionSet).options(lazyload(QuestionSet.questions))
                                                .where(QuestionSet.id.in_(list(by_set))))} if by_set else {}
    versions = []
    for set_id, set_questions in by_set.items():
        figures = [_question_figures(q, by_question[q.id]) for q in sorted(set_questions, key=lambda q: q.position)]
        ratings = max((f.answered for f in figures if f.question.required), default=0) or max(
            (f.answered for f in figures), default=0)
        versions.append(VersionFigures(sets[set_id], ratings, figures))
    return sorted(versions, key=lambda v: -(v.question_set.version or 0))


def _question_figures(question: Question, counts: dict[str, int]) -> QuestionFigures:
    answered = counts["n"]
    figures = QuestionFigures(question=question, answered=answered, average=None)
    if question.kind == QuestionKind.comment:
        return figures
    if question.kind == QuestionKind.scale:
        figures.average = _mean(counts["total"], answered)
        values = range(1, 6)
    elif question.kind == QuestionKind.yes_no:
        figures.average = _mean(counts["h1"], answered)
        values = (1, 0)
    else:
        values = range(len(question.options or []))
    labels = question.options or []
    for position, value in enumerate(values):
        pair = labels[position] if position < len(labels) else [str(value), str(value)]
        count = counts[HISTOGRAM[value]]
        figures.distribution.append(Share(pair[0], pair[1] if len(pair) > 1 else pair[0], count,
                                          count * 100 / answered if answered else 0.0))
    return figures


# --- one level down ---------------------------------------------------------------------------------------


def _breakdown(report: Report, scope: Agency | None, keys: list[str], paths: list[str], scale_ids: set[int],
               tail: fold.Tail) -> None:
    filters = report.filters
    by = filters.breakdown
    if by == "service" and scope is not None and not filters.province:
        _by_service(report, scope, scale_ids, tail)
        return
    if by == "province" and keys == [tallies.ALL]:
        _by_province(report, scale_ids, tail)
        return
    report.filters = replace(filters, breakdown="unit")
    if scope is not None and access.is_rateable(scope) and scope.kind == "service_point":
        return  # a service point has nothing below it
    if filters.province:
        return  # the points of a province are listed by the unit breakdown of each agency
    children_query = select(Agency)
    if scope is not None:
        children_query = children_query.where(Agency.parent_id == scope.id)
    elif keys == [tallies.ALL]:
        children_query = children_query.where(Agency.parent_id.is_(None))
    else:
        children_query = children_query.where(Agency.path.in_(paths))
    report.breakdown_total = db.session.scalar(select(func.count()).select_from(children_query.subquery())) or 0
    offset = (max(filters.page, 1) - 1) * BREAKDOWN_PAGE
    children = list(db.session.scalars(children_query.order_by(Agency.path).offset(offset).limit(BREAKDOWN_PAGE)))
    sums = _sums_by_scope(tail, [tallies.agency_scope(c.id) for c in children], filters, scale_ids)
    for child in children:
        ratings, score = sums.get(tallies.agency_scope(child.id), (0, None))
        report.breakdown.append(BreakdownRow(key=str(child.id), label_th=child.name_th, label_en=child.name_en,
                                             ratings=ratings, score=score, agency_id=child.id))


def _sums_by_scope(tail: fold.Tail, keys: list[str], filters: ReportFilters, scale_ids: set[int]) -> dict[str, tuple]:
    if not keys:
        return {}
    rows = _tally_rows(tail, keys, filters.service or "", filters.first, filters.last,
                       (RatingTally.scope, RatingTally.question_id), {tallies.RATINGS, *scale_ids})
    return _sum_up(rows, scale_ids)


def _sum_up(rows, scale_ids: set[int]) -> dict[str, tuple]:
    """(key, question id, counts…) rows → key → (ratings, score)."""
    ratings: dict[str, int] = defaultdict(int)
    scale: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        key, question_id, counts = row[0], row[1], _counts(row, 2)
        if question_id == tallies.RATINGS:
            ratings[key] += counts["n"]
        elif question_id in scale_ids:
            scale[key][0] += counts["total"]
            scale[key][1] += counts["n"]
    return {key: (ratings[key], _mean(*scale[key]) if key in scale else None) for key in set(ratings) | set(scale)}


def _by_province(report: Report, scale_ids: set[int], tail: fold.Tail) -> None:
    provinces = report_choices.provinces()
    report.breakdown_total = len(provinces)
    sums = _sums_by_scope(tail, [tallies.province_scope(p.strip()[:100]) for p in provinces], report.filters,
                          scale_ids)
    for province in provinces:
        ratings, score = sums.get(tallies.province_scope(province.strip()[:100]), (0, None))
        report.breakdown.append(BreakdownRow(key=province, label_th=province, label_en=province, ratings=ratings,
                                             score=score, province=province))


def _by_service(report: Report, scope: Agency, scale_ids: set[int], tail: fold.Tail) -> None:
    filters = report.filters
    columns = [func.sum(getattr(RatingTally, name)) for name in tallies.COUNTS]
    key = tallies.agency_scope(scope.id)
    rows = db.session.execute(
        select(RatingTally.service, RatingTally.question_id, *columns)
        .where(RatingTally.scope == key, RatingTally.service != "",
               RatingTally.day >= filters.first, RatingTally.day <= filters.last)
        .group_by(RatingTally.service, RatingTally.question_id)).all()
    sums = _sum_up(fold.with_tail(rows, tail.sums([key], None, ("service", "question_id"))), scale_ids)
    titles = report_choices.service_titles(list(sums))
    report.breakdown_total = len(sums)
    for key, (ratings, score) in sorted(sums.items(), key=lambda item: -item[1][0]):
        title = titles.get(key, key)
        report.breakdown.append(BreakdownRow(key=key, label_th=title, label_en=None, ratings=ratings, score=score,
                                             service=key))
