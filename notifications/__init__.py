"""Telling people: in-app notifications, and e-mail through the outbox.

``notify`` writes the in-app notification and, for users with an address, an
outbox row in the caller's transaction; ``notifications.mail.send_pending``
delivers the outbox later, at least once, one row per dedup key.
"""

from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy import select

from app.extensions import db
from app.models import Notification, OutboxMessage, User


def notify(users: list[User], *, subject, body="", link: str | None = None, dedup_key: str) -> int:
    """Notify each user once per ``dedup_key``; returns how many were newly notified.

    ``subject`` and ``body`` may be lazy translations: each user gets them in their own language.
    """
    if not users:
        return 0
    keys = {user.id: f"{dedup_key}:user:{user.id}" for user in users}
    already = set(db.session.scalars(select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key.in_(keys.values()))))
    count = 0
    for user in users:
        key = keys[user.id]
        if key in already:
            continue
        already.add(key)  # the same user twice in one call is still told once
        with force_locale(user.locale or "th"):
            subject_text, body_text = str(subject), str(body or "")
        db.session.add(Notification(user_id=user.id, subject=subject_text, body=body_text, link=link))
        db.session.add(OutboxMessage(dedup_key=key, channel="email", user_id=user.id, to_address=user.email,
                                     subject=subject_text, body=body_text + (f"\n\n{link}" if link else "")))
        count += 1
    db.session.flush()
    return count
