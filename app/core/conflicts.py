"""Someone else changed the row meanwhile: the one way a service turns an optimistic-lock failure into its conflict.

Rows with a ``version_id_col`` (``lock_version``, ``row_version``) make the flush that writes them fail with
``StaleDataError`` when another transaction changed them first; the service raises its own "changed meanwhile"
error instead, which the views answer with a clear message, and the request rolls back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm.exc import StaleDataError

from app.core.extensions import db

Conflict = BaseException | type[BaseException]


@contextmanager
def reported_as(conflict: Conflict, *also: type[BaseException]) -> Iterator[None]:
    """Inside the block, a stale row (or one of the ``also`` errors, e.g. a unique index another writer took
    first) raises ``conflict`` instead."""
    try:
        yield
    except (StaleDataError, *also) as exc:
        raise conflict from exc


def flush_or_conflict(conflict: Conflict, *also: type[BaseException]) -> None:
    """Flush; a stale row (or one of the ``also`` errors) raises ``conflict``."""
    with reported_as(conflict, *also):
        db.session.flush()


def savepoint():
    """``db.session.begin_nested()`` that stays inside the request's transaction on every database.

    SQLite's driver begins a transaction only before a write: a SAVEPOINT issued first would open the transaction
    itself, and its RELEASE would commit what came before it, so that a later failing step could no longer roll
    the first row back. The transaction is begun first, so the request stays all-or-nothing.
    """
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")
    return db.session.begin_nested()
