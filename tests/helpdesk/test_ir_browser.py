"""Real-browser journey on a phone: an anonymous reporter files a problem with a screenshot, keeps the secret
link, sees the help desk's public reply (never its internal note) and answers it."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts.models import Role
from app.accounts.services import accounts
from app.core.extensions import db
from app.helpdesk.models import Ticket, TicketMessage
from app.helpdesk.services import helpdesk, helpdesk_desk
from tests.test_browser import chromium_page, expect, live_server, sqlite_only  # noqa: F401

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PUBLIC_REPLY = "โปรดออกจากระบบแล้วเข้าใหม่ จากนั้นยื่นซองอีกครั้ง"
INTERNAL_NOTE = "บันทึกภายใน: ตรวจ log ของเซิร์ฟเวอร์ e-bidding แล้ว"


def fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"


def test_an_anonymous_reporter_reports_and_follows_on_a_phone(app, chromium_page):  # noqa: F811
    page = chromium_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    page.click("#ir-online-link")
    expect(page).to_have_url(re.compile(r"/ir/$"))
    page.click("#ir-start-report")
    expect(page.locator("#report-form")).to_be_visible()
    fits_the_phone(page)

    form = page.locator("#report-form")
    form.locator("input[name=reporter_type][value=vendor]").check()
    form.locator("select[name=category_id]").select_option(label="e-bidding")
    form.locator("[name=project_number]").fill("12345")  # a typo first: the form says why and keeps the rest
    form.locator("[name=subject]").fill("ยื่นซองไม่ได้")
    form.locator("[name=description]").fill("กดยื่นซองแล้วขึ้นข้อความ Session expired")
    form.locator("[name=attachments]").set_input_files(
        [{"name": "หน้าจอ.png", "mimeType": "image/png", "buffer": PNG}])
    page.wait_for_timeout(3100)  # a person takes longer than the time trap; a script would not
    form.locator("button[type=submit]").click()
    expect(page.locator("#project_number-errors")).to_be_visible()
    expect(page.locator("[name=subject]")).to_have_value("ยื่นซองไม่ได้")

    form.locator("[name=project_number]").fill("66019123456")
    form.locator("[name=attachments]").set_input_files(
        [{"name": "หน้าจอ.png", "mimeType": "image/png", "buffer": PNG}])
    page.wait_for_timeout(3100)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/ir/sent/IR\d+$"))
    number = page.locator("#ir-number").inner_text().strip()
    link = page.locator("#ir-follow-link").inner_text().strip()
    assert f"/ir/follow/{number}-" in link and link not in page.url
    expect(page.locator("#ir-copy")).to_be_visible()
    fits_the_phone(page)

    # The help desk answers through its own service: one public reply, one internal note.
    db.session.remove()
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    assert ticket.project_number == "66019123456" and ticket.reporter_user_id is None
    ticket_id = ticket.id
    agent = accounts.create_user("agent-browser", "เจ้าหน้าที่ทดสอบ", "secret-pass")
    accounts.grant(agent, helpdesk.helpdesk_agency().id, Role.helpdesk_agent.value)
    helpdesk_desk.reply(agent, ticket, PUBLIC_REPLY)
    helpdesk_desk.add_note(agent, ticket, INTERNAL_NOTE)
    db.session.commit()
    db.session.remove()

    # Bookmarked: the link alone opens the report, no account, no e-mail.
    page.goto(link)
    expect(page.locator("#ir-number")).to_have_text(number)
    expect(page.locator("#ir-conversation")).to_contain_text("Session expired")
    expect(page.locator("#ir-conversation")).to_contain_text(PUBLIC_REPLY)
    expect(page.locator("main")).not_to_contain_text(INTERNAL_NOTE)
    expect(page.locator("#ir-conversation a", has_text="หน้าจอ.png")).to_have_count(1)
    fits_the_phone(page)

    page.fill("#ir-reply-form [name=body]", "ทำตามแล้ว ยื่นซองได้แล้วครับ")
    page.click("#ir-reply-form button[type=submit]")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#ir-conversation li").last).to_contain_text("ทำตามแล้ว ยื่นซองได้แล้วครับ")
    fits_the_phone(page)

    db.session.remove()
    kinds = db.session.scalars(select(TicketMessage.kind).where(TicketMessage.ticket_id == ticket_id)
                               .order_by(TicketMessage.id)).all()
    assert kinds == ["reporter", "public_reply", "internal_note", "reporter"]
    db.session.remove()
