"""Live Chat: a visitor's chat with the desk, from the question to the rating.

The chat's life is ``workflows/chat_session.bpmn``; this module changes the chat's rows and tells the diagram
what happened (one message, ``chat_event``, its ``action`` in the payload: accept, question, close, rate). The
conversation itself never touches the diagram: a message is one INSERT, so a busy desk costs the engine nothing.

Rules kept here:
- the follow-up link (``follow_token``) is never stored: ``<number>-<HMAC(secret key, id, nonce)>``, as IR
  Online's; the visitor's page, the transcript and the offline answer are reached with it;
- a message is stored before anyone is told (``events``); sending it again with the same ``client_ref`` stores
  nothing new and answers with the first one, so a client may repeat what it is not sure arrived;
- internal notes never reach the visitor: ``messages_for(..., staff=False)`` is what the visitor's side reads;
- routing: a new chat goes to the online agent with the fewest chats below their maximum; when none is free it
  waits in the queue, from which agents also pick; a freed agent takes the longest-waiting chat;
- two people acting at once: the chat's ``lock_version`` makes the later one fail with ``ChatConflict``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.chat.models import (
    Availability,
    ChatAgentState,
    ChatAttachment,
    ChatMessage,
    ChatSession,
    ChatStatus,
    ChatTopic,
    MessageKind,
    VisitorType,
)
from app.chat.services import desk_admin, events
from app.chat.services.errors import (
    AtCapacity,
    Blocked,
    ChatConflict,
    ChatNotFound,
    InvalidInput,
    NotAllowed,
    WrongState,
)
from app.core import settings, thai_dates
from app.core.conflicts import reported_as
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.knowledge import services as knowledge
from workflows import engine
from workflows.calendar import BANGKOK

PROCESS_ID = "chat_session"
BUSINESS_TYPE = "chat_session"
MESSAGE = "chat_event"
NUMBER = re.compile(r"^LC\d{7,}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
QUESTION_MAX, NAME_MAX, EMAIL_MAX, CLIENT_REF_MAX = 2000, 100, 255, 64
DEFAULT_WAIT_SECONDS = 120
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


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
    if _CONTROLS.search(text):
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


@dataclass
class StartInput:
    visitor_type: str
    topic_id: int | None
    question: str
    name: str | None = None
    email: str | None = None
    user_id: int | None = None
    address: str | None = None


def _new_number(now: datetime) -> str:
    """LC + the Buddhist-era year's last two digits + a running number of the year: LC6900123."""
    prefix = f"LC{thai_dates.buddhist_year(now.astimezone(BANGKOK).year) % 100:02d}"
    last = db.session.scalar(select(func.max(ChatSession.number)).where(ChatSession.number.like(f"{prefix}%")))
    return f"{prefix}{(int(last[len(prefix):]) + 1 if last else 1):05d}"


def _validate(data: StartInput) -> dict:
    if data.visitor_type not in VisitorType.ALL:
        raise InvalidInput(_l("Choose who you are asking as."), field="visitor_type")
    topic = db.session.get(ChatTopic, data.topic_id) if isinstance(data.topic_id, int) else None
    if topic is None or not topic.active:
        raise InvalidInput(_l("Choose the topic of your question."), field="topic_id")
    question = clean_text(data.question, "question", QUESTION_MAX, required=True, missing=_l("Write your question."))
    name = clean_line(data.name, "name", NAME_MAX)
    email = clean_line(data.email, "email", EMAIL_MAX)
    if email and not EMAIL.match(email):
        raise InvalidInput(_l("Enter a valid e-mail address."), field="email")
    return {"visitor_type": data.visitor_type, "topic_id": topic.id, "question": question, "visitor_name": name,
            "visitor_email": email}


