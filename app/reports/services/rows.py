"""The rows behind a report, for an export of every one of them: each report supplies its ``RowSource`` (its
header, how many rows the filters select, and the rows themselves) and the views and the background job treat every
report alike.

Rows are read a batch at a time, each batch after the last row of the previous one (``keyset``), so that memory
stays flat however many rows and the background job may commit its progress between two batches."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from app.core.extensions import db
from app.reports.services.base import Filters, Scope

BATCH = 5000


@dataclass(frozen=True)
class RowSource:
    """A report's rows: ``query(filters, scope)`` selects them with their id first (the batches' order),
    ``shape(row, locale, context)`` turns one into the cells under ``labels``; ``context`` is what ``prepare()``
    read once before the rows (names of processes, …) or None."""

    key: str  # the report's
    labels: Sequence[Any]
    query: Callable[[Filters, Scope], Any]
    shape: Callable[[Any, str], list]
    prepare: Callable[[], Any] | None = None

    def header(self) -> list[str]:
        return [str(label) for label in self.labels]

    def count(self, filters: Filters, scope: Scope) -> int:
        return db.session.scalar(select(func.count()).select_from(self.query(filters, scope).subquery())) or 0

    def rows(self, filters: Filters, scope: Scope, locale: str = "th") -> Iterator[list]:
        query = self.query(filters, scope)
        context = self.prepare() if self.prepare else None
        for row in keyset(query):
            yield self.shape(row, locale, context)


def keyset(query) -> Iterator:
    """The rows of ``query`` (its first column: a unique, increasing id) in batches of ``BATCH``."""
    id_column = query.selected_columns[0]
    batched = query.order_by(id_column).limit(BATCH)
    last = None
    while True:
        batch = db.session.execute(batched if last is None else batched.where(id_column > last)).all()
        yield from batch
        if len(batch) < BATCH:
            return
        last = batch[-1][0]


def sources() -> dict[str, RowSource]:
    """Every report's rows, by the report's key (each report module names its own ``ROWS``)."""
    from app.reports.services import delays, desk, licences, manuals, operations

    return {module.ROWS.key: module.ROWS for module in (licences, delays, manuals, desk, operations)}
