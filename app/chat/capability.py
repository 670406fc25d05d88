"""What Live Chat plugs in: the visitor's pages (open to everyone), the agents' console, the real-time server,
the chat diagram's operations, its task form and partial, the chat team's roles, the history labels and the
refusals; and its settings (rate limits, message length, the Redis queue shared by several processes)."""

from __future__ import annotations

import os

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.accounts.models import Role
from app.chat.services import chats, errors
from app.chat.views import api, desk, desk_api, desk_settings_api, files_api, public, realtime
from app.core.capabilities import Capability, Labels, NavEntry

CHAT_TEAM = frozenset({Role.chat_agent.value, Role.chat_supervisor.value})

SETTINGS = {
    "RATELIMIT_CHAT_START": "10 per hour",  # new chats per address
    "RATELIMIT_CHAT_FOLLOW": "300 per hour",  # chat pages per address (wrong links count)
    "RATELIMIT_CHAT_WRITE": "60 per hour",  # files, ratings, questions, transcripts per address
    "RATELIMIT_CHAT_VISITOR": "30 per minute",  # events of one visitor's chat
    "RATELIMIT_CHAT_ADDRESS": "120 per minute",  # events from one address (visitors)
    "RATELIMIT_CHAT_STAFF": "600 per minute",  # events of one agent
    "CHAT_MESSAGE_MAX": 2000,  # characters of one message
}


def _init_app(app: Flask) -> None:
    for name, default in SETTINGS.items():
        if name not in app.config:
            value = os.environ.get(name)
            app.config[name] = default if value is None else type(default)(value)
    for name in ("CHAT_MESSAGE_QUEUE", "CHAT_CHANNEL"):  # the Redis queue, and the channel on it (one per site)
        if name not in app.config and os.environ.get(name):
            app.config[name] = os.environ[name]
    realtime.init_app(app)


CAPABILITY = Capability(
    name="chat",
    blueprints=(public.bp, desk.bp),
    # The visitor's side (open to anyone, like the chat page) and the agents' console (chat staff, with a token).
    api_blueprints=(api.bp, desk_api.bp, desk_settings_api.bp, files_api.bp),
    api_label=_l("Live Chat console"),
    operation_modules=("app.chat.services.steps",),
    form_modules=("forms.chat",),
    processes=(chats.PROCESS_ID,),
    task_partial="chat/_task_subject.html",
    labels=Labels(
        roles={
            Role.chat_agent.value: _l("Live Chat agent"),
            Role.chat_supervisor.value: _l("Live Chat supervisor"),
        },
        history={
            "chat.started": _l("Chat started"),
            "chat.accepted": _l("Chat accepted by an agent"),
            "chat.offered": _l("Visitor offered to leave a question"),
            "chat.closed": _l("Chat ended"),
            "chat.rated": _l("Chat rated"),
            "chat.transferred": _l("Chat transferred"),
            "chat.escalated": _l("Offline question escalated to the supervisor"),
            "chat.answered": _l("Offline question answered"),
            "chat.faq_proposed": _l("Answer proposed for the FAQ"),
            "chat.ir_report": _l("Chat turned into an IR report"),
            "chat.settings_saved": _l("Live Chat settings saved"),
            "chat.topic_saved": _l("Live Chat topic saved"),
            "chat.visitor_blocked": _l("Visitor blocked"),
            "chat.block_lifted": _l("Block lifted"),
        },
    ),
    messages={errors.ChatError: lambda exc: str(exc.message)},
    nav=(NavEntry("chat.console", _l("Live Chat"), 94, roles=CHAT_TEAM, element_id="nav-chat"),),
    public_pages=(public.bp.name,),
    private_pages=("chat_public", "chat", api.bp.name),
    init_app=_init_app,
)
