"""The inbox's tools over the API, as on the pages: claim a task, give it back, see who could take it, assign it to
one of them, claim several at once; one's saved filters. Each task action answers with the task as it now is; a
task someone else took meanwhile, or one already done, is a 409 with the reason in the caller's language."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.core import api
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.inbox.services import assignment, inbox, saved_filters
from app.inbox.services.task_query import SEARCH_MAX, TaskQuery
from app.inbox.views.api import Task, task_json
from forms.api import Id, Line, Request, RequiredLine

bp = api.blueprint("inbox_tools", __name__)

_REFUSALS = {"HTTP_409": ErrorBody}


class Colleague(BaseModel):
    id: int
    display_name: str


class Candidates(BaseModel):
    items: list[Colleague]


class Assignee(Request):
    assignee_id: Id = Field(description="a colleague from the task's candidates")


class TaskIds(Request):
    task_ids: list[Id] = Field(min_length=1, max_length=assignment.BULK_MAX,
                               description=f"at most {assignment.BULK_MAX} tasks")


class ClaimOutcome(BaseModel):
    task_id: int
    title: str
    claimed: bool
    message: str | None = Field(None, description="why a task was not claimed")


class ClaimOutcomes(BaseModel):
    items: list[ClaimOutcome]
    claimed: int


def _task(task_id: int):
    try:
        return inbox.task_for(api.current_user_of_token(), task_id)
    except inbox.TaskNotFound:
        raise ApiError(404) from None


_TASK_REFUSALS = {inbox.TaskNotFound: 404, assignment.NotACandidate: 422, inbox.InboxError: 409}


def _acted(task_id: int, action) -> Task:
    """Run ``action(user, task)`` and commit; the task as it now is, read before the commit expires it."""
    task = _task(task_id)

    def act() -> Task:
        action(api.current_user_of_token(), task)
        return Task(**task_json(task))

    return api.committed(act, _TASK_REFUSALS)


@bp.post("/tasks/<int:task_id>/claim")
@api.operation("inbox:write", resp={"HTTP_200": Task, **_REFUSALS})
def claim(task_id: int):
    """Claim a task: it becomes mine (claiming one's own again changes nothing)"""
    return _acted(task_id, inbox.claim)


@bp.post("/tasks/<int:task_id>/unclaim")
@api.operation("inbox:write", resp={"HTTP_200": Task, **_REFUSALS})
def unclaim(task_id: int):
    """Give a claimed task back to its role's shared list"""
    return _acted(task_id, inbox.unclaim)


@bp.get("/tasks/<int:task_id>/candidates")
@api.operation("inbox:read", resp={"HTTP_200": Candidates})
def candidates(task_id: int):
    """The colleagues who could take the task: its role at its agency or one above it"""
    task = _task(task_id)
    return Candidates(items=[Colleague(id=person.id, display_name=person.display_name)
                             for person in assignment.candidates(task)])


@bp.post("/tasks/<int:task_id>/assign")
@api.operation("inbox:write", resp={"HTTP_200": Task, "HTTP_422": ErrorBody, **_REFUSALS})
def assign(task_id: int, json: Assignee):
    """Give a free task (or my own) to one of its candidates"""
    return _acted(task_id, lambda user, task: assignment.assign(user, task, json.assignee_id))


@bp.post("/tasks/claim")
@api.operation("inbox:write", resp={"HTTP_200": ClaimOutcomes})
def bulk_claim(json: TaskIds):
    """Claim several tasks at once: each on its own; those that could not be claimed say why"""
    outcomes = assignment.bulk_claim(api.current_user_of_token(), json.task_ids)
    answer = ClaimOutcomes(items=[ClaimOutcome(task_id=o.task_id, title=o.title, claimed=o.claimed,
                                               message=o.message or None) for o in outcomes],
                           claimed=sum(o.claimed for o in outcomes))
    db.session.commit()
    return answer


# --- saved filters ------------------------------------------------------------------------------------------


class FilterParams(BaseModel):
    view: Literal["available", "claimed", "completed", "started"] = "available"
    process: str | None = None
    agency: int | None = None
    sort: Literal["due", "received", "priority"] = "due"
    order: Literal["asc", "desc"] | None = Field(None, description="default: the sort's own (due: asc, else desc)")
    q: str = ""


class SavedFilterItem(BaseModel):
    id: int
    name: str
    default: bool
    params: FilterParams


class SavedFilterList(BaseModel):
    items: list[SavedFilterItem]


class NewFilter(Request):
    name: RequiredLine = Field(max_length=saved_filters.NAME_MAX, description="saving under a name in use replaces it")
    default: bool = Field(False, description="open this filter when going to the tasks")
    view: Literal["available", "claimed", "completed", "started"] = "available"
    process: Line | None = Field(None, max_length=64)
    agency: Id | None = None
    sort: Literal["due", "received", "priority"] = "due"
    order: Literal["asc", "desc"] | None = None
    q: Line | None = Field(None, max_length=SEARCH_MAX)


def _filter_item(row) -> SavedFilterItem:
    query = TaskQuery.from_args(row.params or {})
    return SavedFilterItem(id=row.id, name=row.name, default=bool(row.is_default), params=FilterParams(
        view=query.view, process=query.process_id, agency=query.agency_id, sort=query.sort, order=query.order,
        q=query.search))


def _filter_changed(action):
    return api.committed(action, {saved_filters.SavedFilterNotFound: 404, saved_filters.SavedFilterRefused: 422})


@bp.get("/tasks/filters")
@api.operation("inbox:read", resp={"HTTP_200": SavedFilterList})
def list_filters():
    """My saved filters"""
    return SavedFilterList(items=[_filter_item(row) for row in saved_filters.of(api.current_user_of_token())])


@bp.post("/tasks/filters")
@api.operation("inbox:write", resp={"HTTP_200": SavedFilterItem, "HTTP_422": ErrorBody})
def save_filter(json: NewFilter):
    """Save a filter under a name (a name in use is replaced)"""
    query = TaskQuery.from_args({"view": json.view, "process": json.process, "agency": json.agency,
                                 "sort": json.sort, "order": json.order, "q": json.q})
    return _filter_changed(lambda: _filter_item(saved_filters.save(api.current_user_of_token(), json.name, query,
                                                                   default=json.default)))


@bp.post("/tasks/filters/<int:filter_id>/default")
@api.operation("inbox:write", resp={"HTTP_200": SavedFilterItem})
def default_filter(filter_id: int):
    """Open this filter when going to the tasks"""
    return _filter_changed(lambda: _filter_item(saved_filters.make_default(api.current_user_of_token(), filter_id)))


@bp.post("/tasks/filters/<int:filter_id>/delete")
@api.operation("inbox:write", resp={"HTTP_200": SavedFilterList})
def delete_filter(filter_id: int):
    """Delete a saved filter; answers with the filters left"""
    user = api.current_user_of_token()

    def delete() -> SavedFilterList:
        saved_filters.delete(user, filter_id)
        return SavedFilterList(items=[_filter_item(row) for row in saved_filters.of(user)])

    return _filter_changed(delete)
