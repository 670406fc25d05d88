"""The inbox tools in a browser: claiming ticked tasks, and naming an acting officer with Thai dates."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.services import accounts
from app.core.extensions import db
from app.inbox.models import TaskDelegation
from app.inbox.services import delegations
from tests.test_browser import chromium_page, expect, live_server, sign_in, sqlite_only  # noqa: F401


@pytest.fixture
def colleague(app, demo):
    user = accounts.create_user("reviewer2", "สมศรี ตรวจทานแทน", demo.password)
    accounts.grant(user, demo.agency("dopa").id, "manual_reviewer")
    db.session.commit()
    return user.id


def _buddhist(day) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year + 543}"


def test_an_officer_claims_ticked_tasks_and_names_an_acting_officer(colleague, chromium_page):  # noqa: F811
    page = chromium_page
    sign_in(page, "reviewer")
    boxes = page.locator("#task-list input[type=checkbox][name=task]")
    expect(boxes.first).to_be_visible()
    ticked = boxes.count()
    for index in range(ticked):
        boxes.nth(index).check()
    page.locator("#bulk-claim button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text(f"รับงานแล้ว {ticked} งาน")
    expect(page.locator("#task-list input[type=checkbox][name=task]")).to_have_count(0)

    page.locator("#delegations-link").click()
    expect(page).to_have_url(re.compile(r"/tasks/delegations/$"))
    page.select_option("#acting", label="สมศรี ตรวจทานแทน")
    today = delegations.today()
    first, last = today + timedelta(days=1), today + timedelta(days=5)
    expect(page.locator("#starts_on")).to_have_attribute("type", "text")  # the Thai date input
    page.locator("#starts_on").fill(_buddhist(first))
    page.locator("#ends_on").fill(_buddhist(last))
    page.locator("#delegation-form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("สมศรี ตรวจทานแทน")
    expect(page.locator("#delegations-given")).to_contain_text("ยังไม่เริ่ม")
    saved = db.session.scalar(select(TaskDelegation))
    assert (saved.acting_id, saved.starts_on, saved.ends_on) == (colleague, first, last)

    page.locator("#delegations-given button[type=submit]").click()  # back early: end it now
    expect(page.locator("#no-delegation")).to_be_visible()