def start(data: StartInput) -> ChatSession:
    """Queue a chat (or offer to leave a question when the desk is closed) and route it when an agent is free."""
    values = _validate(data)
    if desk_admin.is_blocked(data.address, data.user_id):
        raise Blocked()
    user = db.session.get(User, data.user_id) if data.user_id else None
    if user is not None:
        values["visitor_name"] = values["visitor_name"] or user.display_name
        values["visitor_email"] = values["visitor_email"] or user.email
    desk_admin.serialise_starts()
    now = utcnow().replace(microsecond=0)
    for _attempt in range(5):
        chat = ChatSession(number=_new_number(now), follow_nonce=secrets.token_hex(16), status=ChatStatus.queued,
                           channel="account" if user else "web", visitor_user_id=user.id if user else None,
                           visitor_address=(data.address or "")[:64] or None, created_at=now, last_visitor_at=now,
                           **values)
        try:
            with db.session.begin_nested():
                db.session.add(chat)
            break
        except IntegrityError:
            continue
    else:
        raise ChatConflict()
    first = ChatMessage(session_id=chat.id, kind=MessageKind.visitor, author_name=chat.visitor_name,
                        author_user_id=chat.visitor_user_id, body=chat.question, created_at=now)
    db.session.add(first)
    db.session.flush()
    agency = knowledge.knowledge_agency()
    instance = engine.start(PROCESS_ID, title=f"{chat.number} · {chat.question[:80]}", business_type=BUSINESS_TYPE,
                            business_id=chat.id, agency_id=agency.id, agency_path=agency.path,
                            data={"chat_id": chat.id}, actor_id=chat.visitor_user_id)
    chat.instance_id = instance.id
    record_audit("chat.started", actor_id=chat.visitor_user_id, instance_id=instance.id, object_type=BUSINESS_TYPE,
                 object_id=chat.id, after={"number": chat.number, "topic_id": chat.topic_id,
                                           "visitor_type": chat.visitor_type, "channel": chat.channel})
    db.session.flush()
    if chat.status == ChatStatus.queued:
        route(chat)
    _queue_changed()
    return chat


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
        if not isinstance(client_ref, str) or not 0 < len(client_ref) <= CLIENT_REF_MAX or _CONTROLS.search(client_ref):
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


# --- the queue and routing ------------------------------------------------------------------------------------------


def _queue_changed() -> None:
    events.publish(db.session, events.DESK, "desk_changed", {})
    events.publish(db.session, events.QUEUE, "queue_changed", {})


def active_counts(user_ids: list[int] | None = None) -> dict[int, int]:
    query = (select(ChatSession.agent_id, func.count()).where(ChatSession.status == ChatStatus.active,
                                                              ChatSession.agent_id.is_not(None))
             .group_by(ChatSession.agent_id))
    if user_ids is not None:
        query = query.where(ChatSession.agent_id.in_(user_ids))
    return dict(db.session.execute(query).all())


def free_agents(team_member_ids: list[int] | None = None) -> list[int]:
    """Online agents below their maximum, the least busy first (a tie: who has waited longest since a change)."""
    query = select(ChatAgentState).where(ChatAgentState.status == Availability.online)
    if team_member_ids is not None:
        query = query.where(ChatAgentState.user_id.in_(team_member_ids))
    states = list(db.session.scalars(query.order_by(ChatAgentState.updated_at, ChatAgentState.user_id)))
    counts = active_counts([s.user_id for s in states]) if states else {}
    free = [(counts.get(s.user_id, 0), index, s.user_id) for index, s in enumerate(states)
            if counts.get(s.user_id, 0) < s.max_chats]
    return [user_id for _count, _index, user_id in sorted(free)]


def queued() -> list[ChatSession]:
    return list(db.session.scalars(select(ChatSession).where(ChatSession.status == ChatStatus.queued)
                                   .order_by(ChatSession.created_at, ChatSession.id)))


def route(chat: ChatSession) -> bool:
    """Give a queued chat to the first free agent; False when nobody is free (it stays in the queue)."""
    for user_id in free_agents():
        agent = db.session.get(User, user_id)
        if agent is not None and agent.active and desk_admin.is_agent(agent):
            _accept(agent, chat, routed=True)
            return True
    return False


def route_queue() -> int:
    """Give waiting chats to free agents, the longest-waiting first; how many were given."""
    given = 0
    for chat in queued():
        if not route(chat):
            break
        given += 1
    return given


def position(chat: ChatSession) -> tuple[int, int]:
    """The chat's place in the queue (1 = next) and an estimated wait in seconds."""
    if chat.status != ChatStatus.queued:
        return 0, 0
    ahead = db.session.scalar(select(func.count()).select_from(ChatSession).where(
        ChatSession.status == ChatStatus.queued, ChatSession.id < chat.id)) or 0
    recent = db.session.execute(select(ChatSession.created_at, ChatSession.accepted_at).where(
        ChatSession.accepted_at.is_not(None)).order_by(ChatSession.accepted_at.desc()).limit(20)).all()
    waits = [(accepted - created).total_seconds() for created, accepted in recent]
    average = sum(waits) / len(waits) if waits else DEFAULT_WAIT_SECONDS
    online = max(1, len(free_agents()) or db.session.scalar(select(func.count()).select_from(ChatAgentState).where(
        ChatAgentState.status == Availability.online)) or 1)
    return ahead + 1, int(max(30, average) * (ahead + 1) / online)


