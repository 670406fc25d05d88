"""OPDC excludes a rating with a reason (audited) and may count it again; nobody else may; the tallies follow."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.manuals.models import Manual
from app.manuals.services import links
from app.ratings.models import Rating, RatingTally
from app.ratings.services import recount, report, tallies
from app.ratings.services.questions import today
from tests.helpers import th
from tests.ratings.conftest import days_ago, give


def _today(agency_id: int | None = None) -> report.Report:
    return report.satisfaction(report.ReportFilters(first=today(), last=today(), agency_id=agency_id), ["/"])


def test_opdc_excludes_a_rating_with_a_reason_and_can_count_it_again(client, login, rated):
    code = rated.code(rated.muang)
    kept = give(code, comment="บริการดี")
    spam = give(code, q1="1", q2="1", q3="1", q4="1", comment="โฆษณาขายของ www.example.com")
    assert _today().ratings == 2
    login("opdc")
    listing = client.get("/ratings/list").get_data(as_text=True)
    assert f'action="/ratings/{spam.id}/exclude"' in listing
    refused = client.post(f"/ratings/{spam.id}/exclude", data={"reason": "  "}, follow_redirects=True)
    assert th("Give the reason.") in refused.get_data(as_text=True)
    done = client.post(f"/ratings/{spam.id}/exclude", data={"reason": "โฆษณา ไม่เกี่ยวกับบริการ",
                                                             "next": "/ratings/list?show=excluded"})
    assert done.status_code == 303 and done.headers["Location"] == "/ratings/list?show=excluded"
    db.session.expire_all()
    row = db.session.get(Rating, spam.id)
    assert row.excluded_at is not None and row.exclusion_reason == "โฆษณา ไม่เกี่ยวกับบริการ"
    assert row.excluded_by_id == db.session.scalar(select(AuditEvent.actor_id).where(
        AuditEvent.action == "rating.excluded"))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rating.excluded"))
    assert (event.object_type, event.object_id, event.comment) == ("rating", spam.id, "โฆษณา ไม่เกี่ยวกับบริการ")
    figures = _today(rated.muang.id)
    assert (figures.ratings, figures.excluded, figures.comments) == (1, 1, 1)
    assert figures.versions[0].questions[0].average == 5.0
    assert "โฆษณาขายของ" in client.get("/ratings/list?show=excluded").get_data(as_text=True)
    again = client.post(f"/ratings/{spam.id}/exclude", data={"reason": "ซ้ำ"}, follow_redirects=True)
    assert th("This rating is already excluded.") in again.get_data(as_text=True)
    # Counted again: everything as before, and audited too.
    assert client.post(f"/ratings/{spam.id}/restore").status_code == 303
    figures = _today(rated.muang.id)
    assert (figures.ratings, figures.excluded) == (2, 0)
    assert db.session.scalar(select(AuditEvent.before).where(AuditEvent.action == "rating.restored")) == {
        "state": "excluded", "reason": "โฆษณา ไม่เกี่ยวกับบริการ"}
    assert kept.id != spam.id


def test_nobody_but_opdc_excludes(client, login, rated):
    rating = give(rated.code(rated.muang), comment="ดี")
    for person in ("spoint", "central", "admin", "author"):
        login(person)
        assert client.post(f"/ratings/{rating.id}/exclude", data={"reason": "ไม่ชอบ"}).status_code == 403, person
        assert client.post(f"/ratings/{rating.id}/restore").status_code == 403, person
        assert f"/ratings/{rating.id}/exclude" not in client.get("/ratings/list").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Rating, rating.id).excluded_at is None
    login("opdc")
    assert client.post("/ratings/99999999999999999999/exclude", data={"reason": "x"}).status_code == 404
    assert client.post("/ratings/999999/exclude", data={"reason": "x"}).status_code == 404


def test_the_tallies_recount_to_what_was_kept_as_it_happened(app, rated, demo):
    """After units move or provinces change the tallies are recounted from the ratings: the same figures as the fold
    job kept, exclusions before and after it included."""
    from app.ratings.services import moderation
    from tasks import jobs

    codes = [rated.code(a) for a in (rated.muang, rated.pakkret, rated.nont)]
    made = [give(code, q1=str(n % 5 + 1), comment="ความเห็น" if n % 2 else None) for n, code in enumerate(codes * 3)]
    manual = db.session.scalar(select(Manual).where(Manual.published_revision_id.is_not(None)))
    links.link(demo.user("central"), rated.muang.id, "manual", manual.id)
    give(codes[0], service=f"m{manual.id}", q6=None, comment="ตามคู่มือ")
    assert jobs.run(app, "ratings_fold")["ratings"] == 10
    give(codes[0], days_ago(40), service=f"m{manual.id}", q1="2")
    duplicate = give(codes[0], device="one-phone")
    give(codes[0], device="one-phone", q1="1")  # flagged
    moderation.exclude(demo.user("opdc"), made[1].id, "ทดสอบ")  # folded: its counts move
    moderation.exclude(demo.user("opdc"), duplicate.id, "ทดสอบ")  # not yet folded: the fold counts it excluded
    db.session.commit()
    assert duplicate.duplicate_of_id is None
    assert jobs.run(app, "ratings_fold")["ratings"] == 3

    def snapshot():  # rows an exclusion emptied are left at zero; a recount makes none
        return sorted(tuple(row) for row in db.session.execute(select(
            RatingTally.scope, RatingTally.service, RatingTally.day, RatingTally.question_id,
            *(getattr(RatingTally, name) for name in tallies.COUNTS))).all() if any(row[4:]))

    before = snapshot()
    assert len(before) > 50
    assert recount.rebuild() == 13
    db.session.commit()
    assert snapshot() == before
    # A range of days alone: the rest stays as it was.
    assert recount.rebuild(days_ago(41).date(), days_ago(39).date()) == 1
    db.session.commit()
    assert snapshot() == before
    # A recount folds what it counts: the job finds nothing left.
    give(codes[1], q1="3")
    assert recount.rebuild() == 14
    db.session.commit()
    assert jobs.run(app, "ratings_fold")["ratings"] == 0


def test_the_nightly_job_recounts_after_a_unit_moved(app, rated, demo):
    """Figures follow a service point that moved to another unit, once the nightly job ran."""
    from app.org.services import org
    from tasks import jobs

    give(rated.code(rated.pakkret), q1="1")
    give(rated.code(rated.muang), q1="5")
    jobs.run(app, "ratings_fold")  # the tallies count them where they were
    bora = demo.agency("bora")

    def ratings_of(agency_id: int) -> int:
        return _today(agency_id).ratings

    assert jobs.run(app, "ratings_recount") == 0  # nothing moved: nothing recounted
    assert (ratings_of(bora.id), ratings_of(rated.pakkret.parent_id)) == (0, 2)
    org.move(demo.user("central"), rated.pakkret.id, bora.id, expected_version=None)
    db.session.commit()
    assert ratings_of(bora.id) == 0  # not yet: the tallies follow at night
    assert jobs.run(app, "ratings_recount") == 2
    assert ratings_of(bora.id) == 1 and ratings_of(bora.parent_id) == 2 and ratings_of(rated.muang.id) == 1
