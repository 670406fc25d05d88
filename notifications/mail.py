"""Sending the outbox over SMTP."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage, OutboxStatus
from app.models.types import utcnow


def send_pending(config: dict, batch_size: int = 50) -> dict[str, int]:
    """Send due outbox rows; each row is committed by the caller after this returns.

    Rows without an address, or with no mail server configured, are marked
    skipped (the in-app notification already exists). Failures are retried
    with exponential back-off until OUTBOX_MAX_ATTEMPTS.
    """
    now = utcnow()
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.pending, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(batch_size)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = db.session.scalars(query).all()
    counts = {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}
    if not rows:
        return counts
    server = config.get("MAIL_SERVER")
    smtp = None
    try:
        for row in rows:
            if not server or not row.to_address:
                row.status = OutboxStatus.skipped
                counts["skipped"] += 1
                continue
            try:
                if smtp is None:
                    smtp = _connect(config)
                smtp.send_message(_message(row, config))
                row.status = OutboxStatus.sent
                row.sent_at = utcnow()
                counts["sent"] += 1
            except (OSError, smtplib.SMTPException) as exc:
                row.attempts += 1
                row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                if row.attempts >= config.get("OUTBOX_MAX_ATTEMPTS", 8):
                    row.status = OutboxStatus.failed
                    counts["failed"] += 1
                else:
                    row.next_attempt_at = utcnow() + timedelta(minutes=2 ** row.attempts)
                    counts["retry"] += 1
                smtp = _close(smtp)
    finally:
        _close(smtp)
    db.session.flush()
    return counts


def _connect(config: dict) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config.get("MAIL_PORT", 25), timeout=15)
    if config.get("MAIL_USE_TLS"):
        smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return smtp


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return None


def _message(row: OutboxMessage, config: dict) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.get("MAIL_SENDER")
    message["To"] = row.to_address
    message["Subject"] = row.subject
    # The dedup key makes a resend after a crash recognisable as the same message.
    message["Message-ID"] = make_msgid(idstring=f"outbox-{row.id}", domain="ratchaflow.local")
    message.set_content(row.body, charset="utf-8")
    if row.attachment_data:
        maintype, _, subtype = (row.attachment_type or "application/octet-stream").partition("/")
        message.add_attachment(row.attachment_data, maintype=maintype, subtype=subtype,
                               filename=row.attachment_name or "attachment")
    return message
