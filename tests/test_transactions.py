"""A unit of work is one transaction on both databases: a savepoint released inside it is undone with it."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.extensions import db
from app.core.workflow import AuditEvent


def _recorded(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_a_savepoint_released_first_thing_in_a_transaction_is_undone_by_its_rollback(app):
    # The timer job reads its batch, then works on each instance in a savepoint: on SQLite the savepoint was the
    # transaction's first write, and its release committed it on the spot.
    db.session.commit()
    assert _recorded("test.released") == 0
    with db.session.begin_nested():
        db.session.add(AuditEvent(action="test.released"))
    db.session.add(AuditEvent(action="test.after"))
    db.session.rollback()
    assert _recorded("test.released") == 0 and _recorded("test.after") == 0
    with db.session.begin_nested():
        db.session.add(AuditEvent(action="test.released"))
    db.session.commit()
    assert _recorded("test.released") == 1
