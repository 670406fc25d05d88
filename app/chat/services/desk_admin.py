"""The desk's managed lists and settings, kept by the Live Chat supervisor: topics, service hours and time limits,
blocked visitors; and each agent's availability.

Service hours: office hours (``opens_at``-``closes_at``, Bangkok time) on the project's working days
(``workflows.calendar``: the package holidays with the administrator's special days). A chat started outside them
is offered to leave a question at once.
"""

from __future__ import annotations

import re
from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.accounts.models import Membership, Role, User
from app.chat.models import Availability, ChatAgentState, ChatBlock, ChatSettings, ChatTopic
from app.chat.services import events
from app.chat.services.errors import ChatConflict, InvalidInput, NotAllowed
from app.core.conflicts import flush_or_conflict
from app.core.extensions import db
from app.core.types import utcnow
from app.core.unit_memo import memo
from app.core.workflow import record_audit
from app.knowledge.services import faq_entries
from workflows.calendar import BANGKOK, is_working_day

AGENT = Role.chat_agent.value
SUPERVISOR = Role.chat_supervisor.value
STAFF_ROLES = {AGENT, SUPERVISOR}
HOUR = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_CHATS_LIMIT = 20
LIMITS = {  # setting -> (smallest, largest)
    "accept_minutes": (1, 240),
    "idle_remind_minutes": (1, 240),
    "idle_close_minutes": (1, 240),
    "offline_answer_days": (1, 30),
    "default_max_chats": (1, MAX_CHATS_LIMIT),
}
DEFAULT_TOPICS = [("การลงทะเบียนผู้ค้าและหน่วยงาน", "Registration"), ("e-bidding", "e-bidding"),
                  ("วิธีเฉพาะเจาะจง", "Specific method"), ("หลักประกันสัญญา", "Contract guarantee"),
                  ("ราคากลาง", "Reference price"), ("อื่น ๆ", "Other")]


# --- who works here ---------------------------------------------------------------------------------------------


def is_agent(user: User | None) -> bool:
    """An agent or a supervisor of the chat team (the knowledge base's agency is the desk's)."""
    return faq_entries.is_staff(user)


def is_supervisor(user: User | None) -> bool:
    return faq_entries.is_supervisor(user)


def require_agent(user: User | None) -> None:
    if not is_agent(user):
        raise NotAllowed()


def require_supervisor(user: User | None) -> None:
    if not is_supervisor(user):
        raise NotAllowed()


def agents() -> list[User]:
    """Everyone who answers chats, by name; read once a unit of work (the desk shows them and its forms offer
    them)."""
    return memo(("chat agents",), lambda: list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.role.in_(STAFF_ROLES), Membership.active, User.active).distinct().order_by(User.display_name))),
        depends_on=(User, Membership))


# --- settings ----------------------------------------------------------------------------------------------------


def current() -> ChatSettings:
    """The desk's settings, read once a unit of work (a page asks for them for the hours and again for the form;
    the session lets go of a row nobody holds, and read it again)."""
    return memo(("chat settings",), _read_settings, depends_on=(ChatSettings,))


def _read_settings() -> ChatSettings:
    row = db.session.get(ChatSettings, 1)
    if row is None:
        row = ChatSettings(id=1, opens_at="08:30", closes_at="16:30", accept_minutes=5, idle_remind_minutes=10,
                           idle_close_minutes=15, offline_answer_days=2, default_max_chats=3)
        db.session.add(row)
        db.session.flush()
    return row


def serialise_starts() -> None:
    """Chats started at the same moment take their numbers, and their agents, one after the other: a row lock on
    the desk's settings until the transaction ends (PostgreSQL; SQLite lets one writer in at a time anyway). Without
    it a burst of visitors would race for the same number and retry, and two could be routed past an agent's
    maximum."""
    current()
    db.session.execute(select(ChatSettings.id).where(ChatSettings.id == 1).with_for_update())


def save_settings(user: User, values: dict, lock_version: int | None) -> ChatSettings:
    require_supervisor(user)
    row = current()
    if lock_version is not None and lock_version != row.lock_version:
        raise ChatConflict()
    opens, closes = (values.get("opens_at") or "").strip(), (values.get("closes_at") or "").strip()
    for name, value in (("opens_at", opens), ("closes_at", closes)):
        if not HOUR.match(value):
            raise InvalidInput(_l("Give the time as HH:MM, e.g. 08:30."), field=name)
    if closes <= opens:
        raise InvalidInput(_l("The desk must close after it opens."), field="closes_at")
    numbers = {}
    for name, (low, high) in LIMITS.items():
        value = values.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise InvalidInput(_l("Enter a whole number from %(low)d to %(high)d.", low=low, high=high), field=name)
        numbers[name] = value
    before = {"opens_at": row.opens_at, "closes_at": row.closes_at} | {n: getattr(row, n) for n in LIMITS}
    row.opens_at, row.closes_at = opens, closes
    for name, value in numbers.items():
        setattr(row, name, value)
    row.updated_at, row.updated_by_id = utcnow(), user.id
    flush_or_conflict(ChatConflict)
    record_audit("chat.settings_saved", actor_id=user.id, object_type="chat_settings", object_id=1, before=before,
                 after={"opens_at": opens, "closes_at": closes} | numbers)
    return row


def clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def in_service_hours(moment: datetime, row: ChatSettings | None = None) -> bool:
    row = row or current()
    local = moment.astimezone(BANGKOK)
    return (is_working_day(local.date()) and clock(row.opens_at) <= local.time().replace(tzinfo=None)
            < clock(row.closes_at))


# --- topics ------------------------------------------------------------------------------------------------------


