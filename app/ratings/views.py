"""The satisfaction report (รายงานผลประเมินความพึงพอใจ), the ratings list, exclusions and exports: thin views over
``app.ratings.services``. Posters and question sets have their own modules on the same blueprint."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core import messages
from app.core.extensions import db
from app.core.thai_dates import buddhist_year, month_names
from app.ratings.services import access, exports, moderation, questions, report, report_choices
from app.ratings.services.errors import NotAllowed, RatingError, RatingNotFound
from forms.ratings import ActionForm, ExcludeForm, ReportFilterForm

bp = Blueprint("ratings", __name__, url_prefix="/ratings")


def locale() -> str:
    return str(get_locale() or "th")


def viewer_paths() -> list[str]:
    paths = access.view_paths(current_user)
    if not paths:
        abort(403)
    return paths


def fiscal_year_start(day: date) -> date:
    """The Thai government's fiscal year starts on 1 October."""
    return date(day.year if day.month >= 10 else day.year - 1, 10, 1)


def periods(today: date) -> list[tuple[str, date, date]]:
    month_start = today.replace(day=1)
    year_back = report.twelve_months_back(today)
    fiscal = fiscal_year_start(today)
    return [(_("This month"), month_start, today), (_("Last 12 months"), year_back, today),
            (_("Fiscal year %(year)s", year=buddhist_year(fiscal.year + 1)), fiscal, today)]


def month_label(year: int, month: int) -> str:
    return f"{month_names('abbreviated', locale())[month - 1]} {buddhist_year(year)}"


def bad_request(message: str):
    return render_template("errors/error.html", code=400, message=message), 400


def parsed_filters():
    """The filters in the query string, checked by the form: (form, first, last) or a 400 with the reason."""
    form = ReportFilterForm(formdata=request.args)
    if not form.validate():
        return None, bad_request(form.first_error())
    today = questions.today()
    last = form.last.data or today
    first = form.first.data or periods(today)[1][1]
    if first > last:
        return None, bad_request(_("The end of the period comes before its start."))
    return (form, first, last), None


def report_filters(form, first: date, last: date) -> report.ReportFilters:
    return report.ReportFilters(first=first, last=last, agency_id=form.agency.data,
                                province=(form.province.data or "").strip() or None,
                                service=form.service.data or None, breakdown=form.by.data or "unit",
                                page=min(form.page.data or 1, 10_000))


def _report_or_error(filters: report.ReportFilters, paths: list[str]):
    try:
        return report.satisfaction(filters, paths), None
    except NotAllowed:
        abort(404)
    except RatingError as exc:
        return None, bad_request(getattr(exc, "message", None) or messages.for_error(exc))


def query_args(**changes) -> dict:
    """The current filters with some changed (None removes one), for links."""
    args = {key: value for key, value in request.args.items() if value}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return args


@bp.get("/")
@login_required
def index():
    paths = viewer_paths()
    parsed, error = parsed_filters()
    if error:
        return error
    form, first, last = parsed
    result, error = _report_or_error(report_filters(form, first, last), paths)
    if error:
        return error
    return render_template("ratings/report.html", result=result, form=form, locale=locale(),
                           periods=periods(questions.today()), query_args=query_args, month_label=month_label,
                           provinces=report_choices.provinces(), services=report_choices.service_choices(result.scope),
                           titles=report_choices.service_titles([form.service.data] if form.service.data else []),
                           can_manage_questions=access.can_manage_questions(current_user))


@bp.get("/export.csv")
@login_required
def export_csv():
    return _export("csv")


@bp.get("/export.xlsx")
@login_required
def export_xlsx():
    return _export("xlsx")


def _export(kind: str):
    """What the report page shows, as CSV or XLSX."""
    paths = viewer_paths()
    parsed, error = parsed_filters()
    if error:
        return error
    result, error = _report_or_error(report_filters(*parsed), paths)
    if error:
        return error
    if kind == "csv":
        body, mimetype = exports.report_csv(result, locale()).encode(), "text/csv; charset=utf-8"
    else:
        body = exports.report_xlsx(result, locale())
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={exports.report_file_name(result, kind)}"})


@bp.get("/export/ratings.csv")
@login_required
def export_ratings():
    """Every rating of the scope and period, streamed."""
    paths = viewer_paths()
    parsed, error = parsed_filters()
    if error:
        return error
    form, first, last = parsed
    if form.agency.data is not None:
        try:
            report.resolve_scope(report_filters(form, first, last), paths)
        except NotAllowed:
            abort(404)
    name = f"ratings-{first.isoformat()}-{last.isoformat()}.csv"
    lines = exports.ratings_csv(paths, first, last, form.agency.data)
    return Response(stream_with_context(lines), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.get("/list")
@login_required
def ratings_list():
    paths = viewer_paths()
    parsed, error = parsed_filters()
    if error:
        return error
    form, first, last = parsed
    filters = moderation.ListFilters(first=first, last=last, agency_id=form.agency.data,
                                     province=(form.province.data or "").strip() or None,
                                     service=form.service.data or None, text=(form.q.data or "").strip() or None,
                                     show=form.show.data or "comments", page=min(form.page.data or 1, 10_000))
    try:
        page = moderation.ratings(filters, paths)
    except NotAllowed:
        abort(404)
    sets = {s.id: s for s in questions.all_sets()}
    return render_template("ratings/list.html", page=page, form=form, filters=filters, sets=sets, locale=locale(),
                           query_args=query_args, can_exclude=access.can_exclude(current_user),
                           exclude_form=ExcludeForm(formdata=None), action_form=ActionForm(formdata=None),
                           titles=report_choices.service_titles(list({r.rating.service for r in page.rows
                                                              if r.rating.service})),
                           can_manage_questions=access.can_manage_questions(current_user))


def _back_to_list():
    target = request.form.get("next") or ""
    if not target.startswith("/ratings/") or "//" in target or "\\" in target:
        target = url_for("ratings.ratings_list")
    return redirect(target, 303)


@bp.post("/<int:rating_id>/exclude")
@login_required
def exclude(rating_id: int):
    if not access.can_exclude(current_user):
        abort(403)
    form = ExcludeForm()
    if not form.validate():
        flash(form.reason.errors[0] if form.reason.errors else _("Give the reason."), "warning")
        return _back_to_list()
    try:
        moderation.exclude(current_user, rating_id, form.reason.data)
        db.session.commit()
    except RatingNotFound:
        db.session.rollback()
        abort(404)
    except RatingError as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
    else:
        flash(_("The rating is excluded from the figures."), "success")
    return _back_to_list()


@bp.post("/<int:rating_id>/restore")
@login_required
def restore(rating_id: int):
    if not access.can_exclude(current_user):
        abort(403)
    if not ActionForm().validate():
        abort(400)
    try:
        moderation.restore(current_user, rating_id)
        db.session.commit()
    except RatingNotFound:
        db.session.rollback()
        abort(404)
    except RatingError as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
    else:
        flash(_("The rating counts again."), "success")
    return _back_to_list()
