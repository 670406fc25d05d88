"""Live Chat: a visitor's chat with the desk, from the question to the rating.

The chat's life is ``workflows/chat_session.bpmn``; the services change the chat's rows and tell the diagram
what happened (one message, ``chat_event``, its ``action`` in the payload: accept, question, close, rate). The
conversation itself never touches the diagram: a message is one INSERT, so a busy desk costs the engine nothing.
Kept here: the follow-up link, the cleaning of text, who may see and write. Starting and routing are in
``chat_queue``, messages in ``chat_messages``, the end in ``chat_closing``, the desk's other actions in ``chat_desk``.

Rules kept here:
- the follow-up link (``follow_token``) is never stored: ``<number>-<HMAC(secret key, id, nonce)>``, as IR
  Online's; the visitor's page, the transcript and the offline answer are reached with it;
- a message is stored before anyone is told (``events``); sending it again with the same ``client_ref`` stores
  nothing new and answers with the first one, so a client may repeat what it is not sure arrived;
- internal notes never reach the visitor: ``messages_for(..., staff=False)`` is what the visitor's side reads (``chat_messages``);
- routing: a new chat goes to the online agent with the fewest chats below their maximum; when none is free it
  waits in the queue, from which agents also pick; a freed agent takes the longest-waiting chat;
- two people acting at once: the chat's ``lock_version`` makes the later one fail with ``ChatConflict``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.chat.models import (
    ChatSession,
)
from app.chat.services import desk_admin
from app.chat.services.errors import (
    ChatConflict,
    ChatNotFound,
    InvalidInput,
)
from app.core import settings
from app.core.conflicts import reported_as
from app.core.extensions import db
from workflows import engine

PROCESS_ID = "chat_session"
BUSINESS_TYPE = "chat_session"
MESSAGE = "chat_event"
NUMBER = re.compile(r"^LC\d{7,}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
QUESTION_MAX, NAME_MAX, EMAIL_MAX, CLIENT_REF_MAX = 2000, 100, 255, 64
DEFAULT_WAIT_SECONDS = 120
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def message_max() -> int:
    return int(settings.value("CHAT_MESSAGE_MAX", 2000))


def conflicts_reported():
    return reported_as(ChatConflict, engine.ConcurrentUpdate, engine.TaskNotOpen)


# --- the follow-up link --------------------------------------------------------------------------------------------


def _mac(chat_id: int, nonce: str) -> str:
    key = settings.value("SECRET_KEY").encode()
    digest = hmac.new(key, f"chat-follow:{chat_id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def follow_token(chat: ChatSession) -> str:
    return f"{chat.number}-{_mac(chat.id, chat.follow_nonce)}"


def follow_url(chat: ChatSession) -> str:
    return settings.external_url("chat_public.follow", token=follow_token(chat))


def by_token(token: str | None) -> ChatSession | None:
    """The chat a follow-up token names, or None; compared in constant time."""
    number, _, mac = (token or "").strip().partition("-")
    if not NUMBER.match(number) or not mac or len(mac) > 64:
        return None
    chat = db.session.scalar(select(ChatSession).where(ChatSession.number == number))
    expected = _mac(chat.id, chat.follow_nonce) if chat else _mac(0, "none")
    return chat if hmac.compare_digest(expected.encode(), mac.encode()) and chat else None


# --- text -------------------------------------------------------------------------------------------------------------


def clean_text(value, field: str, limit: int, *, required: bool, missing=None) -> str | None:
    if value is not None and not isinstance(value, str):
        raise InvalidInput(_l("Check what you entered."), field=field)
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if CONTROL_CHARACTERS.search(text):
        raise InvalidInput(_l("The text holds characters that cannot be used."), field=field)
    if not text:
        if required:
            raise InvalidInput(missing or _l("Write the message."), field=field)
        return None
    if len(text) > limit:
        raise InvalidInput(_l("At most %(max)d characters.", max=limit), field=field)
    return text


def clean_line(value, field: str, limit: int) -> str | None:
    text = clean_text(value, field, limit, required=False)
    if text and "\n" in text:
        raise InvalidInput(_l("Write it on one line."), field=field)
    return text


# --- starting a chat ------------------------------------------------------------------------------------------------


# --- who may see and act ------------------------------------------------------------------------------------------------


def for_staff(user: User, chat_id) -> ChatSession:
    desk_admin.require_agent(user)
    chat = db.session.get(ChatSession, chat_id) if isinstance(chat_id, int) and 0 < chat_id < 2**62 else None
    if chat is None:
        raise ChatNotFound()
    return chat


def can_write(user: User, chat: ChatSession) -> bool:
    """The chat's agent, or a supervisor stepping in."""
    return chat.agent_id == user.id or desk_admin.is_supervisor(user)


def of_visitor(user: User) -> list[ChatSession]:
    """A signed-in visitor's own chats, newest first."""
    return list(db.session.scalars(select(ChatSession).where(ChatSession.visitor_user_id == user.id)
                                   .order_by(ChatSession.id.desc()).limit(100)))


# --- messages ---------------------------------------------------------------------------------------------------------------


# --- the queue and routing ------------------------------------------------------------------------------------------


# --- ending ------------------------------------------------------------------------------------------------------------


# --- offline questions ---------------------------------------------------------------------------------------------------


# --- transfer -------------------------------------------------------------------------------------------------------------


# --- the desk's views ----------------------------------------------------------------------------------------------------


# --- from a chat to the rest of the desk ---------------------------------------------------------------------------------


