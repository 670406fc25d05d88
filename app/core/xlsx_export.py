"""Excel workbooks (XLSX) of tables, written by openpyxl in write-only mode.

Why openpyxl write-only: it is the one spreadsheet library the app already uses (the satisfaction report), and
in write-only mode each row goes to the file as it is appended, so memory stays constant however many rows an
export holds (a million-row export streams through a temporary file, never a workbook held in memory). Numbers
stay numbers; every other value is written as text, never as a formula; days and moments as Thai dates.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from app.core.csv_export import readable

_SHEET_NAME_REFUSED = re.compile(r"[\[\]:*?/\\]")  # characters a sheet's name may not hold
_XML_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # not allowed in XML 1.0


def cell(sheet, value) -> WriteOnlyCell:
    """Numbers stay numbers; everything else is text (a cell starting with "=" stays text), with the characters
    XML refuses left out."""
    value = readable(value)
    if isinstance(value, bool):
        value = int(value)
    if value is None or isinstance(value, int | float):
        return WriteOnlyCell(sheet, value=value)
    written = WriteOnlyCell(sheet, value=_XML_REFUSED.sub("", str(value)))
    written.data_type = "s"
    return written


def sheet_name(name: str) -> str:
    return _SHEET_NAME_REFUSED.sub(" ", name)[:31] or "Sheet"


def write(target: IO[bytes], sheets: Iterable[tuple[str, Sequence, Iterable[Sequence]]], progress=None) -> None:
    """One sheet per (name, header, rows) into ``target``; ``progress(rows_written)`` is called every 1,000 rows."""
    book = Workbook(write_only=True)
    written = 0
    for name, header, rows in sheets:
        sheet = book.create_sheet(title=sheet_name(name))
        sheet.append([cell(sheet, value) for value in header])
        for row in rows:
            sheet.append([cell(sheet, value) for value in row])
            written += 1
            if progress and written % 1000 == 0:
                progress(written)
    book.save(target)


def workbook(sheets: Iterable[tuple[str, Sequence, Iterable[Sequence]]]) -> bytes:
    out = io.BytesIO()
    write(out, sheets)
    return out.getvalue()
