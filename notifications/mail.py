"""Sending the outbox over SMTP, one message at a time.

The job (``tasks.jobs.send_outbox``) claims one due row with ``next_due``, hands it to ``deliver`` and commits,
then the next: a message handed to the server is recorded as sent whatever happens to the ones after it.

A message fails for good at once, with the reason, when trying again cannot help: a header it cannot carry,
an address that is not one address, a permanent refusal by the server (5xx). Administrators see those on the
jobs page and may send one again (``retry``). A passing failure (the server unreachable, a 4xx answer) is tried
again later with exponential back-off, until ``OUTBOX_MAX_ATTEMPTS``.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select

from app.core import capabilities, headers
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from notifications.models import OutboxMessage, OutboxStatus


class UnsafeHeader(ValueError):
    """A header value the message cannot carry (a line break, a control character, not one address)."""


class ServerUnreachable(Exception):
    """No connection to the mail server in this run: every message waits for a later one."""

    def __init__(self, cause: BaseException):
        self.cause = cause
        super().__init__(f"{type(cause).__name__}: {cause}")


class Connection:
    """One SMTP connection for a run, opened on first use and opened again after a failed message. Once it
    could not be opened, it is not tried again in the same run (the messages after wait, without a timeout each)."""

    def __init__(self, config: dict):
        self.config = config
        self.smtp: smtplib.SMTP | None = None
        self.unreachable: ServerUnreachable | None = None

    def send(self, message: EmailMessage) -> None:
        if self.unreachable is not None:
            raise self.unreachable
        if self.smtp is None:
            try:
                self.smtp = _connect(self.config)
            except Exception as exc:
                self.unreachable = ServerUnreachable(exc)
                raise self.unreachable from exc
        try:
            self.smtp.send_message(message)
        except Exception:
            self.close()  # the session's state is unknown: the next message starts a new one
            raise

    def close(self) -> None:
        self.smtp = _close(self.smtp)

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def next_due() -> OutboxMessage | None:
    """The oldest message due now; on PostgreSQL locked until the caller commits, and skipped by another sender."""
    query = (select(OutboxMessage)
             .where(OutboxMessage.status == OutboxStatus.pending, OutboxMessage.next_attempt_at <= utcnow())
             .order_by(OutboxMessage.id).limit(1))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query)


def deliver(row: OutboxMessage, connection: Connection) -> str:
    """Send one message; record the outcome on the row ("sent", "skipped", "retry" or "failed") and flush.

    Rows without an address, or with no mail server configured, are skipped (the in-app notification exists).
    """
    config = connection.config
    if not config.get("MAIL_SERVER") or not row.to_address:
        return _finish(row, OutboxStatus.skipped)
    try:
        attachment = _attachment_of(row)
    except Exception as exc:  # a file that cannot be made is the message's own fault: kept for the administrator
        return _finish(row, OutboxStatus.failed, exc)
    try:
        message = build(row, config, attachment)
        connection.send(message)
    except Exception as exc:
        if _passing(exc):
            return _back_off(row, exc, config)
        return _finish(row, OutboxStatus.failed, exc)
    row.sent_at = utcnow()
    return _finish(row, OutboxStatus.sent)


def _attachment_of(row: OutboxMessage) -> bytes | None:
    """The file sent with the message: as stored, or made now (once: kept on the row for any later attempt)."""
    data = row.attachment_data  # read before sending: a database error is the job's, not the message's
    if data is None and row.attachment_source:
        kind, _sep, record_id = row.attachment_source.partition(":")
        data = capabilities.current().attachment_makers[kind](int(record_id))
        row.attachment_data = data
        db.session.flush()
    return data


def _passing(exc: BaseException) -> bool:
    """Whether trying again later may succeed: the server out of reach or busy, a 4xx answer."""
    if isinstance(exc, ServerUnreachable):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return any(code < 500 for code, _message in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):  # refused sender, refused data, …
        return exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPNotSupportedError):  # e.g. an address that needs SMTPUTF8
        return False
    # Connection lost or timed out; anything else (a header, an encoding) is the message's own and stays.
    return isinstance(exc, OSError)


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _back_off(row: OutboxMessage, exc: BaseException, config: dict) -> str:
    row.attempts += 1
    row.last_error = _reason(exc)
    if row.attempts >= config.get("OUTBOX_MAX_ATTEMPTS", 8):
        return _finish(row, OutboxStatus.failed)
    row.next_attempt_at = utcnow() + timedelta(minutes=2 ** row.attempts)
    db.session.flush()
    return "retry"


def _finish(row: OutboxMessage, status: str, exc: BaseException | None = None) -> str:
    row.status = status
    if exc is not None:
        row.attempts += 1
        row.last_error = _reason(exc)
    if status == OutboxStatus.failed:
        row.next_attempt_at = utcnow()  # no attempt is due any more: this is when it failed
    db.session.flush()
    return status


# --- failed messages, for administrators ------------------------------------------------------------------------


def failed(limit: int = 50) -> list[OutboxMessage]:
    """The latest messages given up on, newest failure first."""
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.failed)
                                   .order_by(OutboxMessage.next_attempt_at.desc(), OutboxMessage.id.desc())
                                   .limit(limit)))


def retry(message_id: int, actor_id: int) -> OutboxMessage | None:
    """Queue a failed message again, now, with its headers made safe (a row from before they were); None when
    there is no such failed message."""
    row = db.session.get(OutboxMessage, message_id)
    if row is None or row.status != OutboxStatus.failed:
        return None
    record_audit("outbox.retried", actor_id=actor_id, object_type="outbox", object_id=row.id,
                 before={"attempts": row.attempts, "last_error": row.last_error})
    row.subject = headers.one_line(row.subject)
    row.to_address = headers.address(row.to_address)
    if row.attachment_name:
        row.attachment_name = headers.file_name(row.attachment_name, default="attachment")
    row.status, row.attempts, row.next_attempt_at = OutboxStatus.pending, 0, utcnow()
    db.session.flush()
    return row


# --- SMTP -----------------------------------------------------------------------------------------------------


def _connect(config: dict) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config.get("MAIL_PORT", 25), timeout=15)
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return None


def build(row: OutboxMessage, config: dict, attachment: bytes | None = None) -> EmailMessage:
    """The message of an outbox row; ``UnsafeHeader`` when a header would hold anything but one plain line."""
    problem = headers.bad_address(row.to_address)
    if problem:
        raise UnsafeHeader(f"the recipient's address {problem}")
    for label, value in (("subject", row.subject), ("attachment's file name", row.attachment_name)):
        problem = headers.unsafe(value)
        if problem:
            raise UnsafeHeader(f"the {label} has {problem}")
    message = EmailMessage()
    message["From"] = config.get("MAIL_SENDER")
    message["To"] = row.to_address
    message["Subject"] = row.subject
    # The dedup key makes a resend after a crash recognisable as the same message.
    message["Message-ID"] = make_msgid(idstring=f"outbox-{row.id}", domain="ratchaflow.local")
    message.set_content(row.body, charset="utf-8")
    if attachment:
        maintype, _, subtype = (row.attachment_type or "application/octet-stream").partition("/")
        message.add_attachment(attachment, maintype=maintype, subtype=subtype,
                               filename=row.attachment_name or "attachment")
    return message
