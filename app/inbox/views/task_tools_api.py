"""The inbox's tools over the API, as on the pages: claim a task, give it back, see who could take it, assign it to
one of them, claim several at once. Each answers with the task as it now is; a task someone else took meanwhile,
or one already done, is a 409 with the reason in the caller's language."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.core import api
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.inbox.services import assignment, inbox
from app.inbox.views.api import Task, task_json
from forms.api import Id, Request

bp = api.blueprint("inbox_tools", __name__)

_REFUSALS = {"HTTP_409": ErrorBody}


class Person(BaseModel):
    id: int
    display_name: str


class Candidates(BaseModel):
    items: list[Person]


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


def _acted(task_id: int, action) -> Task:
    """Run ``action(user, task)`` and commit; the task as it now is, read before the commit expires it."""
    task = _task(task_id)
    try:
        action(api.current_user_of_token(), task)
        answer = Task(**task_json(task))
        db.session.commit()
    except inbox.TaskNotFound:
        db.session.rollback()
        raise ApiError(404) from None
    except assignment.NotACandidate as exc:
        db.session.rollback()
        raise api.refusal(422, exc) from None
    except inbox.InboxError as exc:
        db.session.rollback()
        raise api.refusal(409, exc) from None
    return answer


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
    return Candidates(items=[Person(id=person.id, display_name=person.display_name)
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
