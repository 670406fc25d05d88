"""The Thai date input: a day is shown and typed as วว/ดด/ปปปป in the Buddhist era, and the form posts the ISO date."""

from __future__ import annotations

import re

from tests.test_browser import chromium_page, expect, live_server, sign_in, sqlite_only  # noqa: F401


def test_dates_are_shown_and_typed_in_the_buddhist_era(chromium_page):  # noqa: F811
    page = chromium_page
    sign_in(page, "opdc")
    page.goto("/ratings/?first=2026-11-01&last=2026-11-30")
    first = page.locator("#first")
    expect(first).to_have_attribute("type", "text")
    expect(first).to_have_value("01/11/2569")
    expect(page.locator("label[for=first]")).to_have_count(1)  # the label still names the field people type in

    first.fill("๐๕/๑๑/๒๕๖๙")  # Thai digits as typed on a Thai keyboard
    page.locator("#last").fill("20/11/2569")
    page.locator("#report-filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"first=2026-11-05&last=2026-11-20"))
    expect(page.locator("#first")).to_have_value("05/11/2569")

    # A day that does not exist is refused by the browser before anything is sent, with the format in Thai.
    page.locator("#first").fill("31/02/2569")
    page.locator("#report-filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"first=2026-11-05"))
    message = page.locator("#first").evaluate("input => input.validationMessage")
    assert "วว/ดด/ปปปป" in message
