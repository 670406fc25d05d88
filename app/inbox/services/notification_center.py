"""A user's in-app notifications."""

from __future__ import annotations

from sqlalchemy import func, select, update

from app.accounts.models import User
from app.core.extensions import db
from app.core.types import utcnow
from notifications.models import Notification


def unread_count(user: User) -> int:
    return db.session.scalar(_unread(user.id)) or 0


def unread_count_query(person):
    """The same count as a scalar subquery: the menu reads it in one statement with its other counts. ``person``:
    a user's id, or the parameter that gives it."""
    return _unread(person).scalar_subquery()


def _unread(person):
    return (select(func.count()).select_from(Notification)
            .where(Notification.user_id == person, Notification.read_at.is_(None)))


def recent(user: User, *, page: int = 1, per_page: int = 30) -> tuple[list[Notification], int]:
    base = select(Notification).where(Notification.user_id == user.id)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = db.session.scalars(base.order_by(Notification.created_at.desc(), Notification.id.desc())
                              .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return list(rows), total


def mark_read(user: User, notification_id: int | None = None) -> int:
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return db.session.execute(query.values(read_at=utcnow())).rowcount
