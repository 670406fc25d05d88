"""The agents' desk beyond one conversation: what the desk shows, transferring a chat to a colleague or a team, and
turning a chat into the rest of the desk's work (an FAQ proposal, an IR Online report)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.chat.models import (
    ChatAgentState,
    ChatMessage,
    ChatSession,
    ChatStatus,
    ChatTopic,
    MessageKind,
)
from app.chat.services import desk_admin, events
from app.chat.services.chat_messages import messages_for, system_message
from app.chat.services.chat_queue import active_counts, free_agents, queue_changed, queued, status_payload
from app.chat.services.chats import BUSINESS_TYPE, can_write, conflicts_reported
from app.chat.services.errors import (
    InvalidInput,
    NotAllowed,
    WrongState,
)
from app.core import settings
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.knowledge.services import faq_entries, faq_text


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
    queue_changed()
    return chat


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


def propose_faq(user: User, message_id) -> int:
    """An agent's good answer proposed for the public FAQ; returns the entry's id (review: faq_review.bpmn)."""
    desk_admin.require_agent(user)
    message = db.session.get(ChatMessage, message_id) if isinstance(message_id, int) and 0 < message_id < 2**62 else None
    if message is None or message.kind != MessageKind.agent:
        raise InvalidInput(_l("Only an agent's answer can be proposed for the FAQ."), field="message_id")
    chat = db.session.get(ChatSession, message.session_id)
    topic = db.session.get(ChatTopic, chat.topic_id)
    entry = faq_entries.propose(chat.question[:faq_text.QUESTION_MAX], message.body, source_kind="chat",
                              source_ref=str(message.id), proposed_by_id=user.id,
                              topic=topic.name_th[:faq_text.TOPIC_MAX] if topic else None,
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