def _tell_workflow(chat: ChatSession, action: str, actor_id: int | None, **extra) -> None:
    with conflicts_reported():
        try:
            engine.deliver_message(MESSAGE, {"chat": {"chat_id": chat.id}}, {"action": action, **extra}, actor_id=actor_id)
        except engine.NotWaiting:
            raise WrongState() from None


def _accept(agent: User, chat: ChatSession, *, routed: bool) -> None:
    if chat.status != ChatStatus.queued:
        raise WrongState(_l("This chat is no longer waiting: someone else took it."))
    now = utcnow()
    with conflicts_reported():
        chat.status, chat.agent_id, chat.accepted_at, chat.last_visitor_at = ChatStatus.active, agent.id, now, now
        db.session.flush()
    _tell_workflow(chat, "accept", agent.id, agent_id=agent.id)
    system_message(chat, _l("%(name)s has joined the chat.", name=agent.display_name))
    events.publish(db.session, events.chat_room(chat.id), "status", status_payload(chat))
    events.publish(db.session, events.agent_room(agent.id), "assigned", {"chat_id": chat.id, "routed": routed})
    record_audit("chat.accepted", actor_id=agent.id, instance_id=chat.instance_id, object_type=BUSINESS_TYPE,
                 object_id=chat.id, after={"agent_id": agent.id, "routed": routed})
    _queue_changed()


def accept(agent: User, chat: ChatSession) -> ChatSession:
    """An agent picks a chat from the queue (within their maximum; a supervisor may go beyond it)."""
    desk_admin.require_agent(agent)
    state = desk_admin.state_of(agent.id)
    if active_counts([agent.id]).get(agent.id, 0) >= state.max_chats and not desk_admin.is_supervisor(agent):
        raise AtCapacity()
    _accept(agent, chat, routed=False)
    return chat


def status_payload(chat: ChatSession) -> dict:
    agent = db.session.get(User, chat.agent_id) if chat.agent_id else None
    return {"chat_id": chat.id, "status": chat.status, "agent": agent.display_name if agent else "",
            "rated": chat.rating is not None}


# --- ending ------------------------------------------------------------------------------------------------------------


def _close(chat: ChatSession, by: str, actor_id: int | None, topic_id: int | None = None) -> None:
    now = utcnow()
    freed = chat.agent_id
    with conflicts_reported():
        chat.status = ChatStatus.closed if chat.status == ChatStatus.active else ChatStatus.abandoned
        chat.closed_at, chat.closed_by, chat.close_topic_id = now, by, topic_id
        db.session.flush()
    system_message(chat, _l("The chat has ended.") if chat.status == ChatStatus.closed
                   else _l("The visitor left before an agent joined."))
    events.publish(db.session, events.chat_room(chat.id), "status", status_payload(chat))
    record_audit("chat.closed", actor_id=actor_id, instance_id=chat.instance_id, object_type=BUSINESS_TYPE,
                 object_id=chat.id, after={"by": by, "status": chat.status, "close_topic_id": topic_id})
    _queue_changed()
    if freed:
        route_queue()


def visitor_ends(chat: ChatSession) -> ChatSession:
    if chat.status not in (ChatStatus.queued, ChatStatus.offered, ChatStatus.active):
        raise WrongState(_l("This chat has already ended."))
    _close(chat, "visitor", None)
    _tell_workflow(chat, "close", None, by="visitor")
    return chat


def agent_closes(user: User, chat: ChatSession, topic_id) -> ChatSession:
    desk_admin.require_agent(user)
    if chat.status != ChatStatus.active:
        raise WrongState(_l("This chat has already ended."))
    if not can_write(user, chat):
        raise NotAllowed(_l("This chat is another agent's. A supervisor may step in."))
    topic = db.session.get(ChatTopic, topic_id) if isinstance(topic_id, int) and 0 < topic_id < 2**62 else None
    if topic is None:
        raise InvalidInput(_l("Choose the topic the chat was about."), field="topic_id")
    _close(chat, "agent", user.id, topic.id)
    _tell_workflow(chat, "close", user.id, by="agent")
    return chat


