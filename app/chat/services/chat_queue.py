"""Starting a chat and finding it an agent: the checks of a new chat, its number, the queue, routing (the online agent
with the fewest chats below their maximum; a freed agent takes the longest-waiting chat) and an agent accepting it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.chat.models import (
    Availability,
    ChatAgentState,
    ChatMessage,
    ChatSession,
    ChatStatus,
    ChatTopic,
    MessageKind,
    VisitorType,
)
from app.chat.services import desk_admin, events
from app.chat.services.chat_messages import system_message
from app.chat.services.chats import (
    BUSINESS_TYPE,
    DEFAULT_WAIT_SECONDS,
    EMAIL,
    EMAIL_MAX,
    MESSAGE,
    NAME_MAX,
    PROCESS_ID,
    QUESTION_MAX,
    clean_line,
    clean_text,
    conflicts_reported,
)
from app.chat.services.errors import (
    AtCapacity,
    Blocked,
    ChatConflict,
    InvalidInput,
    WrongState,
)
from app.core import thai_dates
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.knowledge.services import faq_entries
from workflows import engine
from workflows.calendar import BANGKOK


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
    agency = faq_entries.knowledge_agency()
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
    queue_changed()
    return chat


def queue_changed() -> None:
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


def tell_workflow(chat: ChatSession, action: str, actor_id: int | None, **extra) -> None:
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
    tell_workflow(chat, "accept", agent.id, agent_id=agent.id)
    system_message(chat, _l("%(name)s has joined the chat.", name=agent.display_name))
    events.publish(db.session, events.chat_room(chat.id), "status", status_payload(chat))
    events.publish(db.session, events.agent_room(agent.id), "assigned", {"chat_id": chat.id, "routed": routed})
    record_audit("chat.accepted", actor_id=agent.id, instance_id=chat.instance_id, object_type=BUSINESS_TYPE,
                 object_id=chat.id, after={"agent_id": agent.id, "routed": routed})
    queue_changed()


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


