"""IR Online, the reporter's side over HTTP: the report form, its spam traps and limits, the follow-up page.
Confirming, reopening, rating and My reports: ``test_ir_resolution_and_mine.py``."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.accounts.services import accounts
from app.core.extensions import db
from app.helpdesk.models import Ticket, TicketAttachment, TicketMessage, TicketStatus
from app.helpdesk.services import helpdesk, helpdesk_desk, reporter_accounts
from notifications.models import OutboxMessage
from tests.helpers import answer, stamp, th

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64
PUBLIC_REPLY = "โปรดล้างแคชของเบราว์เซอร์แล้วลองใหม่"
INTERNAL_NOTE = "บันทึกภายใน: ผู้แจ้งรายนี้เคยแจ้งเรื่องเดียวกันมาแล้ว"
SENT = re.compile(r"/ir/sent/(IR\d+)$")
FOLLOW = re.compile(r'id="ir-follow-link">(http://localhost(/ir/follow/[^<"]+))<')


def category_id() -> int:
    return helpdesk.categories()[0].id


def report_data(**overrides) -> dict:
    return {"reporter_type": "public", "category_id": str(category_id()), "project_number": "",
            "subject": "ระบบแจ้งข้อผิดพลาดเมื่อยื่นซอง", "description": "กดปุ่มยื่นซองแล้วหน้าจอค้าง",
            "contact_name": "", "contact_email": "", "contact_phone": "", "started": stamp(), "website": ""
            } | overrides


def send_report(client, files=(), **overrides):
    data = report_data(**overrides)
    data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/ir/new", data=data, content_type="multipart/form-data")


def tickets() -> int:
    return db.session.scalar(select(func.count()).select_from(Ticket))


def nothing_saved() -> None:
    db.session.expire_all()
    assert tickets() == 0
    assert db.session.scalar(select(func.count()).select_from(TicketAttachment)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def filed(client, files=(), **overrides) -> tuple[Ticket, str]:
    """Report over HTTP; returns the ticket and the follow-up page's path, as the confirmation page shows it."""
    response = send_report(client, files, **overrides)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    number = SENT.search(response.headers["Location"]).group(1)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    path = FOLLOW.search(page).group(2)
    db.session.expire_all()
    return db.session.scalar(select(Ticket).where(Ticket.number == number)), path


def agent() -> User:
    user = accounts.create_user("agent1", "เจ้าหน้าที่ ช่วยเหลือ", "secret-pass", email="agent1@cgd.example")
    accounts.grant(user, helpdesk.helpdesk_agency().id, Role.helpdesk_supervisor.value)
    db.session.commit()
    return user


def verified_reporter(email="reporter@vendor.example", name="สมหญิง ผู้ค้า") -> User:
    user = reporter_accounts.sign_up(reporter_accounts.SignupInput(
        display_name=name, email=email, password="a-long-password", reporter_type="vendor",
        organisation="บริษัท ตัวอย่าง จำกัด"))
    profile = db.session.get(reporter_accounts.ReporterProfile, user.id)
    profile.verify_token_hash = None
    user.active, user.email_verified_at = True, reporter_accounts.utcnow()
    db.session.commit()
    return user


# --- the anonymous journey ---------------------------------------------------------------------------------------


