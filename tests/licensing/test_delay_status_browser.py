"""Real-browser journey: an applicant follows a delayed application from the code on the letter, on a phone."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.core.extensions import db
from app.licensing.models import DelayRecord
from tests.clock import TODAY, thai_short_date
from tests.licensing.test_delays import _form
from tests.test_browser import chromium_page, expect, live_server, sign_in, sign_out, sqlite_only  # noqa: F401


def test_a_citizen_looks_up_a_delayed_application(app, demo, chromium_page):  # noqa: F811
    page = chromium_page
    point = demo.agency("sp_muang")
    sign_in(page, "spoint")  # the officer records the delay through the app, as on any day
    page.goto(f"/delays/points/{point.id}/new")
    expect(page.locator("#delay-form")).to_be_visible()
    process_id = page.locator("select[name=process_id] option:not([disabled])").first.get_attribute("value")
    expected = TODAY + timedelta(days=58)
    values = _form(type("P", (), {"id": process_id})(), received_on=(TODAY - timedelta(days=30)).isoformat(),
                   expected_decision_on=expected.isoformat())
    for name, value in values.items():
        field = page.locator(f"#delay-form [name={name}]")
        if name == "process_id":
            field.select_option(value)
        else:
            field.fill(value)
    page.locator("#delay-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/delays/\d+$"))
    sign_out(page)
    db.session.remove()
    code = db.session.scalar(select(DelayRecord.lookup_code).order_by(DelayRecord.id.desc()).limit(1))
    db.session.remove()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/status")
    page.fill("#ref", "นบ 0001/2570")
    page.fill("#code", "WRONG000")
    page.click("#status-form button[type=submit]")
    expect(page.locator("#status-not-found")).to_be_visible()
    expect(page.locator("#status-result")).to_have_count(0)

    page.fill("#code", code)
    page.click("#status-form button[type=submit]")
    expect(page.locator("#status-result")).to_be_visible()
    expect(page.locator("#status-expected")).to_have_text(thai_short_date(expected))
    expect(page.locator("#status-notices li")).to_have_count(1)
    expect(page.locator("#status-notices")).to_contain_text("รอความเห็นจากสำนักงานโยธาธิการจังหวัด")
    expect(page.locator("main")).not_to_contain_text("สมปอง")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
