"""Rating points and the report's files over the API, with real tokens: a point officer lists its point, downloads
its poster (whose QR code opens the rating page) and QR codes, issues a counter tablet's link that rates as a kiosk
and revokes it; OPDC downloads the report as CSV and XLSX and every rating as CSV, read back as a spreadsheet
would; out of scope is 404 and hostile input a 4xx."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

from openpyxl import load_workbook
from sqlalchemy import select

from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.ratings.models import RatingPoint
from app.ratings.services.questions import today
from tests.helpers import nfkc, read_pdf
from tests.inbox.test_api import API, bearer, conforms, create_token
from tests.ratings.conftest import give

POINTS = f"{API}/satisfaction/points"
HUGE = "9" * 20


def test_a_point_officer_gets_the_poster_qr_codes_and_a_kiosk_link_over_the_api(client, login, demo, rated):
    document = client.get(f"{API}/openapi.json").get_json()
    officer = bearer(create_token(client, login, "spoint"))
    muang = rated.muang
    listed = client.get(POINTS, headers=officer)
    assert listed.status_code == 200, listed.get_data(as_text=True)
    conforms(document, "PointPage", listed.get_json())
    assert [item["agency_id"] for item in listed.get_json()["items"]] == [muang.id]

    point = client.get(f"{POINTS}/{muang.id}", headers=officer)
    assert point.status_code == 200
    code = db.session.get(RatingPoint, muang.id).code
    assert point.get_json()["code"] == code and point.get_json()["rating_url"].endswith(f"/rate/{code}")
    assert not point.get_json()["kiosk_active"] and point.get_json()["can_manage_kiosk"]

    poster = client.get(f"{POINTS}/{muang.id}/poster.pdf", headers=officer)
    assert poster.status_code == 200 and poster.mimetype == "application/pdf"
    printed = read_pdf(poster.data, png_name="rating-poster-api", scan_qr=True)
    assert nfkc("ที่ว่าการอำเภอเมืองนนทบุรี") in printed.text and printed.qr_codes == [point.get_json()["rating_url"]]
    png = client.get(f"{POINTS}/{muang.id}/qr.png", headers=officer)
    assert png.data.startswith(b"\x89PNG") and f"qr-{code}.png" in png.headers["Content-Disposition"]
    svg = client.get(f"{POINTS}/{muang.id}/qr.svg", headers=officer)
    assert svg.mimetype == "image/svg+xml" and ET.fromstring(svg.data).tag.endswith("svg")

    issued = client.post(f"{POINTS}/{muang.id}/kiosk", headers=officer)
    assert issued.status_code == 201 and issued.get_json()["point"]["kiosk_active"]
    kiosk_url = issued.get_json()["kiosk_url"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "rating.kiosk_token_issued"))
    assert event.actor_id == demo.user("spoint").id and event.after["prefix"] in kiosk_url
    opened = client.get(kiosk_url.removeprefix("http://localhost"))
    assert opened.status_code == 303 and opened.headers["Location"].endswith(f"/rate/{code}")
    revoked = client.post(f"{POINTS}/{muang.id}/kiosk/revoke", headers=officer)
    assert revoked.status_code == 200 and not revoked.get_json()["kiosk_active"]
    assert client.get(kiosk_url.removeprefix("http://localhost")).status_code == 404

    # Another point, a department (it takes no ratings), ids no row holds: 404; no scope: 403.
    other = demo.agency("sp_pakkret").id
    for path in (f"{POINTS}/{other}", f"{POINTS}/{other}/poster.pdf", f"{POINTS}/{other}/qr.png",
                 f"{POINTS}/{demo.agency('dopa').id}", f"{POINTS}/{HUGE}", f"{POINTS}/{HUGE}/qr.svg"):
        assert client.get(path, headers=officer).status_code == 404, path
    assert client.post(f"{POINTS}/{other}/kiosk", headers=officer).status_code == 404
    assert client.get(POINTS, headers=officer, query_string={"agency": other}).status_code == 404
    lenient = client.get(POINTS, headers=officer, query_string={"page": "0"})  # as the page: the first page
    assert lenient.status_code == 200 and lenient.get_json()["page"] == 1
    read_only = bearer(create_token(client, login, "spoint", scopes=("ratings:read",)))
    assert client.post(f"{POINTS}/{muang.id}/kiosk", headers=read_only).status_code == 403


def test_opdc_downloads_the_report_and_every_rating_over_the_api(client, login, rated):
    code = rated.code(rated.muang)
    give(code, comment="บริการดี รวดเร็ว")
    give(code, q1="2", comment="=HYPERLINK(\"http://x\")")  # a formula, kept as text
    opdc = bearer(create_token(client, login, "opdc"))
    day = today().isoformat()
    period = {"first": day, "last": day}

    as_csv = client.get(f"{API}/satisfaction/report.csv", headers=opdc, query_string=period)
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv", as_csv.get_data(as_text=True)[:300]
    text = as_csv.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["รายงานผลประเมินความพึงพอใจ"]
    assert ["จำนวนผู้ประเมิน", "2"] in rows  # the summary's count of ratings, under its Thai label
    english = client.get(f"{API}/satisfaction/report.csv", headers=opdc, query_string=period | {"lang": "en"})
    assert english.status_code == 200 and ["Satisfaction report"] in list(csv.reader(io.StringIO(
        english.data.decode("utf-8-sig"))))

    as_xlsx = client.get(f"{API}/satisfaction/report.xlsx", headers=opdc, query_string=period)
    assert as_xlsx.status_code == 200
    workbook = load_workbook(io.BytesIO(as_xlsx.data), read_only=True)
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "คะแนนเฉลี่ย" in cells and 2 in cells  # Thai headers; the two ratings as a number

    ratings = client.get(f"{API}/satisfaction/ratings.csv", headers=opdc, query_string=period)
    assert ratings.status_code == 200
    lines = list(csv.reader(io.StringIO(ratings.data.decode("utf-8-sig"))))
    assert len(lines) == 3  # the header and the two ratings
    assert any(cell.startswith("'=HYPERLINK") for cell in lines[-1] + lines[-2])

    for hostile in ({"first": "31/02/2569"}, {"first": day, "last": "2000-01-01"},
                    {"lang": "fr"}, {"by": "everything"}):
        response = client.get(f"{API}/satisfaction/report.csv", headers=opdc, query_string=period | hostile)
        assert response.status_code == 422, (hostile, response.status_code)
    outsider = bearer(create_token(client, login, "hd_agent"))
    assert client.get(f"{API}/satisfaction/ratings.csv", headers=outsider, query_string=period).status_code == 403
