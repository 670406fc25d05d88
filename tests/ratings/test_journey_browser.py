"""The whole journey in a real browser: a service point's officer downloads the poster, a citizen scans its QR code
(read back with zbar) and rates on a phone, and the department's central officer sees the rating in the report, with
its chart and both exports."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest

from tests.helpers import read_pdf
from tests.test_browser import (  # noqa: F401
    chromium_page,
    expect,
    live_server,
    open_menu,
    sign_in,
    sign_out,
    sqlite_only,
)

PHONE = {"width": 360, "height": 740}


@pytest.mark.every_database
def test_poster_scan_rate_on_a_phone_and_see_it_in_the_report(app, chromium_page, live_server, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "BASE_URL", live_server)  # the poster prints the address the server answers on
    page = chromium_page
    sign_in(page, "spoint")
    open_menu(page, "nav-rating-posters").click()
    page.get_by_role("link", name="ลิงก์และคิวอาร์โค้ด").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ที่ว่าการอำเภอเมืองนนทบุรี")
    link = page.locator("#rating-link").inner_text().strip()
    assert link.startswith(live_server + "/rate/")
    with page.expect_download() as download:
        page.click("#poster-pdf")
    printed = read_pdf(open(download.value.path(), "rb").read(), scan_qr=True)
    assert printed.qr_codes == [link]
    sign_out(page)

    phone = page.context.browser.new_context(viewport=PHONE, locale="th-TH", is_mobile=True, has_touch=True)
    citizen = phone.new_page()
    citizen.goto(printed.qr_codes[0])
    expect(citizen.locator("#point-name")).to_have_text("ที่ว่าการอำเภอเมืองนนทบุรี")
    assert citizen.evaluate("document.scripts.length") == 0
    assert citizen.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
    for position, value in ((1, "5"), (2, "4"), (3, "4"), (4, "5")):
        citizen.locator(f"#q{position} input[value='{value}']").check()
    citizen.get_by_label("ใช่", exact=True).check()
    citizen.get_by_label("ข้อเสนอแนะเพื่อการปรับปรุงการให้บริการ").fill("บริการรวดเร็ว ประทับใจ")
    citizen.get_by_role("button", name="ส่งแบบประเมิน").click()
    expect(citizen.locator("#thanks")).to_have_text("ขอบคุณที่ร่วมประเมินความพึงพอใจ")
    phone.close()

    sign_in(page, "central")
    open_menu(page, "nav-ratings").click()
    expect(page.locator("#figure-ratings")).to_have_text("1")
    expect(page.locator("#figure-score")).to_have_text("4.50")
    page.wait_for_function("() => document.getElementById('breakdown-chart')?.chart")  # drawn once scripts ran
    trend = page.evaluate("() => document.getElementById('trend-chart').chart.data.datasets.map(d => d.data)")
    assert trend == [[1], [4.5]]
    expect(page.locator("#breakdown")).to_contain_text("ที่ว่าการอำเภอเมืองนนทบุรี")
    report_url = page.url
    with page.expect_download() as csv_download:
        page.click("#export-csv")
    rows = list(csv.reader(io.StringIO(open(csv_download.value.path(), encoding="utf-8-sig").read())))
    assert ["จำนวนผู้ประเมิน", "1"] in rows
    with page.expect_download() as xlsx_download:
        page.click("#export-xlsx")
    with zipfile.ZipFile(xlsx_download.value.path()) as book:
        assert re.search(r"<v>4\.5</v>", book.read("xl/worksheets/sheet1.xml").decode())
    page.click("#figure-comments a")
    expect(page.locator("#ratings-table")).to_contain_text("บริการรวดเร็ว ประทับใจ")

    # Drill down: clicking the rated point's bar opens the report of that point.
    page.goto(report_url)
    page.wait_for_function("() => document.getElementById('breakdown-chart')?.chart")
    bars = page.evaluate("() => document.getElementById('breakdown-chart').chart.data.labels")
    index = bars.index("ที่ว่าการอำเภอเมืองนนทบุรี")
    x, y = page.evaluate(f"() => {{ const bar = document.getElementById('breakdown-chart').chart"
                         f".getDatasetMeta(0).data[{index}]; return [bar.x, (bar.y + bar.base) / 2]; }}")
    page.locator("#breakdown-chart").scroll_into_view_if_needed()
    box = page.locator("#breakdown-chart").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    expect(page.locator("#report-scope strong")).to_have_text(bars[index])
