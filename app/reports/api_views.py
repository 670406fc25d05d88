"""The summary reports over the API (``reports:read``), as their pages give them: the reports I may see, one report's
figures for a fiscal year or a month, an agency of my scope and its own filters (its tables as on the page, each row
with the filters that drill into it), the report as CSV or XLSX, and every row behind it — streamed when small; a
large one is written in the background (202 and the export to follow, then its file)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from flask import Response, current_app, jsonify, request, send_file, stream_with_context
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field

from app.core import api, csv_export, thai_dates, xlsx_export
from app.core.api import ApiError
from app.core.extensions import db
from app.core.types import utcnow
from app.reports.models import ExportStatus
from app.reports.services import background, catalogue, exports
from app.reports.services import rows as rows_exports
from app.reports.services.base import OutOfScope, ReportRefused, parse_filters, resolve_scope
from forms.api import Request

bp = api.blueprint("reports", __name__)
READ = "reports:read"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Every report's own filters: a report refuses those it does not name.
DIMENSIONS = sorted({name for entry in catalogue.REPORTS for name in entry.dims})


class ReportInfo(BaseModel):
    key: str
    title: str
    description: str
    filters: list[str] = Field(description="its own filters, besides fy, month, agency and province")
    by_agency: bool


class ReportList(BaseModel):
    items: list[ReportInfo]


_DIM = Field(None, max_length=32, pattern=r"^[A-Za-z0-9_]+$")


class SummaryReportQuery(Request):
    """Any report's query: the common filters and every report's own (each report takes those it names)."""

    fy: int | None = Field(None, ge=2500, le=2700, description="the fiscal year, Buddhist era (now's by default)")
    month: int | None = Field(None, ge=1, le=12, description="one month of that fiscal year")
    agency: int | None = Field(None, ge=1, le=2**31 - 1, description="an agency of my scope (the whole scope: none)")
    province: str | None = Field(None, max_length=100)
    process: str | None = _DIM
    status: str | None = _DIM
    category: str | None = _DIM
    user_group: str | None = _DIM
    reporter: str | None = _DIM
    lang: Literal["th", "en"] = Field("th", description="the language of the labels")


class TableRow(BaseModel):
    label: str
    values: list[Any]
    drill: dict[str, Any] | None = Field(description="the filters that open the next level (null removes one)")


class ReportTable(BaseModel):
    key: str
    title: str
    columns: list[str]
    numeric: list[bool]
    rows: list[TableRow]


class ReportFigures(BaseModel):
    key: str
    fiscal_year: int
    month: int | None
    first: date
    last: date
    agency_id: int | None = Field(description="the agency chosen (none: my whole scope)")
    agency_name: str | None
    breadcrumb: list[dict[str, Any]] = Field(description="the chosen agency's ancestors within my scope")
    summary: list[list[Any]] = Field(description="[label, value] pairs")
    tables: list[ReportTable]


class ExportJob(BaseModel):
    id: int
    status: str = Field(description="queued, running, done or failed")
    rows_total: int
    rows_done: int
    file_name: str | None
    expires_at: datetime | None
    expired: bool
    error: str | None


def _entry(key: str) -> catalogue.Entry:
    entry = catalogue.BY_KEY.get(key)
    if entry is None or entry.endpoint:
        raise ApiError(404)
    return entry


def _scoped(key: str):
    entry = _entry(key)
    paths = entry.paths(api.current_user_of_token())
    if not paths:
        raise ApiError(403)
    try:
        filters = parse_filters(request.args, entry.dims, entry.by_agency, thai_dates.bangkok_day(utcnow()))
        scope = resolve_scope(paths, filters.agency_id)
    except ReportRefused as exc:
        raise ApiError(422, fields={exc.reason: [str(api.MESSAGES[422])]}, reason="filter_refused") from None
    except OutOfScope:
        raise ApiError(404) from None
    unknown = [name for name in DIMENSIONS if request.args.get(name) and name not in entry.dims]
    if unknown:
        raise ApiError(422, fields={name: [str(api.MESSAGES[422])] for name in unknown}, reason="filter_unknown")
    return entry, filters, scope


def _built(key: str, lang: str):
    entry, filters, scope = _scoped(key)
    with force_locale(lang):
        return entry, catalogue.build(entry, filters, scope, lang)


def _attachment(body, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={name}",
                                                       "Cache-Control": "private, no-store"})


def _job(export) -> ExportJob:
    return ExportJob(id=export.id, status=export.status, rows_total=export.rows_total, rows_done=export.rows_done,
                     file_name=export.file_name, expires_at=export.expires_at,
                     expired=background.is_expired(export), error=export.error)


@bp.get("/reports")
@api.operation(READ, resp={"HTTP_200": ReportList})
def list_reports():
    """The reports I may see"""
    return ReportList(items=[ReportInfo(key=e.key, title=str(e.title), description=str(e.description),
                                        filters=list(e.dims), by_agency=e.by_agency)
                             for e in catalogue.visible(api.current_user_of_token()) if not e.endpoint])


@bp.get("/reports/<key>")
@api.operation(READ, resp={"HTTP_200": ReportFigures, "HTTP_422": api.ErrorBody})
def get_report(key: str, query: SummaryReportQuery):
    """A report's figures: its summary and its tables, as on its page"""
    _entry_found, report = _built(key, query.lang)
    agency = report.scope.agency
    with force_locale(query.lang):
        tables = [ReportTable(key=t.key, title=str(t.title), columns=t.header(),
                              numeric=[column.numeric for column in t.columns],
                              rows=[TableRow(label=str(row.label), values=list(row.values), drill=row.drill)
                                    for row in t.rows]) for t in report.tables]
        summary = [[str(label), value] for label, value in report.summary]
    return ReportFigures(key=report.key, fiscal_year=report.filters.fiscal_year, month=report.filters.month,
                         first=report.filters.first, last=report.filters.last,
                         agency_id=agency.id if agency else None, agency_name=agency.name_th if agency else None,
                         breadcrumb=[{"id": a.id, "name_th": a.name_th} for a in report.scope.ancestors],
                         summary=summary, tables=tables)


