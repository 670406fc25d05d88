"""The FAQ's staff side over the API, as on its screens (``views.py``): the entries by status, one entry with its
history, proposing an entry (a chat agent) or writing one (a supervisor), changing a published entry through a new
review, withdrawing one with a reason. Chat agents and supervisors only (403 otherwise).

A proposal's review (approve, return, reject) and the proposer's revision are the review's tasks: an entry's
``review_task_id`` names the open one, completed through ``/tasks/{task_id}/complete``; approving publishes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.core import api
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.knowledge.services import faq_entries, faq_errors, faq_lists, faq_text
from forms.api import PageNumber, Request, RequiredLine, RequiredText, Text

bp = api.blueprint("knowledge_staff", __name__)
TAG = "knowledge"
READ, WRITE = "knowledge:read", "knowledge:write"
_REFUSALS = {"HTTP_409": ErrorBody}


class EntryQuery(Request):
    status: Literal["all", "in_review", "draft", "published", "withdrawn", "rejected"] = "all"
    page: PageNumber = 1


class EntryItem(BaseModel):
    id: int
    question: str
    topic: str | None
    status: str
    version: int
    lock_version: int
    source_label: str | None
    proposer: str | None = None
    updated_at: datetime
    published_at: datetime | None


class EntryList(BaseModel):
    items: list[EntryItem]
    total: int
    page: int
    pages: int
    counts: dict[str, int]


class EntryEvent(BaseModel):
    at: datetime
    action: str
    actor: str | None
    comment: str | None


class StaffEntry(EntryItem):
    answer: str
    revision_state: str | None = Field(description="the state of a change in review or returned, if any")
    review_task_id: int | None = Field(description="the open review (or revise) task: complete it through /tasks")
    history: list[EntryEvent]


class NewEntry(Request):
    question: RequiredLine = Field(max_length=faq_text.QUESTION_MAX)
    answer: RequiredText = Field(max_length=faq_text.ANSWER_MAX)
    topic: RequiredLine | None = Field(None, max_length=faq_text.TOPIC_MAX)


class EntryChange(NewEntry):
    note: Text | None = Field(None, max_length=faq_text.NOTE_MAX, description="for the reviewer")
    lock_version: int = Field(ge=1, le=2**31 - 1, description="as read: a change made meanwhile is refused (409)")


class Withdrawal(Request):
    reason: RequiredText = Field(max_length=faq_text.NOTE_MAX)
    lock_version: int = Field(ge=1, le=2**31 - 1)


_CONFLICTS = (faq_errors.EntryChangedMeanwhile, faq_errors.AlreadyProposed, faq_errors.ReviewOpen,
              faq_errors.WrongState)


def _refused(exc: faq_errors.KnowledgeError) -> ApiError:
    if isinstance(exc, faq_errors.EntryNotFound):
        return ApiError(404)
    if isinstance(exc, faq_errors.NotAllowed):
        return api.refusal(403, exc)
    if isinstance(exc, _CONFLICTS):
        return api.refusal(409, exc)
    return ApiError(422, exc.message, fields={exc.field or "body": [str(exc.message)]})


def _staff():
    user = api.current_user_of_token()
    if not faq_entries.is_staff(user):
        raise ApiError(403, reason="not_chat_staff")
    return user


def _entry(entry_id: int):
    try:
        return faq_entries.entry_for(_staff(), entry_id)
    except faq_errors.KnowledgeError as exc:
        raise _refused(exc) from None


def _done(action):
    try:
        result = action(_staff())
        db.session.commit()
    except faq_errors.KnowledgeError as exc:
        raise _refused(exc) from None
    return result


def _item_fields(entry) -> dict:
    return {"id": entry.id, "question": entry.question, "topic": entry.topic, "status": entry.status,
            "version": entry.version, "lock_version": entry.lock_version, "source_label": entry.source_label,
            "updated_at": entry.updated_at, "published_at": entry.published_at}


def _staff_entry(entry) -> StaffEntry:
    revision = faq_entries.open_revision(entry)
    task = faq_lists.open_review_task(entry)
    return StaffEntry(**_item_fields(entry), answer=entry.answer, revision_state=revision.state if revision else None,
                      review_task_id=task.id if task else None,
                      history=[EntryEvent(at=event.occurred_at, action=event.action, actor=name, comment=event.comment)
                               for event, name in faq_lists.history(entry)])


@bp.get("/faq-desk/entries")
@api.operation(READ, tag=TAG, resp={"HTTP_200": EntryList})
def list_entries(query: EntryQuery):
    """The FAQ's entries by status (an agent: their own proposals; a supervisor: all)"""
    user = _staff()
    rows = faq_lists.list_entries(user, query.status, page=query.page)
    return EntryList(items=[EntryItem(**_item_fields(row.entry), proposer=row.proposer_name) for row in rows.rows],
                     total=rows.total, page=rows.page, pages=rows.pages, counts=faq_lists.status_counts(user))


@bp.post("/faq-desk/entries")
@api.operation(WRITE, tag=TAG, resp={"HTTP_201": StaffEntry, **_REFUSALS})
def propose(json: NewEntry):
    """Propose an entry (it goes to review)"""
    entry = _done(lambda user: faq_entries.propose(json.question, json.answer, topic=json.topic, source_kind="manual",
                                                   source_ref=None, proposed_by_id=user.id))
    return _staff_entry(entry), 201


@bp.get("/faq-desk/entries/<int:entry_id>")
@api.operation(READ, tag=TAG, resp={"HTTP_200": StaffEntry})
def get_entry(entry_id: int):
    """An entry, its change in review and its history"""
    return _staff_entry(_entry(entry_id))


@bp.post("/faq-desk/entries/<int:entry_id>/edit")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": StaffEntry, **_REFUSALS})
def edit(entry_id: int, json: EntryChange):
    """Change an entry (a supervisor): the change goes through a new review; a published entry stays as it is
    until the change is approved"""
    entry = _entry(entry_id)
    _done(lambda user: faq_entries.edit(user, entry, question=json.question, answer=json.answer, topic=json.topic,
                                        note=json.note, lock_version=json.lock_version))
    return _staff_entry(entry)


@bp.post("/faq-desk/entries/<int:entry_id>/withdraw")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": StaffEntry, **_REFUSALS})
def withdraw(entry_id: int, json: Withdrawal):
    """Take a published entry off the public FAQ, saying why (a supervisor; audited)"""
    entry = _entry(entry_id)
    _done(lambda user: faq_entries.withdraw(user, entry, reason=json.reason, lock_version=json.lock_version))
    return _staff_entry(entry)
