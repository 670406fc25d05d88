"""The Live Chat supervisor's settings over the API, as the settings page keeps them: service hours and time
limits (with the version read, so that two supervisors saving at once do not overwrite each other), topics, and
blocking a visitor or lifting a block; and the console's helpers an agent uses while answering: the FAQ entries
close to a text and a standard answer filled in for a chat. Same services, checks and audit as the pages."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from app.chat.services import desk_admin
from app.chat.services.errors import ChatError
from app.chat.views.desk_api import READ, TAG, WRITE, acted, chat_for_staff, refused
from app.core import api
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.helpdesk.models import StandardAnswer
from app.helpdesk.services import helpdesk_staff
from app.knowledge.services import faq_search
from forms.api import Id, Line, Request, RequiredLine, RequiredText

bp = api.blueprint("chat_desk_settings", __name__)
_REFUSALS = {"HTTP_409": ErrorBody}
_HOUR = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="HH:MM, Bangkok time")


class SettingsValues(BaseModel):
    opens_at: str = Field(description="HH:MM, Bangkok time, on working days")
    closes_at: str
    accept_minutes: int = Field(description="minutes a visitor waits before being offered to leave a question")
    idle_remind_minutes: int = Field(description="minutes of the visitor's silence before a reminder")
    idle_close_minutes: int = Field(description="minutes after the reminder before the chat closes")
    offline_answer_days: int = Field(description="working days to answer a question left offline")
    default_max_chats: int = Field(description="chats an agent takes at once, unless they set their own")


class Topic(BaseModel):
    id: int
    name_th: str
    name_en: str | None
    position: int
    active: bool


class Block(BaseModel):
    id: int
    reason: str
    by_account: bool = Field(description="the visitor's account is blocked (else their network address)")
    chat_id: int | None
    created_at: datetime


class Settings(SettingsValues):
    lock_version: int = Field(description="send it back when saving: a change made meanwhile is a 409")
    topics: list[Topic] = Field(description="every topic, those no longer in use too")
    blocks: list[Block] = Field(description="the blocks in force, newest first")


class SettingsChange(Request):
    opens_at: str = _HOUR
    closes_at: str = _HOUR
    accept_minutes: int
    idle_remind_minutes: int
    idle_close_minutes: int
    offline_answer_days: int
    default_max_chats: int
    lock_version: Id = Field(description="the version read with the settings")


class TopicFields(Request):
    topic_id: Id | None = Field(None, description="the topic changed; left out: a new topic")
    name_th: RequiredLine = Field(max_length=255)
    name_en: Line | None = Field(None, max_length=255)
    position: int = Field(0, ge=0, le=1000)
    active: bool = True


class BlockReason(Request):
    reason: RequiredText = Field(max_length=500)


class Suggestion(BaseModel):
    id: int
    question: str
    excerpt: str
    topic: str | None
    url: str = Field(description="the entry's public page")


class Suggestions(BaseModel):
    suggestions: list[Suggestion]


class SuggestQuery(Request):
    q: str = Field("", max_length=2000, description="what the agent is answering")


class ChatFilledAnswer(BaseModel):
    text: str = Field(description="the standard answer with the chat's number, the visitor's and the agent's name")


def _supervisor(user) -> None:
    if not desk_admin.is_supervisor(user):
        raise ApiError(403)


def _settings() -> Settings:
    row = desk_admin.current()
    return Settings(
        **{name: getattr(row, name) for name in SettingsValues.model_fields}, lock_version=row.lock_version,
        topics=[Topic(id=t.id, name_th=t.name_th, name_en=t.name_en, position=t.position, active=t.active)
                for t in desk_admin.topics(active_only=False)],
        blocks=[Block(id=b.id, reason=b.reason, by_account=b.user_id is not None, chat_id=b.session_id,
                      created_at=b.created_at) for b in desk_admin.blocks()])


@bp.get("/chat-desk/settings")
@api.operation(READ, tag=TAG, resp={"HTTP_200": Settings})
def get_settings():
    """The desk's service hours, time limits, topics and blocks (the chat supervisor)"""
    _supervisor(api.current_user_of_token())
    settings = _settings()
    db.session.commit()  # the defaults, written the first time they are read
    return settings


@bp.post("/chat-desk/settings")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": Settings, **_REFUSALS})
def save_settings(json: SettingsChange):
    """Save the service hours and time limits"""
    values = json.model_dump(exclude={"lock_version"})
    acted(lambda user: desk_admin.save_settings(user, values, json.lock_version))
    return _settings()


@bp.post("/chat-desk/topics")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": Topic})
def save_topic(json: TopicFields):
    """Add a topic, or change one (its name, order, whether it is in use)"""
    topic = acted(lambda user: desk_admin.save_topic(user, json.name_th, json.name_en, json.position, json.active,
                                                     json.topic_id))
    return Topic(id=topic.id, name_th=topic.name_th, name_en=topic.name_en, position=topic.position,
                 active=topic.active)


@bp.post("/chat-desk/chats/<int:chat_id>/block")
@api.operation(WRITE, tag=TAG, resp={"HTTP_201": Block})
def block(chat_id: int, json: BlockReason):
    """Block the chat's visitor (their account when signed in, else their network address); the chat supervisor"""
    chat = chat_for_staff(chat_id)
    row = acted(lambda user: desk_admin.block(user, session_id=chat.id, reason=json.reason))
    return Block(id=row.id, reason=row.reason, by_account=row.user_id is not None, chat_id=row.session_id,
                 created_at=row.created_at), 201


@bp.post("/chat-desk/blocks/<int:block_id>/lift")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": Settings})
def lift_block(block_id: int):
    """Lift a block: the visitor may chat again"""
    user = api.current_user_of_token()
    _supervisor(user)
    try:
        desk_admin.lift_block(user, block_id)
        db.session.commit()
    except ChatError as exc:
        raise ApiError(404) if exc.field == "block_id" else refused(exc) from None
    return _settings()


@bp.get("/chat-desk/suggest")
@api.operation(READ, tag=TAG, resp={"HTTP_200": Suggestions})
def suggest(query: SuggestQuery):
    """The public FAQ's entries closest to a text (the same as the suggestions the public sees)"""
    if not desk_admin.is_agent(api.current_user_of_token()):
        raise ApiError(403)
    return Suggestions(suggestions=[Suggestion(**found.as_dict()) for found in faq_search.suggest(query.q)])


@bp.get("/chat-desk/chats/<int:chat_id>/answers/<int:answer_id>")
@api.operation(READ, tag=TAG, resp={"HTTP_200": ChatFilledAnswer})
def filled_answer(chat_id: int, answer_id: int):
    """A standard answer of the IR desk's library with its placeholders filled for this chat"""
    user = api.current_user_of_token()
    chat = chat_for_staff(chat_id)
    found = db.session.get(StandardAnswer, answer_id)
    if found is None or not found.active:
        raise ApiError(404)
    return ChatFilledAnswer(text=helpdesk_staff.fill_placeholders(found, {
        "ticket_number": chat.number, "reporter_name": chat.visitor_name or "", "project_number": "",
        "agent_name": user.display_name}))
