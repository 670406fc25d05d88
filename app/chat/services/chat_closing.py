"""A chat's end: the visitor ending it, the agent closing it with its topic, the rating, and the question left when
no agent was free."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.chat.models import (
    ChatSession,
    ChatStatus,
    ChatTopic,
)
from app.chat.services import desk_admin, events
from app.chat.services.chat_messages import system_message
from app.chat.services.chat_queue import queue_changed, route_queue, status_payload, tell_workflow
from app.chat.services.chats import BUSINESS_TYPE, EMAIL, EMAIL_MAX, MESSAGE, QUESTION_MAX, can_write, clean_line, clean_text, conflicts_reported
from app.chat.services.errors import (
    InvalidInput,
    NotAllowed,
    WrongState,
)
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from workflows import engine


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
    queue_changed()
    if freed:
        route_queue()


def visitor_ends(chat: ChatSession) -> ChatSession:
    if chat.status not in (ChatStatus.queued, ChatStatus.offered, ChatStatus.active):
        raise WrongState(_l("This chat has already ended."))
    _close(chat, "visitor", None)
    tell_workflow(chat, "close", None, by="visitor")
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
    tell_workflow(chat, "close", user.id, by="agent")
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
    tell_workflow(chat, "question", chat.visitor_user_id)
    system_message(chat, _l("Your question was left for the desk. The answer will appear on this page"
                            " and be sent by e-mail if you gave an address."))
    events.publish(db.session, events.chat_room(chat.id), "status", status_payload(chat))
    queue_changed()
    return chat


