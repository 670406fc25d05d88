"""The visitor's side of Live Chat (``/chat``): open to everyone, signed in or not (``public_pages``).

``/chat/`` asks the question (FAQ answers suggested while typing), ``/chat/s/<token>`` is the chat itself (live
over Socket.IO; its token is the chat's secret follow-up link, which also shows an offline answer later), and the
actions that are plain requests: leaving a question, ending, rating, files, the transcript.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.chat.models import ChatStatus, VisitorType
from app.chat.services import chat_closing, chat_messages, chat_queue, chats, desk_admin, transcript
from app.chat.services.errors import ChatError
from app.chat.views.common import keep_first_use_rows, receive_files, send_attachment, show_invalid, show_refusal
from app.core import uploads
from app.core.extensions import db, limiter
from app.core.types import utcnow
from app.helpdesk.services import helpdesk_files
from forms.chat import OfflineForm, RateForm, StartForm, TranscriptMailForm

bp = Blueprint("chat_public", __name__, url_prefix="/chat")
uploads.allow_files(bp, ["chat_public.upload"], helpdesk_files.attachments_bytes)

_start_limit = limiter.limit(lambda: current_app.config["RATELIMIT_CHAT_START"], methods=["POST"])
_token_limit = limiter.limit(lambda: current_app.config["RATELIMIT_CHAT_FOLLOW"],
                             deduct_when=lambda response: response.status_code == 404)
_write_limit = limiter.shared_limit(lambda: current_app.config["RATELIMIT_CHAT_WRITE"], scope="chat-write")


def _user():
    return current_user if getattr(current_user, "is_authenticated", False) else None


def _chat_or_404(token: str):
    chat = chats.by_token(token)
    if chat is None:
        abort(404)  # a wrong link and a missing chat look the same
    return chat


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.is_json


def _topic_choices():
    return [SelectChoice(0, _("Choose a topic"))] + [SelectChoice(t.id, t.name_th) for t in desk_admin.topics()]


@bp.route("/", methods=["GET", "POST"])
@_start_limit
def start():
    form = StartForm()
    form.topic_id.choices = _topic_choices()
    user = _user()
    if request.method == "GET":
        return _start_page(form, user)
    if not form.validate_on_submit():
        show_invalid(form)
        return _start_page(form, user, 422)
    try:
        chat = chat_queue.start(chat_queue.StartInput(
            visitor_type=form.visitor_type.data, topic_id=form.topic_id.data, question=form.question.data,
            name=form.name.data, email=form.email.data, user_id=user.id if user else None,
            address=request.remote_addr))
        db.session.commit()
    except ChatError as exc:
        show_refusal(form, exc)
        return _start_page(form, user, exc.status)
    return redirect(url_for("chat_public.follow", token=chats.follow_token(chat)), 303)


def _start_page(form, user, status: int = 200):
    past = chats.of_visitor(user) if user is not None else []
    open_now = desk_admin.in_service_hours(utcnow())
    return keep_first_use_rows(render_template(
        "chat/start.html", form=form, past=past, follow_token=chats.follow_token, open_now=open_now,
        hours=desk_admin.current(), visitor_types=VisitorType)), status


@bp.get("/s/<token>")
@_token_limit
def follow(token: str):
    chat = _chat_or_404(token)
    return _chat_page(token, chat)


def _chat_page(token, chat, status: int = 200, **forms):
    forms = {"offline_form": OfflineForm(formdata=None, email=chat.visitor_email),
             "rate_form": RateForm(formdata=None), "mail_form": TranscriptMailForm(formdata=None, email=chat.visitor_email)
             } | forms
    return render_template("chat/chat.html", chat=chat, token=token, messages=chat_messages.messages_for(chat, staff=False),
                           max_length=chats.message_max(), statuses=ChatStatus,
                           limits=helpdesk_files.attachment_limits(), **forms), status


def _acted(token: str, action, done: str, form=None, form_name: str = ""):
    """Run a visitor's action, or show the page again with the refusal (``form`` under ``form_name``)."""
    forms = {form_name: form} if form is not None else {}
    if form is not None and not form.validate_on_submit():
        show_invalid(form)
        return _chat_page(token, _chat_or_404(token), 422, **forms)
    try:
        action()
        db.session.commit()
    except ChatError as exc:
        show_refusal(form, exc)
        return _chat_page(token, _chat_or_404(token), exc.status, **forms)
    flash(done, "success")
    return redirect(url_for("chat_public.follow", token=token), 303)


@bp.post("/s/<token>/question")
@_token_limit
@_write_limit
def leave_question(token: str):
    chat = _chat_or_404(token)
    form = OfflineForm()
    return _acted(token, lambda: chat_closing.leave_question(chat, form.question.data, form.email.data),
                  _("Your question was left for the desk."), form, "offline_form")


@bp.post("/s/<token>/end")
@_token_limit
@_write_limit
def end(token: str):
    chat = _chat_or_404(token)
    return _acted(token, lambda: chat_closing.visitor_ends(chat), _("The chat has ended."))


@bp.post("/s/<token>/rate")
@_token_limit
@_write_limit
def rate(token: str):
    chat = _chat_or_404(token)
    form = RateForm()
    return _acted(token, lambda: chat_closing.rate(chat, form.rating.data, form.comment.data),
                  _("Thank you for rating the answer."), form, "rate_form")


@bp.post("/s/<token>/files")
@_token_limit
@_write_limit
def upload(token: str):
    """Images or PDFs sent in the chat, with IR Online's checks (type by content, size, count): JSON."""
    chat = _chat_or_404(token)
    return receive_files(chat, lambda body, ref, files: chat_messages.visitor_says(chat, body, ref, files=files))


@bp.get("/s/<token>/files/<int:attachment_id>")
@_token_limit
def attachment(token: str, attachment_id: int):
    return send_attachment(_chat_or_404(token), attachment_id, staff=False)


@bp.get("/s/<token>/transcript.pdf")
@_token_limit
def transcript_pdf(token: str):
    chat = _chat_or_404(token)
    response = current_app.response_class(transcript.pdf(chat), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{chat.number}.pdf"'
    return response


@bp.post("/s/<token>/transcript")
@_token_limit
@_write_limit
def transcript_mail(token: str):
    chat = _chat_or_404(token)
    form = TranscriptMailForm()
    return _acted(token, lambda: transcript.mail(chat, form.email.data),
                  _("The transcript will reach your e-mail shortly."), form, "mail_form")


@bp.errorhandler(RateLimitExceeded)
def _rate_limited(exc):
    if _wants_json() or request.endpoint == "chat_public.upload":
        return jsonify({"ok": False, "error": _("Too many requests. Please wait a moment.")}), 429
    return render_template("chat/error.html", code=429, message=_("Too many requests. Please wait a moment.")), 429


@bp.errorhandler(404)
def _not_found(exc):
    return render_template("chat/error.html", code=404,
                           message=_("There is no such chat. Check the link you were given.")), 404


@bp.errorhandler(413)
def _too_large(exc):
    return jsonify({"ok": False, "error": _("The files are too large: at most %(size)s MB each.",
                                            size=helpdesk_files.attachment_limits_mb())}), 413
