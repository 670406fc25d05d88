"""Append-only rows held back and written together: one INSERT per table for a unit of work, or for a batch of them,
rather than one per row as each is flushed.

The engine's unit of work holds the audit events, notifications and outbox messages its actions record
(``workflows.engine.saving.rows_in_one_insert``); a scope inside another hands its rows out to it, so that the
timer job's batch writes each table's rows once. Only rows nobody reads back by id are held: a caller that needs the
row object adds it to the session as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import insert

from app.core.extensions import db

_KEY = "held_rows"  # in the session's ``info``: a stack of scopes, the innermost last


class HeldRows:
    """One scope's rows: each model's column values, in the order they were recorded."""

    def __init__(self) -> None:
        self.rows: dict[type, list[dict[str, Any]]] = {}

    def add(self, model: type, values: dict[str, Any]) -> None:
        self.rows.setdefault(model, []).append(values)

    def of(self, model: type) -> list[dict[str, Any]]:
        return self.rows.get(model, [])

    def mark(self) -> dict[type, int]:
        """Where the rows stand now, for ``drop_since``."""
        return {model: len(rows) for model, rows in self.rows.items()}

    def drop_since(self, mark: dict[type, int]) -> None:
        """Forget the rows recorded after ``mark`` (their work was rolled back)."""
        for model, rows in self.rows.items():
            del rows[mark.get(model, 0):]


def hold(model: type, values: dict[str, Any]) -> bool:
    """Hold a row in the innermost scope; False when no scope holds rows (add it to the session instead)."""
    stack = db.session.info.get(_KEY)
    if not stack:
        return False
    stack[-1].add(model, values)
    return True


def held(model: type) -> Iterator[dict[str, Any]]:
    """Every held row of ``model``, in every scope (what is about to be written, for a duplicate check)."""
    for scope in db.session.info.get(_KEY) or ():
        yield from scope.of(model)


@contextmanager
def rows_held() -> Iterator[HeldRows]:
    """Rows recorded inside are held in the yielded scope (not in the session, so no read flushes them one by one)
    until ``write``, ``hand_out`` or ``release``; scopes nest, the innermost holds."""
    stack = db.session.info.setdefault(_KEY, [])
    scope = HeldRows()
    stack.append(scope)
    try:
        yield scope
    finally:
        stack.pop()  # scopes close in the order they opened, innermost first


def write(scope: HeldRows) -> None:
    """The held rows, one INSERT statement per table."""
    for model, rows in scope.rows.items():
        if rows:
            # render_nulls: unused columns as NULL, so that rows with different unused columns are not split apart
            db.session.execute(insert(model).execution_options(render_nulls=True), list(rows))
    scope.rows.clear()


def hand_out(scope: HeldRows) -> bool:
    """The scope's rows (it must be the innermost) to the scope around it, if there is one; whether there was."""
    stack = db.session.info.get(_KEY) or []
    if len(stack) < 2 or stack[-1] is not scope:
        return False
    for model, rows in scope.rows.items():
        stack[-2].rows.setdefault(model, []).extend(rows)
    scope.rows.clear()
    return True


def release(scope: HeldRows) -> None:
    """The held rows back into the session, as if recorded without holding (when their scope failed)."""
    db.session.add_all(model(**values) for model, rows in scope.rows.items() for values in rows)
    scope.rows.clear()
