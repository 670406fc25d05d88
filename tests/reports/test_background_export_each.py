"""Every report's rows export the same way: a large export of the delays is written in the background and reads back
as a spreadsheet (the csv module and openpyxl) with Thai headers, Thai names and numbers as numbers."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import openpyxl
from sqlalchemy import select

from app.core.extensions import db
from app.licensing.services import licensing
from app.reports.models import ReportExport
from app.reports.services import background
from app.reports.services.base import fiscal_year_of
from tests.clock import TODAY
from tests.licensing.test_delays import _form

REFERENCES = ("นบ 0101/2570", "นบ 0102/2570", "นบ 0103/2570")
_YEAR_START = date(TODAY.year if TODAY.month >= 10 else TODAY.year - 1, 10, 1)  # of the fiscal year today is in
# Received on the days before today, in today's fiscal year (on its first days, on its first day).
RECEIVED = [max(TODAY - timedelta(days=12 - number), _YEAR_START) for number in range(len(REFERENCES))]


def _record_delays(client, login, demo) -> str:
    point = demo.agency("sp_muang")
    process = licensing.processes_for(point)[0]
    login("spoint")
    for number, reference in enumerate(REFERENCES):
        response = client.post(f"/delays/points/{point.id}/new", data=_form(
            process, reference=reference, received_on=RECEIVED[number].isoformat(), promised_days=str(10 + number),
            expected_decision_on=(TODAY + timedelta(days=58)).isoformat()))
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return process.name_th


def _downloaded(client, status_page: str) -> bytes:
    page = client.get(status_page).get_data(as_text=True)
    assert 'aria-valuenow="100"' in page
    link = re.search(r'id="export-download" href="([^"]+)"', page).group(1)
    response = client.get(link)
    assert response.status_code == 200
    return response.get_data()


def test_a_large_delay_export_is_written_in_the_background_and_reads_back(app, client, login, demo, monkeypatch):
    process_name = _record_delays(client, login, demo)
    monkeypatch.setitem(app.config, "REPORT_EXPORT_STREAM_LIMIT", 2)
    login("central")
    year = fiscal_year_of(TODAY)
    queued = {kind: client.get(f"/reports/delays/rows.{kind}?fy={year}") for kind in ("csv", "xlsx")}
    assert all(response.status_code == 303 for response in queued.values())
    assert background.run_queued(db.session.commit) == 2
    assert {export.rows_total for export in db.session.scalars(select(ReportExport))} == {3}

    rows = list(csv.reader(io.StringIO(_downloaded(client, queued["csv"].headers["Location"]).decode("utf-8-sig"))))
    header = rows[0]
    assert header[:4] == ["เลขที่คำขอ", "จุดให้บริการ", "จังหวัด", "กระบวนงาน"]
    assert sorted(row[0] for row in rows[1:]) == list(REFERENCES)
    assert {row[1] for row in rows[1:]} == {demo.agency("sp_muang").name_th} and {row[3] for row in rows[1:]} == {
        process_name}
    assert sorted(int(row[5]) for row in rows[1:]) == [10, 11, 12]  # promised days, read back as numbers
    assert {row[-1] for row in rows[1:]} == {"1"}  # the first notice went out on recording
    assert "ชื่อ" not in " ".join(header) and "นายสมปอง" not in str(rows)  # no applicant's personal data

    book = openpyxl.load_workbook(io.BytesIO(_downloaded(client, queued["xlsx"].headers["Location"])), read_only=True)
    sheet = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert sheet[0] == header
    assert sorted(row[0] for row in sheet[1:]) == list(REFERENCES)
    assert sorted(row[5] for row in sheet[1:]) == [10, 11, 12] and {row[-1] for row in sheet[1:]} == {1}

    login("opdc")  # another officer's exports: not theirs
    assert client.get(queued["csv"].headers["Location"]).status_code == 404


def test_every_report_in_the_menu_exports_its_rows(client, login, demo):
    login("admin")
    for key in ("licences", "delays", "manuals", "operations"):
        response = client.get(f"/reports/{key}/rows.csv")
        assert response.status_code == 200, key
        assert response.get_data(as_text=True).startswith("\ufeff")
        assert f"/reports/{key}/rows.xlsx" in client.get(f"/reports/{key}").get_data(as_text=True)
    login("hd_super")
    rows = list(csv.reader(io.StringIO(client.get("/reports/desk/rows.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "เลขที่เรื่อง"
    assert client.get("/reports/satisfaction/rows.csv").status_code == 404
