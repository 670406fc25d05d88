"""Live Chat's visitor side over the API, open to anyone as the chat page is: start a chat, then with its follow-up
token read it, write in it, end it and rate it. The same services and limits per address as the page's; the same
form checks a new chat after the request model has checked its shape."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import request
from pydantic import BaseModel, Field
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from app.chat.services import chat_closing, chat_messages, chat_queue, chats, desk_admin
from app.chat.services.errors import ChatError
from app.core import api
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from forms.api import Id, Line, Request, RequiredText, Text
from forms.chat import StartForm

bp = api.blueprint("chat", __name__)


class NewChat(Request):
    visitor_type: Line = Field(description="who is asking, as on the chat page")
    topic_id: Id
    question: RequiredText
    name: Line | None = None
    email: Line | None = None


class Said(Request):
    body: RequiredText
    client_ref: Line | None = Field(None, max_length=64, description="the client's own id: a resend is stored once")


class ChatRating(Request):
    rating: Literal[1, 2, 3, 4, 5]
    comment: Text | None = Field(None, max_length=1000)


class Chat(BaseModel):
    """A chat as its visitor sees it; ``follow_up_token``: the key to it, given once, when it starts."""

    number: str
    status: str
    question: str
    created_at: datetime
    closed_at: datetime | None
    rating: int | None
    messages: list[dict[str, Any]]
    follow_up_token: str | None = None


def visitor_view(chat, token: str | None = None) -> Chat:
    return Chat(number=chat.number, status=chat.status, question=chat.question, created_at=chat.created_at,
                closed_at=chat.closed_at, rating=chat.rating, follow_up_token=token,
                messages=chat_messages.messages_for(chat, staff=False))


def visitor_refusal(exc: ChatError) -> ApiError:
    fields = {exc.field: [str(exc.message)]} if exc.field and exc.status == 422 else None
    return ApiError(exc.status, exc.message, fields=fields)


@bp.post("/chat")
@api.operation(None, resp={"HTTP_201": Chat, "HTTP_403": ErrorBody, "HTTP_409": ErrorBody},
               limit="RATELIMIT_CHAT_START")
def start(json: NewChat):
    """Start a chat with the e-GP desk (anyone)"""
    form = StartForm(formdata=MultiDict([(k, str(v)) for k, v in json.model_dump().items() if v is not None]),
                     meta={"csrf": False})
    form.topic_id.choices = [SelectChoice(t.id, t.name_th) for t in desk_admin.topics()]
    if not form.validate():
        raise ApiError(422, fields={name: [str(e) for e in errors] for name, errors in form.errors.items()})
    try:
        chat = chat_queue.start(chat_queue.StartInput(
            visitor_type=form.visitor_type.data, topic_id=form.topic_id.data, question=form.question.data,
            name=form.name.data, email=form.email.data, user_id=None, address=request.remote_addr))
        db.session.commit()
    except ChatError as exc:
        raise visitor_refusal(exc) from None
    return visitor_view(chat, chats.follow_token(chat)), 201


def chat_of_token(token: str):
    chat = chats.by_token(token)
    if chat is None:
        raise ApiError(404)  # a wrong token and a missing chat look the same
    return chat


def _acted(token: str, action) -> Chat:
    chat = chat_of_token(token)
    try:
        action(chat)
        db.session.commit()
    except ChatError as exc:
        raise visitor_refusal(exc) from None
    return visitor_view(chat)


@bp.get("/chat/<token>")
@api.operation(None, resp={"HTTP_200": Chat})
def follow(token: str):
    """A chat and its conversation, by its follow-up token"""
    return visitor_view(chat_of_token(token))


@bp.post("/chat/<token>/messages")
@api.operation(None, resp={"HTTP_200": Chat, "HTTP_409": ErrorBody}, limit="RATELIMIT_CHAT_WRITE")
def say(token: str, json: Said):
    """Write in the chat"""
    return _acted(token, lambda chat: chat_messages.visitor_says(chat, json.body, json.client_ref))


@bp.post("/chat/<token>/end")
@api.operation(None, resp={"HTTP_200": Chat, "HTTP_409": ErrorBody}, limit="RATELIMIT_CHAT_WRITE")
def end(token: str):
    """End the chat"""
    return _acted(token, chat_closing.visitor_ends)


@bp.post("/chat/<token>/rate")
@api.operation(None, resp={"HTTP_200": Chat, "HTTP_409": ErrorBody}, limit="RATELIMIT_CHAT_WRITE")
def rate(token: str, json: ChatRating):
    """Rate the answer, once the chat has ended"""
    return _acted(token, lambda chat: chat_closing.rate(chat, json.rating, json.comment))
