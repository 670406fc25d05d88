"""The administrator creates a department from the screen, in Chromium: the Organisation menu, the form with its
empty choices, a refusal shown next to its field, then the new department in the tree."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.core.extensions import db
from app.org.models import Agency
from tests.test_browser import chromium_page, expect, live_server, open_menu, sign_in, sqlite_only  # noqa: F401


def test_an_administrator_creates_a_department_from_the_screen(chromium_page):  # noqa: F811
    page = chromium_page
    sign_in(page, "admin")
    open_menu(page, "nav-agency-admin").click()
    expect(page).to_have_url(re.compile(r"/agencies/admin/$"))
    expect(page.locator("h1")).to_have_text("จัดการหน่วยงาน")
    page.click("#new-agency")
    expect(page.locator("#kind option:checked")).to_have_text("เลือก…")
    page.select_option("#kind", "department")
    page.select_option("#parent_id", label="(ไม่มี: อยู่ระดับบนสุดของโครงสร้าง)")
    page.fill("#name_th", "กรมส่งเสริมการปกครองท้องถิ่น")
    page.fill("#code", "dla")
    page.click("#agency-form button[type=submit]")
    expect(page.locator("#parent_id-errors")).to_contain_text("อยู่ระดับบนสุดของโครงสร้างไม่ได้")
    page.select_option("#parent_id", label="กระทรวงมหาดไทย")
    page.fill("#name_en", "Department of Local Administration")
    page.fill("#province", "กรุงเทพมหานคร")
    page.click("#agency-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("สร้างกรมส่งเสริมการปกครองท้องถิ่นแล้ว")
    expect(page.locator("h1")).to_contain_text("กรมส่งเสริมการปกครองท้องถิ่น")
    page.goto("/agencies/")
    department = db.session.scalar(select(Agency).where(Agency.code == "dla"))
    moi = db.session.scalar(select(Agency).where(Agency.code == "moi"))
    assert department is not None and department.parent_id == moi.id and department.province == "กรุงเทพมหานคร"
    expect(page.locator(f'#agency-tree [data-agency-id="{department.id}"]')).to_contain_text("กรม")
    db.session.remove()