def test_anonymous_report_follow_reply_and_download(app, client):
    form = client.get("/ir/new").get_data(as_text=True)
    assert 'name="started"' in form and 'name="website"' in form and "การลงทะเบียน" in form

    ticket, path = filed(client, files=[("หน้าจอ.png", PNG), ("เอกสาร.pdf", PDF)],
                         project_number="6601 9123456")
    assert ticket.reporter_user_id is None and ticket.contact_email is None
    assert ticket.project_number == "66019123456" and ticket.status == TicketStatus.new
    assert path.endswith(helpdesk.follow_up_token(ticket))

    # The link is shown once; the page's own address never carries it.
    again = client.get(f"/ir/sent/{ticket.number}").get_data(as_text=True)
    assert ticket.number in again and "/ir/follow/" not in again and 'id="ir-link-shown"' in again

    page = client.get(path).get_data(as_text=True)
    assert ticket.subject in page and "กดปุ่มยื่นซองแล้วหน้าจอค้าง" in page
    assert "รับเรื่องแล้ว รอคัดกรอง" in page  # the status, as the reporter reads it
    files = re.findall(r'href="(/ir/follow/[^"]+/files/\d+)"', page)
    assert len(files) == 2
    download = client.get(files[0])
    assert download.status_code == 200 and download.data == PNG and download.mimetype == "image/png"

    staff = agent()
    helpdesk_desk.reply(staff, ticket, PUBLIC_REPLY)
    helpdesk_desk.add_note(staff, ticket, INTERNAL_NOTE, files=[("note.pdf", PDF)])
    db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert PUBLIC_REPLY in page
    assert INTERNAL_NOTE not in page and "note.pdf" not in page
    note_file = db.session.scalar(select(TicketAttachment.id).where(TicketAttachment.filename == "note.pdf"))
    assert client.get(f"{path}/files/{note_file}").status_code == 404

    response = client.post(f"{path}/reply", data={"body": "ลองแล้ว ยังค้างอยู่",
                                                  "attachments": [(io.BytesIO(PNG), "อีกภาพ.png")]},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get(path).get_data(as_text=True)
    assert "ลองแล้ว ยังค้างอยู่" in page and "อีกภาพ.png" in page
    assert th("Your message was sent.") in page


def test_a_wrong_link_looks_like_a_missing_report(app, client):
    ticket, path = filed(client)
    token = helpdesk.follow_up_token(ticket)
    pages = []
    for asked in (f"{token[:-4]}AAAA", "IR9999999-" + token.split("-", 1)[1], "nothing-like-a-token"):
        response = client.get(f"/ir/follow/{asked}")
        assert response.status_code == 404
        pages.append(response.get_data(as_text=True).replace(asked, "…"))  # the language switch names the page
    assert pages[0] == pages[1] == pages[2]
    assert ticket.subject not in pages[0]
    # Nor does a wrong link reach the files or the actions.
    assert client.post(f"/ir/follow/{token[:-4]}AAAA/reply", data={"body": "x"}).status_code == 404
    assert client.get(f"/ir/follow/{token[:-4]}AAAA/files/1").status_code == 404
    # The landing page's box takes the whole pasted link.
    opened = client.get("/ir/follow", query_string={"link": f"http://localhost{path}"})
    assert opened.status_code == 302 and opened.headers["Location"].endswith(path)


def test_with_an_address_the_receipt_carries_the_link(app, client):
    ticket, path = filed(client, contact_email="nid@example.com", contact_name="นิด")
    [row] = db.session.scalars(select(OutboxMessage)).all()
    assert row.to_address == "nid@example.com" and f"http://localhost{path}" in row.body


def test_without_contact_the_confirmation_says_the_link_is_the_only_way(app, client):
    response = send_report(client)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert th("You gave no e-mail address: this link is the only way to follow the report.") in page
    assert 'data-copy-target="#ir-follow-link"' in page


def triaged_and_resolved(ticket: Ticket, staff: User) -> None:
    task = helpdesk_desk.triage_task(ticket)
    answer(task, staff, category_id=str(ticket.category_id), priority="normal", assignee_id=str(staff.id),
           team_id="0")
    db.session.refresh(ticket)
    helpdesk_desk.resolve(staff, ticket, "แก้ไขแล้ว โปรดลองอีกครั้ง")
    db.session.commit()


# --- bad input: a clear message and nothing saved ----------------------------------------------------------------


@pytest.mark.parametrize("overrides, message", [
    ({"project_number": "123456789"}, "The e-GP project number has 11 digits (for example 66019123456). "
                                      "Leave it empty if you do not have one."),
    ({"subject": ""}, "Enter a short subject."),
    ({"description": ""}, "Describe the problem."),
    ({"category_id": "999999"}, "Not a valid choice."),
    ({"reporter_type": "alien"}, "Not a valid choice."),
    ({"contact_email": "nid-at-example"}, "Enter a valid e-mail address."),
    ({"contact_phone": "call me"}, "Enter a valid phone number."),
])
def test_bad_fields_are_explained_and_nothing_is_saved(app, client, overrides, message):
    response = send_report(client, files=[("a.png", PNG)], **overrides)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    if message != "Not a valid choice.":
        assert th(message) in text
    assert th("Nothing was sent. Correct the highlighted fields.") in text
    nothing_saved()


def test_files_are_checked_by_content_count_and_size(app, client, monkeypatch):
    response = send_report(client, files=[("ok.png", PNG), ("photo.png", b"GIF89a not really a png")])
    assert response.status_code == 422
    assert th("%(name)s is not a PDF, PNG or JPEG file.", name="photo.png") in response.get_data(as_text=True)
    nothing_saved()

    response = send_report(client, files=[(f"{n}.png", PNG) for n in range(6)])
    assert response.status_code == 422
    assert th("At most %(count)d files can be attached; you chose %(chosen)d.", count=5, chosen=6) \
        in response.get_data(as_text=True)
    nothing_saved()

    monkeypatch.setitem(app.config, "HELPDESK_MAX_ATTACHMENT_BYTES", 1024)
    response = send_report(client, files=[("big.pdf", PDF + b"0" * 2048)])
    assert response.status_code == 422
    assert th("The file %(name)s is too large: at most %(size)s MB.", name="big.pdf", size=0.0) \
        in response.get_data(as_text=True)
    nothing_saved()

    # Past every cap together, the request itself is refused before anything is read.
    response = send_report(client, files=[("huge.pdf", PDF + b"0" * (5 * 1024 + 70 * 1024))])
    assert response.status_code == 413
    assert th("What you sent is too large: at most %(count)d files of %(size)s MB each. Nothing was saved; go "
              "back and attach fewer or smaller files.", count=5, size=0.0) in response.get_data(as_text=True)
    nothing_saved()


@pytest.mark.parametrize("overrides, reason", [
    ({"started": "later"}, "stale"),
    ({"website": "http://cheap-pills.example"}, "honeypot"),
])
def test_spam_traps_refuse_the_report(app, client, overrides, reason):
    from forms.ir_online import SPAM_MESSAGES

    response = send_report(client, **overrides)
    assert response.status_code == 422
    assert th(str(SPAM_MESSAGES[reason]._args[0])) in response.get_data(as_text=True)
    nothing_saved()


def test_the_time_trap_refuses_a_form_sent_within_seconds(app, client):
    from forms.ir_online import SPAM_MESSAGES

    response = send_report(client, started=stamp(seconds_ago=1))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert th(str(SPAM_MESSAGES["too_fast"]._args[0])) in text
    assert "ระบบแจ้งข้อผิดพลาดเมื่อยื่นซอง" in text  # what was typed is kept
    nothing_saved()
    # The form comes back stamped anew: sent again a little later, it goes through.
    assert send_report(client, started=stamp(seconds_ago=4)).status_code == 302


def test_reports_are_rate_limited(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_IR_REPORT", "2 per hour")
    assert send_report(client).status_code == 302
    assert send_report(client).status_code == 302
    refused = send_report(client)
    assert refused.status_code == 429
    assert th("Too many attempts from your connection. Nothing was saved; please wait and try again later.") \
        in refused.get_data(as_text=True)
    assert tickets() == 2
    assert client.get("/ir/new").status_code == 200


def test_wrong_links_are_rate_limited_right_ones_are_not(app, client, monkeypatch):
    ticket, path = filed(client)
    monkeypatch.setitem(app.config, "RATELIMIT_IR_FOLLOW", "3 per minute")
    for _ in range(5):
        assert client.get(path).status_code == 200
    for _ in range(3):
        assert client.get("/ir/follow/IR0000001-guess").status_code == 404
    assert client.get("/ir/follow/IR0000001-guess").status_code == 429


def _reply(client, path: str, body: str, files=()):
    return client.post(f"{path}/reply", data={"body": body, "attachments": [(io.BytesIO(c), n) for n, c in files]},
                       content_type="multipart/form-data")


def test_replies_with_the_right_link_are_rate_limited_too(app, client):
    ticket, path = filed(client)
    for number in range(1, 31):  # the default: 30 an hour from one address
        files = [("screen.png", PNG)] if number % 10 == 1 else []
        assert _reply(client, path, f"ข้อมูลเพิ่มเติมครั้งที่ {number}", files).status_code == 303, number
    refused = _reply(client, path, "ข้อมูลเพิ่มเติมครั้งที่ 31", [("screen.png", PNG)])
    assert refused.status_code == 429
    assert th("Too many attempts from your connection. Nothing was saved; please wait and try again later.") \
        in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(TicketMessage).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.body.like("ข้อมูลเพิ่มเติม%"))) == 30
    assert db.session.scalar(select(func.count()).select_from(TicketAttachment)) == 3
    assert client.get(path).status_code == 200  # reading the report is not limited by what was sent


def test_confirm_rate_and_reopen_count_together_with_replies_per_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_IR_FOLLOW_WRITE", "3 per hour")
    ticket, path = filed(client)
    assert _reply(client, path, "แนบภาพหน้าจอเพิ่มเติม").status_code == 303
    triaged_and_resolved(ticket, agent())
    assert client.post(f"{path}/confirm").status_code == 303
    assert client.post(f"{path}/rate", data={"rating": "5"}).status_code == 303
    refused = client.post(f"{path}/reopen", data={"reason": "ปัญหากลับมาอีก"})
    assert refused.status_code == 429
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
    # Another connection has its own count.
    other = client.post(f"{path}/reopen", data={"reason": "ปัญหากลับมาอีก"}, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 303
