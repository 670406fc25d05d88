"""Live Chat's agent console over the API (REST; the browser's console keeps its socket): the desk (the queue, my
chats, my availability), accepting a chat, reading and writing in it (internal notes too), transferring it, closing
it with its topic, proposing an answer for the FAQ and turning a chat into an IR Online report. Chat agents and
supervisors only (the services check it: 403). The same services as the socket's and the console's; whoever is
told of a change (the visitor's page, the other consoles) is told as when it is done from the console.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.chat.services import chat_closing, chat_desk, chat_messages, chat_queue, chats, desk_admin
from app.chat.services.errors import ChatError
from app.core import api
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.knowledge.services import faq_errors
from forms.api import Id, Line, Request, RequiredText

bp = api.blueprint("chat_desk", __name__)
TAG = "chat"
READ, WRITE = "chat:read", "chat:write"
_REFUSALS = {"HTTP_409": ErrorBody}


class Desk(BaseModel):
    """What the console shows: the queue (waiting seconds), my active chats (a supervisor: everyone's), my
    availability and, for a supervisor, every agent's."""

    queue: list[dict[str, Any]]
    chats: list[dict[str, Any]]
    me: dict[str, Any]
    supervisor: bool
    agents: list[dict[str, Any]] | None = None


class Availability(Request):
    status: Literal["online", "away", "offline"]
    max_chats: int | None = Field(None, ge=1, le=desk_admin.MAX_CHATS_LIMIT, description="how many chats at once (unchanged when left out)")


class ChatQuery(Request):
    since: int = Field(0, ge=0, le=2**31 - 1, description="only the messages after this message id")


class ChatStatus(BaseModel):
    chat_id: int
    status: str
    agent: str
    rated: bool


class StaffChat(BaseModel):
    number: str
    question: str
    visitor_name: str | None
    topic_id: int | None
    status: ChatStatus
    messages: list[dict[str, Any]] = Field(description="the conversation, internal notes included")


class AgentSays(Request):
    body: RequiredText
    note: bool = Field(False, description="an internal note: never shown to the visitor")
    client_ref: Line | None = Field(None, max_length=64, description="the client's own id: a resend is stored once")


class AgentSaid(BaseModel):
    message: dict[str, Any]
    new: bool = Field(description="false: this client_ref was stored before; the first message is answered")


class Transfer(Request):
    agent_id: Id | None = None
    team_id: Id | None = None


class Closing(Request):
    topic_id: Id = Field(description="what the chat was about")


class Proposed(BaseModel):
    entry_id: int = Field(description="the FAQ entry now in review")


class ToIr(Request):
    category_id: Id


class IrReport(BaseModel):
    number: str


def refused(exc: ChatError) -> ApiError:
    fields = {exc.field: [str(exc.message)]} if exc.field and exc.status == 422 else None
    return ApiError(exc.status, exc.message, fields=fields, reason=type(exc).__name__)


def acted(action):
    try:
        result = action(api.current_user_of_token())
        db.session.commit()
    except ChatError as exc:
        raise refused(exc) from None
    return result


def chat_for_staff(chat_id: int):
    try:
        return chats.for_staff(api.current_user_of_token(), chat_id)
    except ChatError as exc:
        raise refused(exc) from None


def _status(chat) -> ChatStatus:
    return ChatStatus(**chat_queue.status_payload(chat))


@bp.get("/chat-desk")
@api.operation(READ, tag=TAG, resp={"HTTP_200": Desk})
def desk():
    """The console: the queue, my chats, my availability (chat agents)"""
    try:
        return Desk(**chat_desk.desk(api.current_user_of_token()))
    except ChatError as exc:
        raise refused(exc) from None


@bp.post("/chat-desk/availability")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": Desk})
def availability(json: Availability):
    """Go online, away or offline, and set how many chats I take at once; a waiting chat may come to me"""

    def set_it(user):
        desk_admin.set_availability(user, json.status, json.max_chats)
        chat_queue.route_queue()

    acted(set_it)
    return Desk(**chat_desk.desk(api.current_user_of_token()))


@bp.get("/chat-desk/chats/<int:chat_id>")
@api.operation(READ, tag=TAG, resp={"HTTP_200": StaffChat})
def get_chat(chat_id: int, query: ChatQuery):
    """A chat and its conversation (internal notes too), from a message on"""
    chat = chat_for_staff(chat_id)
    return StaffChat(number=chat.number, question=chat.question, visitor_name=chat.visitor_name,
                     topic_id=chat.topic_id, status=_status(chat),
                     messages=chat_messages.messages_for(chat, staff=True, since=query.since))


@bp.post("/chat-desk/chats/<int:chat_id>/accept")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": ChatStatus, **_REFUSALS})
def accept(chat_id: int):
    """Take a waiting chat"""
    chat = chat_for_staff(chat_id)
    acted(lambda user: chat_queue.accept(user, chat))
    return _status(chat)


@bp.post("/chat-desk/chats/<int:chat_id>/messages")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": AgentSaid, **_REFUSALS})
def agent_says(chat_id: int, json: AgentSays):
    """Write to the visitor, or add an internal note"""
    chat = chat_for_staff(chat_id)
    message, new = acted(lambda user: chat_messages.agent_says(user, chat, json.body, json.client_ref, note=json.note))
    return AgentSaid(message=chat_messages.payload(message), new=new)


@bp.post("/chat-desk/chats/<int:chat_id>/transfer")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": ChatStatus, **_REFUSALS})
def transfer(chat_id: int, json: Transfer):
    """Hand the chat to a colleague, or to whoever of a team is free"""
    chat = chat_for_staff(chat_id)
    acted(lambda user: chat_desk.transfer(user, chat, agent_id=json.agent_id, team_id=json.team_id))
    return _status(chat)


@bp.post("/chat-desk/chats/<int:chat_id>/close")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": ChatStatus, **_REFUSALS})
def close(chat_id: int, json: Closing):
    """Close the chat with its topic"""
    chat = chat_for_staff(chat_id)
    acted(lambda user: chat_closing.agent_closes(user, chat, json.topic_id))
    return _status(chat)


@bp.post("/chat-desk/chats/<int:chat_id>/ir")
@api.operation(WRITE, tag=TAG, resp={"HTTP_201": IrReport, **_REFUSALS})
def to_ir_report(chat_id: int, json: ToIr):
    """A problem with e-GP rather than a question: an IR Online report made from the chat"""
    chat = chat_for_staff(chat_id)
    return IrReport(number=acted(lambda user: chat_desk.to_ir_report(user, chat, json.category_id))), 201


@bp.post("/chat-desk/messages/<int:message_id>/propose")
@api.operation(WRITE, tag=TAG, resp={"HTTP_201": Proposed, **_REFUSALS})
def propose(message_id: int):
    """Propose an agent's answer for the public FAQ (a supervisor reviews it)"""
    try:
        return Proposed(entry_id=acted(lambda user: chat_desk.propose_faq(user, message_id))), 201
    except faq_errors.KnowledgeError as exc:
        status = 409 if isinstance(exc, faq_errors.AlreadyProposed) else 422
        raise api.refusal(status, exc) from None
