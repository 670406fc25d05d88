"""The public front: search and read citizen manuals, other services and service points (no sign-in)."""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from app.core import file_store, paging
from app.core.extensions import limiter
from app.licensing.services import delay_register, delays
from app.licensing.views import delays as delay_views
from app.manuals.services import attachments, manual_content
from app.public.services import public_pages, public_search

bp = Blueprint("public", __name__)
# The same duration wording as the back office's manual pages.
bp.add_app_template_global(manual_content.format_duration, "format_duration")
FACET_HEADINGS = (("category", _l("Service category")), ("user_group", _l("User group")), ("agency", _l("Agency")),
                  ("province", _l("Province")))


def _locale() -> str:
    return str(get_locale() or "th")


@bp.app_template_filter("highlight")
def highlight(value: str | None, terms: list[str]) -> Markup:
    """Escape ``value`` and wrap the parts that match a search term in <mark>."""
    value = value or ""
    wanted = sorted({t for t in terms or [] if t}, key=len, reverse=True)
    if not wanted:
        return escape(value)
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    parts, last = [], 0
    for match in pattern.finditer(value):
        parts.append(escape(value[last:match.start()]))
        parts.append(Markup("<mark>%s</mark>") % match.group(0))
        last = match.end()
    parts.append(escape(value[last:]))
    return Markup("").join(parts)


@bp.get("/")
def home():
    return render_template("public/home.html", categories=public_search.home_categories(), locale=_locale())


@bp.get("/search")
def search():
    filters = public_search.SearchFilters(
        category=request.args.get("category", type=int), user_group=request.args.get("user_group", type=int),
        agency=request.args.get("agency", type=int), province=(request.args.get("province") or "").strip() or None)
    page = paging.page_number(request.args.get("page"))
    if not public_search.terms_of(request.args.get("q")) and not filters.active():
        return redirect(url_for("public.home"))  # nothing asked: the search box and the categories
    result = public_search.search(request.args.get("q"), filters, page)

    def page_url(number: int) -> str:
        return url_for("public.search", q=result.query or None, page=number, **result.filters.active())

    def facet_url(facet: str, value: public_search.FacetValue) -> str:
        # Choosing a value narrows the results; choosing the chosen value again removes it.
        chosen = result.filters.active()
        if value.selected:
            chosen.pop(facet, None)
        else:
            chosen[facet] = value.value
        return url_for("public.search", q=result.query or None, **chosen)

    return render_template("public/search.html", result=result, locale=_locale(), page_url=page_url,
                           facet_url=facet_url, facet_headings=FACET_HEADINGS)


@bp.get("/services/m/<int:manual_id>")
def manual(manual_id: int):
    try:
        page = public_pages.manual_page(manual_id)
    except public_pages.PublicNotFound:
        abort(404)
    return render_template("public/service.html", page=page, manual_id=manual_id, locale=_locale())


@bp.get("/services/m/<int:manual_id>/forms/<int:attachment_id>")
def sample_form(manual_id: int, attachment_id: int):
    try:
        attachment = public_pages.published_attachment(manual_id, attachment_id)
    except public_pages.PublicNotFound:
        abort(404)
    return send_file(attachments.open_file(attachment), mimetype=attachment.content_type,
                     download_name=file_store.safe_name(attachment.filename, attachment.content_type),
                     as_attachment=attachment.content_type == "application/pdf")


@bp.get("/services/o/<int:other_service_id>")
def other_service(other_service_id: int):
    try:
        page = public_pages.other_service_page(other_service_id)
    except public_pages.PublicNotFound:
        abort(404)
    return render_template("public/service.html", page=page, manual_id=None, locale=_locale())


@bp.get("/places/<int:agency_id>")
def place(agency_id: int):
    try:
        page = public_pages.place_page(agency_id)
    except public_pages.PublicNotFound:
        abort(404)
    return render_template("public/place.html", page=page, locale=_locale())


@bp.get("/status")
@limiter.limit(lambda: current_app.config["RATELIMIT_STATUS_LOOKUP"])
def delay_status():
    """An applicant follows a delayed application with the reference and the code on each letter (or its QR link)."""
    reference, code = request.args.get("ref", ""), request.args.get("code", "")
    delay = delay_register.public_status(reference, code) if reference or code else None
    notices = delays.notices_of(delay) if delay else []
    status = 200 if delay or not (reference or code) else 404
    return render_template("public/status.html", delay=delay, notices=notices, reference=reference,
                           asked=bool(reference or code), **delay_views.labels()), status


@bp.get("/healthz")
def health():
    return {"status": "ok"}
