"""Folding new ratings into the tallies, in batches, away from the citizen's request; and the ratings not yet folded,
which the report adds itself so that a rating shows at once.

A submission only inserts its rating (``folded`` false, in a small partial index). Every minute the fold job reads
a batch of those, counts each with ``tallies.counts_of`` in its current state, sums them into one row per tally
key and adds them in one upsert, then marks them folded. A flag rather than a watermark (the highest folded id):
ids are handed out when a rating is inserted but become visible when it commits, so on PostgreSQL a rating may
commit after a higher id was already folded, and a watermark would pass over it for good. The flag has no such
gap: a rating not yet visible is simply folded by the next run.

The fold, an exclusion (or restoration) and a recount each begin by updating the one ``RatingFold`` row (``lock``):
on PostgreSQL its row lock makes the others wait until they commit; on SQLite the update takes the database's one
write lock. So the fold counts a rating in the state an exclusion left it, and an exclusion moves the counts of
a rating only if the fold put them there: nothing is counted twice or lost. Submissions take no lock.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, false, select, text, update

from app.core.extensions import db
from app.org.models import Agency
from app.ratings.models import Question, Rating
from app.ratings.services import questions, tallies

BATCH = 2000  # ratings per transaction: a busy minute's worth, one upsert of a few thousand rows
MAX_BATCHES_PER_RUN = 50  # the next run carries on; one run never holds the scheduler for long
LOCK_ROW = 1

_RATING_COLUMNS = (Rating.id, Rating.agency_id, Rating.set_id, Rating.service, Rating.day, Rating.channel,
                   Rating.answers, Rating.comment, Rating.duplicate_of_id, Rating.excluded_at)


def _unfolded(limit: int | None = None):
    """The ratings not yet folded (the first ``limit`` by id), with their point's path and province.

    The ratings are read first, by the partial index, and their points then: joined directly, SQLite starts from
    the points and walks every point's ratings (two million of them for one report)."""
    wanted = select(*_RATING_COLUMNS).where(Rating.folded == false()).order_by(Rating.id)
    unfolded = (wanted if limit is None else wanted.limit(limit)).cte("unfolded").prefix_with("MATERIALIZED")
    return (select(unfolded, Agency.path, Agency.province).join(Agency, Agency.id == unfolded.c.agency_id)
            .order_by(unfolded.c.id))


def lock() -> None:
    """Wait for a running fold, exclusion or recount to commit, and hold them off until this transaction ends."""
    bump = text("UPDATE rating_fold SET generation = generation + 1 WHERE id = :id")
    if db.session.execute(bump, {"id": LOCK_ROW}).rowcount == 0:  # the migration seeds it; a bare table has none
        db.session.execute(text("INSERT INTO rating_fold (id, generation) VALUES (:id, 0) ON CONFLICT DO NOTHING"),
                           {"id": LOCK_ROW})
        db.session.execute(bump, {"id": LOCK_ROW})


def generation() -> int:
    """Changes with every fold, exclusion and recount committed."""
    return db.session.scalar(text("SELECT generation FROM rating_fold WHERE id = :id"), {"id": LOCK_ROW}) or 0


class _QuestionLists(dict):
    """set id → its questions, read once per batch."""

    def __missing__(self, set_id: int) -> list[Question]:
        self[set_id] = list(questions.get(set_id).questions)
        return self[set_id]


def fold_batch(limit: int = BATCH) -> int:
    """Fold up to ``limit`` ratings, oldest first (flushed, not committed); returns how many."""
    lock()
    rows = db.session.execute(_unfolded(limit)).all()
    if not rows:
        return 0
    question_lists = _QuestionLists()
    sums: dict[tallies.Key, dict[str, int]] = defaultdict(dict)
    for row in rows:
        counts = tallies.counts_of(row, question_lists[row.set_id], tallies.state_of(row))
        tallies.add(sums, tallies.scopes_of(row.path, row.province), tallies.services_of(row), row.day, counts)
    tallies.upsert(sums)
    ids = [row.id for row in rows]
    db.session.execute(update(Rating).where(Rating.id.in_(bindparam("ids", expanding=True))).values(folded=True)
                       .execution_options(synchronize_session=False), {"ids": ids})
    return len(rows)


def fold_all(commit_each=None) -> dict[str, int]:
    """Fold the ratings not yet folded, batch after batch (``commit_each``: the job commits each); returns how many
    ratings and batches."""
    ratings = batches = 0
    while batches < MAX_BATCHES_PER_RUN:
        done = fold_batch()
        if commit_each is not None:
            commit_each()
        ratings, batches = ratings + done, batches + 1
        if done < BATCH:
            break
    return {"ratings": ratings, "batches": batches}


# --- the ratings not yet folded, as the report adds them ------------------------------------------------------

GROUPS = {"scope": 0, "service": 1, "day": 2, "question_id": 3}


@dataclass
class _Unfolded:
    scopes: list[str]
    services: list[str]
    day: date
    counts: dict[int, dict[str, int]]


@dataclass
class Tail:
    """The ratings of a period not yet folded, each with the counts the fold will add for it."""

    ratings: list[_Unfolded] = field(default_factory=list)

    def sums(self, keys: list[str], service: str | None, group: tuple[str, ...],
             question_ids: set[int] | None = None) -> dict[tuple, dict[str, int]]:
        """What these ratings add to the tallies of ``keys`` and ``service`` (None: every chosen service, not
        ``""``), summed by the ``group`` columns (names of ``RatingTally``'s key)."""
        wanted = set(keys)
        found: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(tallies.COUNTS, 0))
        for rating in self.ratings:
            for scope in rating.scopes:
                if scope not in wanted:
                    continue
                for chosen in rating.services:
                    if (chosen == "") if service is None else (chosen != service):
                        continue
                    key = (scope, chosen, rating.day)
                    for question_id, counts in rating.counts.items():
                        if question_ids is not None and question_id not in question_ids:
                            continue
                        full = (*key, question_id)
                        target = found[tuple(full[GROUPS[name]] for name in group)]
                        for name, value in counts.items():
                            target[name] += value
        return found


def with_tail(rows, added: dict[tuple, dict[str, int]]) -> list[tuple]:
    """Tally rows (group columns, then the counts) with the tail's sums added to the same groups."""
    if not added:
        return rows
    width = len(next(iter(added)))
    merged = {tuple(row[:width]): [int(value or 0) for value in row[width:]] for row in rows}
    for group, counts in added.items():
        values = merged.setdefault(group, [0] * len(tallies.COUNTS))
        for index, name in enumerate(tallies.COUNTS):
            values[index] += counts[name]
    return [(*group, *values) for group, values in merged.items()]


def tail(first: date, last: date) -> Tail:
    """The ratings of these days not yet folded (a minute's worth). Their days are compared here: a condition on
    the day in the query could lead the database to walk the period's ratings by day instead of the small index."""
    rows = [row for row in db.session.execute(_unfolded()).all() if first <= row.day <= last]
    question_lists = _QuestionLists()
    return Tail([_Unfolded(tallies.scopes_of(row.path, row.province), tallies.services_of(row), row.day,
                           tallies.counts_of(row, question_lists[row.set_id], tallies.state_of(row)))
                 for row in rows])
