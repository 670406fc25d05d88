"""The import screen in a real browser: upload the export's files, ask for a dry run, and the page follows the
background job's progress until the report shows (the job runs here while the page polls)."""

from __future__ import annotations

import re

from app.core.extensions import db
from tasks import jobs
from tests.legacy.test_legacy_users import SAMPLE
from tests.test_browser import chromium_page, expect, live_server, open_menu, sign_in, sqlite_only  # noqa: F401


def test_the_page_follows_the_dry_run_to_its_report(chromium_page, app):  # noqa: F811
    page = chromium_page
    sign_in(page, "admin")
    open_menu(page, "nav-legacy-import").click()
    expect(page.locator("h1")).to_have_text("นำเข้าข้อมูลจากระบบเดิม")
    page.set_input_files("#files", sorted(str(path) for path in SAMPLE.iterdir()))
    page.click("#legacy-upload button[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/legacy-import/\d+$"))
    expect(page.locator("button[value=run]")).to_have_count(0)  # a dry run first

    page.click("button[value=dry_run]")
    expect(page.locator("#legacy-progress .progress")).to_be_visible()
    expect(page.locator("[data-state=queued]")).to_be_visible()

    assert jobs.run(app, "legacy_imports") == 1  # the background job's turn; the page polls meanwhile
    db.session.remove()

    report = page.locator("#legacy-report")
    expect(report).to_contain_text("เจ้าหน้าที่: สร้างใหม่ 6")
    expect(report).to_contain_text("ไม่นำเข้า users.csv บรรทัดที่ 8 (U-BAD-AGENCY)")
    expect(page.locator("[data-state=done]")).to_be_visible()
    expect(page.locator("button[value=run]")).to_be_visible()
