"""What happened in a chat, told to the people watching it once the change is committed.

Services call ``publish(room, event, payload)`` while they work: nothing is sent then. When the transaction
commits, every event it published is handed to the senders registered with ``on_publish`` (the real-time layer
registers one that emits over Socket.IO); a rollback drops them. So no one ever sees a message that was not
stored, and a message is stored before its sender is told it arrived.

Rooms: ``chat_room(id)`` (the visitor, the agent, supervisors watching), ``staff_room(id)`` (internal notes),
``DESK`` (every agent online: the queue changed), ``QUEUE`` (visitors waiting: their place changed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
KEY = "chat_events"
DESK = "desk"
QUEUE = "queue"
_senders: list[Callable[[str, str, dict], None]] = []


def chat_room(chat_id: int) -> str:
    return f"chat:{chat_id}"


def staff_room(chat_id: int) -> str:
    return f"chat:{chat_id}:staff"


def agent_room(user_id: int) -> str:
    return f"agent:{user_id}"


def on_publish(sender: Callable[[str, str, dict], None]) -> Callable[[str, str, dict], None]:
    if sender not in _senders:
        _senders.append(sender)
    return sender


def publish(session: Session, room: str, name: str, payload: dict[str, Any]) -> None:
    session.info.setdefault(KEY, []).append((room, name, payload))


@event.listens_for(Session, "after_commit")
def _send(session: Session) -> None:
    pending = session.info.pop(KEY, None)
    if not pending:
        return
    seen = set()
    for room, name, payload in pending:
        if name.endswith("_changed"):  # a signal: once per room per commit is enough
            if (room, name) in seen:
                continue
            seen.add((room, name))
        for sender in _senders:
            try:
                sender(room, name, payload)
            except Exception:  # noqa: BLE001 - a client that cannot be told catches up with ``since``
                log.exception("could not send %s to %s", name, room)


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(KEY, None)