def topics(active_only: bool = True) -> list[ChatTopic]:
    """The desk's topics in their order (made on first sight), read once a unit of work: a page lists them and its
    form offers them."""
    return memo(("chat topics", active_only), lambda: _topics(active_only), depends_on=(ChatTopic,))


def _topics(active_only: bool) -> list[ChatTopic]:
    query = select(ChatTopic).order_by(ChatTopic.position, ChatTopic.id)
    if active_only:
        query = query.where(ChatTopic.active)
    rows = list(db.session.scalars(query))
    if not rows and not db.session.scalar(select(func.count()).select_from(ChatTopic)):
        for position, (name_th, name_en) in enumerate(DEFAULT_TOPICS, start=1):
            db.session.add(ChatTopic(name_th=name_th, name_en=name_en, position=position, active=True))
        db.session.flush()
        rows = list(db.session.scalars(query))
    return rows


def save_topic(user: User, name_th: str, name_en: str | None, position: int, active: bool = True,
               topic_id: int | None = None) -> ChatTopic:
    require_supervisor(user)
    name_th, name_en = (name_th or "").strip(), (name_en or "").strip() or None
    if not name_th or len(name_th) > 255:
        raise InvalidInput(_l("Give the topic a name (at most 255 characters)."), field="name_th")
    if name_en and len(name_en) > 255:
        raise InvalidInput(_l("At most %(max)d characters.", max=255), field="name_en")
    if not isinstance(position, int) or not 0 <= position <= 1000:
        raise InvalidInput(_l("Enter a whole number from %(low)d to %(high)d.", low=0, high=1000), field="position")
    clash = db.session.scalar(select(ChatTopic).where(ChatTopic.name_th == name_th))
    if clash is not None and clash.id != topic_id:
        raise InvalidInput(_l("A topic with this name already exists."), field="name_th")
    topic = db.session.get(ChatTopic, topic_id) if topic_id else ChatTopic()
    if topic is None:
        raise InvalidInput(_l("There is no such topic."), field="topic_id")
    topic.name_th, topic.name_en, topic.position, topic.active = name_th, name_en, position, active
    db.session.add(topic)
    db.session.flush()
    record_audit("chat.topic_saved", actor_id=user.id, object_type="chat_topic", object_id=topic.id,
                 after={"name_th": name_th, "active": active, "position": position})
    return topic


# --- availability -------------------------------------------------------------------------------------------------


def state_of(user_id: int) -> ChatAgentState:
    state = db.session.get(ChatAgentState, user_id)
    if state is None:
        state = ChatAgentState(user_id=user_id, status=Availability.offline, max_chats=current().default_max_chats,
                               updated_at=utcnow())
        db.session.add(state)
        db.session.flush()
    return state


def set_availability(user: User, status: str, max_chats: int | None = None) -> ChatAgentState:
    require_agent(user)
    if status not in Availability.ALL:
        raise InvalidInput(_l("Choose online, away or offline."), field="status")
    if max_chats is not None and (not isinstance(max_chats, int) or isinstance(max_chats, bool)
                                  or not 1 <= max_chats <= MAX_CHATS_LIMIT):
        raise InvalidInput(_l("Enter a whole number from %(low)d to %(high)d.", low=1, high=MAX_CHATS_LIMIT),
                           field="max_chats")
    state = state_of(user.id)
    state.status = status
    if max_chats is not None:
        state.max_chats = max_chats
    state.updated_at = utcnow()
    db.session.flush()
    events.publish(db.session, events.DESK, "desk_changed", {})
    return state


# --- blocking -------------------------------------------------------------------------------------------------------


def is_blocked(address: str | None, user_id: int | None) -> bool:
    clauses = []
    if address:
        clauses.append(ChatBlock.address == address)
    if user_id:
        clauses.append(ChatBlock.user_id == user_id)
    if not clauses:
        return False
    from sqlalchemy import or_

    return db.session.scalar(select(func.count()).select_from(ChatBlock).where(
        ChatBlock.lifted_at.is_(None), or_(*clauses))) > 0


def block(user: User, *, session_id: int, reason: str) -> ChatBlock:
    """Block the visitor of a chat (their account when signed in, else their network address); audited."""
    from app.chat.models import ChatSession

    require_supervisor(user)
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise InvalidInput(_l("Say why the visitor is blocked (at most 500 characters)."), field="reason")
    chat = db.session.get(ChatSession, session_id)
    if chat is None:
        raise InvalidInput(_l("There is no such chat."), field="session_id")
    row = ChatBlock(address=None if chat.visitor_user_id else chat.visitor_address, user_id=chat.visitor_user_id,
                    session_id=chat.id, reason=reason, created_by_id=user.id, created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    record_audit("chat.visitor_blocked", actor_id=user.id, object_type="chat_session", object_id=chat.id,
                 comment=reason, after={"block_id": row.id, "by_account": bool(chat.visitor_user_id)})
    return row


def lift_block(user: User, block_id: int) -> ChatBlock:
    require_supervisor(user)
    row = db.session.get(ChatBlock, block_id)
    if row is None or row.lifted_at is not None:
        raise InvalidInput(_l("There is no such block."), field="block_id")
    db.session.execute(update(ChatBlock).where(ChatBlock.id == block_id).values(lifted_at=utcnow()))
    record_audit("chat.block_lifted", actor_id=user.id, object_type="chat_block", object_id=block_id)
    return row


def blocks() -> list[ChatBlock]:
    return list(db.session.scalars(select(ChatBlock).where(ChatBlock.lifted_at.is_(None)).order_by(ChatBlock.id.desc())))