@bp.get("/reports/<key>/export.csv")
@api.operation(READ, resp={"HTTP_200": api.FILE})
def export_csv(key: str, query: SummaryReportQuery):
    """The report as CSV (UTF-8 with BOM, Thai headers, dates a person reads), as its page exports it"""
    entry, report = _built(key, query.lang)
    with force_locale(query.lang):
        body = "".join(exports.csv_lines(report, str(entry.title)))
    return _attachment(body.encode("utf-8"), "text/csv; charset=utf-8", exports.file_name(report, "csv"))


@bp.get("/reports/<key>/export.xlsx")
@api.operation(READ, resp={"HTTP_200": api.FILE})
def export_xlsx(key: str, query: SummaryReportQuery):
    """The report as an Excel workbook, as its page exports it"""
    _entry_found, report = _built(key, query.lang)
    with force_locale(query.lang):
        body = exports.xlsx(report, _("Summary figures"))
    return _attachment(body, XLSX, exports.file_name(report, "xlsx"))


@bp.get("/reports/<key>/rows.csv")
@api.operation(READ, resp={"HTTP_200": api.FILE, "HTTP_202": ExportJob})
def export_rows_csv(key: str, query: SummaryReportQuery):
    """Every row behind the report as CSV: the file when small; a large one is written in the background (202:
    follow the export, then download its file)"""
    return _rows(key, "csv", query.lang)


@bp.get("/reports/<key>/rows.xlsx")
@api.operation(READ, resp={"HTTP_200": api.FILE, "HTTP_202": ExportJob})
def export_rows_xlsx(key: str, query: SummaryReportQuery):
    """Every row behind the report as an Excel workbook (large ones in the background, as for CSV)"""
    return _rows(key, "xlsx", query.lang)


def _rows(key: str, kind: str, lang: str):
    source = rows_exports.sources().get(key)
    if source is None:
        raise ApiError(404)
    _entry_found, filters, scope = _scoped(key)
    total = source.count(filters, scope)
    if total > current_app.config.get("REPORT_EXPORT_STREAM_LIMIT", background.STREAM_LIMIT):
        export = background.queue(api.current_user_of_token(), key, request.query_string.decode()[:2000], kind,
                                  total)
        db.session.commit()
        return jsonify(_job(export).model_dump(mode="json")), 202
    name = f"report-{key}-rows.{kind}"
    lines = source.rows(filters, scope, lang)
    with force_locale(lang):
        header = source.header()
        if kind == "csv":
            return _attachment(stream_with_context(csv_export.lines(header, lines)), "text/csv; charset=utf-8", name)
        return _attachment(xlsx_export.workbook([(_("Rows"), header, lines)]), XLSX, name)


@bp.get("/reports/exports/<int:export_id>")
@api.operation(READ, resp={"HTTP_200": ExportJob})
def export_status(export_id: int):
    """A background export of mine: its progress, then its file's name and when its download expires"""
    export = background.find(api.current_user_of_token(), export_id)
    if export is None:
        raise ApiError(404)
    return _job(export)


@bp.get("/reports/exports/<int:export_id>/file")
@api.operation(READ, resp={"HTTP_200": api.FILE, "HTTP_409": api.ErrorBody, "HTTP_410": api.ErrorBody})
def export_file(export_id: int):
    """The file of a finished background export of mine (410 once its download expired)"""
    export = background.find(api.current_user_of_token(), export_id)
    if export is None:
        raise ApiError(404)
    if export.status != ExportStatus.done:
        raise ApiError(409, reason=f"export_{export.status}")
    if background.is_expired(export) or not background.file_path(export).exists():
        raise ApiError(410, _l("This download link has expired. Export the report again."), reason="expired")
    return send_file(background.file_path(export), as_attachment=True, download_name=export.file_name,
                     mimetype="text/csv" if export.kind == "csv" else XLSX)
