"""The agents' console (``/chat-desk``): the queue, several chats side by side, standard answers, notes, FAQ
proposals and IR reports; the supervisor's live view, settings, topics and blocks.

The console talks Socket.IO for everything live (``realtime``); the requests here are the ones that are not
part of the conversation's flow.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.chat.services import chat_desk, chat_messages, chats, desk_admin
from app.chat.services.errors import ChatError
from app.chat.views.common import (
    json_refusal,
    keep_first_use_rows,
    receive_files,
    send_attachment,
    show_invalid,
    show_refusal,
)
from app.core import uploads
from app.core.extensions import db
from app.helpdesk.models import StandardAnswer
from app.helpdesk.services import helpdesk, helpdesk_files, helpdesk_staff
from app.knowledge.services import faq_errors, faq_search
from forms.chat import BlockForm, IrForm, SettingsForm, TopicForm

bp = Blueprint("chat", __name__, url_prefix="/chat-desk")
uploads.allow_files(bp, ["chat.upload"], helpdesk_files.attachments_bytes)


@bp.before_request
@login_required
def _chat_team_only():
    if not desk_admin.is_agent(current_user):
        abort(403)


def _json_refusal(exc: ChatError):
    return json_refusal(exc.message, exc.status, exc.field)


def _chat_or_404(chat_id: int):
    try:
        return chats.for_staff(current_user, chat_id)
    except ChatError:
        abort(404)


@bp.get("/")
def console():
    return keep_first_use_rows(render_template(
        "chat/console.html", desk=chat_desk.desk(current_user), topics=desk_admin.topics(),
        answers=helpdesk_staff.answers(), agents=desk_admin.agents(), teams=helpdesk_staff.teams(),
        categories=helpdesk.categories(), supervisor=desk_admin.is_supervisor(current_user),
        max_length=chats.message_max()))


@bp.get("/answers/<int:answer_id>")
def answer(answer_id: int):
    """A standard answer of the IR desk's library, its placeholders filled for this chat: JSON."""
    chat = _chat_or_404(request.args.get("chat", type=int) or 0)
    found = db.session.get(StandardAnswer, answer_id)
    if found is None or not found.active:
        abort(404)
    text = helpdesk_staff.fill_placeholders(found, {"ticket_number": chat.number,
                                                    "reporter_name": chat.visitor_name or "",
                                                    "project_number": "", "agent_name": current_user.display_name})
    return jsonify({"ok": True, "text": text})


@bp.get("/suggest")
def suggest():
    """FAQ entries close to what the agent is answering (the same as the public suggestions)."""
    q = (request.args.get("q") or "")[:2000]
    return jsonify({"suggestions": [s.as_dict() for s in faq_search.suggest(q)]})


@bp.post("/messages/<int:message_id>/propose")
def propose(message_id: int):
    try:
        entry_id = chat_desk.propose_faq(current_user, message_id)
        db.session.commit()
    except faq_errors.KnowledgeError as exc:
        db.session.rollback()
        status = 409 if isinstance(exc, faq_errors.AlreadyProposed) else 422
        return jsonify({"ok": False, "error": str(exc.message) if not isinstance(exc, faq_errors.AlreadyProposed)
                        else _("This answer has already been proposed for the FAQ.")}), status
    except ChatError as exc:
        return _json_refusal(exc)
    return jsonify({"ok": True, "entry_id": entry_id, "url": url_for("knowledge.show", entry_id=entry_id)})


@bp.post("/<int:chat_id>/ir")
def to_ir(chat_id: int):
    chat = _chat_or_404(chat_id)
    form = IrForm()
    form.category_id.choices = [SelectChoice(c.id, c.name_th) for c in helpdesk.categories()]
    if not form.validate_on_submit():
        return jsonify({"ok": False, "error": _("Choose the area of e-GP the problem is in."),
                        "field": "category_id"}), 422
    try:
        number = chat_desk.to_ir_report(current_user, chat, form.category_id.data)
        db.session.commit()
    except ChatError as exc:
        return _json_refusal(exc)
    return jsonify({"ok": True, "number": number})


@bp.post("/<int:chat_id>/files")
def upload(chat_id: int):
    chat = _chat_or_404(chat_id)
    return receive_files(chat, lambda body, ref, files: chat_messages.agent_says(current_user, chat, body, ref, files=files))


@bp.get("/<int:chat_id>/files/<int:attachment_id>")
def attachment(chat_id: int, attachment_id: int):
    return send_attachment(_chat_or_404(chat_id), attachment_id, staff=True)


@bp.post("/<int:chat_id>/block")
def block(chat_id: int):
    chat = _chat_or_404(chat_id)
    form = BlockForm()
    if not form.validate_on_submit():
        return jsonify({"ok": False, "error": _("Say why the visitor is blocked (at most 500 characters)."),
                        "field": "reason"}), 422
    try:
        desk_admin.block(current_user, session_id=chat.id, reason=form.reason.data)
        db.session.commit()
    except ChatError as exc:
        return _json_refusal(exc)
    return jsonify({"ok": True})


# --- the supervisor's settings ---------------------------------------------------------------------------------------


def _supervisor_only():
    if not desk_admin.is_supervisor(current_user):
        abort(403)


def _settings_page(settings_form=None, topic_form=None, status: int = 200):
    row = desk_admin.current()
    settings_form = settings_form or SettingsForm(obj=row, lock_version=row.lock_version)
    return keep_first_use_rows(render_template(
        "chat/settings.html", form=settings_form, topic_form=topic_form or TopicForm(),
        topics=desk_admin.topics(active_only=False), blocks=desk_admin.blocks())), status


def _from_settings_page(save, done: str, form=None, form_name: str = ""):
    """Save what the settings page posted (``form`` under ``form_name``), or show the page again with the
    refusal: by its field, or at the top."""
    forms = {form_name: form} if form is not None else {}
    if form is not None and not form.validate_on_submit():
        show_invalid(form)
        return _settings_page(status=422, **forms)
    try:
        save()
        db.session.commit()
    except ChatError as exc:
        show_refusal(form, exc)
        return _settings_page(status=exc.status, **forms)
    flash(done, "success")
    return redirect(url_for("chat.settings"), 303)


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    _supervisor_only()
    if request.method == "GET":
        return _settings_page()
    form = SettingsForm()
    return _from_settings_page(lambda: desk_admin.save_settings(current_user, form.values(), form.version()),
                               _("The Live Chat settings are saved."), form, "settings_form")


@bp.post("/topics")
def save_topic():
    _supervisor_only()
    form = TopicForm()
    return _from_settings_page(
        lambda: desk_admin.save_topic(current_user, form.name_th.data, form.name_en.data, form.position.data or 0,
                                      form.active.data == "1", form.topic()),
        _("The topic is saved."), form, "topic_form")


@bp.post("/blocks/<int:block_id>/lift")
def lift(block_id: int):
    _supervisor_only()
    return _from_settings_page(lambda: desk_admin.lift_block(current_user, block_id), _("The block is lifted."))
