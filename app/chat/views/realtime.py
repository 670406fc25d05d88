"""Live Chat in real time: Socket.IO (Flask-SocketIO) on the ``/chat`` namespace, one server per app.

``make run`` serves it from the Flask process itself (threading mode; WebSocket through ``simple-websocket``, long
polling when a proxy or a browser will not upgrade). Several processes share rooms through Redis when
``CHAT_MESSAGE_QUEUE`` (by default ``REDIS_URL``) is set; gunicorn then runs
``gunicorn -k gthread --threads 50 -w 1 wsgi:app`` per process behind a proxy with sticky sessions (see
docs/chat.md). A test app uses no queue unless it names one.

Who connects: a visitor with the chat's follow-up token (``auth={"token": ...}``), or a signed-in agent or
supervisor of the chat team (their session cookie). Every event answers through its acknowledgement:
``{"ok": true, ...}`` or ``{"ok": false, "status": 4xx, "error": "<Thai message>"}``; nothing a client sends can
make the server fail. Messages are stored and committed before the acknowledgement and before anyone is told
(``services.events``); ``sync`` hands over whatever came after a ``since`` id, so a client that lost its
connection (or reloaded the page) catches up, and de-duplicates by id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import SocketIO, emit, join_room
from limits import parse

from app.chat.models import ChatSession
from app.chat.services import chat_closing, chat_desk, chat_messages, chat_queue, chats, desk_admin, events
from app.chat.services.errors import Blocked, ChatError, ChatNotFound, NotAllowed
from app.core.extensions import db, limiter

log = logging.getLogger(__name__)
NAMESPACE = "/chat"
EXTENSION = "chat.socketio"
_peers: dict[str, dict] = {}  # sid -> {"kind": "visitor"|"staff", "chat_id"|"user_id"} (this process's connections)


def socketio_of(app: Flask) -> SocketIO:
    return app.extensions[EXTENSION]


def init_app(app: Flask) -> SocketIO:
    queue = app.config.get("CHAT_MESSAGE_QUEUE")
    if queue is None and not app.config.get("TESTING"):
        queue = app.config.get("REDIS_URL") or None
    socketio = SocketIO(app, async_mode="threading", message_queue=queue or None,
                        channel=app.config.get("CHAT_CHANNEL", "ratchaflow-chat"),
                        max_http_buffer_size=app.config.get("CHAT_MAX_EVENT_BYTES", 64 * 1024),
                        cors_allowed_origins=app.config.get("CHAT_ALLOWED_ORIGINS"), logger=False,
                        engineio_logger=False)
    app.extensions[EXTENSION] = socketio
    _register(socketio)
    return socketio


def _send(room: str, name: str, payload: dict) -> None:
    """What the services publish, once committed: emitted to the room (through Redis when several processes)."""
    socketio_of(current_app).emit(name, payload, to=room, namespace=NAMESPACE)


events.on_publish(_send)


# --- limits ----------------------------------------------------------------------------------------------------------


def _address() -> str:
    return request.remote_addr or "?"


def _allowed(kind: str, key: str) -> bool:
    item = parse(current_app.config.get(f"RATELIMIT_CHAT_{kind.upper()}", "60 per minute"))
    return limiter.limiter.hit(item, "chat", kind, key)


def _over_limit(peer: dict) -> bool:
    if peer["kind"] == "staff":
        return not _allowed("staff", str(peer["user_id"]))
    return not (_allowed("visitor", str(peer["chat_id"])) and _allowed("address", _address()))


def _refusal(status: int, message) -> dict:
    return {"ok": False, "status": status, "error": str(message)}


def handler(*, staff: bool | None = None, limited: bool = True):
    """An event: the peer must be known (and staff, or a visitor, when asked); its data a dict; the limits
    respected; a refusal rolled back and answered with its message; anything unexpected answered as such."""
    def decorate(func: Callable):
        @wraps(func)
        def run(data=None):
            peer = _peers.get(request.sid)
            if peer is None:
                return _refusal(401, _("The connection was not recognised. Reload the page."))
            if staff is not None and (peer["kind"] == "staff") != staff:
                return _refusal(403, NotAllowed.default)
            if data is None:
                data = {}
            if not isinstance(data, dict):
                return _refusal(400, _("The request could not be read."))
            if limited and _over_limit(peer):
                return _refusal(429, _("Too many messages. Please wait a moment."))
            try:
                result = func(peer, data)
                db.session.commit()
                return {"ok": True, **(result or {})}
            except ChatError as exc:
                db.session.rollback()
                return _refusal(exc.status, exc.message) | ({"field": exc.field} if exc.field else {})
            except Exception:  # noqa: BLE001 - a client's event never brings the server down
                db.session.rollback()
                log.exception("chat event %s failed", func.__name__)
                return _refusal(500, _("Something went wrong. Nothing was saved; please try again."))
        return run
    return decorate


def _int(data: dict, name: str):
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise ChatError(_("Check what you entered."), field=name)
    return value


def _since(data: dict) -> int:
    value = data.get("since", 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**62:
        raise ChatError(_("Check what you entered."), field="since")
    return value


def _visitor_chat(peer: dict) -> ChatSession:
    chat = db.session.get(ChatSession, peer["chat_id"])
    if chat is None:
        raise ChatNotFound()
    return chat


def _staff_chat(peer: dict, data: dict) -> ChatSession:
    user = _staff_user(peer)
    return chats.for_staff(user, _int(data, "chat_id"))


def _staff_user(peer: dict):
    from app.accounts.models import User

    user = db.session.get(User, peer["user_id"])
    if user is None or not user.active or not desk_admin.is_agent(user):
        raise NotAllowed()
    return user


def _join_staff(chat_id: int) -> None:
    join_room(events.chat_room(chat_id))
    join_room(events.staff_room(chat_id))


def _visitor_state(chat: ChatSession) -> dict:
    place, wait = chat_queue.position(chat)
    return {"status": chat_queue.status_payload(chat), "position": place, "wait_seconds": wait}


def _register(socketio: SocketIO) -> None:
    on = socketio.on

    @on("connect", namespace=NAMESPACE)
    def connect(auth=None):
        token = auth.get("token") if isinstance(auth, dict) else None
        if isinstance(token, str) and token:
            chat = chats.by_token(token[:200])
            if chat is None:
                raise ConnectionRefusedError(_("This chat link is not valid."))
            if desk_admin.is_blocked(chat.visitor_address if not chat.visitor_user_id else None, chat.visitor_user_id):
                raise ConnectionRefusedError(str(Blocked.default))
            _peers[request.sid] = {"kind": "visitor", "chat_id": chat.id}
            join_room(events.chat_room(chat.id))
            join_room(events.QUEUE)
        elif getattr(current_user, "is_authenticated", False) and desk_admin.is_agent(current_user):
            user_id = current_user.id
            _peers[request.sid] = {"kind": "staff", "user_id": user_id}
            join_room(events.DESK)
            join_room(events.agent_room(user_id))
            for chat in db.session.scalars(db.select(ChatSession).where(
                    ChatSession.status == "active", ChatSession.agent_id == user_id)):
                _join_staff(chat.id)
        else:
            raise ConnectionRefusedError(_("Sign in as a Live Chat agent, or open your chat's link."))
        db.session.rollback()

    @on("disconnect", namespace=NAMESPACE)
    def disconnect(*_args):
        _peers.pop(request.sid, None)

    # --- both sides ---

    @on("sync", namespace=NAMESPACE)
    @handler(limited=False)
    def sync(peer, data):
        since = _since(data)
        if peer["kind"] == "visitor":
            chat = _visitor_chat(peer)
            return {"messages": chat_messages.messages_for(chat, staff=False, since=since)} | _visitor_state(chat)
        chat = _staff_chat(peer, data)
        _join_staff(chat.id)
        return {"messages": chat_messages.messages_for(chat, staff=True, since=since), "status": chat_queue.status_payload(chat)}

    @on("send", namespace=NAMESPACE)
    @handler()
    def send(peer, data):
        ref = data.get("client_ref")
        if peer["kind"] == "visitor":
            message, _new = chat_messages.visitor_says(_visitor_chat(peer), data.get("body"), ref)
        else:
            chat = _staff_chat(peer, data)
            message, _new = chat_messages.agent_says(_staff_user(peer), chat, data.get("body"), ref,
                                             note=data.get("note") is True)
        return {"message": chat_messages.payload(message)}

    @on("typing", namespace=NAMESPACE)
    @handler()
    def typing(peer, data):
        on_ = data.get("on") is True
        if peer["kind"] == "visitor":
            chat_id, who = peer["chat_id"], "visitor"
        else:
            chat_id, who = _staff_chat(peer, data).id, "agent"
        emit("typing", {"chat_id": chat_id, "who": who, "on": on_}, to=events.chat_room(chat_id),
             include_self=False)
        return {}

    # --- the visitor ---

    @on("position", namespace=NAMESPACE)
    @handler(staff=False, limited=False)
    def position(peer, data):
        return _visitor_state(_visitor_chat(peer))

    @on("end", namespace=NAMESPACE)
    @handler(staff=False)
    def end(peer, data):
        return {"status": chat_queue.status_payload(chat_closing.visitor_ends(_visitor_chat(peer)))}

    # --- the desk ---

    @on("desk", namespace=NAMESPACE)
    @handler(staff=True, limited=False)
    def desk(peer, data):
        return {"desk": chat_desk.desk(_staff_user(peer))}

    @on("availability", namespace=NAMESPACE)
    @handler(staff=True)
    def availability(peer, data):
        user = _staff_user(peer)
        max_chats = data.get("max_chats")
        desk_admin.set_availability(user, data.get("status"), max_chats if max_chats is not None else None)
        chat_queue.route_queue()
        return {"desk": chat_desk.desk(user)}

    @on("accept", namespace=NAMESPACE)
    @handler(staff=True)
    def accept(peer, data):
        chat = _staff_chat(peer, data)
        chat_queue.accept(_staff_user(peer), chat)
        _join_staff(chat.id)
        return {"status": chat_queue.status_payload(chat)}

    @on("close", namespace=NAMESPACE)
    @handler(staff=True)
    def close(peer, data):
        chat = _staff_chat(peer, data)
        topic = data.get("topic_id")
        chat_closing.agent_closes(_staff_user(peer), chat, topic if isinstance(topic, int) and not isinstance(topic, bool)
                           else None)
        return {"status": chat_queue.status_payload(chat)}

    @on("transfer", namespace=NAMESPACE)
    @handler(staff=True)
    def transfer(peer, data):
        chat = _staff_chat(peer, data)
        agent_id = _int(data, "agent_id") if data.get("agent_id") is not None else None
        team_id = _int(data, "team_id") if data.get("team_id") is not None else None
        chat_desk.transfer(_staff_user(peer), chat, agent_id=agent_id, team_id=team_id)
        return {"status": chat_queue.status_payload(chat)}
