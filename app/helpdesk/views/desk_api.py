"""The e-GP help desk's staff side over the API, as on the desk's screens (``helpdesk.py``): the queues, a report with
its whole conversation, replying, internal notes, asking the reporter, resolving, taking and assigning, the priority,
merging a duplicate, and the standard answers. Helpdesk agents and supervisors only (the services check it: 403).

Triage (the category, the first priority and assignee) is the triage task's form: ``/tasks/{task_id}/complete``;
a report's ``triage_task_id`` names it. Closing follows the reporter's confirmation or the diagram's timers, and a
reopened report is the reporter's action (``/ir/follow/{token}/reopen``), as on the pages. Files are attached on
the pages only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import current_app
from pydantic import BaseModel, Field

from app.core import api
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.helpdesk.models import StandardAnswer
from app.helpdesk.services import helpdesk, helpdesk_conversation, helpdesk_desk, helpdesk_sla, helpdesk_staff
from forms.api import Id, Line, PageNumber, PerPage, QueryId, Request, RequiredLine, RequiredText

bp = api.blueprint("helpdesk_desk", __name__)
TAG = "helpdesk"
READ, WRITE = "helpdesk:read", "helpdesk:write"
_REFUSALS = {"HTTP_409": ErrorBody}


# --- the models ------------------------------------------------------------------------------------------------------


class TicketQuery(Request):
    queue: Literal["unassigned", "mine", "team", "waiting", "breached", "all"] = "unassigned"
    q: Line | None = Field(None, max_length=200, description="a report number, an e-GP project number, or words")
    page: PageNumber = 1
    per_page: PerPage = None


class TicketItem(BaseModel):
    number: str
    status: str
    priority: str
    subject: str
    category_id: int
    reporter_type: str
    contact_name: str | None
    assignee_id: int | None
    assignee_name: str | None = None
    team_id: int | None
    team_name: str | None = None
    created_at: datetime
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    minutes_left: int | None
    overdue: bool | None = None


class TicketPage(BaseModel):
    items: list[TicketItem]
    total: int
    page: int
    per_page: int
    pages: int
    queues: dict[str, int] = Field(description="each queue's size")


class TicketFile(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int


class DeskMessage(BaseModel):
    id: int
    kind: str = Field(description="reporter, public_reply, internal_note or system")
    body: str
    author_id: int | None
    ticket_number: str = Field(description="the report it was written in (a duplicate merged in has its own)")
    created_at: datetime
    attachments: list[TicketFile]


class DeskEvent(BaseModel):
    at: datetime
    action: str
    actor: str | None


class TicketDetail(TicketItem):
    description: str
    project_number: str | None
    contact_email: str | None
    contact_phone: str | None
    merged_into: str | None
    triage_task_id: int | None = Field(description="the open triage task: complete it through /tasks")
    messages: list[DeskMessage]
    history: list[DeskEvent]


class DeskAction(Request):
    action: Literal["reply", "note", "ask", "resolve"] = Field(
        description="reply: a public reply; note: an internal note; ask: a question that waits on the reporter; "
                    "resolve: the answer that resolves the report")
    body: RequiredText = Field(max_length=helpdesk.MAX_TEXT)


class Assignment(Request):
    assignee_id: Id | None = Field(None, description="an agent; none: nobody")
    team_id: Id | None = Field(None, description="a team; none: no team")


class Priority(Request):
    priority: Literal["urgent", "high", "normal", "low"]


class Merge(Request):
    target: RequiredLine = Field(max_length=16, description="the number of the open report this one duplicates")


class AnswerQuery(Request):
    category_id: QueryId = None
    active_only: bool = True


class DeskAnswer(BaseModel):
    id: int
    title: str
    body: str
    category_id: int | None
    active: bool


class DeskAnswers(BaseModel):
    items: list[DeskAnswer]


class DeskAnswerText(Request):
    title: RequiredLine = Field(max_length=255)
    body: RequiredText = Field(max_length=helpdesk.MAX_TEXT)
    category_id: Id | None = None
    active: bool = True


class ReplyAsAnswer(Request):
    message_id: Id = Field(description="a public reply of this report")
    title: RequiredLine = Field(max_length=255)


class FilledAnswer(BaseModel):
    body: str = Field(description="the answer with this report's placeholders filled in, ready to send")


# --- shared ------------------------------------------------------------------------------------------------------------


def refused(exc: helpdesk.HelpdeskError) -> ApiError:
    if isinstance(exc, helpdesk_staff.NotAllowed):
        return ApiError(403, exc.message, reason="not_helpdesk_staff")
    if isinstance(exc, helpdesk.TicketNotFound):
        return ApiError(404, exc.message)
    if isinstance(exc, helpdesk.InvalidReport):
        return ApiError(422, exc.message, fields={exc.field or "body": [str(exc.message)]})
    return ApiError(409, exc.message, reason=type(exc).__name__)


def staff_ticket(number: str):
    try:
        return helpdesk_staff.ticket_for(api.current_user_of_token(), number)
    except helpdesk.HelpdeskError as exc:
        raise refused(exc) from None


def acted(action) -> None:
    try:
        action(api.current_user_of_token())
        db.session.commit()
    except helpdesk.HelpdeskError as exc:
        raise refused(exc) from None


def _item_fields(ticket, minutes_left: int | None) -> dict:
    return {"number": ticket.number, "status": ticket.status, "priority": ticket.priority, "subject": ticket.subject,
            "category_id": ticket.category_id, "reporter_type": ticket.reporter_type,
            "contact_name": ticket.contact_name, "assignee_id": ticket.assignee_id, "team_id": ticket.team_id,
            "created_at": ticket.created_at, "first_response_due_at": ticket.first_response_due_at,
            "resolution_due_at": ticket.resolution_due_at, "minutes_left": minutes_left}


def detail(ticket) -> TicketDetail:
    messages = helpdesk_conversation.messages_of(ticket, public_only=False)
    numbers = {ticket.id: ticket.number} | {t.id: t.number for t in helpdesk_desk.merged_into_this(ticket)}
    task = helpdesk_desk.triage_task(ticket)
    merged_into = db.session.get(type(ticket), ticket.merged_into_id) if ticket.merged_into_id else None
    return TicketDetail(
        **_item_fields(ticket, helpdesk_sla.time_left(ticket)), description=ticket.description,
        project_number=ticket.project_number, contact_email=ticket.contact_email, contact_phone=ticket.contact_phone,
        merged_into=merged_into.number if merged_into else None, triage_task_id=task.id if task else None,
        messages=[DeskMessage(id=m.id, kind=m.kind, body=m.body, author_id=m.author_user_id,
                              ticket_number=numbers.get(m.ticket_id, ticket.number), created_at=m.created_at,
                              attachments=[TicketFile(id=a.id, filename=a.filename, content_type=a.content_type,
                                                      size=a.size) for a in m.attachments])
                  for m in messages],
        history=[DeskEvent(at=event.occurred_at, action=event.action, actor=name)
                 for event, name in helpdesk_desk.history(ticket)])


# --- the queues and a report ---------------------------------------------------------------------------------------------


@bp.get("/helpdesk/tickets")
@api.operation(READ, tag=TAG, resp={"HTTP_200": TicketPage})
def list_tickets(query: TicketQuery):
    """A queue of the desk, least time left first (helpdesk staff)"""
    user = api.current_user_of_token()
    per_page = query.per_page or current_app.config["HELPDESK_PAGE_SIZE"]
    try:
        rows = helpdesk_desk.list_tickets(user, query.queue, query.q or "", query.page, per_page)
    except helpdesk.HelpdeskError as exc:
        raise refused(exc) from None
    return TicketPage(items=[TicketItem(**_item_fields(row.ticket, row.minutes_left), assignee_name=row.assignee_name,
                                        team_name=row.team_name, overdue=row.overdue) for row in rows.rows],
                      total=rows.total, page=rows.page, per_page=rows.per_page, pages=rows.pages,
                      queues=helpdesk_desk.queue_counts(user))


@bp.get("/helpdesk/tickets/<number>")
@api.operation(READ, tag=TAG, resp={"HTTP_200": TicketDetail})
def get_ticket(number: str):
    """A report with its whole conversation (internal notes too) and its history"""
    return detail(staff_ticket(number))


@bp.post("/helpdesk/tickets/<number>/messages")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": TicketDetail, **_REFUSALS})
def post_message(number: str, json: DeskAction):
    """Reply, add an internal note, ask the reporter, or resolve the report"""
    ticket = staff_ticket(number)
    action = helpdesk_desk.MESSAGE_ACTIONS[json.action]
    acted(lambda user: action(user, ticket, json.body, []))
    return detail(ticket)


@bp.post("/helpdesk/tickets/<number>/take")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": TicketDetail, **_REFUSALS})
def take(number: str):
    """Take the report: it becomes mine (its team stays)"""
    ticket = staff_ticket(number)
    acted(lambda user: helpdesk_desk.assign(user, ticket, user.id, ticket.team_id))
    return detail(ticket)


@bp.post("/helpdesk/tickets/<number>/assign")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": TicketDetail, **_REFUSALS})
def assign(number: str, json: Assignment):
    """Assign the report to an agent, a team, or nobody"""
    ticket = staff_ticket(number)
    acted(lambda user: helpdesk_desk.assign(user, ticket, json.assignee_id, json.team_id))
    return detail(ticket)


@bp.post("/helpdesk/tickets/<number>/priority")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": TicketDetail, **_REFUSALS})
def change_priority(number: str, json: Priority):
    """Change the priority: the due times are computed again"""
    ticket = staff_ticket(number)
    acted(lambda user: helpdesk_desk.change_priority(user, ticket, json.priority))
    return detail(ticket)


@bp.post("/helpdesk/tickets/<number>/merge")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": TicketDetail, **_REFUSALS})
def merge(number: str, json: Merge):
    """Merge this duplicate into another open report; answers with the report the work goes on in"""
    ticket = staff_ticket(number)
    merged: list = []
    acted(lambda user: merged.append(helpdesk_desk.merge(user, ticket, json.target)))
    return detail(merged[0])


# --- standard answers ---------------------------------------------------------------------------------------------------


def _answer(answer) -> DeskAnswer:
    return DeskAnswer(id=answer.id, title=answer.title, body=answer.body, category_id=answer.category_id,
                          active=answer.active)


def require_staff() -> None:
    try:
        helpdesk_staff.require_agent(api.current_user_of_token())
    except helpdesk.HelpdeskError as exc:
        raise refused(exc) from None


@bp.get("/helpdesk/answers")
@api.operation(READ, tag=TAG, resp={"HTTP_200": DeskAnswers})
def list_answers(query: AnswerQuery):
    """The standard answers (those of a category, and those of any category)"""
    require_staff()
    return DeskAnswers(items=[_answer(a) for a in helpdesk_staff.answers(active_only=query.active_only,
                                                                             category_id=query.category_id)])


@bp.post("/helpdesk/answers")
@api.operation(WRITE, tag=TAG, resp={"HTTP_201": DeskAnswer, **_REFUSALS})
def create_answer(json: DeskAnswerText):
    """Write a standard answer (placeholders: {ticket_number}, {reporter_name}, {project_number}, {agent_name})"""
    saved: list = []
    acted(lambda user: saved.append(helpdesk_staff.save_answer(user, json.title, json.body, json.category_id,
                                                                json.active)))
    return _answer(saved[0]), 201


@bp.put("/helpdesk/answers/<int:answer_id>")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": DeskAnswer, **_REFUSALS})
def save_answer(answer_id: int, json: DeskAnswerText):
    """Change a standard answer, or withdraw it (``active``: false)"""
    saved: list = []
    acted(lambda user: saved.append(helpdesk_staff.save_answer(user, json.title, json.body, json.category_id,
                                                                json.active, answer_id=answer_id)))
    return _answer(saved[0])


@bp.get("/helpdesk/tickets/<number>/answers/<int:answer_id>")
@api.operation(READ, tag=TAG, resp={"HTTP_200": FilledAnswer})
def filled_answer(number: str, answer_id: int):
    """A standard answer filled in for this report, as the reply box shows it"""
    ticket = staff_ticket(number)
    answer = db.session.get(StandardAnswer, answer_id)
    if answer is None or not answer.active:
        raise ApiError(404)
    return FilledAnswer(body=helpdesk_staff.render_answer(answer, ticket, api.current_user_of_token()))


@bp.post("/helpdesk/tickets/<number>/save-answer")
@api.operation(WRITE, tag=TAG, resp={"HTTP_201": DeskAnswer, **_REFUSALS})
def save_reply_as_answer(number: str, json: ReplyAsAnswer):
    """Keep one of this report's public replies as a standard answer"""
    staff_ticket(number)
    saved: list = []
    acted(lambda user: saved.append(helpdesk_staff.save_reply_as_answer(user, json.message_id, json.title)))
    return _answer(saved[0]), 201

