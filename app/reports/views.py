"""The reports: one page listing those the signed-in person may see, each report with its filters in the address
(a permalink), charts beside their tables, drill-down, and its CSV and XLSX exports. Thin views over
``app.reports.services``."""

from __future__ import annotations

import hmac

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core import csv_export, thai_dates, xlsx_export
from app.core.extensions import db
from app.core.types import utcnow
from app.ratings.services import report_choices as ratings_choices
from app.reports.models import ExportStatus
from app.reports.services import background, catalogue, exports
from app.reports.services import rows as rows_exports
from app.reports.services.base import (
    Filters,
    OutOfScope,
    ReportRefused,
    fiscal_year_of,
    month_label,
    parse_filters,
    resolve_scope,
)

bp = Blueprint("reports", __name__, url_prefix="/reports")

MONTHS_OF_FISCAL_YEAR = (10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def locale() -> str:
    return str(get_locale() or "th")


def current_fiscal_year() -> int:
    return fiscal_year_of(thai_dates.bangkok_day(utcnow()))


def parsed_filters(entry: catalogue.Entry) -> Filters:
    return parse_filters(request.args, entry.dims, entry.by_agency, thai_dates.bangkok_day(utcnow()))


def bad_request(reason: str):
    messages = {"fy": _("Choose a fiscal year (Buddhist era) such as 2570."),
                "month": _("Choose a month of the fiscal year."),
                "agency": _("Choose an agency from the report.")}
    message = messages.get(reason, _("Check the report's filters."))
    return render_template("errors/error.html", code=400, message=message), 400


def query_args(**changes) -> dict:
    """The current filters with some changed (None removes one): a permalink, or a drill-down."""
    args = {key: value for key, value in request.args.items() if value}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return args


def _entry_or_404(key: str) -> catalogue.Entry:
    entry = catalogue.BY_KEY.get(key)
    if entry is None or entry.endpoint:
        abort(404)
    return entry


def _scoped(key: str):
    """(entry, filters, scope, None) for the request's report, or (entry, None, None, an error response)."""
    entry = _entry_or_404(key)
    paths = entry.paths(current_user)
    if not paths:
        abort(403)
    try:
        filters = parsed_filters(entry)
        scope = resolve_scope(paths, filters.agency_id)
    except ReportRefused as exc:
        return entry, None, None, bad_request(exc.reason)
    except OutOfScope:
        abort(404)
    return entry, filters, scope, None


def _built(key: str):
    """(entry, report) for the request, or an error response."""
    entry, filters, scope, refused = _scoped(key)
    if refused is not None:
        return entry, None, refused
    return entry, catalogue.build(entry, filters, scope, locale()), None


@bp.get("/")
@login_required
def index():
    entries = catalogue.visible(current_user)
    if not entries:
        abort(403)
    return render_template("reports/index.html", entries=entries)


@bp.get("/<key>")
@login_required
def show(key: str):
    entry, report, error = _built(key)
    if error:
        return error
    fiscal_year = report.filters.fiscal_year
    years = sorted({current_fiscal_year() - n for n in range(6)} | {fiscal_year}, reverse=True)
    months = [(m, month_label(fiscal_year - 543 - (1 if m >= 10 else 0), m, locale())) for m in MONTHS_OF_FISCAL_YEAR]
    return render_template("reports/report.html", entry=entry, report=report, query_args=query_args, years=years,
                           months=months, choices=catalogue.choices(entry), locale=locale(),
                           provinces=ratings_choices.provinces() if entry.by_agency else [], link_for=link_for,
                           row_reports=rows_exports.sources())


def link_for(row, entry) -> str | None:
    """Where a row leads: the next level of the report, or the list behind it."""
    if row.drill:
        return url_for("reports.show", key=entry.key, **query_args(**{k: v for k, v in row.drill.items()}))
    if row.link:
        endpoint, args = row.link
        return url_for(endpoint, **args)
    return None


@bp.get("/<key>/export.csv")
@login_required
def export_csv(key: str):
    entry, report, error = _built(key)
    if error:
        return error
    lines = exports.csv_lines(report, str(entry.title))
    return Response(stream_with_context(lines), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={exports.file_name(report, 'csv')}"})


@bp.get("/<key>/export.xlsx")
@login_required
def export_xlsx(key: str):
    entry, report, error = _built(key)
    if error:
        return error
    body = exports.xlsx(report, _("Summary figures"))
    return Response(body, mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename={exports.file_name(report, 'xlsx')}"})


# --- every row behind a report: streamed when small, written in the background when large ---------------------


@bp.get("/<key>/rows.<kind>")
@login_required
def export_rows(key: str, kind: str):
    source = rows_exports.sources().get(key)
    if kind not in ("csv", "xlsx") or source is None:
        abort(404)
    _entry, filters, scope, refused = _scoped(key)
    if refused is not None:
        return refused
    total = source.count(filters, scope)
    if total > current_app.config.get("REPORT_EXPORT_STREAM_LIMIT", background.STREAM_LIMIT):
        export = background.queue(current_user, key, request.query_string.decode()[:2000], kind, total)
        db.session.commit()
        return redirect(url_for("reports.export_status", export_id=export.id), 303)
    name = f"report-{key}-rows.{kind}"
    lines = source.rows(filters, scope, locale())
    if kind == "csv":
        return Response(stream_with_context(csv_export.lines(source.header(), lines)),
                        content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename={name}"})
    body = xlsx_export.workbook([(_("Rows"), source.header(), lines)])
    return Response(body, mimetype=XLSX, headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.get("/exports/<int:export_id>")
@login_required
def export_status(export_id: int):
    export = background.find(current_user, export_id)
    if export is None:
        abort(404)
    return render_template("reports/export.html", export=export, expired=background.is_expired(export))


@bp.get("/exports/<int:export_id>/<token>")
@login_required
def export_file(export_id: int, token: str):
    export = background.find(current_user, export_id)
    if export is None or not hmac.compare_digest(export.token, token[:64]) or export.status != ExportStatus.done:
        abort(404)
    if background.is_expired(export) or not background.file_path(export).exists():
        return render_template("errors/error.html", code=410,
                               message=_("This download link has expired. Export the report again.")), 410
    return send_file(background.file_path(export), as_attachment=True, download_name=export.file_name,
                     mimetype="text/csv" if export.kind == "csv" else XLSX)
