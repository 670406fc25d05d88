"""A report as files, exactly as on screen: CSV (``app.core.csv_export``: UTF-8 with BOM, Thai dates, no cell
read as a formula; one section per table) and XLSX (``app.core.xlsx_export``: openpyxl write-only, one sheet per
table)."""

from __future__ import annotations

from collections.abc import Iterator

from app.core import csv_export, xlsx_export
from app.reports.services.base import Report


def _cells(report: Report) -> Iterator[list]:
    for label, value in report.summary:
        yield [str(label), value]
    for table in report.tables:
        yield []
        yield [str(table.title)]
        yield table.header()
        yield from table.body()


def csv_lines(report: Report, title: str) -> Iterator[str]:
    """The report as CSV lines: its title and period, the summary figures, then each table under its title."""
    period = f"{csv_export.readable(report.filters.first)} – {csv_export.readable(report.filters.last)}"
    return csv_export.lines([title, period], _cells(report))


def xlsx(report: Report, summary_title: str) -> bytes:
    sheets = [(summary_title, ["", ""], [[str(label), value] for label, value in report.summary])]
    sheets += [(str(table.title), table.header(), table.body()) for table in report.tables]
    return xlsx_export.workbook(sheets)


def file_name(report: Report, extension: str) -> str:
    """The export's file name: the report, its scope and its period."""
    scope = f"agency-{report.scope.agency.id}" if report.scope.agency else "all"
    period = f"{report.filters.fiscal_year}" + (f"-{report.filters.month:02d}" if report.filters.month else "")
    return f"report-{report.key}-{scope}-{period}.{extension}"
