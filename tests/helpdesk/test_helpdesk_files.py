"""Files on IR Online through HTTP: served under a name made from what they are, one upload limit for reporters
and agents alike, and a refused file that keeps what the agent typed."""

from __future__ import annotations

import io

import time_machine
from sqlalchemy import func, select

from app.core.extensions import db
from app.helpdesk.models import TicketAttachment, TicketMessage
from tests.helpdesk.test_helpdesk_lifecycle import _triage
from tests.helpdesk.test_helpdesk_services import PDF, PNG, bkk, staff
from tests.helpdesk.test_ir_reports import filed
from tests.helpers import th

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
TYPED = "เรียนผู้แจ้ง ได้ตรวจสอบแล้ว โปรดดูไฟล์แนบ"
MB = 1024 * 1024


def _post(client, number: str, files, body: str = TYPED, action: str = "reply"):
    return client.post(f"/helpdesk/tickets/{number}/messages", content_type="multipart/form-data",
                       data={"action": action, "body": body,
                             "files": [(io.BytesIO(content), name) for name, content in files]})


def _attachments() -> list[TicketAttachment]:
    db.session.expire_all()
    return list(db.session.scalars(select(TicketAttachment).order_by(TicketAttachment.id)))


def _messages(ticket) -> int:
    return db.session.scalar(select(func.count()).select_from(TicketMessage).where(TicketMessage.ticket_id == ticket.id))


def _disposition(response) -> str:
    return response.headers.get("Content-Disposition", "")


def test_downloads_are_named_after_what_the_file_is(app, client, login):
    people = staff()
    with time_machine.travel(bkk(2027, 3, 1, 9, 0), tick=False):
        # A PNG with a web page after it, uploaded as "poly.html" by the reporter, and a PDF one by the agent.
        ticket, follow = filed(client, files=[("poly.html", PNG + HTML)])
        _triage(client, login, ticket, people)
        login("hd_agent")
        assert _post(client, ticket.number, [("../answer.html", PDF + HTML)]).status_code == 302
        reported, replied = _attachments()
        assert (reported.filename, reported.content_type) == ("poly.png", "image/png")
        assert (replied.filename, replied.content_type) == ("answer.pdf", "application/pdf")

        for attachment, name, content_type in ((reported, "poly.png", "image/png"),
                                               (replied, "answer.pdf", "application/pdf")):
            response = client.get(f"/helpdesk/attachments/{attachment.id}")
            assert response.status_code == 200 and response.mimetype == content_type
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert _disposition(response) == f"attachment; filename={name}"

        # A file stored before names were made from the content is served under the right name all the same.
        reported.filename = "old\r\nupload.html"
        db.session.commit()
        response = client.get(f"/helpdesk/attachments/{reported.id}")
        assert _disposition(response) == "attachment; filename=\"old upload.png\""

        # The reporter's page serves the same names.
        client.post("/logout")
        response = client.get(f"{follow}/files/{replied.id}")
        assert response.mimetype == "application/pdf" and _disposition(response) == "attachment; filename=answer.pdf"
        response = client.get(f"{follow}/files/{reported.id}")
        assert response.mimetype == "image/png" and response.headers["X-Content-Type-Options"] == "nosniff"
        assert ".html" not in _disposition(response)


def test_an_agent_may_attach_what_a_reporter_may_and_a_refused_file_keeps_the_reply(app, client, login, monkeypatch):
    people = staff()
    with time_machine.travel(bkk(2027, 3, 1, 9, 0), tick=False):
        ticket, _follow = filed(client)
        _triage(client, login, ticket, people)
        login("hd_agent")
        before = _messages(ticket)

        # Over the app-wide 4 MB request cap, within the channel's 5 files of 5 MB each.
        large = PDF + b"0" * int(4.5 * MB)
        assert len(large) > app.config["MAX_CONTENT_LENGTH"]
        response = _post(client, ticket.number, [("manual.pdf", large)])
        assert response.status_code == 302, response.get_data(as_text=True)[:1000]
        assert _attachments()[-1].size == len(large) and _messages(ticket) == before + 1

        # Not a PDF, PNG or JPEG: the page again, with the reply as typed and the reason by the file field.
        response = _post(client, ticket.number, [("notes.txt", b"plain text, not a document")])
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert TYPED in page and th("%(name)s is not a PDF, PNG or JPEG file.", name="notes.txt") in page
        assert 'id="files-errors"' in page and _messages(ticket) == before + 1

        # Larger than one file may be.
        monkeypatch.setitem(app.config, "HELPDESK_MAX_ATTACHMENT_BYTES", 1024)
        response = _post(client, ticket.number, [("big.pdf", PDF + b"0" * 2048)])
        assert response.status_code == 422 and TYPED in response.get_data(as_text=True)
        assert th("The file %(name)s is too large: at most %(size)s MB.", name="big.pdf", size=0.0) \
            in response.get_data(as_text=True)

        # Past the whole channel's limit the request is refused before it is read, with the limit.
        response = _post(client, ticket.number, [("huge.pdf", PDF + b"0" * (5 * 1024 + 70 * 1024))])
        assert response.status_code == 413
        assert th("What you sent is too large: at most %(count)d files of %(size)s MB each. Nothing was saved; go "
                  "back and attach fewer or smaller files.", count=5, size=0.0) in response.get_data(as_text=True)
        assert _messages(ticket) == before + 1 and len(_attachments()) == 1