def rate(chat: ChatSession, rating, comment) -> ChatSession:
    if chat.status not in (ChatStatus.closed, ChatStatus.answered):
        raise WrongState(_l("A chat is rated once it has ended."))
    if chat.rating is not None:
        raise WrongState(_l("This chat has already been rated. Thank you."))
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise InvalidInput(_l("Choose from 1 to 5 stars."), field="rating")
    text = clean_text(comment, "comment", 1000, required=False)
    with conflicts_reported():
        chat.rating, chat.rating_comment, chat.rated_at = rating, text, utcnow()
        db.session.flush()
    if chat.status == ChatStatus.closed:
        try:
            engine.deliver_message(MESSAGE, {"chat": {"chat_id": chat.id}}, {"action": "rate"}, actor_id=chat.visitor_user_id)
        except engine.NotWaiting:
            pass  # the rating window closed in the diagram; the rating still counts
    record_audit("chat.rated", object_type=BUSINESS_TYPE, object_id=chat.id, instance_id=chat.instance_id,
                 after={"rating": rating})
    events.publish(db.session, events.chat_room(chat.id), "status", status_payload(chat))
    return chat


# --- offline questions ---------------------------------------------------------------------------------------------------


def leave_question(chat: ChatSession, question, email) -> ChatSession:
    """Instead of waiting: the question goes to an agent's task list, answered on the follow-up link."""
    if chat.status not in (ChatStatus.queued, ChatStatus.offered):
        raise WrongState(_l("This chat is no longer waiting for an agent."))
    text = clean_text(question, "question", QUESTION_MAX, required=False) or chat.question
    address = clean_line(email, "email", EMAIL_MAX)
    if address and not EMAIL.match(address):
        raise InvalidInput(_l("Enter a valid e-mail address."), field="email")
    with conflicts_reported():
        chat.status, chat.offline_question, chat.offline_at = ChatStatus.offline, text, utcnow()
        chat.visitor_email = address or chat.visitor_email
        db.session.flush()
    _tell_workflow(chat, "question", chat.visitor_user_id)
    system_message(chat, _l("Your question was left for the desk. The answer will appear on this page"
                            " and be sent by e-mail if you gave an address."))
    events.publish(db.session, events.chat_room(chat.id), "status", status_payload(chat))
    _queue_changed()
    return chat


# --- transfer -------------------------------------------------------------------------------------------------------------


def transfer(user: User, chat: ChatSession, *, agent_id=None, team_id=None) -> ChatSession:
    """Hand an active chat to another agent, or to the first free member of a team."""
    from app.helpdesk.services import helpdesk_staff

    desk_admin.require_agent(user)
    if chat.status != ChatStatus.active:
        raise WrongState()
    if not can_write(user, chat):
        raise NotAllowed(_l("This chat is another agent's. A supervisor may step in."))
    if agent_id is not None:
        target = db.session.get(User, agent_id) if isinstance(agent_id, int) and 0 < agent_id < 2**62 else None
        if target is None or not target.active or not desk_admin.is_agent(target) or target.id == chat.agent_id:
            raise InvalidInput(_l("Choose another agent of the chat team."), field="agent_id")
    elif team_id is not None:
        members = helpdesk_staff.team_members().get(team_id) if isinstance(team_id, int) else None
        if members is None:
            raise InvalidInput(_l("Choose a team."), field="team_id")
        free = [uid for uid in free_agents([m.id for m in members]) if uid != chat.agent_id]
        if not free:
            raise InvalidInput(_l("Nobody of that team is free now."), field="team_id")
        target = db.session.get(User, free[0])
    else:
        raise InvalidInput(_l("Choose an agent or a team."), field="agent_id")
    before = chat.agent_id
    with conflicts_reported():
        chat.agent_id, chat.team_id = target.id, team_id if team_id is not None else chat.team_id
        db.session.flush()
    system_message(chat, _l("%(name)s has taken over the chat.", name=target.display_name))
    events.publish(db.session, events.chat_room(chat.id), "status", status_payload(chat))
    events.publish(db.session, events.agent_room(target.id), "assigned", {"chat_id": chat.id, "routed": True})
    record_audit("chat.transferred", actor_id=user.id, instance_id=chat.instance_id, object_type=BUSINESS_TYPE,
                 object_id=chat.id, before={"agent_id": before}, after={"agent_id": target.id, "team_id": team_id})
    _queue_changed()
    return chat


# --- the desk's views ----------------------------------------------------------------------------------------------------


