"""Telling people: in-app notifications, and e-mail through the outbox.

``notify`` writes the in-app notification and, for users with an address, an
outbox row in the caller's transaction; ``queue_mail`` writes one outbox row for
an address (a reporter, an applicant). ``notifications.mail`` delivers the outbox
later, at least once, one row per dedup key. Every outbox row is made here, so
that a subject, an address or a file name taken from people's text is one safe
header line (``app.core.headers``) before it is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import force_locale
from sqlalchemy import bindparam, select

from app.core import headers, held_rows
from app.core.extensions import db
from notifications.models import Notification, OutboxMessage

if TYPE_CHECKING:
    from app.accounts.models import User


@dataclass(frozen=True)
class MadeLater:
    """A file the outbox makes when it sends the message (a capability's ``attachments`` maker of ``kind``, from
    ``record_id``), so that the request that queued it does not wait for it; kept with the message once made."""

    kind: str
    record_id: int

    @property
    def source(self) -> str:
        return f"{self.kind}:{self.record_id}"


def queue_mail(*, dedup_key: str, to_address: str | None, subject, body: str, user_id: int | None = None,
               attachment: tuple[str, str, bytes | MadeLater] | None = None) -> OutboxMessage:
    """One e-mail in the outbox, in the caller's transaction. ``attachment`` is (file name, content type, the
    bytes or what makes them later)."""
    row = OutboxMessage(**_mail(dedup_key=dedup_key, to_address=to_address, subject=subject, body=body,
                                user_id=user_id))
    if attachment is not None:
        name, content_type, data = attachment
        row.attachment_name = headers.file_name(name, default="attachment")
        row.attachment_type = headers.one_line(content_type, 100)
        if isinstance(data, MadeLater):
            row.attachment_source = data.source
        else:
            row.attachment_data = data
    db.session.add(row)
    return row


def _mail(*, dedup_key: str, to_address: str | None, subject, body: str, user_id: int | None) -> dict:
    """An e-mail's column values, its headers each one safe line."""
    return dict(dedup_key=dedup_key, channel="email", user_id=user_id, to_address=headers.address(to_address),
                subject=headers.one_line(subject), body=body)


# Built once: a statement built anew for each call costs SQLAlchemy its cache key again (a batch of reminders asks
# this once a reminder).
_SENT = select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key.in_(bindparam("keys", expanding=True)))


def notify(users: list[User], *, subject, body="", link: str | None = None, dedup_key: str) -> int:
    """Notify each user once per ``dedup_key``; returns how many were newly notified.

    ``subject`` and ``body`` may be lazy translations: each user gets them in their own language. Inside the
    engine's unit of work the rows are held and written with the unit's others (``app.core.held_rows``).
    """
    if not users:
        return 0
    keys = {user.id: f"{dedup_key}:user:{user.id}" for user in users}
    wanted = set(keys.values())
    already = set(db.session.scalars(_SENT, {"keys": list(wanted)}))
    already.update(row["dedup_key"] for row in held_rows.held(OutboxMessage) if row["dedup_key"] in wanted)
    count = 0
    texts: dict[str, tuple[str, str]] = {}  # each language's subject and body, translated once for its readers
    for user in users:
        key = keys[user.id]
        if key in already:
            continue
        already.add(key)  # the same user twice in one call is still told once
        locale = user.locale or "th"
        if locale not in texts:
            with force_locale(locale):
                texts[locale] = headers.one_line(subject), str(body or "")
        subject_text, body_text = texts[locale]
        notification = dict(user_id=user.id, subject=subject_text, body=body_text, link=link)
        mail = _mail(dedup_key=key, user_id=user.id, to_address=user.email, subject=subject_text,
                     body=body_text + (f"\n\n{link}" if link else ""))
        if held_rows.hold(Notification, notification):
            held_rows.hold(OutboxMessage, mail)
        else:
            db.session.add_all((Notification(**notification), OutboxMessage(**mail)))
        count += 1
    db.session.flush()
    return count
