"""The outgoing-letter register (ทะเบียนหนังสือส่ง): the list by year and kind, and its CSV."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core import paging
from app.org.services import letter_register
from forms import cleaning

bp = Blueprint("letters", __name__, url_prefix="/letters")


def _filters() -> letter_register.RegisterFilter:
    """The filters of the query string: a year in the Buddhist era (a Gregorian one is taken as meant), a declared
    kind, a page; anything else falls back to this year, every kind, the first page."""
    year = letter_register.current_year()
    asked = request.args.get("year", "").strip()
    if asked:
        typed = letter_register.year_typed(cleaning.arabic_digits(asked))
        if typed is not None:
            year = typed
        else:
            flash(_("Enter a year of the Buddhist era, such as %(year)s.", year=year), "warning")
    kind = request.args.get("kind") or None
    return letter_register.RegisterFilter(year=year, kind=kind if kind in letter_register.kinds() else None,
                                          page=paging.page_number(request.args.get("page")))


def _require_view() -> None:
    if not letter_register.can_view(current_user):
        abort(403)


@bp.get("/")
@login_required
def register():
    _require_view()
    filters = _filters()
    return render_template("org/letter_register.html", page=letter_register.entries(current_user, filters),
                           filters=filters, kinds=letter_register.kinds(), reference=letter_register.reference)


@bp.get("/register.csv")
@login_required
def register_csv():
    _require_view()
    filters = _filters()
    body = letter_register.export_csv(current_user, filters)
    name = f"outgoing-letters-{filters.year}{'-' + filters.kind if filters.kind else ''}.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={name}",
                                                        "Cache-Control": "private, no-store"})
