"""Values read once per unit of work (a request, a job's step) although several parts of it ask for them: the
menu's counts, the task page and the policy all want the officers the user acts for, for instance.

A value is kept in the session's ``info`` until its transaction ends (commit or rollback; a savepoint's release
keeps it, a savepoint's rollback does not), or until a flush writes a row of a model it depends on; so what a
person changed is what they read next, in the same request or the next.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.extensions import db

T = TypeVar("T")
_KEY = "unit_memo"


def memo(key: Hashable, compute: Callable[[], T], depends_on: tuple[type, ...] = ()) -> T:
    """``compute()``, once per unit of work for this ``key`` (put what the value depends on in the key: the user,
    the day); read again after a flush that writes a row of a ``depends_on`` model."""
    kept = db.session.info.setdefault(_KEY, {})
    if key not in kept:
        kept[key] = (compute(), depends_on)
    return kept[key][0]


def forget(session: Session) -> None:
    session.info.pop(_KEY, None)


def init_app(app: Flask) -> None:
    # A request is a unit of its own even where its session outlives it (the tests' requests share one).
    app.teardown_request(lambda _exc: forget(db.session))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    # Also sent when a savepoint is released (the engine works in one per instance): the transaction goes on, and
    # with it what it read, so a batch of timers reads the people to tell once.
    if not session.in_nested_transaction():
        forget(session)


@event.listens_for(Session, "after_rollback")
@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, *_args: Any) -> None:
    forget(session)


@event.listens_for(Session, "after_flush")
def _rows_written(session: Session, _flush_context: Any) -> None:
    kept = session.info.get(_KEY)
    if not kept:
        return
    written = {type(row) for row in (*session.new, *session.dirty, *session.deleted)}
    stale = [key for key, (_value, depends_on) in kept.items()
             if any(issubclass(model, depends_on) for model in written)]
    for key in stale:
        del kept[key]
