"""IR Online over the API, open to anyone as the public pages are: report a problem, then follow it with the secret
follow-up token the report answers with (read its progress, reply, confirm the resolution or reopen it, rate it).

No personal access token is needed (a reporter's account has none: the API's tokens are the back office's); each
address is limited as the report page is (``RATELIMIT_IR_REPORT``), and a wrong follow-up token answers 404 like a
missing report. The same form as the page's checks a report (e-mail, phone, e-GP project number), after the request
model has checked its shape; the same services file it and act on it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from app.core import api
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.core.i18n import localized_title
from app.helpdesk.services import helpdesk, helpdesk_conversation, helpdesk_intake, helpdesk_lifecycle
from forms.api import Id, Line, Request, RequiredLine, RequiredText, Text
from forms.ir_online import ReportForm

bp = api.blueprint("helpdesk", __name__)

REPORT_FIELDS = ("reporter_type", "category_id", "project_number", "subject", "description", "contact_name",
                 "contact_email", "contact_phone")


class NewReport(Request):
    reporter_type: Line = Field(description="as on the report page's first question")
    category_id: Id
    subject: RequiredLine = Field(max_length=200)
    description: RequiredText = Field(max_length=10000)
    project_number: Line | None = Field(None, description="the e-GP project number, 11 digits")
    contact_name: Line | None = Field(None, max_length=255)
    contact_email: Line | None = Field(None, max_length=255)
    contact_phone: Line | None = Field(None, max_length=32)


class Reply(Request):
    body: RequiredText = Field(max_length=10000)


class Reopening(Request):
    reason: RequiredText = Field(max_length=10000, description="why the problem is not solved")


class Rating(Request):
    rating: Literal[1, 2, 3, 4, 5]
    comment: Text | None = Field(None, max_length=2000)


class MessageFile(BaseModel):
    id: int = Field(description="download it at /ir/follow/{token}/files/{id}")
    filename: str
    content_type: str
    size: int


class Message(BaseModel):
    kind: str
    body: str
    created_at: datetime
    attachments: list[MessageFile] = []


class Report(BaseModel):
    """A report as its reporter sees it; ``follow_up_token``: the key to it, given once, when it is filed."""

    number: str
    status: str
    subject: str
    category: str | None
    created_at: datetime
    messages: list[Message]
    follow_up_token: str | None = None


def reporter_view(ticket, token: str | None = None) -> Report:
    category = ticket.category
    return Report(number=ticket.number, status=ticket.status, subject=ticket.subject,
                  category=localized_title(category.name_th, category.name_en) if category else None,
                  created_at=ticket.created_at, follow_up_token=token,
                  messages=[Message(kind=m.kind, body=m.body, created_at=m.created_at,
                                    attachments=[MessageFile(id=a.id, filename=a.filename, content_type=a.content_type,
                                                             size=a.size) for a in m.attachments])
                            for m in helpdesk_conversation.public_messages(ticket)])


def reporter_refusal(exc: helpdesk.HelpdeskError) -> ApiError:
    if isinstance(exc, helpdesk.InvalidReport):
        return ApiError(422, exc.message, fields={exc.field or "body": [str(exc.message)]})
    return ApiError(409, exc.message, reason=getattr(exc, "code", None))


@bp.post("/ir/reports")
@api.operation(None, resp={"HTTP_201": Report}, limit="RATELIMIT_IR_REPORT")
def report(json: NewReport):
    """Report a problem with e-GP (anyone)"""
    values = {name: getattr(json, name) for name in REPORT_FIELDS}
    form = ReportForm(formdata=MultiDict([(k, str(v)) for k, v in values.items() if v is not None]),
                      meta={"csrf": False})
    form.category_id.choices = [SelectChoice(c.id, c.name_th) for c in helpdesk.categories()]
    if not form.validate():
        raise ApiError(422, fields={name: [str(e) for e in errors] for name, errors in form.errors.items()
                                    if name not in ("started", "website")} or None)
    data = helpdesk_intake.ReportInput(
        reporter_type=form.reporter_type.data, category_id=form.category_id.data, subject=form.subject.data.strip(),
        description=form.description.data.strip(), project_number=form.project_number.data or None,
        contact_name=(form.contact_name.data or "").strip() or None,
        contact_email=(form.contact_email.data or "").strip() or None,
        contact_phone=(form.contact_phone.data or "").strip() or None)
    try:
        ticket, token = helpdesk_intake.report(data, None)
        db.session.commit()
    except helpdesk.HelpdeskError as exc:
        raise reporter_refusal(exc) from None
    return reporter_view(ticket, token), 201


def ticket_of_token(token: str):
    ticket = helpdesk.ticket_by_follow_up(token)
    if ticket is None:
        raise ApiError(404)  # a wrong token and a missing report look the same
    return ticket


def reporter_acted(token: str, action) -> Report:
    ticket = ticket_of_token(token)
    try:
        action(ticket)
        db.session.commit()
    except helpdesk.HelpdeskError as exc:
        raise reporter_refusal(exc) from None
    return reporter_view(ticket)


@bp.get("/ir/follow/<token>")
@api.operation(None, resp={"HTTP_200": Report})
def follow(token: str):
    """A report's progress, by its follow-up token (anyone holding it)"""
    return reporter_view(ticket_of_token(token))


@bp.post("/ir/follow/<token>/reply")
@api.operation(None, resp={"HTTP_200": Report, "HTTP_409": ErrorBody}, limit="RATELIMIT_IR_FOLLOW_WRITE")
def reply(token: str, json: Reply):
    """Add to the conversation"""
    return reporter_acted(token, lambda ticket: helpdesk_lifecycle.reporter_reply(ticket, json.body, [], None))


@bp.post("/ir/follow/<token>/confirm")
@api.operation(None, resp={"HTTP_200": Report, "HTTP_409": ErrorBody}, limit="RATELIMIT_IR_FOLLOW_WRITE")
def confirm(token: str):
    """Confirm the resolution: the report closes"""
    return reporter_acted(token, lambda ticket: helpdesk_lifecycle.confirm(ticket, None))


@bp.post("/ir/follow/<token>/reopen")
@api.operation(None, resp={"HTTP_200": Report, "HTTP_409": ErrorBody}, limit="RATELIMIT_IR_FOLLOW_WRITE")
def reopen(token: str, json: Reopening):
    """The problem is not solved: a resolved report goes back to work; a closed one opens a new, linked report,
    answered with its own follow-up token"""
    ticket = ticket_of_token(token)
    try:
        reopened = helpdesk_lifecycle.reopen(ticket, None, json.reason)
        db.session.commit()
    except helpdesk.HelpdeskError as exc:
        raise reporter_refusal(exc) from None
    return reporter_view(reopened, helpdesk.follow_up_token(reopened) if reopened.id != ticket.id else None)


@bp.post("/ir/follow/<token>/rate")
@api.operation(None, resp={"HTTP_200": Report, "HTTP_409": ErrorBody}, limit="RATELIMIT_IR_FOLLOW_WRITE")
def rate(token: str, json: Rating):
    """Rate the help received, once the report is closed"""
    return reporter_acted(token, lambda ticket: helpdesk_lifecycle.rate(ticket, None, json.rating, json.comment or None))
