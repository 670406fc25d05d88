"""Recounting the tallies from the ratings, in SQL: after units moved in the tree or a point's province changed, and
to load tallies for ratings written in bulk (a migration, the benchmark).

A temporary table gives every rated agency its scopes (the country, each agency on its path, its province); then
one INSERT … SELECT … GROUP BY per question (and one for the ratings themselves), for every service and for the
chosen one, reads the answers where they are stored (one character per position). The database does the
counting: millions of ratings take minutes, not hours, and memory stays flat.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, delete, select, text

from app.extensions import db
from app.models import Agency
from app.ratings.models import HISTOGRAM, Question, QuestionKind, Rating, RatingTally
from app.ratings.services import tallies

SCOPE_TABLE = "rating_recount_scope"
COUNTED = "r.duplicate_of_id IS NULL AND r.excluded_at IS NULL"


def _as_sql(day: date) -> str:
    return f"'{day.isoformat()}'"


def _scopes(day_clause: str) -> None:
    """The temporary table of each rated agency's scopes."""
    db.session.execute(text(f"DROP TABLE IF EXISTS {SCOPE_TABLE}"))
    db.session.execute(text(f"CREATE TEMPORARY TABLE {SCOPE_TABLE} (agency_id INTEGER NOT NULL, "
                            f"scope VARCHAR(120) NOT NULL)"))
    rated = select(Rating.agency_id).distinct()
    if day_clause:
        rated = rated.where(text(day_clause.replace("r.day", "rating.day")))
    rows = db.session.execute(select(Agency.id, Agency.path, Agency.province).where(Agency.id.in_(rated.scalar_subquery())))
    insert = text(f"INSERT INTO {SCOPE_TABLE} (agency_id, scope) VALUES (:agency_id, :scope)")
    batch: list[dict] = []
    for agency_id, path, province in rows:
        batch.extend({"agency_id": agency_id, "scope": scope} for scope in tallies.scopes_of(path, province))
        if len(batch) >= 5000:
            db.session.execute(insert, batch)
            batch = []
    if batch:
        db.session.execute(insert, batch)
    db.session.execute(text(f"CREATE INDEX ix_{SCOPE_TABLE} ON {SCOPE_TABLE} (agency_id)"))


def _insert(question_id: int, columns: dict[str, str], where: str, services: bool, day_clause: str) -> None:
    """One INSERT … SELECT: the named count columns as SQL sums over the ratings and their scopes."""
    service = "r.service" if services else "''"
    names = ["scope", "service", "day", "question_id", *tallies.COUNTS]
    values = [f"COALESCE({columns[name]}, 0)" if name in columns else "0" for name in tallies.COUNTS]
    conditions = [where] + (["r.service IS NOT NULL"] if services else []) + ([day_clause] if day_clause else [])
    db.session.execute(text(
        f"INSERT INTO rating_tally ({', '.join(names)}) "
        f"SELECT s.scope, {service}, r.day, {question_id}, {', '.join(values)} "
        f"FROM rating r JOIN {SCOPE_TABLE} s ON s.agency_id = r.agency_id "
        f"WHERE {' AND '.join(conditions)} GROUP BY s.scope, {'r.service, ' if services else ''}r.day"))


def _answer(position: int) -> str:
    return f"substr(r.answers, {position}, 1)"


def _question_columns(question: Question) -> tuple[dict[str, str], str]:
    answer = _answer(question.position)
    if question.kind == QuestionKind.comment:
        return {"n": f"SUM(CASE WHEN {answer} = 'c' THEN 1 ELSE 0 END)"}, f"{answer} = 'c'"
    digit = f"{answer} BETWEEN '0' AND '9'"
    columns = {"n": "COUNT(*)", "total": f"SUM(CAST({answer} AS INTEGER))"}
    for value, name in enumerate(HISTOGRAM):
        columns[name] = f"SUM(CASE WHEN {answer} = '{value}' THEN 1 ELSE 0 END)"
    return columns, digit


def rebuild(first: date | None = None, last: date | None = None) -> int:
    """Recount the tallies of these days (every day when none is given); returns the ratings read."""
    clauses = ([f"r.day >= {_as_sql(first)}"] if first else []) + ([f"r.day <= {_as_sql(last)}"] if last else [])
    day_clause = " AND ".join(clauses)
    db.session.execute(delete(RatingTally).where(
        *([RatingTally.day >= first] if first else []), *([RatingTally.day <= last] if last else [])))
    counted = db.session.scalar(text(f"SELECT COUNT(*) FROM rating r{' WHERE ' + day_clause if day_clause else ''}"))
    if not counted:
        return 0
    _scopes(day_clause)
    ratings_columns = {
        "n": f"SUM(CASE WHEN {COUNTED} THEN 1 ELSE 0 END)",
        "total": f"SUM(CASE WHEN {COUNTED} AND r.comment IS NOT NULL THEN 1 ELSE 0 END)",
        "h0": "SUM(CASE WHEN r.duplicate_of_id IS NOT NULL AND r.excluded_at IS NULL THEN 1 ELSE 0 END)",
        "h1": "SUM(CASE WHEN r.excluded_at IS NOT NULL THEN 1 ELSE 0 END)",
        "h2": f"SUM(CASE WHEN {COUNTED} AND r.channel = 'kiosk' THEN 1 ELSE 0 END)",
    }
    set_ids = list(db.session.scalars(text(
        f"SELECT DISTINCT r.set_id FROM rating r{' WHERE ' + day_clause if day_clause else ''}")))
    question_list = list(db.session.scalars(select(Question).where(
        Question.set_id.in_(bindparam("ids", expanding=True))), {"ids": set_ids}))
    for services in (False, True):
        _insert(tallies.RATINGS, ratings_columns, "1 = 1", services, day_clause)
        for question in question_list:
            columns, answered = _question_columns(question)
            _insert(question.id, columns, f"r.set_id = {int(question.set_id)} AND {COUNTED} AND {answered}",
                    services, day_clause)
    db.session.execute(text(f"DROP TABLE {SCOPE_TABLE}"))
    return counted
