"""Recounting the tallies from the ratings, in SQL: after units moved in the tree or a point's province changed, and
to load tallies for ratings written in bulk (a migration, the benchmark).

All in the database: a temporary table gives every rated agency its scopes (the country, each agency on its path,
its province); one pass over the ratings takes their answers apart into sums per point, service, day and question
set (every answer position at once, in a wide table); those are summed up to every scope, for every service and for
the chosen one; then each question's row is read out. Millions of ratings take minutes, and memory stays flat.

A recount takes the fold's lock (``fold.lock``), marks the period's ratings folded first, then counts the folded
ones: a rating committed meanwhile is neither marked nor counted, and the next fold adds it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, delete, false, select, text, update

from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import AuditEvent
from app.org.models import Agency
from app.ratings.models import HISTOGRAM, Question, QuestionKind, Rating, RatingTally
from app.ratings.services import fold, tallies

SCOPES = "rating_recount_scope"
POINTS = "rating_recount_point"
WIDE = "rating_recount_wide"
COUNTED = "r.duplicate_of_id IS NULL AND r.excluded_at IS NULL"


def _scopes(day_clause: str) -> None:
    """The temporary table of each rated agency's scopes."""
    db.session.execute(text(f"DROP TABLE IF EXISTS {SCOPES}"))
    db.session.execute(text(f"CREATE TEMPORARY TABLE {SCOPES} (agency_id INTEGER NOT NULL, scope VARCHAR(120) NOT NULL)"))
    rated = select(Rating.agency_id).distinct()
    if day_clause:
        rated = rated.where(text(day_clause.replace("r.day", "rating.day")))
    rows = db.session.execute(select(Agency.id, Agency.path, Agency.province)
                              .where(Agency.id.in_(rated.scalar_subquery())))
    insert = text(f"INSERT INTO {SCOPES} (agency_id, scope) VALUES (:agency_id, :scope)")
    batch: list[dict] = []
    for agency_id, path, province in rows:
        batch.extend({"agency_id": agency_id, "scope": scope} for scope in tallies.scopes_of(path, province))
        if len(batch) >= 5000:
            db.session.execute(insert, batch)
            batch = []
    if batch:
        db.session.execute(insert, batch)
    db.session.execute(text(f"CREATE INDEX ix_{SCOPES} ON {SCOPES} (agency_id)"))


def _point_columns(positions: int) -> list[str]:
    """The sums read from the ratings: the ratings themselves, then per answer position its counts."""
    columns = [
        f"SUM(CASE WHEN {COUNTED} THEN 1 ELSE 0 END) AS r_n",
        f"SUM(CASE WHEN {COUNTED} AND r.comment IS NOT NULL THEN 1 ELSE 0 END) AS r_comment",
        "SUM(CASE WHEN r.duplicate_of_id IS NOT NULL AND r.excluded_at IS NULL THEN 1 ELSE 0 END) AS r_duplicate",
        "SUM(CASE WHEN r.excluded_at IS NOT NULL THEN 1 ELSE 0 END) AS r_excluded",
        f"SUM(CASE WHEN {COUNTED} AND r.channel = 'kiosk' THEN 1 ELSE 0 END) AS r_kiosk",
    ]
    for p in range(1, positions + 1):
        answer = f"substr(r.answers, {p}, 1)"
        counted_digit = f"{COUNTED} AND {answer} BETWEEN '0' AND '9'"
        columns += [f"SUM(CASE WHEN {counted_digit} THEN 1 ELSE 0 END) AS p{p}_n",
                    f"SUM(CASE WHEN {counted_digit} THEN CAST({answer} AS INTEGER) ELSE 0 END) AS p{p}_total",
                    f"SUM(CASE WHEN {COUNTED} AND {answer} = 'c' THEN 1 ELSE 0 END) AS p{p}_comment"]
        columns += [f"SUM(CASE WHEN {COUNTED} AND {answer} = '{value}' THEN 1 ELSE 0 END) AS p{p}_{name}"
                    for value, name in enumerate(HISTOGRAM)]
    return columns


def _count_names(positions: int) -> list[str]:
    names = ["r_n", "r_comment", "r_duplicate", "r_excluded", "r_kiosk"]
    for p in range(1, positions + 1):
        names += [f"p{p}_n", f"p{p}_total", f"p{p}_comment", *(f"p{p}_{name}" for name in HISTOGRAM)]
    return names


