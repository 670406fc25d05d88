"""The procurement FAQ's pages: the public FAQ and its suggestions, and the chat team's pages.

The public pages join the public site's blueprint (``public``), so that they open to everyone, signed in or not,
reporter accounts included, exactly as the manuals' pages do: ``/faq``, ``/faq/<id>`` and ``/faq/suggest``. The
chat team's pages are the ``knowledge`` blueprint under ``/knowledge``.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_required

from app import errors
from app.core import messages, paging
from app.core.extensions import db, limiter
from app.knowledge.models import FaqEntry, FaqStatus, RevisionState
from app.knowledge.services import faq_entries, faq_errors, faq_lists, faq_search, faq_text
from app.public.views import public as public_views
from forms.knowledge import TOPICS_LIST, EntryForm, WithdrawForm

public_bp = public_views.bp  # the public site's blueprint: these routes join it before it is registered
bp = Blueprint("knowledge", __name__, url_prefix="/knowledge")

SUGGEST_QUERY_MAX = 2000  # characters a suggestion request may carry (only the first ones are compared)
STATUS_LABELS = {
    "all": _l("All"),
    FaqStatus.in_review: _l("Waiting for review"),
    FaqStatus.draft: _l("Returned to the proposer"),
    FaqStatus.published: _l("Published"),
    FaqStatus.withdrawn: _l("Withdrawn"),
    FaqStatus.rejected: _l("Not accepted"),
}
REVISION_LABELS = {
    RevisionState.in_review: _l("A change is waiting for review"),
    RevisionState.returned: _l("A change was returned to its proposer"),
    RevisionState.approved: _l("Approved"),
    RevisionState.rejected: _l("Not accepted"),
    RevisionState.abandoned: _l("Given up"),
}
# The staff pages and the review's task page (rendered by the inbox) read these.
bp.add_app_template_global(STATUS_LABELS, "faq_status_labels")
bp.add_app_template_global(REVISION_LABELS, "faq_revision_labels")
public_bp.add_app_template_global(faq_text.excerpt, "faq_excerpt")
STATUS_TABS = ("all", FaqStatus.in_review, FaqStatus.draft, FaqStatus.published, FaqStatus.withdrawn,
               FaqStatus.rejected)


def _locale() -> str:
    return str(get_locale() or "th")


# --- the public FAQ --------------------------------------------------------------------------------------------------


@public_bp.get("/faq")
def faq():
    q = request.args.get("q") or ""
    if len(q) > SUGGEST_QUERY_MAX:
        return render_template("knowledge/public_error.html", message=_("The search text is too long.")), 400
    topic = request.args.get("topic") or None
    page = paging.page_number(request.args.get("page"))
    result = faq_search.search(q, topic, page)
    similar = faq_search.suggest(q) if result.terms and not result.page.rows else []
    return render_template("knowledge/faq.html", result=result, topics=faq_search.topics(), similar=similar,
                           locale=_locale())


@public_bp.get("/faq/<int:entry_id>")
def faq_entry(entry_id: int):
    try:
        entry = faq_search.public_entry(entry_id)
    except faq_errors.NotPublished as missing:
        if missing.withdrawn:
            return render_template("knowledge/public_error.html",
                                   message=_("This answer has been withdrawn. Search the FAQ for a current one.")), 410
        abort(404)
    return render_template("knowledge/faq_entry.html", entry=entry, locale=_locale())


@public_bp.errorhandler(RateLimitExceeded)
def _rate_limited(exc):
    """The suggestions answer a refusal in JSON, as they answer everything; the public site's other limited pages
    keep the application's error page."""
    if request.endpoint == "public.faq_suggest":
        return jsonify({"error": {"code": 429, "message": _("Too many requests. Please wait a moment.")}}), 429
    return render_template("errors/error.html", code=429, message=errors.MESSAGES[429]()), 429


@public_bp.get("/faq/suggest")
@limiter.limit(lambda: current_app.config.get("RATELIMIT_FAQ_SUGGEST", "120 per minute"))
def faq_suggest():
    """JSON for a search box: published entries close to ``q`` (a visitor typing a question, an agent answering)."""
    q = request.args.get("q") or ""
    if len(q) > SUGGEST_QUERY_MAX:
        return jsonify({"error": {"code": 400, "message": _("The text is too long: at most %(max)d characters.",
                                                             max=SUGGEST_QUERY_MAX)}}), 400
    limit = request.args.get("limit", 5, type=int)
    suggestions = faq_search.suggest(q, limit if 1 <= limit <= faq_search.SUGGEST_LIMIT_MAX else 5)
    response = jsonify({"query": q, "suggestions": [s.as_dict() for s in suggestions]})
    response.headers["Cache-Control"] = "no-store"  # what someone typed stays out of caches
    return response


