"""Abuse limits: per device and per address (in the shared limiter's store), duplicates within minutes flagged and
not counted, a counter tablet's kiosk token, and no personal data kept."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import AuditEvent
from app.ratings.models import Channel, Rating
from app.ratings.services import report
from app.ratings.services.questions import today
from tests.helpers import th
from tests.ratings.conftest import rate


def _ratings() -> list[Rating]:
    return list(db.session.scalars(select(Rating).order_by(Rating.id)))


def _figures(agency_id: int) -> report.Report:
    return report.satisfaction(report.ReportFilters(first=today(), last=today(), agency_id=agency_id), ["/"])


def test_a_second_rating_from_one_phone_within_minutes_is_flagged_and_not_counted(app, client, rated):
    code = rated.code(rated.muang)
    client.get(f"/rate/{code}")  # the page gives the phone its random cookie
    assert rate(client, code).status_code == 303
    assert rate(client, code, q1="1").status_code == 303  # the same phone again, five seconds later
    first, second = _ratings()
    assert first.duplicate_of_id is None and second.duplicate_of_id == first.id
    figures = _figures(rated.muang.id)
    assert (figures.ratings, figures.duplicates) == (1, 1)
    assert figures.versions[0].questions[0].average == 5.0  # the duplicate's 1 does not count
    # Another phone at the same counter is another citizen.
    other = app.test_client()
    other.get(f"/rate/{code}")
    assert rate(other, code).status_code == 303
    # So is the first phone again after the window.
    with time_machine.travel(utcnow() + timedelta(minutes=31), tick=False):
        assert rate(client, code).status_code == 303
    assert [r.duplicate_of_id is not None for r in _ratings()] == [False, True, False, False]
    assert _figures(rated.muang.id).ratings == 3


def test_nothing_personal_is_kept(client, rated):
    code = rated.code(rated.muang)
    client.get(f"/rate/{code}")
    rate(client, code, environ={"REMOTE_ADDR": "203.0.113.77"}, headers={"User-Agent": "Phone/1.0"})
    [rating] = _ratings()
    stored = " ".join(str(getattr(rating, column.key)) for column in Rating.__table__.columns)
    assert "203.0.113.77" not in stored and "Phone" not in stored
    device = client.get_cookie("rf_rater", path="/rate").value
    assert device not in stored and len(rating.fingerprint) == 32
    # Tomorrow the same phone's hash is another: ratings cannot be linked from day to day.
    with time_machine.travel(utcnow() + timedelta(days=1), tick=False):
        rate(client, code)
    assert len({r.fingerprint for r in _ratings()}) == 2


def test_ratings_are_limited_per_device_and_per_address(app, client, rated, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_RATING_DEVICE", "2 per minute")
    monkeypatch.setitem(app.config, "RATELIMIT_RATING_ADDRESS", "3 per minute")
    code, other_code = rated.code(rated.muang), rated.code(rated.pakkret)
    client.get(f"/rate/{code}")
    assert [rate(client, c).status_code for c in (code, other_code, code)] == [303, 303, 429]
    refused = rate(client, other_code)
    assert refused.status_code == 429
    assert th("Too many attempts. Please wait a minute and try again.") in refused.get_data(as_text=True)
    # A second phone behind the same address has its own device count, until the address's count runs out.
    phone = app.test_client()
    phone.get(f"/rate/{code}")
    assert [rate(phone, other_code).status_code for _ in range(2)] == [303, 429]
    assert len(_ratings()) == 3
    # Reading the page is never limited.
    assert client.get(f"/rate/{code}").status_code == 200


def test_a_counter_tablet_rates_one_citizen_after_another(app, client, login, rated, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_RATING_DEVICE", "2 per minute")
    monkeypatch.setitem(app.config, "RATELIMIT_RATING_ADDRESS", "2 per minute")
    officer = app.test_client()
    login("spoint", target=None)
    page = client.post(f"/ratings/points/{rated.muang.id}/kiosk")
    assert page.status_code == 200
    kiosk_url = re.search(r'id="kiosk-link">([^<]+)<', page.get_data(as_text=True)).group(1)
    assert kiosk_url.startswith("http://localhost/rate/") and "/kiosk/" in kiosk_url
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rating.kiosk_token_issued"))
    assert event.object_id == rated.muang.id and event.after["prefix"] in kiosk_url
    # The link is not shown again.
    assert 'id="kiosk-link"' not in client.get(f"/ratings/points/{rated.muang.id}").get_data(as_text=True)

    tablet = officer
    opened = tablet.get(kiosk_url.removeprefix("http://localhost"))
    assert opened.status_code == 303 and opened.headers["Location"].endswith(f"/rate/{rated.code(rated.muang)}")
    form = tablet.get(opened.headers["Location"]).get_data(as_text=True)
    assert 'id="kiosk-mode"' in form
    for _citizen in range(5):  # more than the device and address limits allow, and never a duplicate
        sent = rate(tablet, rated.code(rated.muang))
        assert sent.status_code == 303
        thanks = tablet.get(sent.headers["Location"])
        assert thanks.headers["Refresh"].endswith(f"url=/rate/{rated.code(rated.muang)}")
        assert 'id="next-person"' in thanks.get_data(as_text=True)
    assert [(r.channel, r.duplicate_of_id) for r in _ratings()] == [(Channel.kiosk, None)] * 5
    assert _figures(rated.muang.id).kiosk == 5

    # A new link retires the old one: the tablet rates as any phone again, and says so.
    client.post(f"/ratings/points/{rated.muang.id}/kiosk/revoke")
    assert tablet.get(kiosk_url.removeprefix("http://localhost")).status_code == 404
    assert 'id="kiosk-expired"' in tablet.get(f"/rate/{rated.code(rated.muang)}").get_data(as_text=True)
    assert rate(tablet, rated.code(rated.muang)).status_code == 303
    assert _ratings()[-1].channel == Channel.web


def test_only_the_points_officers_make_its_kiosk_link(client, login, rated):
    login("spoint")  # the officer of Mueang Nonthaburi, not of Pak Kret
    assert client.post(f"/ratings/points/{rated.pakkret.id}/kiosk").status_code == 404
    login("opdc")  # OPDC reads every report, but does not run counters
    assert client.post(f"/ratings/points/{rated.pakkret.id}/kiosk").status_code == 403
    login("central")
    assert client.post(f"/ratings/points/{rated.pakkret.id}/kiosk").status_code == 200