def _wide(positions: int, rows_clause: str) -> None:
    """The ratings read once, per point, service, day and set (the answers taken apart there); then summed up to
    every scope, for every service and for the chosen one."""
    db.session.execute(text(f"DROP TABLE IF EXISTS {POINTS}"))
    db.session.execute(text(f"DROP TABLE IF EXISTS {WIDE}"))
    db.session.execute(text(
        f"CREATE TEMPORARY TABLE {POINTS} AS SELECT r.agency_id AS agency_id, r.service AS service, r.day AS day, "
        f"r.set_id AS set_id, {', '.join(_point_columns(positions))} FROM rating r"
        f" WHERE {rows_clause} GROUP BY r.agency_id, r.service, r.day, r.set_id"))
    sums = ", ".join(f"SUM(p.{name}) AS {name}" for name in _count_names(positions))
    for services in (False, True):
        service = "p.service" if services else "''"
        select_sql = (f"SELECT s.scope AS scope, {service} AS service, p.day AS day, p.set_id AS set_id, {sums} "
                      f"FROM {POINTS} p JOIN {SCOPES} s ON s.agency_id = p.agency_id"
                      f"{' WHERE p.service IS NOT NULL' if services else ''} "
                      f"GROUP BY s.scope, {'p.service, ' if services else ''}p.day, p.set_id")
        if services:
            db.session.execute(text(f"INSERT INTO {WIDE} {select_sql}"))
        else:
            db.session.execute(text(f"CREATE TEMPORARY TABLE {WIDE} AS {select_sql}"))


def _read_out(question_list: list[Question]) -> None:
    names = ", ".join(["scope", "service", "day", "question_id", *tallies.COUNTS])
    db.session.execute(text(
        f"INSERT INTO rating_tally ({names}) SELECT scope, service, day, {tallies.RATINGS}, SUM(r_n), SUM(r_comment), "
        f"SUM(r_duplicate), SUM(r_excluded), SUM(r_kiosk), 0, 0, 0, 0, 0, 0, 0 FROM {WIDE} "
        f"GROUP BY scope, service, day"))
    for question in question_list:
        p = question.position
        if question.kind == QuestionKind.comment:
            values, answered = f"p{p}_comment, 0, " + ", ".join("0" for _ in HISTOGRAM), f"p{p}_comment > 0"
        else:
            values, answered = f"p{p}_n, p{p}_total, " + ", ".join(f"p{p}_{name}" for name in HISTOGRAM), f"p{p}_n > 0"
        db.session.execute(text(
            f"INSERT INTO rating_tally ({names}) SELECT scope, service, day, {int(question.id)}, {values} "
            f"FROM {WIDE} WHERE set_id = {int(question.set_id)} AND {answered}"))


def tree_changed_since(moment: datetime) -> bool:
    """Whether a unit moved, or a rated agency's province changed, since ``moment`` (from the audit trail)."""
    events = db.session.execute(select(AuditEvent.action, AuditEvent.after).where(
        AuditEvent.occurred_at >= moment, AuditEvent.action.in_(("agency.moved", "agency.profile_updated"))))
    return any(action == "agency.moved" or "province" in (after or {}) for action, after in events)


def after_tree_changes(hours: int = 25) -> int:
    """The nightly job: recount everything when the tree or a province changed in the last ``hours``; returns
    the ratings read (0: nothing changed)."""
    if not tree_changed_since(utcnow() - timedelta(hours=hours)):
        return 0
    return rebuild()


def rebuild(first: date | None = None, last: date | None = None) -> int:
    """Recount the tallies of these days (every day when none is given); returns the ratings read."""
    fold.lock()
    days = [*([Rating.day >= first] if first else []), *([Rating.day <= last] if last else [])]
    db.session.execute(update(Rating).where(Rating.folded == false(), *days).values(folded=True)
                       .execution_options(synchronize_session=False))
    clauses = ([f"r.day >= '{first.isoformat()}'"] if first else []) + ([f"r.day <= '{last.isoformat()}'"] if last else [])
    day_clause = " AND ".join(clauses)
    folded_clause = " AND ".join(["r.folded = TRUE", *clauses])  # those just marked, and those folded before
    db.session.execute(delete(RatingTally).where(
        *([RatingTally.day >= first] if first else []), *([RatingTally.day <= last] if last else [])))
    counted = db.session.scalar(text(f"SELECT COUNT(*) FROM rating r WHERE {folded_clause}"))
    if not counted:
        return 0
    set_ids = list(db.session.scalars(text(f"SELECT DISTINCT r.set_id FROM rating r WHERE {folded_clause}")))
    question_list = list(db.session.scalars(select(Question).where(
        Question.set_id.in_(bindparam("ids", expanding=True))), {"ids": set_ids}))
    _scopes(day_clause)
    _wide(max((q.position for q in question_list), default=0), folded_clause)
    _read_out(question_list)
    for table in (WIDE, POINTS, SCOPES):
        db.session.execute(text(f"DROP TABLE {table}"))
    return counted
