"""Exports: the report as on screen (CSV through ``app.core.csv_export``, and XLSX), and every rating of a scope
and period as a streamed CSV.

The XLSX is written by openpyxl (write-only: rows go out as they come; text stays text, never a formula). The
full export streams: rows are read in batches and written as
they come, so memory stays flat whatever the number of ratings.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.core import csv_export, xlsx_export
from app.core.extensions import db
from app.core.thai_dates import buddhist_year
from app.org.models import Agency
from app.ratings.models import Rating, RatingPoint
from app.ratings.services import access, questions, report

STREAM_BATCH = 5000


def _number(value: float | None, digits: int = 2):
    return "" if value is None else round(value, digits)


def report_tables(result: report.Report, locale: str = "th") -> list[tuple[str, list, list[list]]]:
    """The report as tables (title, header, rows): the questions, the months, the breakdown."""
    en = locale == "en"
    question_rows = []
    for version in result.versions:
        for figures in version.questions:
            question = figures.question
            distribution = " | ".join(f"{(s.label_en if en else s.label_th)}: {s.count}" for s in figures.distribution)
            question_rows.append([version.question_set.version, question.position, question.text(locale),
                                  question.kind, figures.answered, _number(figures.average), distribution])
    month_rows = [[f"{buddhist_year(m.year)}-{m.month:02d}", m.ratings, _number(m.score)] for m in result.months]
    breakdown_rows = [[row.label_en or row.label_th if en else row.label_th, row.ratings, _number(row.score)]
                      for row in result.breakdown]
    summary = [[_("Ratings"), result.ratings], [_("Comments"), result.comments],
               [_("Duplicates"), result.duplicates], [_("Excluded"), result.excluded],
               [_("From a counter tablet"), result.kiosk], [_("Average score"), _number(result.score)],
               [_("Period"), f"{csv_export.readable(result.filters.first)} – {csv_export.readable(result.filters.last)}"]]
    return [
        (_("Summary"), [_("Figure"), _("Value")], summary),
        (_("Questions"), [_("Version"), _("Order"), _("Question"), _("Type"), _("Answers"), _("Average"),
                          _("Distribution")], question_rows),
        (_("Months"), [_("Month (B.E.)"), _("Ratings"), _("Average score")], month_rows),
        (_("Breakdown"), [_("Name"), _("Ratings"), _("Average score")], breakdown_rows),
    ]


def report_file_name(result: report.Report, extension: str) -> str:
    scope = f"agency-{result.scope.id}" if result.scope else "all"
    return f"satisfaction-{scope}-{result.filters.first.isoformat()}-{result.filters.last.isoformat()}.{extension}"


def report_csv(result: report.Report, locale: str = "th") -> str:
    rows: list[list] = []
    for title, header, table in report_tables(result, locale):
        rows.append([f"# {title}"])
        rows.append(header)
        rows.extend(table)
        rows.append([])
    return csv_export.write([_("Satisfaction report")], rows)


def xlsx(sheets: list[tuple[str, Sequence, list[Sequence]]]) -> bytes:
    """A workbook with one sheet per (name, header, rows) (``app.core.xlsx_export``: openpyxl, write-only)."""
    return xlsx_export.workbook(sheets)


def report_xlsx(result: report.Report, locale: str = "th") -> bytes:
    return xlsx(report_tables(result, locale))


# --- every rating, streamed ----------------------------------------------------------------------------------


def _line(values: Sequence) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([csv_export.cell(value) for value in values])
    return buffer.getvalue()


def ratings_csv(paths: list[str], first: date, last: date, agency_id: int | None = None) -> Iterator[str]:
    """Every rating of the scope and period, oldest first, as CSV lines: written while read, in batches.

    The answers are given per position (1, 2, …) as stored: a scale's value, 1 yes / 0 no, a choice's number
    (from 0), ``c`` for a comment, ``.`` for none; the question set version says which questions they answer."""
    if not paths:
        return
    scope_paths = paths
    if agency_id is not None:
        scope = db.session.get(Agency, agency_id)
        if scope is None or not access.covers(paths, scope.path):
            return
        scope_paths = [scope.path]
    versions = {s.id: s.version for s in questions.all_sets()}
    channels = {"web": _("Phone or web"), "kiosk": _("Counter tablet")}
    yield "\ufeff" + _line([_("Rating no."), _("Date"), _("Point code"), _("Service point"), _("Province"),
                            _("Service"), _("Question set version"), _("Channel"), _("Answers"), _("Comment"),
                            _("Duplicate of"), _("Excluded on"), _("Reason for exclusion")])
    query = (select(Rating.id, Rating.day, RatingPoint.code, Agency.name_th, Agency.province, Rating.service,
                    Rating.set_id, Rating.channel, Rating.answers, Rating.comment, Rating.duplicate_of_id,
                    Rating.excluded_at, Rating.exclusion_reason)
             .join(Agency, Agency.id == Rating.agency_id)
             .outerjoin(RatingPoint, RatingPoint.agency_id == Rating.agency_id)
             .where(Rating.day >= first, Rating.day <= last, access.within(Agency.path, scope_paths))
             .order_by(Rating.id))
    with db.engine.connect() as connection:
        result = connection.execution_options(stream_results=True, yield_per=STREAM_BATCH).execute(query)
        for rows in result.partitions(STREAM_BATCH):
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for row in rows:
                writer.writerow([csv_export.cell(value) for value in (
                    row.id, row.day, row.code or "", row.name_th, row.province or "", row.service or "",
                    versions.get(row.set_id, ""), channels.get(row.channel, row.channel), " ".join(row.answers),
                    row.comment or "",
                    row.duplicate_of_id or "", row.excluded_at or "",
                    row.exclusion_reason or "")])
            yield buffer.getvalue()
