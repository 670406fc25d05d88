"""A citizen in a real browser: search in Thai, read a manual, find where to go — on a desktop and on a phone."""

from __future__ import annotations

import re

import pytest

from app.core.extensions import db
from app.manuals.services import links
from tests.public.helpers import STEPS, Government, publish
from tests.test_browser import chromium_page, expect, live_server, sqlite_only  # noqa: F401 (fixtures)

TITLE = "การขอมีบัตรใหม่กรณีบัตรหาย"
VIEWPORTS = {"desktop": {"width": 1400, "height": 1000}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("device", VIEWPORTS)
def test_a_citizen_finds_a_manual_by_its_common_name_and_the_place_that_provides_it(
        sqlite_only, chromium_page, device):  # noqa: F811 (fixtures)
    gov = Government()
    manual = publish(gov.dopa, TITLE,
                     {"common_names": ["ทำบัตรประชาชนหาย"], "category_ids": [gov.id_cards.id], "steps": STEPS,
                      "channels": [{"place": "สำนักงานเขตทุกแห่ง", "address": "", "hours": "08:30–15:30",
                                    "remark": ""}],
                      "no_fee": True})
    links.link(gov.officer, gov.bangrak.id, "manual", manual.id)
    db.session.commit()
    place_id = gov.bangrak.id
    db.session.remove()  # the server thread writes and reads SQLite now

    page = chromium_page
    page.set_viewport_size(VIEWPORTS[device])
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    page.get_by_label("คุณต้องการค้นหาบริการใด").fill("บัตรประชาชนหา")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/search\?q="))
    result = page.locator("#results .result")
    expect(result).to_have_count(1)  # only this manual is called so
    expect(result.locator("mark")).to_have_text("บัตรประชาชนหา")
    result.get_by_role("link", name=TITLE).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("#step-list li")).to_have_count(2)
    expect(page.locator("#step-list")).to_contain_text("ถ่ายรูปและพิมพ์บัตร")
    expect(page.locator("#total-time")).to_contain_text("30 นาที")
    expect(page.locator("#fee-summary")).to_have_text("ไม่มีค่าธรรมเนียม")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"

    page.locator("#place-list").get_by_role("link", name="สำนักงานเขตบางรัก").click()
    expect(page).to_have_url(re.compile(rf"/places/{place_id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("สำนักงานเขตบางรัก")
    expect(page.locator("#place-services")).to_contain_text(TITLE)
    expect(page.locator("#map-link")).to_have_attribute("href", re.compile(r"^https://www\.openstreetmap\.org/\?mlat="))
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
