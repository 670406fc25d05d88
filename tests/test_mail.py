"""E-mail through the outbox, delivered to a real SMTP server (aiosmtpd) running in this process."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import HumanTask, TaskStatus
from app.helpdesk.models import Ticket
from app.helpdesk.services import helpdesk_desk
from app.inbox.services import notification_center
from notifications import notify
from notifications.models import Notification, OutboxMessage, OutboxStatus
from tasks.jobs import send_outbox

AUTHOR_ADDRESS = "author@demo.ratchaflow.local"
TITLE = "การแจ้งย้ายที่อยู่"  # the demo manual waiting for its step-1 review
COMMENT = "โปรดเพิ่มตารางค่าธรรมเนียมและระยะเวลาให้บริการ"
UNREAD_BADGE = re.compile(r'data-count="unread">\s*(\d+)\s*<')


@pytest.fixture
def quiet_demo(app, demo):
    """The demo, with the mail its loading queued (a returned manual) already dealt with: skipped."""
    server = app.config["MAIL_SERVER"]
    app.config["MAIL_SERVER"] = None
    try:
        send_outbox(app)
    finally:
        app.config["MAIL_SERVER"] = server
    assert pending_rows() == []
    return demo


# --- helpers -----------------------------------------------------------------------------------------------


def pending_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.pending)))


def open_review_task() -> HumanTask:
    return db.session.scalar(select(HumanTask).where(HumanTask.status == TaskStatus.open,
                                                     HumanTask.role == "manual_reviewer",
                                                     HumanTask.subject == TITLE))


def return_revision_over_http(client, login) -> int:
    """The reviewer returns the revision in review with the task page's form; returns the task's id."""
    task_id = open_review_task().id
    login("reviewer")
    response = client.post(f"/tasks/{task_id}", data={"decision": "return", "comment": COMMENT})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert db.session.get(HumanTask, task_id).status == TaskStatus.completed
    return task_id


def unread_badge(page: str) -> int:
    found = UNREAD_BADGE.search(page)
    return int(found.group(1)) if found else 0


def expected_subject() -> str:
    with force_locale("th"):
        return gettext("Manual returned for changes: %(title)s", title=TITLE)


# --- tests -------------------------------------------------------------------------------------------------


def test_returned_revision_mails_the_author_once(app, client, login, smtp, quiet_demo):
    author = quiet_demo.user("author")
    unread_before = notification_center.unread_count(author)

    return_revision_over_http(client, login)

    # In the same transaction as the return: the in-app notification and one outbox row.
    assert notification_center.unread_count(author) == unread_before + 1
    [row] = pending_rows()
    assert row.user_id == author.id and row.to_address == AUTHOR_ADDRESS and row.attempts == 0
    assert smtp.envelopes == []  # nothing is sent until the job runs

    assert send_outbox(app) == {"sent": 1, "skipped": 0, "retry": 0, "failed": 0}

    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == [AUTHOR_ADDRESS]
    assert "no-reply@ratchaflow.local" in envelope.mail_from
    [message] = smtp.handler.messages()
    assert message["To"] == AUTHOR_ADDRESS
    subject = str(message["Subject"])
    assert subject == expected_subject()
    assert TITLE in subject and "Manual returned" not in subject  # in Thai, the author's language
    assert re.search(r"[\u0E00-\u0E7F]", subject.replace(TITLE, ""))
    assert f"outbox-{row.id}" in message["Message-ID"]
    body = message.get_content()
    assert COMMENT in body
    assert "http://localhost/tasks/" in body  # the link to the author's inbox, absolute

    db.session.expire_all()
    row = db.session.get(OutboxMessage, row.id)
    assert row.status == OutboxStatus.sent and row.sent_at is not None and row.attempts == 0

    # At least once, but once: the row is marked sent, so the next run sends nothing.
    assert send_outbox(app) == {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}
    assert len(smtp.envelopes) == 1


def test_author_sees_the_notification_and_marks_it_read(app, client, login, smtp, quiet_demo):
    author = quiet_demo.user("author")
    return_revision_over_http(client, login)
    unread = notification_center.unread_count(author)
    assert unread >= 1

    page = login("author").get("/notifications/").get_data(as_text=True)
    assert expected_subject() in page and COMMENT in page
    assert unread_badge(page) == unread
    # Every page shows the count in the navigation.
    assert unread_badge(client.get("/tasks/").get_data(as_text=True)) == unread

    # One of them.
    newest = db.session.scalar(select(Notification).where(Notification.user_id == author.id)
                               .order_by(Notification.id.desc()).limit(1))
    assert client.post("/notifications/read", data={"id": newest.id}).status_code == 302
    assert notification_center.unread_count(author) == unread - 1

    # All of them.
    response = client.post("/notifications/read", data={})
    assert response.status_code == 302 and response.headers["Location"].endswith("/notifications/")
    assert notification_center.unread_count(author) == 0
    page = client.get("/notifications/").get_data(as_text=True)
    assert unread_badge(page) == 0 and 'data-count="unread"' not in page
    assert expected_subject() in page  # read, not gone

    # Someone else's notifications are not touched.
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.read_at.is_not(None),
                                    Notification.user_id != author.id)) == 0


def test_same_dedup_key_notifies_once(app, smtp, quiet_demo):
    author = quiet_demo.user("author")
    for expected in (1, 0):
        assert notify([author, author], subject="ทดสอบ", body="เนื้อหา", dedup_key="test:once") == expected
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.subject == "ทดสอบ")) == 1
    [row] = pending_rows()
    assert row.dedup_key == f"test:once:user:{author.id}"

    # A second user under the same key is still told, once.
    reviewer = quiet_demo.user("reviewer")
    assert notify([author, reviewer], subject="ทดสอบ", dedup_key="test:once") == 1
    db.session.commit()

    send_outbox(app)
    assert sorted(e.rcpt_tos[0] for e in smtp.envelopes) == [AUTHOR_ADDRESS, "reviewer@demo.ratchaflow.local"]


def test_without_a_mail_server_rows_are_skipped(app, client, login, demo):
    assert app.config["MAIL_SERVER"] is None
    # Loading the demo returned a manual: its author has a row waiting already.
    before = pending_rows()
    assert before and all(r.to_address for r in before)

    counts = send_outbox(app)
    assert counts == {"sent": 0, "skipped": len(before), "retry": 0, "failed": 0}
    db.session.expire_all()
    statuses = set(db.session.scalars(select(OutboxMessage.status)))
    assert statuses == {OutboxStatus.skipped}
    # The in-app notification is what the author gets.
    assert notification_center.unread_count(demo.user("author")) == len(before)
    assert send_outbox(app) == {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}


def test_a_user_without_an_address_is_skipped_even_with_a_server(app, smtp, quiet_demo):
    author = quiet_demo.user("author")
    author.email = None
    notify([author], subject="ไม่มีอีเมล", dedup_key="test:no-address")
    db.session.commit()
    assert send_outbox(app) == {"sent": 0, "skipped": 1, "retry": 0, "failed": 0}
    assert smtp.envelopes == []
    assert notification_center.unread_count(author) >= 1


def test_server_down_is_retried_later(app, client, login, smtp, quiet_demo):
    return_revision_over_http(client, login)
    smtp.stop()

    started = utcnow()
    assert send_outbox(app) == {"sent": 0, "skipped": 0, "retry": 1, "failed": 0}
    [row] = pending_rows()
    assert row.attempts == 1
    assert row.last_error and row.sent_at is None
    assert row.next_attempt_at > started + timedelta(seconds=90)  # back-off: 2 minutes after the first failure

    # The server is back, but the row is not due yet.
    smtp.start()
    assert send_outbox(app) == {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}
    assert smtp.envelopes == []

    with time_machine.travel(row.next_attempt_at + timedelta(seconds=5), tick=True):
        assert send_outbox(app) == {"sent": 1, "skipped": 0, "retry": 0, "failed": 0}
        assert send_outbox(app) == {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}

    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == [AUTHOR_ADDRESS]
    db.session.expire_all()
    row = db.session.get(OutboxMessage, row.id)
    assert row.status == OutboxStatus.sent and row.attempts == 1


def test_back_off_grows_and_gives_up(app, smtp, quiet_demo, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    notify([quiet_demo.user("author")], subject="ทดสอบ", dedup_key="test:give-up")
    db.session.commit()
    smtp.stop()

    delays = []
    for expected in ("retry", "retry", "failed"):
        [row] = pending_rows()
        now = row.next_attempt_at
        with time_machine.travel(now, tick=False):
            assert send_outbox(app)[expected] == 1
        db.session.expire_all()
        row = db.session.get(OutboxMessage, row.id)
        if expected == "retry":
            delays.append(row.next_attempt_at - now)
    assert delays == [timedelta(minutes=2), timedelta(minutes=4)]
    assert row.status == OutboxStatus.failed and row.attempts == 3
    assert pending_rows() == []


# --- messages that cannot be sent never hold up the others --------------------------------------------------------

POISON_SUBJECT = "ระบบค้าง\r\nBcc: someone@example.test"


def _queued_directly(to_address: str, subject: str, key: str) -> OutboxMessage:
    """A row as an older release (or a bug) might have stored it, past the header cleaning of ``queue_mail``."""
    row = OutboxMessage(dedup_key=key, channel="email", to_address=to_address, subject=subject, body="ทดสอบ")
    db.session.add(row)
    db.session.commit()
    return row


def _row(row_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, row_id)


def _recipients(smtp) -> list[str]:
    return sorted(address for envelope in smtp.envelopes for address in envelope.rcpt_tos)


def test_a_poison_message_fails_at_once_and_the_others_are_sent_once(app, client, login, smtp, quiet_demo):
    author, reviewer = quiet_demo.user("author"), quiet_demo.user("reviewer")
    notify([author], subject="ก่อน", dedup_key="test:before")
    db.session.commit()
    poison = _queued_directly("victim@example.test", POISON_SUBJECT, "test:poison")
    bad_address = _queued_directly("victim@example.test, other@example.test", "สองผู้รับ", "test:two-addresses")
    notify([reviewer], subject="หลัง", dedup_key="test:after")
    db.session.commit()

    assert send_outbox(app) == {"sent": 2, "skipped": 0, "retry": 0, "failed": 2}
    assert _recipients(smtp) == [AUTHOR_ADDRESS, "reviewer@demo.ratchaflow.local"]
    poison, bad_address = _row(poison.id), _row(bad_address.id)
    assert poison.status == OutboxStatus.failed and poison.attempts == 1 and poison.sent_at is None
    assert "subject has a line break" in poison.last_error
    assert bad_address.status == OutboxStatus.failed and "not a single e-mail address" in bad_address.last_error
    assert poison.failed_at is not None

    # Never tried again by itself, and what was sent is not sent again.
    with time_machine.travel(utcnow() + timedelta(days=1), tick=False):
        assert send_outbox(app) == {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}
    assert len(smtp.envelopes) == 2

    # An administrator sees them on the jobs page, with the recipient, the subject and the reason.
    assert login("author").get("/admin/jobs/").status_code == 403
    page = login("admin").get("/admin/jobs/").get_data(as_text=True)
    assert f'data-outbox="{poison.id}"' in page and f'data-outbox="{bad_address.id}"' in page
    assert "victim@example.test" in page and "Bcc: someone@example.test" in page and "สองผู้รับ" in page
    assert "subject has a line break" in page
    with force_locale("th"):
        assert gettext("E-mail that could not be sent") in page

    # Sent again on an administrator's word: its subject is made one line first.
    assert client.post(f"/admin/jobs/outbox/{poison.id}/retry").status_code == 303
    assert _row(poison.id).status == OutboxStatus.pending
    assert client.post(f"/admin/jobs/outbox/{poison.id}/retry").status_code == 303  # twice: nothing more
    assert send_outbox(app) == {"sent": 1, "skipped": 0, "retry": 0, "failed": 0}
    message = smtp.handler.messages()[-1]
    assert smtp.envelopes[-1].rcpt_tos == ["victim@example.test"]
    assert str(message["Subject"]) == "ระบบค้าง Bcc: someone@example.test" and message["Bcc"] is None
    page = client.get("/admin/jobs/").get_data(as_text=True)
    assert f'data-outbox="{poison.id}"' not in page and f'data-outbox="{bad_address.id}"' in page


def test_a_refusal_for_good_fails_at_once_a_refusal_for_now_backs_off(app, smtp, quiet_demo):
    from notifications import queue_mail
    from tests.smtp_server import BUSY_DOMAIN, REFUSED_DOMAIN

    for key, address in (("refused", f"nobody@{REFUSED_DOMAIN}"), ("busy", f"later@{BUSY_DOMAIN}"),
                         ("good", "someone@example.test")):
        queue_mail(dedup_key=f"test:{key}", to_address=address, subject=key, body="ทดสอบ")
    db.session.commit()
    rows = {row.subject: row for row in db.session.scalars(select(OutboxMessage))}

    assert send_outbox(app) == {"sent": 1, "skipped": 0, "retry": 1, "failed": 1}
    assert _recipients(smtp) == ["someone@example.test"]
    refused, busy = _row(rows["refused"].id), _row(rows["busy"].id)
    assert refused.status == OutboxStatus.failed and "550" in refused.last_error
    assert busy.status == OutboxStatus.pending and busy.attempts == 1 and "451" in busy.last_error
    assert busy.next_attempt_at - utcnow() > timedelta(seconds=90)


def test_with_the_server_down_every_due_message_waits_then_goes_once(app, smtp, quiet_demo):
    notify([quiet_demo.user("author"), quiet_demo.user("reviewer")], subject="รอส่ง", dedup_key="test:down")
    db.session.commit()
    smtp.stop()
    assert send_outbox(app) == {"sent": 0, "skipped": 0, "retry": 2, "failed": 0}
    rows = pending_rows()
    assert [row.attempts for row in rows] == [1, 1] and all("ConnectionRefused" in row.last_error for row in rows)

    smtp.start()
    with time_machine.travel(max(row.next_attempt_at for row in rows) + timedelta(seconds=5), tick=False):
        assert send_outbox(app) == {"sent": 2, "skipped": 0, "retry": 0, "failed": 0}
        assert send_outbox(app) == {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}
    assert _recipients(smtp) == [AUTHOR_ADDRESS, "reviewer@demo.ratchaflow.local"]


def test_a_report_with_a_line_break_in_its_subject_mails_everyone_on_one_line(app, client, login, smtp, quiet_demo):
    from tests.helpdesk.test_ir_reports import SENT, send_report

    refused = send_report(client, subject=POISON_SUBJECT, contact_name="ผู้แจ้ง", contact_email="reporter@example.test")
    assert refused.status_code == 422 and "อักขระควบคุม" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.subject.contains("Bcc"))) == 0

    # A report stored before the forms refused line breaks (or imported) still mails on one line.
    sent = send_report(client, subject="ระบบค้าง", contact_name="ผู้แจ้ง", contact_email="reporter@example.test")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:1000]
    number = SENT.search(sent.headers["Location"]).group(1)
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    ticket.subject = POISON_SUBJECT
    db.session.commit()
    # The supervisor triages it to the agent: "a report is yours", with the report's subject.
    login("hd_super")
    task = helpdesk_desk.triage_task(ticket)
    done = client.post(f"/tasks/{task.id}", data={"category_id": str(ticket.category_id), "priority": "normal",
                                                  "assignee_id": str(quiet_demo.user("hd_agent").id), "team_id": "0"})
    assert done.status_code == 302, done.get_data(as_text=True)[:1000]
    queued = pending_rows()
    assert len(queued) >= 2 and all("\r" not in row.subject and "\n" not in row.subject for row in queued)

    counts = send_outbox(app)
    assert counts["sent"] == len(queued) and counts["failed"] == counts["retry"] == 0
    assert "someone@example.test" not in _recipients(smtp)
    assert {"reporter@example.test", "hd_agent@demo.ratchaflow.local"} <= set(_recipients(smtp))
    assert all(message["Bcc"] is None for message in smtp.handler.messages())
    [yours] = [message for message in smtp.handler.messages() if message["To"] == "hd_agent@demo.ratchaflow.local"]
    assert f"{number} ระบบค้าง Bcc: someone@example.test" in str(yours["Subject"])
    assert send_outbox(app) == {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}


def test_a_file_made_by_the_outbox_is_made_once_and_one_that_cannot_be_made_fails_alone(app, smtp, quiet_demo):
    from app.core import capabilities
    from notifications import MadeLater, queue_mail

    made = []

    def receipt(record_id: int) -> bytes:
        made.append(record_id)
        return b"%PDF-1.4 receipt " + str(record_id).encode()

    registry = capabilities.current()
    registry.attachment_makers["test_receipt"] = receipt
    try:
        queue_mail(dedup_key="test:made-later", to_address="citizen@example.test", subject="ใบรับ", body="แนบ",
                   attachment=("receipt.pdf", "application/pdf", MadeLater("test_receipt", 42)))
        unknown = queue_mail(dedup_key="test:unknown-maker", to_address="citizen@example.test", subject="ไม่มี",
                             body="แนบ", attachment=("x.pdf", "application/pdf", MadeLater("no_such_file", 1)))
        db.session.commit()
        assert send_outbox(app) == {"sent": 1, "skipped": 0, "retry": 0, "failed": 1}
    finally:
        del registry.attachment_makers["test_receipt"]
    assert made == [42]
    [message] = smtp.handler.messages()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "receipt.pdf" and attachment.get_content() == b"%PDF-1.4 receipt 42"
    failed = _row(unknown.id)
    assert failed.status == OutboxStatus.failed and "no_such_file" in failed.last_error
