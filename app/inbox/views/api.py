"""The inbox over the API: my tasks, one task with its form, completing it, and a process instance."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import current_app
from pydantic import BaseModel, RootModel
from werkzeug.datastructures import MultiDict

from app.core import api
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.core.i18n import localized_title
from app.inbox.services import inbox, instances, task_lists
from forms import form_for
from forms.api import FieldValue, Line, PageNumber, PerPage, QueryId, Request
from forms.fields import describe

bp = api.blueprint("inbox", __name__)

class TaskQuery(Request):
    view: Literal["available", "claimed", "completed", "started"] = "available"
    page: PageNumber = 1  # past the last page: an empty page
    per_page: PerPage = None
    process: Line | None = None
    agency: QueryId = None


class Task(BaseModel):
    id: int
    title: str
    subject: str | None
    process_id: str
    instance_id: int
    role: str | None
    agency_id: int | None
    agency_name: str | None = None
    assignee_id: int | None
    form_key: str | None
    status: Literal["open", "completed", "cancelled"]
    due_at: datetime | None
    overdue: bool | None = None
    created_at: datetime
    completed_at: datetime | None


class TaskPage(BaseModel):
    items: list[Task]
    total: int
    page: int
    per_page: int
    pages: int


class Choice(BaseModel):
    value: str
    label: str


class FormField(BaseModel):
    name: str
    type: str
    label: str
    required: bool
    description: str | None = None
    choices: list[Choice] | None = None


class TaskWithForm(Task):
    can_complete: bool
    fields: list[FormField]


class TaskAnswer(RootModel[dict[str, FieldValue]]):
    """The task form's fields, each as its form takes it: text, a number, true or false, null, or a list of them.
    Text is cleaned as on the task page (control characters refused, length limits)."""


class InstanceRef(BaseModel):
    id: int
    status: str


class Completed(BaseModel):
    task: Task
    instance: InstanceRef


class BusinessObject(BaseModel):
    type: str | None
    id: int | None


class HistoryEntry(BaseModel):
    at: datetime
    action: str
    task: str | None
    title: str | None
    actor: str | None
    comment: str | None
    time_spent_seconds: float | None


class Instance(BaseModel):
    id: int
    process_id: str
    version: str
    title: str | None
    business_object: BusinessObject
    status: Literal["running", "waiting", "complete", "error", "terminated", "suspended"]
    created_at: datetime
    completed_at: datetime | None
    next_timer_at: datetime | None
    tasks: list[Task]
    history: list[HistoryEntry]


def task_json(task, row=None) -> dict:
    return {
        "id": task.id, "title": localized_title(task.title, task.title_en), "subject": task.subject,
        "process_id": task.process_id, "instance_id": task.instance_id, "role": task.role,
        "agency_id": task.agency_id, "agency_name": row.agency_name_th if row else None,
        "assignee_id": task.assignee_id, "form_key": task.form_key, "status": task.status, "due_at": task.due_at,
        "overdue": row.overdue if row else None, "created_at": task.created_at, "completed_at": task.completed_at,
    }


@bp.get("/tasks")
@api.operation("inbox:read", resp={"HTTP_200": TaskPage})
def list_tasks(query: TaskQuery):
    """My tasks"""
    per_page = query.per_page or min(current_app.config["INBOX_PAGE_SIZE"], 100)
    result = task_lists.list_tasks(api.current_user_of_token(), query.view, page=query.page, per_page=per_page,
                              process_id=query.process or None, agency_id=query.agency)
    return TaskPage(items=[Task(**task_json(row.task, row)) for row in result.rows], total=result.total,
                    page=result.page, per_page=result.per_page, pages=result.pages)


def _task_or_404(task_id: int):
    try:
        return inbox.task_for(api.current_user_of_token(), task_id)
    except inbox.TaskNotFound:
        raise ApiError(404) from None


@bp.get("/tasks/<int:task_id>")
@api.operation("inbox:read", resp={"HTTP_200": TaskWithForm})
def get_task(task_id: int):
    """One task with its form fields"""
    task = _task_or_404(task_id)
    form = form_for(task.form_key)(meta={"csrf": False}, data=inbox.form_initial_data(task))
    return TaskWithForm(**task_json(task), can_complete=inbox.can_act(api.current_user_of_token(), task),
                        fields=describe(form))


@bp.post("/tasks/<int:task_id>/complete")
@api.operation("inbox:write", resp={"HTTP_200": Completed, "HTTP_409": ErrorBody, "HTTP_413": ErrorBody})
def complete_task(task_id: int, json: TaskAnswer):
    """Complete a task with its form's values

    The body is at most 256 KB and nested at most 32 levels; each field is checked as on the task page."""
    task = _task_or_404(task_id)
    formdata = MultiDict(_form_pairs(json.root))
    form = form_for(task.form_key)(formdata=formdata, meta={"csrf": False})
    if not form.validate():
        raise ApiError(422, fields={name: [str(e) for e in errors] for name, errors in form.errors.items()})
    try:
        instance = inbox.complete(api.current_user_of_token(), task, form.answer())
        # The answer as saved, read before the commit expires the rows (else each would be read again).
        done = Completed(task=Task(**task_json(task)), instance=InstanceRef(id=instance.id, status=instance.status))
        db.session.commit()
    except inbox.TaskNotFound:
        raise ApiError(404) from None
    except inbox.InboxError as exc:
        raise api.refusal(409, exc) from None
    return done


def _form_pairs(values: dict) -> list[tuple[str, str]]:
    """The JSON object's fields as a form posts them; the form then cleans them as it cleans a page's."""
    pairs = []
    for name, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, "" if item is None or item is False else "y" if item is True else str(item)))
    return pairs


@bp.get("/instances/<int:instance_id>")
@api.operation("inbox:read", resp={"HTTP_200": Instance})
def get_instance(instance_id: int):
    """A process instance with its status and history"""
    try:
        instance = instances.get_instance(api.current_user_of_token(), instance_id)
    except instances.InstanceNotFound:
        raise ApiError(404) from None
    tasks = instances.tasks(instance)
    return Instance(
        id=instance.id, process_id=instance.process_id, version=instance.spec_key, title=instance.title,
        business_object=BusinessObject(type=instance.business_type, id=instance.business_id),
        status=instance.status, created_at=instance.created_at, completed_at=instance.completed_at,
        next_timer_at=instance.next_timer_at,
        tasks=[Task(**task_json(task)) for task in tasks],
        history=[HistoryEntry(at=e.at, action=e.action, task=e.task_name, title=e.title, actor=e.actor,
                              comment=e.comment,
                              time_spent_seconds=e.time_spent.total_seconds() if e.time_spent else None)
                 for e in instances.history(instance, tasks)],
    )
