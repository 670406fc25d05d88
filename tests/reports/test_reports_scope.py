"""Each report's scope, drill-down and exports: a point officer sees their point, a central officer their
department's subtree, OPDC everything; the CSV and the XLSX read back with Thai text, numbers and no formula."""

from __future__ import annotations

import csv
import io
import re

import openpyxl

from app.reports.services import tallies
from tests.reports.conftest import FORMULA


def _csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def _received(rows: list[list[str]]) -> int:
    """The "Received" figure of the summary (the first lines of the export)."""
    return int(next(row[1] for row in rows if row and row[0] == "รับคำขอ"))


def _agency_rows(rows: list[list[str]]) -> dict[str, list[str]]:
    start = next(i for i, row in enumerate(rows) if row == ["แยกตามหน่วยงาน"])
    table = []
    for row in rows[start + 2:]:
        if not row:
            break
        table.append(row)
    return {row[0]: row[1:] for row in table}


def test_each_viewer_sees_the_licence_figures_of_their_scope(client, login, demo, figures):
    login("opdc")
    national = _csv(client.get("/reports/licences/export.csv"))
    assert national[0][0] == "การออกใบอนุญาต" and _received(national) == 36
    by_agency = _agency_rows(national)
    assert by_agency["กระทรวงมหาดไทย"][:4] == ["29", "21", "3", "5"] and by_agency["เทศบาลนครนนทบุรี"][0] == "7"

    login("central")
    department = _csv(client.get("/reports/licences/export.csv"))
    assert _received(department) == 29
    assert set(_agency_rows(department)) == {"ที่ว่าการอำเภอเมืองนนทบุรี", "ที่ว่าการอำเภอปากเกร็ด"}
    assert "เทศบาลนครนนทบุรี" not in client.get("/reports/licences").get_data(as_text=True)
    assert client.get(f"/reports/licences?agency={demo.agency('nakhon_nont').id}").status_code == 404

    login("spoint")
    point = _csv(client.get("/reports/licences/export.csv"))
    assert _received(point) == 24 and set(_agency_rows(point)) == {"ที่ว่าการอำเภอเมืองนนทบุรี"}
    assert client.get(f"/reports/licences?agency={demo.agency('sp_pakkret').id}").status_code == 404
    assert client.get(f"/reports/licences?agency={demo.agency('dopa').id}").status_code == 404


def test_a_bar_drills_to_the_next_level_and_then_to_the_list_behind_it(client, login, demo, figures):
    login("opdc")
    page = client.get("/reports/licences?fy=" + str(figures.starts_on.year + 543 + (figures.month >= 10)))
    html = page.get_data(as_text=True)
    ministry = demo.agency("moi").id
    assert re.search(rf'href="/reports/licences\?[^"]*agency={ministry}"', html)
    assert '"links": ["/reports/licences?' in html or "/reports/licences?" in html  # the chart's bars link too
    html = client.get(f"/reports/licences?agency={ministry}").get_data(as_text=True)
    department = demo.agency("dopa").id
    assert f"agency={department}" in html and "กรมการปกครอง" in html
    html = client.get(f"/reports/licences?agency={department}").get_data(as_text=True)
    point = demo.agency("sp_muang").id
    assert f"agency={point}" in html
    html = client.get(f"/reports/licences?agency={point}").get_data(as_text=True)
    assert f"/licensing/{figures.year}/{figures.month}/points/{point}" in html  # the point's own sheet
    assert 'data-drill="list"' in html


def test_exports_read_back_with_thai_text_numbers_and_no_formula(client, login, demo, figures):
    login("opdc")
    rows = _csv(client.get("/reports/licences/export.csv"))
    assert ["'" + FORMULA, "7", "7", "0", "0"] in rows
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)

    response = client.get("/reports/licences/export.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames[0] == "ตัวเลขสรุป" and "แยกตามหน่วยงาน" in book.sheetnames
    agencies = list(book["แยกตามหน่วยงาน"].iter_rows(values_only=True))
    assert agencies[0][:2] == ("หน่วยงาน", "รับคำขอ")
    assert ("กระทรวงมหาดไทย", 29, 21, 3, 5) in agencies  # numbers stay numbers
    by_process = book["แยกตามกระบวนงาน"]
    cells = [row[0] for row in by_process.iter_rows(min_row=2)]
    risky = next(cell for cell in cells if cell.value == FORMULA)
    assert risky.data_type == "s"  # text, never a formula


def test_the_report_page_reads_the_same_number_of_statements_however_many_agencies(client, login, demo, figures,
                                                                                  count_queries):
    from app.core.extensions import db
    from app.licensing.models import LicenceReport
    from app.org.models import Agency, AgencyKind

    login("opdc")
    client.get("/reports/licences")
    with count_queries() as before:
        assert client.get("/reports/licences").status_code == 200
    dopa = demo.agency("dopa")
    for n in range(5):
        point = Agency(kind=AgencyKind.service_point.value, name_th=f"จุดบริการทดสอบ {n}", parent_id=dopa.id,
                       province="นนทบุรี")
        db.session.add(point)
        db.session.flush()
        point.path = f"{dopa.path}{point.id}/"
        point.depth = dopa.depth + 1
        db.session.add(LicenceReport(period_id=figures.id, agency_id=point.id,
                                     process_id=db.session.scalar(db.select(LicenceReport.process_id).limit(1)),
                                     received=1, approved=1, refused=0, pending=0))
    tallies.refresh()
    db.session.commit()
    with count_queries() as after:
        assert client.get("/reports/licences").status_code == 200
    assert len(after) == len(before)


def test_central_officers_export_their_departments_delay_register_in_thai(client, login, demo):
    login("central")
    response = client.get("/delays/register.csv")
    assert response.status_code == 200
    rows = _csv(response)
    assert rows[0][:2] == ["ออกเมื่อ", "หน่วยงาน"]
    login("spoint")
    assert client.get("/delays/register.csv").status_code == 403


def test_bad_filters_are_refused_in_thai(client, login, demo):
    login("opdc")
    for query in ("fy=abc", "fy=1999", "month=13", "agency=x", "process=%3Cscript%3E"):
        response = client.get(f"/reports/licences?{query}")
        assert response.status_code == 400, query
    assert client.get("/reports/licences?agency=999999").status_code == 404
    assert client.get("/reports/nothing").status_code == 404


def test_the_province_table_is_each_provinces_sum_of_the_rows(app, demo, figures):
    """Each province once, with the sum of its points' rows: a point without a province under "no province", a
    province typed with spaces around it under the province itself."""
    from app.core.extensions import db
    from app.licensing.models import LicenceReport
    from app.org.models import Agency
    from app.reports.services import licences
    from app.reports.services.base import Filters, fiscal_year_of, resolve_scope

    demo.agency("sp_pakkret").province = None
    demo.agency("nakhon_nont").province = "  นนทบุรี "
    db.session.flush()
    tallies.rebuild()
    expected: dict[str, int] = {}
    for province, received in db.session.execute(db.select(Agency.province, LicenceReport.received).join(
            Agency, Agency.id == LicenceReport.agency_id).where(LicenceReport.period_id == figures.id)):
        key = (province or "").strip()
        expected[key] = expected.get(key, 0) + received
    with app.test_request_context():
        filters = Filters(fiscal_year_of(figures.starts_on), month=figures.month)
        table = next(t for t in licences.report(filters, resolve_scope(["/"], None)).tables if t.key == "provinces")
        shown = {row.label: row.values[0] for row in table.rows}
    assert shown == {("ไม่ระบุจังหวัด" if key == "" else key): value for key, value in expected.items()}
    assert len(table.rows) == len(shown)
