"""The daily tallies the report reads (``RatingTally``): what one rating counts, and the upsert that adds it.

A rating adds one to each question it answered (and to its value's column) in every scope it belongs to: the
whole country, each agency on its point's path, the point's province; for every service and, when one was
chosen, for that service too. The fold job (``fold``) adds many ratings at once, one INSERT … ON CONFLICT DO
UPDATE per batch, one row per key, in key order; an exclusion moves a folded rating's counts the same way.
``recount`` recounts them from the ratings (after a unit moved in the tree, or a point's province changed).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import text

from app.core.extensions import db
from app.core.types import path_ids
from app.org.models import Agency
from app.ratings.models import (
    ANSWER_COMMENT,
    HISTOGRAM,
    Channel,
    Question,
    QuestionKind,
    Rating,
)

COUNTS = ("n", "total", *HISTOGRAM)
ALL = "*"
# Question 0 counts the ratings themselves: n counted, total with a comment, h0 duplicates, h1 excluded, h2 kiosk.
RATINGS = 0

Key = tuple[str, str, date, int]


def agency_scope(agency_id: int) -> str:
    return f"a{agency_id}"


def province_scope(province: str) -> str:
    return f"p{province}"


def scopes_of(path: str, province: str | None) -> list[str]:
    scopes = [ALL, *(agency_scope(agency_id) for agency_id in path_ids(path))]
    if province and province.strip():
        scopes.append(province_scope(province.strip()[:100]))
    return scopes


def state_of(rating: Rating) -> str:
    if rating.excluded_at is not None:
        return "excluded"
    return "duplicate" if rating.duplicate_of_id is not None else "counted"


def counts_of(rating: Rating, questions: list[Question], state: str) -> dict[int, dict[str, int]]:
    """question id → the counts one rating adds, in the given state."""
    has_comment = bool(rating.comment)
    if state == "excluded":
        return {RATINGS: {"h1": 1}}
    if state == "duplicate":
        return {RATINGS: {"h0": 1}}
    counts: dict[int, dict[str, int]] = {
        RATINGS: {"n": 1, "total": int(has_comment), "h2": int(rating.channel == Channel.kiosk)}}
    answers = rating.answers
    for question in questions:
        answer = answers[question.position - 1] if question.position <= len(answers) else "."
        if question.kind == QuestionKind.comment:
            if answer == ANSWER_COMMENT:
                counts[question.id] = {"n": 1}
        elif answer.isdigit():
            value = int(answer)
            counts[question.id] = {"n": 1, "total": value, f"h{value}": 1}
    return counts


def services_of(rating) -> list[str]:
    """Every service (``""``), and the one the citizen chose."""
    return ["", rating.service] if rating.service else [""]


def add(target: dict[Key, dict[str, int]], scopes: list[str], services: list[str], day: date,
        counts: dict[int, dict[str, int]], sign: int = 1) -> None:
    """Add (``sign`` 1) or take off (-1) one rating's ``counts`` to ``target``'s rows, in each scope and service."""
    for scope in scopes:
        for service in services:
            for question_id, values in counts.items():
                row = target[(scope, service, day, question_id)]
                for name, value in values.items():
                    row[name] = row.get(name, 0) + sign * value


# PostgreSQL takes the rows as one array per column: one statement, one round trip, whatever their number.
_PG_UPSERT = text(
    "INSERT INTO rating_tally (scope, service, day, question_id, " + ", ".join(COUNTS) + ") "
    "SELECT * FROM unnest(CAST(:scope AS varchar[]), CAST(:service AS varchar[]), CAST(:day AS date[]), "
    "CAST(:question_id AS integer[]), " + ", ".join(f"CAST(:{name} AS integer[])" for name in COUNTS) + ") "
    "ON CONFLICT (scope, service, day, question_id) DO UPDATE SET "
    + ", ".join(f"{name} = rating_tally.{name} + excluded.{name}" for name in COUNTS))


# SQLite takes them as the driver's executemany of plain tuples: nothing compiled or converted per row.
_SQLITE_UPSERT = (
    "INSERT INTO rating_tally (scope, service, day, question_id, " + ", ".join(COUNTS) + ") VALUES ("
    + ", ".join("?" * (4 + len(COUNTS))) + ") ON CONFLICT (scope, service, day, question_id) DO UPDATE SET "
    + ", ".join(f"{name} = rating_tally.{name} + excluded.{name}" for name in COUNTS))


def upsert(rows: dict[Key, dict[str, int]]) -> None:
    """Add these rows to the tallies: one statement (PostgreSQL, per 5,000 rows) in key order, so that two writers
    never wait on each other in a circle."""
    if not rows:
        return
    ordered = sorted(rows.items())
    if db.engine.dialect.name == "postgresql":
        for start in range(0, len(ordered), 5000):
            chunk = ordered[start:start + 5000]
            columns = {"scope": [key[0] for key, _c in chunk], "service": [key[1] for key, _c in chunk],
                       "day": [key[2] for key, _c in chunk], "question_id": [key[3] for key, _c in chunk]}
            columns.update({name: [counts.get(name, 0) for _key, counts in chunk] for name in COUNTS})
            db.session.execute(_PG_UPSERT, columns)
        return
    values = [(key[0], key[1], key[2].isoformat(), key[3], *(counts.get(name, 0) for name in COUNTS))
              for key, counts in ordered]
    db.session.connection().exec_driver_sql(_SQLITE_UPSERT, values)


def move(rating: Rating, agency: Agency, questions: list[Question], old_state: str, new_state: str) -> None:
    """One folded rating changes state (counted → excluded, and back): its counts move in one statement."""
    rows: dict[Key, dict[str, int]] = defaultdict(dict)
    services = services_of(rating)
    scopes = scopes_of(agency.path, agency.province)
    add(rows, scopes, services, rating.day, counts_of(rating, questions, old_state), -1)
    add(rows, scopes, services, rating.day, counts_of(rating, questions, new_state), 1)
    upsert(rows)
