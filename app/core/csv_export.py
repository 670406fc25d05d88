"""CSV files people open in a spreadsheet program: Thai text read as UTF-8, and no cell taken for a formula.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before
one) as a formula: text typed by someone else ("=HYPERLINK(…)") must stay text. Every CSV the app writes goes
through ``write``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """``value`` as a cell: text a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write(header: Sequence, rows: Iterable[Sequence]) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # so that spreadsheet programs read the Thai text as UTF-8
    writer = csv.writer(out)
    writer.writerow([cell(value) for value in header])
    writer.writerows([cell(value) for value in row] for row in rows)
    return out.getvalue()
