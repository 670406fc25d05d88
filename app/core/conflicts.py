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
