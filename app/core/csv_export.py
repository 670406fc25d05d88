"""CSV files people open in a spreadsheet program: Thai text read as UTF-8, Thai dates, and no cell taken for a
formula.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before
one) as a formula: text typed by someone else ("=HYPERLINK(…)") must stay text. A day or a moment is written
the way a Thai reader reads it (2 ธ.ค. 2569, 2 ธ.ค. 2569 14:05 in Bangkok time), never as an ISO stamp. Every
CSV the app writes goes through ``write`` (a whole file) or ``lines`` (streamed, one batch of rows at a time).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

from app.core import thai_dates

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # so that spreadsheet programs read the Thai text as UTF-8
STREAM_BATCH = 2000


def readable(value):
    """A day or a moment as a Thai reader writes it; anything else unchanged."""
    if isinstance(value, datetime):
        local = value.astimezone(thai_dates.BANGKOK) if value.tzinfo else value
        return f"{thai_dates.short_date(local.date())} {local:%H:%M}"
    if isinstance(value, date):
        return thai_dates.short_date(value)
    return value


def cell(value):
    """``value`` as a cell: text a spreadsheet would read as a formula gets a leading apostrophe."""
    value = readable(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write(header: Sequence, rows: Iterable[Sequence]) -> str:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([cell(value) for value in header])
    writer.writerows([cell(value) for value in row] for row in rows)
    return out.getvalue()


def lines(header: Sequence, rows: Iterable[Sequence], batch: int = STREAM_BATCH) -> Iterator[str]:
    """The same file as ``write``, handed out a batch of rows at a time: memory stays flat however many rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write(BOM)
    writer.writerow([cell(value) for value in header])
    pending = 0
    for row in rows:
        writer.writerow([cell(value) for value in row])
        pending += 1
        if pending >= batch:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            pending = 0
    yield out.getvalue()
