"""Every report keeps to the viewer's scope, and reads the same number of statements however many rows."""

from __future__ import annotations

import csv
import io

import pytest

from app.core.extensions import db
from app.manuals.models import Manual
from app.org.models import Agency, AgencyKind
from app.reports.services import snapshot, steps, sums


def _text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return text


def _rows(client, path: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_text(client, path).lstrip("\ufeff"))))


def test_manuals_by_agency_keep_to_the_scope(client, login, demo):
    steps.rebuild()  # the job's monthly sums of the approval steps, and of the manuals
    sums.rebuild()
    db.session.commit()
    login("opdc")
    national = _text(client, "/reports/manuals/export.csv")
    assert "กระทรวงมหาดไทย" in national and "เทศบาลนครนนทบุรี" in national
    rows = _rows(client, "/reports/manuals/export.csv")
    step_one = next(row for row in rows if row and row[0] == "ขั้นที่ 1: หน่วยงานตรวจสอบ")
    assert step_one[1] == "3" and step_one[2] == "1" and step_one[4] == "1"  # 3 reviews within the hour, 1 return
    assert ["เทศบาลนครนนทบุรี", "1", "0", "0", "0"] in rows

    login("central")
    department = _text(client, "/reports/manuals/export.csv")
    assert "กรมการปกครอง (ระดับหน่วยงานเอง)" in department and "เทศบาลนครนนทบุรี" not in department
    login("spoint")
    point = _text(client, "/reports/manuals/export.csv")
    assert "กรมการปกครอง" not in point and "เทศบาลนครนนทบุรี" not in point


@pytest.mark.parametrize("username, key, expected, hidden", [
    ("central", "delays", "เรื่องล่าช้าที่ค้างอยู่", "เทศบาลนครนนทบุรี"),
    ("hd_super", "desk", "IR Online: แยกตามหมวด", "Traceback"),
    ("admin", "operations", "รายการแยกตามกระบวนงานและรุ่น", "manual_revision"),
])
def test_each_report_exports_for_its_viewers(client, login, demo, username, key, expected, hidden):
    snapshot.count()  # the job's count of the engine's state, and its sums
    sums.rebuild()
    db.session.commit()
    login(username)
    page = client.get(f"/reports/{key}").get_data(as_text=True)
    exported = _text(client, f"/reports/{key}/export.csv")
    assert expected in page + exported and hidden not in page and hidden not in exported


def test_the_reports_read_the_same_number_of_statements_however_many_agencies_and_manuals(client, login, demo,
                                                                                           count_queries):
    login("admin")
    keys = ("manuals", "delays", "operations")
    for key in keys:
        client.get(f"/reports/{key}")
    before = {}
    for key in keys:
        with count_queries() as statements:
            assert client.get(f"/reports/{key}").status_code == 200
        before[key] = len(statements)
    dopa = demo.agency("dopa")
    for n in range(4):
        agency = Agency(kind=AgencyKind.department.value, name_th=f"กรมทดสอบ {n}", parent_id=dopa.parent_id)
        db.session.add(agency)
        db.session.flush()
        agency.path, agency.depth = f"/{dopa.parent_id}/{agency.id}/", 1
        db.session.add(Manual(title=f"คู่มือทดสอบ {n}", agency_id=agency.id, status="draft"))
    db.session.commit()
    for key in keys:
        with count_queries() as statements:
            assert client.get(f"/reports/{key}").status_code == 200
        assert len(statements) == before[key], key


def test_the_operations_report_counts_the_backlog_now_and_the_sent_mail_as_the_job_last_counted(client, login, demo):
    from notifications.models import OutboxMessage, OutboxStatus

    db.session.query(OutboxMessage).delete()
    for number, status in enumerate([OutboxStatus.sent] * 3 + [OutboxStatus.skipped] + [OutboxStatus.pending] * 2):
        db.session.add(OutboxMessage(dedup_key=f"ops-{number}", to_address="a@example.org", subject="เรื่อง",
                                     body="ข้อความ", status=status))
    db.session.commit()
    snapshot.count()
    db.session.commit()
    # After the count: one more sent (shown at the next count) and one more waiting (shown at once).
    db.session.add(OutboxMessage(dedup_key="ops-late-sent", subject="เรื่อง", body="", status=OutboxStatus.sent))
    db.session.add(OutboxMessage(dedup_key="ops-late-waiting", subject="เรื่อง", body="", status=OutboxStatus.pending))
    db.session.commit()
    login("admin")
    rows = dict(row[:2] for row in csv.reader(io.StringIO(_text(client, "/reports/operations/export.csv"))) if len(row) > 1)
    page = client.get("/reports/operations").get_data(as_text=True)
    assert "ส่งแล้ว" in page
    assert rows.get("ส่งแล้ว") == "3" and rows.get("รอส่ง") == "3", rows
