"""IR Online, the reporter's side over HTTP once a report is answered: confirming, reopening (a closed report opens a
linked one) and rating; signed in, the report form prefilled and My reports."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.core.extensions import db
from app.helpdesk.models import Ticket, TicketStatus
from app.helpdesk.services import helpdesk, helpdesk_desk, helpdesk_intake
from tests.helpdesk.test_ir_reports import agent, category_id, filed, triaged_and_resolved, verified_reporter
from tests.helpers import th

# --- resolution: confirm, reopen, rate -----------------------------------------------------------------------------


def test_resolved_confirmed_then_rated(app, client):
    ticket, path = filed(client)
    staff = agent()
    triaged_and_resolved(ticket, staff)
    page = client.get(path).get_data(as_text=True)
    assert 'id="ir-confirm-form"' in page and 'id="ir-reopen-form"' in page and 'id="ir-rate-form"' not in page

    assert client.post(f"{path}/confirm").status_code == 303
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == TicketStatus.closed
    page = client.get(path).get_data(as_text=True)
    assert 'id="ir-rate-form"' in page and 'id="ir-reply-form"' not in page

    refused = client.post(f"{path}/rate", data={"rating": "9"})
    assert refused.status_code == 422
    assert client.post(f"{path}/rate", data={"rating": "5", "comment": "รวดเร็วมาก"}).status_code == 303
    db.session.expire_all()
    rated = db.session.get(Ticket, ticket.id)
    assert rated.rating == 5 and rated.rating_comment == "รวดเร็วมาก"
    assert 'id="ir-rating"' in client.get(path).get_data(as_text=True)
    # Once only.
    again = client.post(f"{path}/rate", data={"rating": "1"})
    assert again.status_code == 409
    assert th("This report has already been rated. Thank you.") in again.get_data(as_text=True)


def test_reopen_needs_a_reason_and_after_closing_opens_a_linked_report(app, client):
    ticket, path = filed(client)
    staff = agent()
    triaged_and_resolved(ticket, staff)
    empty = client.post(f"{path}/reopen", data={"reason": "  "})
    assert empty.status_code == 422 and th("Tell us why the problem is not solved.") in empty.get_data(as_text=True)

    assert client.post(f"{path}/reopen", data={"reason": "ยังเข้าระบบไม่ได้"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == TicketStatus.in_progress

    helpdesk_desk.resolve(staff, db.session.get(Ticket, ticket.id), "แก้ไขอีกครั้งแล้ว")
    db.session.commit()
    client.post(f"{path}/confirm")
    response = client.post(f"{path}/reopen", data={"reason": "ปัญหากลับมาอีก"})
    assert response.status_code == 303
    db.session.expire_all()
    new = db.session.scalar(select(Ticket).where(Ticket.reopened_from_id == ticket.id))
    assert response.headers["Location"].endswith(f"/ir/follow/{helpdesk.follow_up_token(new)}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert new.number in page and "ปัญหากลับมาอีก" in page


# --- signed in -------------------------------------------------------------------------------------------------------


def test_signed_in_reporter_form_is_prefilled_and_the_report_is_theirs(app, client, login):
    user = verified_reporter()
    login(user.username, "a-long-password")
    page = client.get("/ir/new").get_data(as_text=True)
    assert 'value="reporter@vendor.example"' in page and 'value="สมหญิง ผู้ค้า"' in page
    assert re.search(r'value="vendor"[^>]*checked|checked[^>]*value="vendor"', page)
    assert 'id="ir-signed-in-note"' in page

    ticket, path = filed(client, reporter_type="vendor", contact_email="reporter@vendor.example")
    assert ticket.reporter_user_id == user.id
    mine = client.get("/ir/mine").get_data(as_text=True)
    assert ticket.number in mine and helpdesk.follow_up_token(ticket) in mine
    assert client.get(path).status_code == 200


def test_my_reports_pages_with_a_fixed_number_of_queries(app, client, login, count_queries):
    user = verified_reporter()
    someone_else = verified_reporter("other@example.com", "คนอื่น")

    def add(count, owner):
        for number in range(count):
            helpdesk_intake.report(helpdesk_intake.ReportInput(reporter_type="vendor", category_id=category_id(),
                                                 subject=f"เรื่องที่ {number}", description="รายละเอียด"), owner)
        db.session.commit()

    add(3, user)
    add(2, someone_else)
    login(user.username, "a-long-password")
    db.session.expire_all()  # the requests share this session: start each count from nothing loaded
    with count_queries() as few:
        page = client.get("/ir/mine").get_data(as_text=True)
    assert page.count('class="list-group-item"') == 3 and "other@example.com" not in page
    add(22, user)
    db.session.expire_all()
    with count_queries() as many:
        page = client.get("/ir/mine").get_data(as_text=True)
    assert page.count('class="list-group-item"') == 20
    assert len(many) == len(few)
    second = client.get("/ir/mine?page=2").get_data(as_text=True)
    assert second.count('class="list-group-item"') == 5


def test_my_reports_asks_to_sign_in_and_is_for_reporters_only(app, client, login, demo):
    response = client.get("/ir/mine")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login("author")
    assert client.get("/ir/mine").status_code == 404


def test_a_phone_number_typed_in_thai_digits_is_kept_in_arabic_digits(app, client):
    ticket, _path = filed(client, contact_phone="๐๘๑-๒๓๔-๕๖๗๘")
    assert ticket.contact_phone == "081-234-5678"
