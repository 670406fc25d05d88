"""The summary reports over the API, with real tokens: the reports one may see, a report's figures in one's scope
with the filters that drill into each row, its CSV and XLSX read back as a spreadsheet would, every row behind it
streamed or written in the background and downloaded by its owner only; bad filters refused."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import time_machine

from app.core.extensions import db
from app.core.types import utcnow
from app.reports.services import background
from tests.inbox.test_api import API, bearer, conforms, create_token

REPORTS = f"{API}/reports"


def _received(figures: dict) -> int:
    return next(value for label, value in figures["summary"] if label == "รับคำขอ")


def test_each_viewer_reads_the_licence_report_of_their_scope_over_the_api(client, login, demo, figures):
    document = client.get(f"{API}/openapi.json").get_json()
    opdc = bearer(create_token(client, login, "opdc", scopes=("reports:read",)))
    central = bearer(create_token(client, login, "central", scopes=("reports:read",)))
    listed = client.get(REPORTS, headers=opdc).get_json()["items"]
    assert {"licences", "delays", "manuals"} <= {item["key"] for item in listed}
    assert "satisfaction" not in {item["key"] for item in listed}  # its own API: /satisfaction/report

    national = client.get(f"{REPORTS}/licences", headers=opdc)
    assert national.status_code == 200, national.get_data(as_text=True)
    conforms(document, "ReportFigures", national.get_json())
    assert _received(national.get_json()) == 36
    by_agency = next(t for t in national.get_json()["tables"] if t["key"] == "agencies")
    interior = next(row for row in by_agency["rows"] if row["label"] == "กระทรวงมหาดไทย")
    assert interior["values"][:4] == [29, 21, 3, 5] and interior["drill"]["agency"]
    drilled = client.get(f"{REPORTS}/licences", headers=opdc, query_string={"agency": interior["drill"]["agency"]})
    assert _received(drilled.get_json()) == 29 and drilled.get_json()["agency_name"] == "กระทรวงมหาดไทย"

    assert _received(client.get(f"{REPORTS}/licences", headers=central).get_json()) == 29
    outside = client.get(f"{REPORTS}/licences", headers=central,
                         query_string={"agency": demo.agency("nakhon_nont").id})
    assert outside.status_code == 404
    english = client.get(f"{REPORTS}/licences", headers=opdc, query_string={"lang": "en"}).get_json()
    assert any(label == "Applications received" for label, _value in english["summary"])

    for hostile in ({"fy": 1999}, {"month": 13}, {"agency": "9" * 20}, {"process": "1;drop"}, {"status": "draft"},
                    {"province": "ก" * 101}, {"lang": "fr"}, {"colour": "red"}):
        response = client.get(f"{REPORTS}/licences", headers=opdc, query_string=hostile)
        assert response.status_code == 422, (hostile, response.get_data(as_text=True))
    assert client.get(f"{REPORTS}/nothing", headers=opdc).status_code == 404
    assert client.get(f"{REPORTS}/satisfaction", headers=opdc).status_code == 404
    assert client.get(f"{REPORTS}/operations", headers=opdc).status_code == 403  # administrators'
    no_scope = bearer(create_token(client, login, "opdc", scopes=("manuals:read",)))
    assert client.get(f"{REPORTS}/licences", headers=no_scope).status_code == 403


def test_exports_over_the_api_read_back_and_a_large_one_is_written_in_the_background(app, client, login, demo,
                                                                                      figures, monkeypatch):
    opdc = bearer(create_token(client, login, "opdc", scopes=("reports:read",)))
    as_csv = client.get(f"{REPORTS}/licences/export.csv", headers=opdc)
    assert as_csv.status_code == 200 and as_csv.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(as_csv.data.decode("utf-8-sig"))))
    assert rows[0][0] == "การออกใบอนุญาต" and ["รับคำขอ", "36"] in [row[:2] for row in rows]
    as_xlsx = client.get(f"{REPORTS}/licences/export.xlsx", headers=opdc)
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.data), read_only=True).worksheets[0]
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "รับคำขอ" in cells and 36 in cells

    small = client.get(f"{REPORTS}/licences/rows.csv", headers=opdc)
    assert small.status_code == 200 and small.data.decode("utf-8-sig").startswith("เดือน,")
    english = client.get(f"{REPORTS}/licences/rows.csv", headers=opdc, query_string={"lang": "en"})
    assert english.data.decode("utf-8-sig").startswith("Month,")
    assert sum(int(row[4]) for row in list(csv.reader(io.StringIO(small.data.decode("utf-8-sig"))))[1:]) == 36

    monkeypatch.setitem(app.config, "REPORT_EXPORT_STREAM_LIMIT", 2)
    queued = client.get(f"{REPORTS}/licences/rows.xlsx", headers=opdc)
    assert queued.status_code == 202 and queued.get_json()["status"] == "queued"
    export_id = queued.get_json()["id"]
    unfinished = client.get(f"{REPORTS}/exports/{export_id}/file", headers=opdc)
    assert unfinished.status_code == 409 and unfinished.get_json()["error"]["reason"] == "export_queued"
    assert background.run_queued(db.session.commit) == 1
    done = client.get(f"{REPORTS}/exports/{export_id}", headers=opdc).get_json()
    assert done["status"] == "done" and done["rows_done"] == done["rows_total"] == 4
    downloaded = client.get(f"{REPORTS}/exports/{export_id}/file", headers=opdc)
    workbook = openpyxl.load_workbook(io.BytesIO(downloaded.data), read_only=True)
    assert len(list(workbook.worksheets[0].iter_rows())) == 5  # the header and the four rows

    central = bearer(create_token(client, login, "central", scopes=("reports:read",)))
    assert client.get(f"{REPORTS}/exports/{export_id}", headers=central).status_code == 404  # not theirs
    assert client.get(f"{REPORTS}/exports/{export_id}/file", headers=central).status_code == 404
    assert client.get(f"{REPORTS}/exports/{'9' * 20}", headers=opdc).status_code == 404
    with time_machine.travel(utcnow() + timedelta(hours=background.LINK_HOURS, minutes=1), tick=False):
        expired = client.get(f"{REPORTS}/exports/{export_id}/file", headers=opdc)
        assert expired.status_code == 410 and expired.get_json()["error"]["message_en"]
