"""Files in a Live Chat over the API, both sides, as the pages send them: images or PDFs with an optional line
of text (multipart/form-data), checked as IR Online checks them (type by content, size and count), and each one
downloaded under a safe name. The visitor's side is opened by the chat's follow-up token (anyone, limited per
address as the page is); the agent's by a token with the chat scope."""

from __future__ import annotations

from flask import Response
from flask_babel import gettext as _
from pydantic import Field

from app.chat.services import chat_messages, transcript
from app.chat.services.errors import ChatError
from app.chat.views.api import Chat, chat_of_token, visitor_refusal, visitor_view
from app.chat.views.api import bp as visitor_bp
from app.chat.views.common import send_attachment
from app.chat.views.desk_api import READ, TAG, WRITE, AgentSaid, chat_for_staff, refused
from app.core import api, uploads
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.helpdesk.services import helpdesk, helpdesk_files
from forms.api import Files, Line, Request, Text

bp = api.blueprint("chat_files", __name__)  # the agents' (a token); the visitor's join the visitor's API
uploads.allow_files(bp, ["chat_files_api.agent_sends_files"], helpdesk_files.attachments_bytes)
uploads.allow_files(visitor_bp, ["chat_api.visitor_sends_files"], helpdesk_files.attachments_bytes)


class FilesMessage(Request):
    files: Files
    body: Text | None = Field(None, max_length=2000, description="a line said with the files")
    client_ref: Line | None = Field(None, max_length=64, description="the client's own id: a resend is stored once")


_FILE_REFUSALS = {"HTTP_409": ErrorBody, "HTTP_413": ErrorBody}


def _stored(form: FilesMessage | None, say):
    """The files read and checked before anything is written, then the message stored with them."""
    if form is None:  # spectree reads a form only from a form body
        raise ApiError(400, reason="not_multipart")
    try:
        files = helpdesk_files.read_files(form.files)  # an empty file part is left out
        if not files:
            raise ApiError(422, fields={"files": [_("Choose a file to send.")]})
        message, new = say(form.body or "", form.client_ref, files)
        db.session.commit()
    except helpdesk.HelpdeskError as exc:
        raise ApiError(422, exc.message, fields={"files": [str(exc.message)]}) from None
    return message, new


@visitor_bp.post("/chat/<token>/files")
@api.operation(None, resp={"HTTP_200": Chat, **_FILE_REFUSALS}, limit="RATELIMIT_CHAT_WRITE")
def visitor_sends_files(token: str, form: FilesMessage):
    """Send images or PDFs in the chat (multipart/form-data: files, body, client_ref)"""
    chat = chat_of_token(token)
    try:
        _stored(form, lambda body, ref, files: chat_messages.visitor_says(chat, body, ref, files=files))
    except ChatError as exc:
        raise visitor_refusal(exc) from None
    return visitor_view(chat)


@visitor_bp.get("/chat/<token>/files/<int:attachment_id>")
@api.operation(None, resp={"HTTP_200": api.FILE})
def visitor_file(token: str, attachment_id: int):
    """A file of the chat, as its visitor may see it"""
    return _file(chat_of_token(token), attachment_id, staff=False)


@bp.post("/chat-desk/chats/<int:chat_id>/files")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": AgentSaid, **_FILE_REFUSALS})
def agent_sends_files(chat_id: int, form: FilesMessage):
    """Send images or PDFs to the visitor (multipart/form-data: files, body, client_ref)"""
    chat = chat_for_staff(chat_id)
    user = api.current_user_of_token()
    try:
        message, new = _stored(form, lambda body, ref, files: chat_messages.agent_says(user, chat, body, ref,
                                                                                        files=files))
    except ChatError as exc:
        raise refused(exc) from None
    shown = chat_messages.messages_for(chat, staff=True, since=message.id - 1, limit=1)[0]
    return AgentSaid(message=shown, new=new)


@bp.get("/chat-desk/chats/<int:chat_id>/files/<int:attachment_id>")
@api.operation(READ, tag=TAG, resp={"HTTP_200": api.FILE})
def agent_file(chat_id: int, attachment_id: int):
    """A file of the chat (the chat team)"""
    return _file(chat_for_staff(chat_id), attachment_id, staff=True)


def _file(chat, attachment_id: int, *, staff: bool):
    response = send_attachment(chat, attachment_id, staff=staff)  # 404 when it is not the chat's (or not theirs)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@visitor_bp.get("/chat/<token>/transcript.pdf")
@api.operation(None, resp={"HTTP_200": api.FILE})
def visitor_transcript(token: str):
    """The chat's transcript as a PDF, as its visitor may keep it"""
    chat = chat_of_token(token)
    return Response(transcript.pdf(chat), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{chat.number}.pdf"',
                             "Cache-Control": "private, no-store"})
