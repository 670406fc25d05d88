"""A newcomer's whole path with citizen manuals, on each database.

Import the shipped legacy sample → an author adds a revision with steps, documents and fees → the
agency reviewer sees the field-by-field diff and approves → OPDC sees it too and approves → a
citizen finds the manual by a common name typed without word breaks, reads it, and opens the
service point that provides it (through the HTTP pages here, in a real browser below).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.accounts.services import accounts
from app.core.extensions import db
from app.manuals.models import Manual
from app.org.models import Agency
from tests.helpers import editor_post, open_task, revisions_of
from tests.legacy.test_legacy_import import SAMPLE
from tests.test_browser import chromium_page, expect, live_server, sqlite_only  # noqa: F401 (fixtures)

TITLE = "การขอรับใบอนุญาตขับรถยนต์ส่วนบุคคลชั่วคราว"  # M-DL-TEMP in the sample
COMMON_NAME_TYPED = "ใบขับขี่ครั้งแรก"  # part of the common name "ทำใบขับขี่ครั้งแรก", no spaces

# The author's revision: two steps, two documents, a fee instead of the imported ones.
REVISION = {
    "title": TITLE,
    "common_names-0": "ทำใบขับขี่ครั้งแรก",
    "common_names-1": "สอบใบขับขี่",
    "tags-0": "ใบขับขี่",
    "criteria": "ผู้ขอต้องมีอายุไม่ต่ำกว่า 18 ปีบริบูรณ์ และผ่านการอบรม 5 ชั่วโมง",
    "steps-0-title": "ยื่นคำขอและตรวจเอกสาร",
    "steps-0-description": "",
    "steps-0-duration": "15",
    "steps-0-duration_unit": "minutes",
    "steps-0-unit": "งานใบอนุญาต",
    "steps-1-title": "ทดสอบสมรรถภาพและขับรถ",
    "steps-1-description": "ทดสอบตาบอดสี สายตาทางกว้าง และการขับรถในสนาม",
    "steps-1-duration": "3",
    "steps-1-duration_unit": "hours",
    "steps-1-unit": "งานทดสอบ",
    "total_time_value": "",
    "total_time_unit": "minutes",
    "documents-0-name": "บัตรประจำตัวประชาชน",
    "documents-0-issuer": "กรมการปกครอง",
    "documents-0-originals": "1",
    "documents-0-copies": "1",
    "documents-1-name": "ใบรับรองแพทย์ (ออกไม่เกิน 1 เดือน)",
    "documents-1-issuer": "สถานพยาบาล",
    "documents-1-originals": "1",
    "documents-1-copies": "0",
    "fees-0-description": "ค่าธรรมเนียมใบอนุญาตขับรถยนต์ชั่วคราว",
    "fees-0-amount": "155",
    "channels-0-place": "สำนักงานขนส่งจังหวัดทุกแห่ง",
    "channels-0-hours": "จันทร์–ศุกร์ 08:30–16:30 น.",
    "complaint_channels-0-channel": "สายด่วนกรมการขนส่งทางบก",
    "complaint_channels-0-detail": "1584",
    "change_note": "ปรับค่าธรรมเนียมและเพิ่มใบรับรองแพทย์",
}


def _import_sample(app):
    result = app.test_cli_runner().invoke(args=["import", "legacy", str(SAMPLE)])
    assert result.exit_code == 0, (result.output, result.exception)
    db.session.expire_all()
    return result.output


def _people_of_the_department():
    """An author and a reviewer of the imported department, as its central officer would make them."""
    department = db.session.scalar(select(Agency).where(Agency.legacy_ref == "DLT"))
    for username, role in (("dlt_author", Role.manual_author), ("dlt_reviewer", Role.manual_reviewer)):
        user = accounts.create_user(username, username, "secret-pass")
        accounts.grant(user, department.id, role.value)
    db.session.commit()


def _walk_to_publication(app, client, login):
    """Every back-office step of the journey; returns the published manual."""
    output = _import_sample(app)
    assert "ไม่นำเข้า agencies.csv บรรทัดที่ 12" in output  # the sample carries bad records on purpose
    _people_of_the_department()
    manual = db.session.scalar(select(Manual).where(Manual.legacy_ref == "M-DL-TEMP"))
    assert manual.status == "published" and manual.published_revision.title == TITLE
    imported = manual.published_revision

    # The author adds a revision (a draft copied from the published one) and edits it.
    login("dlt_author")
    assert TITLE in client.get("/manuals/").get_data(as_text=True)
    assert client.post(f"/manuals/{manual.id}/revisions").status_code == 302
    editor = client.get(f"/manuals/{manual.id}/draft").get_data(as_text=True)
    assert imported.content["criteria"][:20] in editor  # the copy starts from what is published
    response = editor_post(client, manual, action="submit", **REVISION)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert "ขั้นที่ 1" in client.get("/manuals/").get_data(as_text=True)

    # The agency reviewer sees what changed against the published revision, field by field.
    login("dlt_reviewer")
    task = open_task(manual)
    assert task.spec_name == "review_agency"
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    table = page.split('id="changes-vs-published"')[1].split("</table>")[0]
    changes = set(re.findall(r'<tr data-key="([^"]+)"', table))
    assert {key.split(".")[0] for key in changes} >= {"steps", "documents", "fees"}, changes
    # Each row says how it changed, in words and in colour.
    rows = re.findall(r'data-kind="(\w+)" class="([^"]*)">\s*<th scope="row">[^<]*<span class="badge[^"]*">([^<]+)</span>', table)
    assert len(rows) == len(changes)
    shown = {"added": ("table-success", "เพิ่ม"), "removed": ("table-danger", "ลบ"), "changed": ("", "แก้ไข")}
    assert all(shown[kind] == (style, label) for kind, style, label in rows), rows
    assert "<ins>ใบรับรองแพทย์ (ออกไม่เกิน 1 เดือน)" in page
    assert client.post(f"/tasks/{task.id}", data={"decision": "approve"}).status_code == 302

    # OPDC sees the same diff, and that nothing changed since step 1.
    login("opdc")
    task = open_task(manual)
    assert task.spec_name == "review_opdc"
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="changes-vs-published"' in page and 'id="changes-since-step-one"' in page
    assert client.post(f"/tasks/{task.id}", data={"decision": "approve"}).status_code == 302

    db.session.expire_all()
    assert manual.status == "published"
    assert [r.status for r in revisions_of(manual)][-2:] == ["superseded", "published"]
    assert manual.published_revision.content["fees"][0]["amount"] == "155.00"  # money is kept exact
    client.post("/logout")
    return manual


def test_import_edit_review_approve_then_a_citizen_finds_and_reads_it(app, client, login, demo):
    manual = _walk_to_publication(app, client, login)

    page = client.get("/search", query_string={"q": COMMON_NAME_TYPED}).get_data(as_text=True)
    assert f'href="/services/m/{manual.id}"' in page
    reading = client.get(f"/services/m/{manual.id}").get_data(as_text=True)
    for text in ("ทดสอบสมรรถภาพและขับรถ", "ใบรับรองแพทย์ (ออกไม่เกิน 1 เดือน)", "155", "สำนักงานขนส่งจังหวัดเชียงใหม่"):
        assert text in reading, text
    chiang_mai = db.session.scalar(select(Agency).where(Agency.legacy_ref == "DLT-CM"))
    place = client.get(f"/places/{chiang_mai.id}").get_data(as_text=True)
    assert TITLE in place and "จันทร์–ศุกร์ 08:30–16:30 น." in place


@pytest.mark.every_database
def test_the_search_and_read_journey_in_a_browser(app, client, login, demo, request):
    """The citizen's part in Chromium, on SQLite and PostgreSQL alike."""
    manual_id = _walk_to_publication(app, client, login).id
    chiang_mai_id = db.session.scalar(select(Agency.id).where(Agency.legacy_ref == "DLT-CM"))
    page = request.getfixturevalue("chromium_page")  # the server starts once the back office is done

    page.goto("/")
    page.get_by_label("คุณต้องการค้นหาบริการใด").fill(COMMON_NAME_TYPED)
    page.keyboard.press("Enter")
    result = page.locator("#results .result").filter(has_text=TITLE)
    expect(result).to_have_count(1)
    expect(result.locator("mark").first).to_have_text(COMMON_NAME_TYPED)
    result.get_by_role("link", name=TITLE).click()

    expect(page).to_have_url(re.compile(rf"/services/m/{manual_id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("#step-list li")).to_have_count(2)
    expect(page.locator("#total-time")).to_contain_text("3 ชั่วโมง 15 นาที")
    page.locator("#place-list").get_by_role("link", name="สำนักงานขนส่งจังหวัดเชียงใหม่").click()

    expect(page).to_have_url(re.compile(rf"/places/{chiang_mai_id}$"))
    expect(page.locator("#place-services")).to_contain_text(TITLE)
