"""The reports: one page listing those the signed-in person may see, each report with its filters in the address
(a permalink), charts beside their tables, drill-down, and its CSV and XLSX exports. Thin views over
``app.reports.services``."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, stream_with_context, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core import thai_dates
from app.core.types import utcnow
from app.ratings.services import report as ratings_report
from app.reports.services import catalogue, exports
from app.reports.services.base import Filters, OutOfScope, ReportRefused, fiscal_year_of, month_label, resolve_scope

bp = Blueprint("reports", __name__, url_prefix="/reports")

MONTHS_OF_FISCAL_YEAR = (10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def locale() -> str:
    return str(get_locale() or "th")


def current_fiscal_year() -> int:
    return fiscal_year_of(thai_dates.bangkok_day(utcnow()))


def _whole(name: str, low: int, high: int) -> int | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ReportRefused(name)
    return int(raw)


def parsed_filters(entry: catalogue.Entry) -> Filters:
    """The filters in the address, checked; ``ReportRefused`` names the one that is wrong."""
    fiscal_year = _whole("fy", 2500, 2700) or current_fiscal_year()
    month = _whole("month", 1, 12)
    agency_id = _whole("agency", 1, 2**31 - 1) if entry.by_agency else None
    province = (request.args.get("province") or "").strip()[:100] or None
    dims = {}
    for name in entry.dims:
        value = (request.args.get(name) or "").strip()
        if value and (len(value) > 32 or not value.replace("_", "").isalnum()):
            raise ReportRefused(name)
        if value:
            dims[name] = value
    return Filters(fiscal_year, month, agency_id, province, dims)


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


def _built(key: str):
    """(entry, report) for the request, or an error response."""
    entry = _entry_or_404(key)
    paths = entry.paths(current_user)
    if not paths:
        abort(403)
    try:
        filters = parsed_filters(entry)
        scope = resolve_scope(paths, filters.agency_id)
    except ReportRefused as exc:
        return entry, None, bad_request(exc.reason)
    except OutOfScope:
        abort(404)
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
                           provinces=ratings_report.provinces() if entry.by_agency else [], link_for=link_for)


def link_for(row, entry) -> str | None:
    """Where a row leads: the next level of the report, or the list behind it."""
    if row.drill:
        return url_for("reports.show", key=entry.key, **query_args(**{k: v for k, v in row.drill.items()}))
    if row.link:
        endpoint, args = row.link
        return url_for(endpoint, **args)
    return None


def _file_name(report, extension: str) -> str:
    scope = f"agency-{report.scope.agency.id}" if report.scope.agency else "all"
    period = f"{report.filters.fiscal_year}" + (f"-{report.filters.month:02d}" if report.filters.month else "")
    return f"report-{report.key}-{scope}-{period}.{extension}"


@bp.get("/<key>/export.csv")
@login_required
def export_csv(key: str):
    entry, report, error = _built(key)
    if error:
        return error
    lines = exports.csv_lines(report, str(entry.title))
    return Response(stream_with_context(lines), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={_file_name(report, 'csv')}"})


@bp.get("/<key>/export.xlsx")
@login_required
def export_xlsx(key: str):
    entry, report, error = _built(key)
    if error:
        return error
    body = exports.xlsx(report, _("Summary figures"))
    return Response(body, mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename={_file_name(report, 'xlsx')}"})
