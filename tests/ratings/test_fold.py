"""The fold job adds new ratings to the report's tallies: a rating shows in the report before it runs and after,
with the same figures; exclusions stay exact on either side of it; two folds at once count each rating once."""

from __future__ import annotations

import csv
import io
import threading
import time
from datetime import timedelta

from sqlalchemy import func, select, text

from app.core.extensions import db
from app.manuals.models import Manual
from app.manuals.services import links
from app.ratings.models import Rating, RatingTally
from app.ratings.services import fold, recount, tallies
from tasks import jobs
from tests.clock import TODAY
from tests.helpers import th
from tests.ratings.conftest import days_ago, give, rate

PERIOD = f"first={(TODAY - timedelta(days=60)).isoformat()}&last={TODAY.isoformat()}"


def _exported(client, query: str = "") -> list[list[str]]:
    """The report's CSV export, as the officer downloads it: every figure on screen."""
    response = client.get(f"/ratings/export.csv?{PERIOD}{query}")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _summary(rows: list[list[str]]) -> dict[str, str]:
    return {row[0]: row[1] for row in rows if len(row) == 2}


def _tallies() -> list[tuple]:
    return sorted(tuple(row) for row in db.session.execute(select(
        RatingTally.scope, RatingTally.service, RatingTally.day, RatingTally.question_id,
        *(getattr(RatingTally, name) for name in tallies.COUNTS))).all() if any(row[4:]))


def _unfolded() -> int:
    return db.session.scalar(select(func.count()).select_from(Rating).where(Rating.folded.is_(False)))


def test_a_rating_shows_in_the_report_before_and_after_the_fold_with_the_same_figures(app, client, login, rated,
                                                                                       demo):
    manual = db.session.scalar(select(Manual).where(Manual.published_revision_id.is_not(None)))
    links.link(demo.user("central"), rated.muang.id, "manual", manual.id)
    db.session.commit()
    muang, pakkret, nont = (rated.code(a) for a in (rated.muang, rated.pakkret, rated.nont))
    give(muang, days_ago(20), q1="2", comment="รอนาน")
    assert jobs.run(app, "ratings_fold") == {"ratings": 1, "batches": 1}  # an older rating, already in the tallies
    assert rate(client, muang, comment="บริการดี").status_code == 303  # a citizen's phone, just now
    give(muang, device="one-phone")
    give(muang, device="one-phone", q1="1")  # the same phone again: flagged
    give(pakkret, days_ago(3), q1="4", service=None)
    give(muang, days_ago(2), q1="3", service=f"m{manual.id}")
    give(nont, days_ago(1), q5=None, q6="4")
    assert _unfolded() == 6
    views = ["", "&breakdown=province", "&province=นนทบุรี", f"&agency={rated.muang.parent_id}&breakdown=service",
             f"&agency={rated.muang.parent_id}&service=m{manual.id}", f"&agency={rated.muang.id}"]
    login("opdc")
    before = [_exported(client, view) for view in views]
    summary = _summary(before[0])
    assert (summary[th("Ratings")], summary[th("Comments")], summary[th("Duplicates")]) == ("6", "2", "1")

    assert jobs.run(app, "ratings_fold") == {"ratings": 6, "batches": 1}
    assert _unfolded() == 0
    assert [_exported(client, view) for view in views] == before
    assert jobs.run(app, "ratings_fold") == {"ratings": 0, "batches": 1}
    # What the fold kept is what a recount of the ratings makes.
    kept = _tallies()
    recount.rebuild()
    db.session.commit()
    assert _tallies() == kept


def test_an_exclusion_before_the_fold_and_after_it_counts_exactly(app, client, login, rated):
    code = rated.code(rated.muang)
    early, late, kept = (give(code, q1=value) for value in ("1", "2", "5"))
    login("opdc")
    assert client.post(f"/ratings/{early.id}/exclude", data={"reason": "ข้อความโฆษณา"}).status_code == 303
    summary = _summary(_exported(client))
    assert (summary[th("Ratings")], summary[th("Excluded")]) == ("2", "1")
    assert db.session.scalar(select(func.count()).select_from(RatingTally)) == 0  # a state change, no tally yet

    assert jobs.run(app, "ratings_fold")["ratings"] == 3  # the excluded one counted as excluded
    assert _summary(_exported(client)) == summary
    assert client.post(f"/ratings/{late.id}/exclude", data={"reason": "ทดสอบระบบ"}).status_code == 303
    assert client.post(f"/ratings/{early.id}/restore").status_code == 303
    summary = _summary(_exported(client))
    assert (summary[th("Ratings")], summary[th("Excluded")]) == ("2", "1")
    kept_tallies = _tallies()
    assert jobs.run(app, "ratings_fold")["ratings"] == 0
    recount.rebuild()
    db.session.commit()
    assert _tallies() == kept_tallies
    assert kept.folded


def _wait_until_waiting_for_a_lock(app) -> bool:
    """Whether another session waits on a lock (PostgreSQL); SQLite's writer waits in its busy handler unseen."""
    if db.engine.dialect.name != "postgresql":
        time.sleep(0.3)
        return True
    with db.engine.connect() as connection:
        for _poll in range(200):
            waiting = connection.execute(text(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar()
            if waiting:
                return True
            time.sleep(0.02)
            connection.rollback()
    return False


def test_two_folds_at_once_count_each_rating_once(app, rated):
    """Two scheduler processes run the job at the same moment: the second waits for the first, then finds nothing."""
    codes = [rated.code(a) for a in (rated.muang, rated.pakkret, rated.nont)]
    for n in range(6):
        give(codes[n % 3], q1=str(n % 5 + 1))
    assert fold.fold_batch() == 6  # the first fold, not yet committed
    second: dict = {}

    def run_second():
        second["result"] = jobs.run(app, "ratings_fold")  # its own app context, session and connection

    thread = threading.Thread(target=run_second)
    thread.start()
    try:
        assert _wait_until_waiting_for_a_lock(app)
        db.session.commit()
    finally:
        thread.join(15)
    assert second["result"] == {"ratings": 0, "batches": 1}
    national = db.session.scalar(select(RatingTally.n).where(RatingTally.scope == tallies.ALL,
                                                             RatingTally.question_id == tallies.RATINGS))
    assert national == 6
    kept = _tallies()
    recount.rebuild()
    db.session.commit()
    assert _tallies() == kept


def test_the_jobs_page_says_in_thai_what_the_fold_did(app, client, login, rated):
    code = rated.code(rated.pakkret)
    give(code)
    give(code, q1="2")
    jobs.run(app, "ratings_fold")
    login("admin")
    page = client.get("/admin/jobs/").get_data(as_text=True)
    row = page[page.index('data-job="ratings_fold"'):]
    row = row[:row.index("</tr>")]
    assert th("Adds the ratings given since its last run to the satisfaction report's tallies.") in row
    assert f"{th('Ratings added')} 2" in row and f"{th('Batches')} 1" in row
