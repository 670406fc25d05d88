"""Files in IR Online over the API, both sides, as the pages send them (multipart/form-data), checked as every
IR Online file is (type by content, size and count): the desk's reply, note, question or resolution with files, and
the reporter's reply with files by the follow-up token; each file downloaded under a safe name (the desk: any of
its reports' files; the reporter: those of the public messages of that very report)."""

from __future__ import annotations

from typing import Literal

from flask import send_file
from pydantic import Field

from app.core import api, file_store, uploads
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.helpdesk.models import TicketAttachment
from app.helpdesk.services import helpdesk, helpdesk_desk, helpdesk_files, helpdesk_lifecycle
from app.helpdesk.views.api import Report, reporter_acted, ticket_of_token
from app.helpdesk.views.api import bp as reporter_bp
from app.helpdesk.views.desk_api import READ, TAG, WRITE, TicketDetail, acted, detail, require_staff, staff_ticket
from forms.api import Files, Request, Text

bp = api.blueprint("helpdesk_files", __name__)  # the desk's (a token); the reporter's join the public IR API
uploads.allow_files(bp, ["helpdesk_files_api.desk_sends_files"], helpdesk_files.attachments_bytes)
uploads.allow_files(reporter_bp, ["helpdesk_api.reporter_sends_files"], helpdesk_files.attachments_bytes)
_FILE_REFUSALS = {"HTTP_409": ErrorBody, "HTTP_413": ErrorBody}


class DeskFiles(Request):
    action: Literal["reply", "note", "ask", "resolve"] = Field(description="as for a message without files")
    body: Text = Field(max_length=helpdesk.MAX_TEXT, description="the text the files go with")
    files: Files


class ReporterFiles(Request):
    body: Text = Field(max_length=10000, description="the text the files go with")
    files: Files


def _form(form):
    if form is None:  # spectree reads a form only from a form body
        raise ApiError(400, reason="not_multipart")
    return form


def _sent(attachment: TicketAttachment, *, as_attachment: bool):
    response = send_file(helpdesk_files.open_attachment(attachment), mimetype=attachment.content_type,
                         as_attachment=as_attachment,
                         download_name=file_store.safe_name(attachment.filename, attachment.content_type))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/helpdesk/tickets/<number>/files")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": TicketDetail, **_FILE_REFUSALS})
def desk_sends_files(number: str, form: DeskFiles):
    """Reply, note, ask or resolve with files (multipart/form-data: action, body, files)"""
    form = _form(form)
    ticket = staff_ticket(number)
    acted(lambda user: helpdesk_desk.MESSAGE_ACTIONS[form.action](user, ticket, form.body, form.files))
    return detail(ticket)


@bp.get("/helpdesk/attachments/<int:attachment_id>")
@api.operation(READ, tag=TAG, resp={"HTTP_200": api.FILE})
def desk_file(attachment_id: int):
    """A file of a report's conversation (helpdesk staff)"""
    require_staff()
    found = db.session.get(TicketAttachment, attachment_id)
    if found is None:
        raise ApiError(404)
    return _sent(found, as_attachment=True)


@reporter_bp.post("/ir/follow/<token>/files")
@api.operation(None, resp={"HTTP_200": Report, **_FILE_REFUSALS}, limit="RATELIMIT_IR_FOLLOW_WRITE")
def reporter_sends_files(token: str, form: ReporterFiles):
    """Add to the conversation with files (multipart/form-data: body, files)"""
    form = _form(form)
    return reporter_acted(token, lambda ticket: helpdesk_lifecycle.reporter_reply(ticket, form.body, form.files,
                                                                                  None))


@reporter_bp.get("/ir/follow/<token>/files/<int:attachment_id>")
@api.operation(None, resp={"HTTP_200": api.FILE})
def reporter_file(token: str, attachment_id: int):
    """A file of the report's public conversation, by its follow-up token"""
    found = helpdesk_files.attachment_for_reporter(ticket_of_token(token), attachment_id)
    if found is None:
        raise ApiError(404)
    return _sent(found, as_attachment=found.content_type == "application/pdf")
