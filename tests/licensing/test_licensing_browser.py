"""Real-browser journey: a service-point officer asks to unlock a closed period, an OPDC officer approves it."""

from __future__ import annotations

import re

import pytest

from app.core.types import utcnow
from app.licensing.services import licensing
from tests.test_browser import chromium_page, live_server, sign_in, sign_out, sqlite_only  # noqa: F401

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect


def test_unlock_request_journey_in_the_browser(app, demo, chromium_page):  # noqa: F811
    page = chromium_page
    year, month = licensing.month_of(utcnow())
    for _ in range(2):  # two months back: closed whatever today's date
        year, month = licensing.previous_month(year, month)
    point_id = demo.agency("sp_muang").id

    sign_in(page, "spoint")
    page.goto("/licensing/")
    expect(page.locator("#period-list")).to_be_visible()
    page.goto(f"/licensing/{year}/{month}/points/{point_id}")
    expect(page.locator("#locked-notice")).to_be_visible()
    page.click("#unlock-form button[type=submit]")  # no reason yet
    expect(page.locator("#unlock-form .invalid-feedback")).to_contain_text("โปรดระบุเหตุผล")
    page.fill("#unlock-form textarea[name=reason]", "ระบบเครือข่ายขัดข้องช่วงปิดงวด")
    page.click("#unlock-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("ส่งคำขอปลดล็อก")
    expect(page.locator("#unlock-history")).to_contain_text("รอสำนักงาน ก.พ.ร. พิจารณา")
    sign_out(page)

    sign_in(page, "opdc")
    row = page.locator("#task-list tbody tr").filter(has_text="ขอปลดล็อกรายงาน")
    expect(row).to_have_count(1)
    row.locator("td.task-title a").click()
    expect(page).to_have_url(re.compile(r"/tasks/\d+$"))
    expect(page.locator("#task-form textarea[name=reason]")).to_have_value("ระบบเครือข่ายขัดข้องช่วงปิดงวด")
    page.check("#task-form input[name=decision][value=approve]")
    page.fill("#task-form textarea[name=comment]", "อนุมัติ")
    page.click("#task-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/tasks/$"))
    sign_out(page)

    sign_in(page, "spoint")
    page.goto(f"/licensing/{year}/{month}/points/{point_id}")
    expect(page.locator("#unlock-countdown")).to_contain_text("เหลือเวลา")
    first_input = page.locator("#figures input").first
    expect(first_input).to_be_editable()
    with page.expect_response(re.compile(r"/letter\.pdf$")) as letter:
        page.evaluate("url => fetch(url)", page.locator("#unlock-countdown a").get_attribute("href"))
    assert letter.value.status == 200 and letter.value.headers["content-type"] == "application/pdf"