def desk(user: User) -> dict:
    """What an agent's console shows: the queue with waiting times, their chats, and (a supervisor) everyone's."""
    desk_admin.require_agent(user)
    now = utcnow()
    supervisor = desk_admin.is_supervisor(user)
    topics = {t.id: t.name_th for t in desk_admin.topics(active_only=False)}
    waiting = [{"id": c.id, "number": c.number, "topic": topics.get(c.topic_id, ""), "name": c.visitor_name or "",
                "question": c.question[:200], "waiting": int((now - c.created_at).total_seconds())} for c in queued()]
    query = select(ChatSession).where(ChatSession.status == ChatStatus.active)
    if not supervisor:
        query = query.where(ChatSession.agent_id == user.id)
    active = list(db.session.scalars(query.order_by(ChatSession.accepted_at)))
    names = {u.id: u.display_name for u in desk_admin.agents()}
    mine = [{"id": c.id, "number": c.number, "topic": topics.get(c.topic_id, ""), "name": c.visitor_name or "",
             "agent": names.get(c.agent_id, ""), "agent_id": c.agent_id, "mine": c.agent_id == user.id,
             "since": int((now - (c.accepted_at or now)).total_seconds())} for c in active]
    state = desk_admin.state_of(user.id)
    result = {"queue": waiting, "chats": mine, "me": {"status": state.status, "max_chats": state.max_chats},
              "supervisor": supervisor}
    if supervisor:
        counts = active_counts()
        states = {s.user_id: s for s in db.session.scalars(select(ChatAgentState))}
        result["agents"] = [{"id": uid, "name": name, "status": states[uid].status if uid in states else "offline",
                             "max_chats": states[uid].max_chats if uid in states else 0,
                             "chats": counts.get(uid, 0)} for uid, name in names.items()]
    return result


# --- from a chat to the rest of the desk ---------------------------------------------------------------------------------


def propose_faq(user: User, message_id) -> int:
    """An agent's good answer proposed for the public FAQ; returns the entry's id (review: faq_review.bpmn)."""
    desk_admin.require_agent(user)
    message = db.session.get(ChatMessage, message_id) if isinstance(message_id, int) and 0 < message_id < 2**62 else None
    if message is None or message.kind != MessageKind.agent:
        raise InvalidInput(_l("Only an agent's answer can be proposed for the FAQ."), field="message_id")
    chat = db.session.get(ChatSession, message.session_id)
    topic = db.session.get(ChatTopic, chat.topic_id)
    entry = knowledge.propose(chat.question[:knowledge.QUESTION_MAX], message.body, source_kind="chat",
                              source_ref=str(message.id), proposed_by_id=user.id,
                              topic=topic.name_th[:knowledge.TOPIC_MAX] if topic else None,
                              source_label=f"แชต {chat.number} ข้อความ #{message.id}")
    record_audit("chat.faq_proposed", actor_id=user.id, instance_id=chat.instance_id, object_type=BUSINESS_TYPE,
                 object_id=chat.id, after={"message_id": message.id, "faq_entry_id": entry.id})
    return entry.id


def to_ir_report(user: User, chat: ChatSession, category_id) -> str:
    """A problem with the e-GP system rather than a question: an IR Online report prefilled from the chat, linked
    to it; the visitor is told its number in the chat. Returns the report's number."""
    from app.helpdesk.services import helpdesk, helpdesk_intake

    desk_admin.require_agent(user)
    if chat.ticket_id is not None:
        raise WrongState(_l("This chat has already been turned into an IR report."))
    conversation = "\n".join(f"[{m['at']}] {m['author'] or m['kind']}: {m['body']}"
                             for m in messages_for(chat, staff=False) if m["kind"] != MessageKind.system)
    data = helpdesk_intake.ReportInput(reporter_type=chat.visitor_type, category_id=category_id,
                                subject=f"จากแชต {chat.number}: {' '.join(chat.question.split())}"[:helpdesk.MAX_SUBJECT],
                                description=conversation[:helpdesk.MAX_TEXT], contact_name=chat.visitor_name,
                                contact_email=chat.visitor_email)
    reporter = db.session.get(User, chat.visitor_user_id) if chat.visitor_user_id else None
    try:
        ticket, token = helpdesk_intake.report(data, reporter)
    except helpdesk.HelpdeskError as exc:
        raise InvalidInput(exc.message, field=exc.field) from None
    with conflicts_reported():
        chat.ticket_id = ticket.id
        db.session.flush()
    system_message(chat, _l("Your problem was filed as IR Online report %(number)s. Follow it here: %(url)s",
                            number=ticket.number, url=settings.external_url("ir.follow", token=token)))
    record_audit("chat.ir_report", actor_id=user.id, instance_id=chat.instance_id, object_type=BUSINESS_TYPE,
                 object_id=chat.id, after={"ticket": ticket.number})
    return ticket.number

