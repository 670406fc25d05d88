"""A chat's messages: stored before anyone is told, once per ``client_ref`` (a resend answers with the first one);
what each side reads (internal notes never reach the visitor), and their attachments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.chat.models import (
    ChatAttachment,
    ChatMessage,
    ChatSession,
    ChatStatus,
    MessageKind,
)
from app.chat.services import desk_admin, events
from app.chat.services.chats import CLIENT_REF_MAX, CONTROL_CHARACTERS, can_write, clean_text, message_max
from app.chat.services.errors import (
    ChatConflict,
    InvalidInput,
    NotAllowed,
    WrongState,
)
from app.core.extensions import db
from app.core.types import utcnow
from workflows.calendar import BANGKOK


def payload(message: ChatMessage, attachments: list[ChatAttachment] | None = None) -> dict:
    return {"id": message.id, "chat_id": message.session_id, "kind": message.kind, "author": message.author_name or "",
            "body": message.body, "at": message.created_at.astimezone(BANGKOK).strftime("%H:%M"),
            "attachments": [{"id": a.id, "name": a.filename, "type": a.content_type} for a in attachments or []]}


def messages_for(chat: ChatSession, *, staff: bool, since: int = 0, limit: int = 500) -> list[dict]:
    """The conversation after message ``since`` (the visitor's side never holds internal notes): two queries."""
    query = select(ChatMessage).where(ChatMessage.session_id == chat.id, ChatMessage.id > since)
    if not staff:
        query = query.where(ChatMessage.kind.in_(MessageKind.PUBLIC))
    rows = list(db.session.scalars(query.order_by(ChatMessage.id).limit(limit)))
    files: dict[int, list[ChatAttachment]] = {row.id: [] for row in rows}
    if rows:
        for attachment in db.session.scalars(select(ChatAttachment).where(
                ChatAttachment.message_id.in_(list(files))).order_by(ChatAttachment.id)):
            files[attachment.message_id].append(attachment)
    return [payload(row, files[row.id]) for row in rows]


def _store(chat: ChatSession, kind: str, body: str, *, author: User | None, author_name: str | None,
           client_ref: str | None, attachments=()) -> tuple[ChatMessage, bool]:
    """Insert a message (or find the one this client already sent under ``client_ref``); publish it."""
    if client_ref is not None:
        if not isinstance(client_ref, str) or not 0 < len(client_ref) <= CLIENT_REF_MAX or CONTROL_CHARACTERS.search(client_ref):
            raise InvalidInput(_l("Check what you entered."), field="client_ref")
    now = utcnow()
    message = ChatMessage(session_id=chat.id, kind=kind, author_user_id=author.id if author else None,
                          author_name=author_name, body=body, client_ref=client_ref, created_at=now)
    try:  # the insert first: a message sent again is rare, so it is looked up only when the index refuses it
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:  # sent before (or at the same moment) under this client_ref: the first one stands
        existing = db.session.scalar(select(ChatMessage).where(ChatMessage.session_id == chat.id,
                                                               ChatMessage.client_ref == client_ref))
        if existing is None:
            raise ChatConflict() from None
        return existing, False
    files = []
    for file in attachments:
        row = ChatAttachment(session_id=chat.id, message_id=message.id, filename=file.filename,
                             content_type=file.content_type, size=file.size, sha256=file.sha256)
        db.session.add(row)
        files.append(row)
    if files:
        db.session.flush()
    room = events.staff_room(chat.id) if kind == MessageKind.note else events.chat_room(chat.id)
    events.publish(db.session, room, "message", payload(message, files))
    return message, True


def attachment_of(chat: ChatSession, attachment_id, *, staff: bool) -> ChatAttachment | None:
    """A file sent in this very chat (the visitor's side: of a message they see), or None."""
    if not isinstance(attachment_id, int) or not 0 < attachment_id < 2**62:
        return None
    found = db.session.get(ChatAttachment, attachment_id)
    if found is None or found.session_id != chat.id:
        return None
    if not staff and db.session.get(ChatMessage, found.message_id).kind not in MessageKind.PUBLIC:
        return None
    return found


def system_message(chat: ChatSession, text) -> ChatMessage:
    return _store(chat, MessageKind.system, str(text), author=None, author_name=None, client_ref=None)[0]


def visitor_says(chat: ChatSession, body, client_ref: str | None = None, files=()) -> tuple[ChatMessage, bool]:
    if chat.status not in ChatStatus.LIVE:
        raise WrongState(_l("This chat has ended. Start a new one to ask again."))
    text = clean_text(body, "body", message_max(), required=not files) or ""
    message, new = _store(chat, MessageKind.visitor, text, author=None, author_name=chat.visitor_name,
                          client_ref=client_ref, attachments=files)
    if new:  # not a change of the chat's state: no version bump, so it never collides with an agent's action
        db.session.execute(update(ChatSession).where(ChatSession.id == chat.id).values(
            last_visitor_at=message.created_at, reminded_at=None))
    return message, new


def agent_says(user: User, chat: ChatSession, body, client_ref: str | None = None, *, note: bool = False,
               files=()) -> tuple[ChatMessage, bool]:
    desk_admin.require_agent(user)
    text = clean_text(body, "body", message_max(), required=not files) or ""
    if note:
        return _store(chat, MessageKind.note, text, author=user, author_name=user.display_name, client_ref=client_ref)
    if chat.status != ChatStatus.active:
        raise WrongState()
    if not can_write(user, chat):
        raise NotAllowed(_l("This chat is another agent's. A supervisor may step in."))
    return _store(chat, MessageKind.agent, text, author=user, author_name=user.display_name, client_ref=client_ref,
                  attachments=files)


