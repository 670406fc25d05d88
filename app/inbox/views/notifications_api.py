"""One's in-app notifications over the API, as on the notifications page: the newest first with the unread count,
and marking one or all of them read."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.core import api
from app.core.extensions import db
from app.inbox.services import notification_center
from forms.api import Id, PageNumber, Request

bp = api.blueprint("notifications", __name__)
PER_PAGE = 30


class NotificationQuery(Request):
    page: PageNumber = 1  # past the last page: an empty page


class NotificationItem(BaseModel):
    id: int
    subject: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationItem]
    total: int
    unread: int
    page: int
    per_page: int


class MarkRead(Request):
    id: Id | None = Field(None, description="one notification; none: all of mine")


class MarkedRead(BaseModel):
    marked: int = Field(description="how many were unread and are read now")
    unread: int


@bp.get("/notifications")
@api.operation("inbox:read", resp={"HTTP_200": NotificationPage})
def list_notifications(query: NotificationQuery):
    """My notifications, the newest first"""
    user = api.current_user_of_token()
    rows, total = notification_center.recent(user, page=query.page, per_page=PER_PAGE)
    return NotificationPage(
        items=[NotificationItem(id=n.id, subject=n.subject, body=n.body or "", link=n.link, created_at=n.created_at,
                                read_at=n.read_at) for n in rows],
        total=total, unread=notification_center.unread_count(user), page=query.page, per_page=PER_PAGE)


@bp.post("/notifications/read")
@api.operation("inbox:write", resp={"HTTP_200": MarkedRead})
def mark_read(json: MarkRead):
    """Mark one notification, or all of mine, as read (another person's is left alone)"""
    user = api.current_user_of_token()
    marked = notification_center.mark_read(user, json.id)
    answer = MarkedRead(marked=marked, unread=notification_center.unread_count(user))
    db.session.commit()
    return answer