# --- the chat team's pages ----------------------------------------------------------------------------------------------


@bp.before_request
@login_required
def _chat_team_only():
    if not faq_entries.is_staff(current_user):
        abort(403)


def _supervisor_only() -> None:
    if not faq_entries.is_supervisor(current_user):
        abort(403)


def _entry_or_404(entry_id: int):
    try:
        return faq_entries.entry_for(current_user, entry_id)
    except faq_errors.EntryNotFound:
        abort(404)


def _refused(form, exc: faq_errors.KnowledgeError) -> int:
    """A refusal of the service shown at its field, or as a message; the page's status code."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, str(exc.message)]
        return 422
    flash(messages.for_error(exc), "warning")
    if isinstance(exc, faq_errors.NotAllowed):
        return 403
    return 409 if isinstance(exc, faq_errors.EntryChangedMeanwhile | faq_errors.AlreadyProposed
                             | faq_errors.ReviewOpen | faq_errors.WrongState) else 422


@bp.get("/")
def index():
    status = request.args.get("status", "all")
    status = status if status in faq_lists.LIST_STATUSES else "all"
    page = paging.page_number(request.args.get("page"))
    rows = faq_lists.list_entries(current_user, status, page=page)
    return render_template("knowledge/index.html", page=rows, status=status, tabs=STATUS_TABS,
                           counts=faq_lists.status_counts(current_user),
                           supervisor=faq_entries.is_supervisor(current_user))


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Propose an entry by hand (a chat agent), or write one (a supervisor): either way it goes to review."""
    form = EntryForm()
    if request.method == "GET":
        return _render_form(form, None)
    if not form.validate():
        flash(_("Please correct the highlighted fields."), "danger")
        return _render_form(form, None, 422)
    values = form.text_values()
    try:
        entry = faq_entries.propose(values["question"], values["answer"], topic=values["topic"], source_kind="manual",
                                  source_ref=None, proposed_by_id=current_user.id)
        db.session.commit()
    except faq_errors.KnowledgeError as exc:
        db.session.rollback()
        return _render_form(form, None, _refused(form, exc))
    flash(_("Sent for review. The supervisor decides whether it is published."), "success")
    return redirect(url_for("knowledge.show", entry_id=entry.id))


def _render_form(form, entry, status: int = 200):
    return render_template("knowledge/edit.html", form=form, entry=entry, topics=faq_search.topics(published_only=False),
                           topics_list=TOPICS_LIST), status


@bp.get("/<int:entry_id>")
def show(entry_id: int):
    entry = _entry_or_404(entry_id)
    return _render_show(entry, WithdrawForm(lock_version=entry.lock_version))


def _render_show(entry, withdraw_form, status: int = 200):
    return render_template("knowledge/show.html", entry=entry, revision=faq_entries.open_revision(entry),
                           task=faq_lists.open_review_task(entry), history=faq_lists.history(entry),
                           supervisor=faq_entries.is_supervisor(current_user), withdraw_form=withdraw_form), status


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
def edit(entry_id: int):
    _supervisor_only()
    entry = _entry_or_404(entry_id)
    if request.method == "GET":
        form = EntryForm(question=entry.question, answer_text=entry.answer, topic=entry.topic,
                         lock_version=entry.lock_version)
        return _render_form(form, entry)
    form = EntryForm()
    if not form.validate():
        flash(_("Please correct the highlighted fields."), "danger")
        return _render_form(form, entry, 422)
    values = form.text_values()
    try:
        faq_entries.edit(current_user, entry, question=values["question"], answer=values["answer"],
                       topic=values["topic"], note=form.note.data, lock_version=form.version() or 0)
        db.session.commit()
    except faq_errors.KnowledgeError as exc:
        db.session.rollback()
        return _render_form(form, db.session.get(FaqEntry, entry_id), _refused(form, exc))
    flash(_("The change was sent for review. The entry stays as it is until the change is approved."), "success")
    return redirect(url_for("knowledge.show", entry_id=entry_id))


@bp.post("/<int:entry_id>/withdraw")
def withdraw(entry_id: int):
    _supervisor_only()
    entry = _entry_or_404(entry_id)
    form = WithdrawForm()
    if not form.validate():
        flash(_("Please correct the highlighted fields."), "danger")
        return _render_show(entry, form, 422)
    try:
        faq_entries.withdraw(current_user, entry, reason=form.reason.data, lock_version=form.version() or 0)
        db.session.commit()
    except faq_errors.KnowledgeError as exc:
        db.session.rollback()
        entry = db.session.get(FaqEntry, entry_id)
        return _render_show(entry, form, _refused(form, exc))
    flash(_("The entry was withdrawn from the public FAQ."), "success")
    return redirect(url_for("knowledge.show", entry_id=entry_id))


