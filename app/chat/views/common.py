"""What the visitor's pages and the agents' console do alike: a refusal shown where the person looks (by its
field, or at the top of the page when the form shows no such field), files received with IR Online's checks,
and a chat's file served under a name made from what it is."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, jsonify, request, send_file
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.chat.models import ChatMessage, ChatSession
from app.chat.services import chat_messages
from app.chat.services.errors import ChatError
from app.core import file_store
from app.core.extensions import db
from app.helpdesk.services import helpdesk, helpdesk_files

HIDDEN = {"HiddenField", "CSRFTokenField"}


def keep_first_use_rows(page):
    """The desk's default topics and settings are made on first use by the page that shows them: kept, so that
    the ids on the page name rows that exist (made at the same moment by another request, theirs stand)."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
    return page


def show_refusal(form, exc: ChatError) -> None:
    """Roll back, then put the refusal by its field when the form shows that field, else at the top."""
    db.session.rollback()
    field = getattr(form, exc.field, None) if form is not None and exc.field else None
    if field is not None and field.type not in HIDDEN:
        field.errors = [*field.errors, str(exc.message)]
    else:
        flash(str(exc.message), "danger")


def show_invalid(form) -> None:
    """A form that did not validate: the fields say why; a hidden field's reason is said at the top."""
    flash(_("Please correct the highlighted fields."), "danger")
    for field in form:
        if field.type in HIDDEN:
            for error in field.errors:
                flash(str(error), "danger")


def json_refusal(message, status: int, field: str | None = None):
    db.session.rollback()
    return jsonify({"ok": False, "error": str(message), "field": field}), status


def receive_files(chat: ChatSession, say: Callable[..., tuple[ChatMessage, bool]]):
    """Files posted with a message (type by content, size and count, as IR Online); ``say(body, client_ref,
    files=...)`` stores the message. JSON: the message as the chat shows it, or the refusal."""
    try:
        files = helpdesk_files.read_files(request.files.getlist("files"))
        if not files:
            return json_refusal(_("Choose a file to send."), 422, "files")
        message, _new = say(request.form.get("body") or "", request.form.get("client_ref") or None, files=files)
        db.session.commit()
    except helpdesk.HelpdeskError as exc:
        return json_refusal(exc.message, 422, "files")
    except ChatError as exc:
        return json_refusal(exc.message, exc.status, exc.field)
    shown = chat_messages.messages_for(chat, staff=True, since=message.id - 1, limit=1)[0]
    return jsonify({"ok": True, "message_id": message.id, "message": shown})


def send_attachment(chat: ChatSession, attachment_id: int, *, staff: bool):
    found = chat_messages.attachment_of(chat, attachment_id, staff=staff)
    if found is None:
        abort(404)
    return send_file(file_store.path_for(found.sha256).open("rb"), mimetype=found.content_type,
                     download_name=file_store.safe_name(found.filename, found.content_type),
                     as_attachment=found.content_type == "application/pdf")
