"""The summary reports in a real browser: one menu leads to each report, a click on a bar opens the next level (or
the list behind it), and the permalink gives the same view again."""

from __future__ import annotations

import re

from tests.test_browser import (  # noqa: F401
    chromium_page,
    expect,
    live_server,
    open_menu,
    sign_in,
    sqlite_only,
)

CHARTS = "() => [...document.querySelectorAll('canvas[data-chart]')].every(canvas => canvas.chart)"


def _bars(page, chart_id: str) -> list[dict]:
    """Each bar of a drawn chart: its label, value, drill-down address and where it is on the page."""
    return page.evaluate("""id => {
        const canvas = document.getElementById(id), chart = canvas.chart, box = canvas.getBoundingClientRect();
        const spec = JSON.parse(document.getElementById(canvas.dataset.chart).textContent);
        return chart.getDatasetMeta(0).data.map((bar, index) => ({
            label: chart.data.labels[index], value: chart.data.datasets[0].data[index], link: spec.links[index] || null,
            x: box.x + bar.x, y: box.y + (bar.y + bar.base) / 2}));
    }""", chart_id)


def _click_bar(page, chart_id: str, label: str) -> dict:
    page.locator(f"#{chart_id}").scroll_into_view_if_needed()
    bar = next(b for b in _bars(page, chart_id) if b["label"] == label)
    page.mouse.click(bar["x"], bar["y"])
    return bar


def test_reports_menu_bar_drill_down_and_permalink(chromium_page, live_server, figures):  # noqa: F811
    page = chromium_page
    sign_in(page, "opdc")
    open_menu(page, "nav-reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("รายงาน")
    page.locator("#report-licences").click()
    expect(page).to_have_url(re.compile(r"/reports/licences$"))

    # Each bar of "by agency" opens the next level, the scope naming it, down to the service point, whose bar opens
    # the list behind its figures (its licence sheet) instead of another report.
    levels = []
    for _depth in range(5):
        page.wait_for_function(CHARTS)
        bars = [b for b in _bars(page, "chart-agencies") if b["link"] and b["value"]]
        assert bars, f"no agency with figures under {levels}"
        bar = _click_bar(page, "chart-agencies", bars[0]["label"])
        expect(page).to_have_url(re.compile(re.escape(bar["link"]) + "$"))
        if not bar["link"].startswith("/reports/licences"):
            break
        expect(page.locator("#report-scope strong")).to_have_text(bar["label"])
        levels.append(bar["label"])
        drilled_url, figures_shown = page.url, page.locator("#table-agencies table").inner_text()
    else:
        raise AssertionError(f"the drill-down never reached the list behind the figures: {levels}")
    assert len(levels) >= 2, levels  # the ministry, its department, …
    page.goto(drilled_url)

    # The permalink of a drilled view with a filter chosen opens the same figures in a fresh page.
    page.select_option("#month", str(figures.month))  # the month the figures were given for
    page.locator("#report-filters button[type=submit]").click()
    expect(page.locator("#report-scope strong")).to_have_text(levels[-1])
    figures_shown = page.locator("#table-agencies table").inner_text()
    permalink = page.locator("#permalink").get_attribute("href")
    assert "agency=" in permalink and f"month={figures.month}" in permalink
    fresh = page.context.new_page()
    fresh.goto(permalink)
    expect(fresh.locator("#report-scope strong")).to_have_text(levels[-1])
    assert fresh.locator("#table-agencies table").inner_text() == figures_shown
    fresh.close()
