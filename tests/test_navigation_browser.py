"""The top menu as each role sees it, on a desktop (1280 px) and a phone (390 px): a handful of items, grouped, and
no Thai label broken inside a word (Thai has no spaces, so a label that wraps at all is split mid-word)."""

from __future__ import annotations

import os

import pytest

from app.demo import USERS
from tests.test_browser import chromium_page, expect, live_server, sign_in, sign_out, sqlite_only  # noqa: F401

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
MOST_ITEMS_ON_THE_BAR = 8

# Labels that take more than one line box: text rects whose tops differ by more than half a line.
WRAPPED = """(selector) => Array.from(document.querySelectorAll(selector))
  .filter((element) => element.getClientRects().length > 0)
  .map((element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const height = parseFloat(getComputedStyle(element).lineHeight) || 24;
    const tops = Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => r.top).sort((a, b) => a - b);
    const lines = tops.filter((top, i) => i === 0 || top - tops[i - 1] > height / 2).length;
    return [element.textContent.trim().replace(/\\s+/g, " "), lines];
  })
  .filter(([, lines]) => lines > 1)"""

LABELS = "#main-menu .nav-link, #main-menu .dropdown-item, #main-menu .btn"


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_every_roles_menu_fits_without_breaking_a_word(chromium_page, width):  # noqa: F811
    page = chromium_page
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width], strict=True)))
    problems = []
    for username, _name, role, _agency in USERS:
        sign_in(page, username)
        if page.locator("#nav-toggle").is_visible():
            page.click("#nav-toggle")
            expect(page.locator("#main-menu")).to_be_visible()
        bar = page.locator("#main-menu > ul.me-auto > li")
        if bar.count() > MOST_ITEMS_ON_THE_BAR:
            problems.append(f"{role}: {bar.count()} items on the bar")
        problems += [f"{role}: {label!r} takes {lines} lines" for label, lines in page.evaluate(WRAPPED, LABELS)]
        toggles = page.locator("#main-menu .dropdown-toggle")
        for index in range(toggles.count()):
            toggles.nth(index).click()
            menu = page.locator("#main-menu .dropdown-menu.show")
            expect(menu).to_have_count(1)
            problems += [f"{role}: {label!r} takes {lines} lines in its dropdown"
                         for label, lines in page.evaluate(WRAPPED, "#main-menu .dropdown-menu.show .dropdown-item")]
            page.keyboard.press("Escape")
        screenshots = os.environ.get("SCREENSHOT_DIR")
        if screenshots:
            page.screenshot(path=os.path.join(screenshots, f"menu-{width}-{username}.png"))
        sign_out(page)
    assert not problems, problems
