"""Accounts end to end in a real browser: tokens, Digital ID first sign-in, refresh, role change, removal.

The administrator issues a central-officer token; a new person signs in through the test OpenID
Connect provider, enters it, and lands as central officer; they issue a manual-reviewer token and
refresh it; the first token is refused while the second works for a second person; the central
officer changes that person's role and then removes them — each step in the person's history.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.accounts.models import Membership, RoleToken, User
from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.org.models import Agency
from tests.test_browser import chromium_page, expect, live_server, open_menu, sign_in, sqlite_only  # noqa: F401

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py


def _sign_out(page) -> None:
    page.get_by_role("button", name="ออกจากระบบ").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def _digital_id_sign_in(page, oidc_provider, username: str) -> None:
    page.goto("/login")
    page.click("#digital-id-sign-in")
    expect(page).to_have_url(re.compile(re.escape(oidc_provider.issuer) + r"/authorize\?"))
    page.fill("#username", username)
    page.fill("#password", "provider-pass")
    page.click("button[name=signin]")


def _issue(page, role: str, agency_id: int) -> str:
    page.goto("/admin/tokens")
    page.select_option("#role", role)
    page.select_option("#agency_id", str(agency_id))
    page.get_by_role("button", name="ออกโทเค็น").click()
    expect(page.locator("#new-token-panel")).to_be_visible()
    return page.locator("#new-token").inner_text().strip()


def _redeem(page, token: str) -> None:
    expect(page).to_have_url(re.compile(r"/welcome/token$"))
    page.fill("#token", token)
    page.get_by_role("button", name="ดำเนินการต่อ").click()


@pytest.mark.every_database
def test_tokens_first_sign_in_refresh_role_change_and_removal(demo, digital_id, oidc_provider, live_server,  # noqa: F811
                                                             chromium_page):  # noqa: F811 (fixtures)
    page = chromium_page
    digital_id.allow_base_url(live_server)
    oidc_provider.add_person("wanna", "provider-pass", sub="sub-wanna", given_name="วรรณา", family_name="ศรีสุข",
                             email="wanna@example.go.th")
    oidc_provider.add_person("preecha", "provider-pass", sub="sub-preecha", given_name="ปรีชา",
                             family_name="มั่นคง", email="preecha@example.go.th")
    dopa_id = db.session.scalar(select(Agency.id).where(Agency.code == "dopa"))
    db.session.remove()

    # The administrator issues a central-officer token for the department.
    sign_in(page, "admin")
    central_token = _issue(page, "central_officer", dopa_id)
    page.reload()
    expect(page.locator("#new-token")).to_have_count(0)  # shown once only, and a reload issues nothing
    _sign_out(page)

    # A new person signs in with Digital ID, is asked for the token, and lands as central officer.
    _digital_id_sign_in(page, oidc_provider, "wanna")
    _redeem(page, central_token)
    expect(page).to_have_url(re.compile(r"/tasks/$"))
    expect(page.locator("#nav-tokens")).to_have_count(1)

    # They issue a manual-reviewer token, then refresh it: the first stops working at once.
    first = _issue(page, "manual_reviewer", dopa_id)
    page.locator("#token-list tbody tr", has_text="เจ้าหน้าที่รีวิวคู่มือ").first.get_by_role("button", name="ออกใหม่").click()
    expect(page.locator("#new-token-panel")).to_be_visible()
    second = page.locator("#new-token").inner_text().strip()
    assert second != first
    _sign_out(page)

    _digital_id_sign_in(page, oidc_provider, "preecha")
    _redeem(page, first)
    expect(page.locator("main")).to_contain_text("ถูกแทนที่ด้วยโทเค็นใหม่แล้ว")
    _redeem(page, second)
    expect(page).to_have_url(re.compile(r"/tasks/$"))
    _sign_out(page)

    # The central officer (straight in this time) changes that person's role, then removes them.
    _digital_id_sign_in(page, oidc_provider, "wanna")
    expect(page).to_have_url(re.compile(r"/tasks/$"))
    open_menu(page, "nav-users").click()
    page.fill("#q", "ปรีชา")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="ปรีชา มั่นคง").click()
    membership = page.locator("#memberships tbody tr").first
    membership.locator("select").select_option("manual_author")
    membership.get_by_role("button", name="เปลี่ยนบทบาท").click()
    expect(page.locator("#memberships")).to_contain_text("เจ้าหน้าที่จัดทำคู่มือ")
    author_row = page.locator("#memberships tbody tr", has_text="เจ้าหน้าที่จัดทำคู่มือ").filter(has_text="ปัจจุบัน")
    author_row.locator("summary").click()
    author_row.get_by_role("button", name="ยืนยัน นำออก").click()
    expect(page.locator("#memberships tbody tr", has_text="เจ้าหน้าที่จัดทำคู่มือ")).to_contain_text("นำออกแล้ว")

    history = page.locator("#account-history")
    for action in ("role_token.redeemed", "membership.role_changed", "membership.removed"):
        expect(history.locator(f'tr[data-action="{action}"]')).to_have_count(1)

    db.session.remove()
    preecha = db.session.scalar(select(User).where(User.oidc_subject == "sub-preecha"))
    assert not any(m.active for m in db.session.scalars(select(Membership).where(Membership.user_id == preecha.id)))
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "role_token.refreshed")) is not None
    assert db.session.scalar(select(func.count()).select_from(RoleToken)
                             .where(RoleToken.role == "central_officer")) == 1  # the reload issued nothing
