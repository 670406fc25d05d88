"""Citizen manuals over the API: list, create with a draft, edit the draft, submit it, and read a manual's status.

The reviews are the inbox's tasks (``POST /tasks/{id}/complete`` with ``decision`` and ``comment``), as on the
task page. Each endpoint calls the same services, with the same checks, as the manual pages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.core import api
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.inbox.services import inbox
from app.manuals.services import manual_content, manual_revisions, manuals
from forms.api import Id, Line, PageNumber, PerPage, QueryId, Request, RequiredLine, Text

bp = api.blueprint("manuals", __name__)

Scalar = str | int | float | bool | None


class ManualContent(Request):
    """A revision's content (all optional in a draft). Each part is checked as the editor checks it; the errors
    come back keyed like ``content.steps.2.duration``."""

    common_names: list[Scalar] | None = None
    category_ids: list[Scalar] | None = None
    user_group_ids: list[Scalar] | None = None
    tags: list[Scalar] | None = None
    criteria: Scalar = None
    channels: list[dict[str, Scalar]] | None = Field(None, description="place, address, hours, remark")
    steps: list[dict[str, Scalar]] | None = Field(
        None, description="title, description, duration (a number), duration_unit (minutes, hours or days), unit")
    total_time: dict[str, Scalar] | None = Field(None, description="value, unit")
    documents: list[dict[str, Scalar]] | None = Field(None, description="name, issuer, originals, copies, remark")
    no_fee: bool | None = None
    fees: list[dict[str, Scalar]] | None = Field(None, description="description, amount (baht), remark")
    complaint_channels: list[dict[str, Scalar]] | None = Field(None, description="channel, detail")
    statistics: dict[str, Scalar] | None = Field(None, description="average, highest, lowest: requests a month")
    remark: Scalar = None


class NewManual(Request):
    title: RequiredLine
    agency_id: Id
    process_id: Id | None = None
    content: ManualContent | None = None
    change_note: Text | None = None


class DraftChange(Request):
    title: RequiredLine
    content: ManualContent
    change_note: Text | None = None
    row_version: int | None = Field(None, ge=0, description="The draft's row_version as read: a conflict (409) "
                                                            "when someone saved it since")


class Submission(Request):
    row_version: int | None = Field(None, ge=0)


class ManualQuery(Request):
    status: Literal["draft", "step1", "step2", "returned", "published"] | None = None
    agency_id: QueryId = None
    q: Line | None = None
    page: PageNumber = 1
    per_page: PerPage = None


class Draft(BaseModel):
    id: int
    number: int
    title: str
    change_note: str | None
    content: dict[str, Any]
    row_version: int
    updated_at: datetime | None


class Revision(BaseModel):
    id: int
    number: int
    title: str
    status: str
    instance_id: int | None
    submitted_at: datetime | None
    published_at: datetime | None


class Manual(BaseModel):
    id: int
    title: str
    agency_id: int
    process_id: int | None
    status: Literal["draft", "in_review", "returned", "published"]
    published_revision_id: int | None
    updated_at: datetime


class ManualStatus(Manual):
    """The manual, its draft (if any) and its revisions, newest first; ``review``: the revision in review and its
    process instance (``GET /instances/{id}`` for its tasks and history)."""

    draft: Draft | None
    revisions: list[Revision]
    review: Revision | None


class ManualItem(Manual):
    list_status: Literal["draft", "step1", "step2", "returned", "published"]
    has_draft: bool


class ManualPage(BaseModel):
    items: list[ManualItem]
    total: int
    page: int
    per_page: int


def _manual_fields(manual) -> dict:
    return {"id": manual.id, "title": manual.title, "agency_id": manual.agency_id, "process_id": manual.process_id,
            "status": manual.status, "published_revision_id": manual.published_revision_id,
            "updated_at": manual.updated_at}


def _revision(revision) -> Revision:
    return Revision(id=revision.id, number=revision.number, title=revision.title, status=revision.status,
                    instance_id=revision.instance_id, submitted_at=revision.submitted_at,
                    published_at=revision.published_at)


def _status(manual) -> ManualStatus:
    revisions = manuals.revisions(manual)
    draft = next((r for r in revisions if r.status == "draft"), None)
    review = next((r for r in revisions if r.status in ("in_review", "agency_approved")), None)
    return ManualStatus(
        **_manual_fields(manual),
        draft=Draft(id=draft.id, number=draft.number, title=draft.title, change_note=draft.change_note,
                    content=draft.content or {}, row_version=draft.row_version,
                    updated_at=draft.updated_at) if draft else None,
        revisions=[_revision(r) for r in revisions], review=_revision(review) if review else None)


def _committed_status(manual) -> ManualStatus:
    """The manual's status as saved, read before the commit expires its rows (else each is read again), then the
    commit."""
    answer = _status(manual)
    db.session.commit()
    return answer


def _load(manual_id: int):
    try:
        return manuals.get_manual(api.current_user_of_token(), manual_id)
    except manuals.ManualNotFound:
        raise ApiError(404) from None


def _cleaned(content: ManualContent | None) -> dict:
    """The content as the editor cleans it; 422 with the errors keyed by where they are."""
    cleaned, errors = manual_content.clean(content.model_dump(exclude_unset=True) if content else {})
    errors |= manual_content.catalogue_errors(cleaned)
    if errors:
        raise ApiError(422, fields=_content_errors(errors))
    return cleaned


def _content_errors(errors: dict) -> dict[str, list[str]]:
    return {f"content.{key}": [str(m) for m in (message if isinstance(message, list) else [message])]
            for key, message in errors.items()}


def _refused(exc: manuals.ManualError) -> ApiError:
    if isinstance(exc, manuals.ManualNotFound):
        return ApiError(404)
    if isinstance(exc, manual_revisions.RevisionIncomplete):
        return ApiError(422, reason=exc.code, fields=_content_errors(exc.errors))
    return api.refusal(403 if isinstance(exc, manuals.NotAllowed) else 409, exc)


_REFUSALS = {"HTTP_409": ErrorBody}


@bp.get("/manuals")
@api.operation("manuals:read", resp={"HTTP_200": ManualPage})
def list_manuals(query: ManualQuery):
    """Manuals I may see"""
    per_page = query.per_page or 20
    rows, total = manuals.list_manuals(api.current_user_of_token(), page=query.page, per_page=per_page,
                                       status=query.status, agency_id=query.agency_id, q=query.q or None)
    return ManualPage(items=[ManualItem(**_manual_fields(row.manual), list_status=row.status,
                                        has_draft=row.has_draft) for row in rows],
                      total=total, page=query.page, per_page=per_page)


@bp.post("/manuals")
@api.operation("manuals:write", resp={"HTTP_201": ManualStatus, **_REFUSALS})
def create_manual(json: NewManual):
    """Create a manual with its first draft

    The draft starts with ``content`` when given (checked as the editor checks it); submit it when complete."""
    user = api.current_user_of_token()
    content = _cleaned(json.content) if json.content is not None else None
    try:
        draft = manual_revisions.start_manual(user, title=json.title, agency_id=json.agency_id,
                                              process_id=json.process_id, content=content, change_note=json.change_note)
        answer = _committed_status(draft.manual)
    except manuals.ManualError as exc:
        raise _refused(exc) from None
    return answer, 201


@bp.get("/manuals/<int:manual_id>")
@api.operation("manuals:read", resp={"HTTP_200": ManualStatus})
def get_manual(manual_id: int):
    """A manual's status, draft and revisions"""
    return _status(_load(manual_id))


@bp.post("/manuals/<int:manual_id>/revisions")
@api.operation("manuals:write", resp={"HTTP_201": ManualStatus, **_REFUSALS})
def new_draft(manual_id: int):
    """Start the next revision

    A copy of the returned revision while a return waits, else of the published one."""
    manual = _load(manual_id)
    try:
        manual_revisions.new_draft(api.current_user_of_token(), manual)
        answer = _committed_status(manual)
    except manuals.ManualError as exc:
        raise _refused(exc) from None
    return answer, 201


def _draft_of(manual):
    draft = manual_revisions.current_draft(manual)
    if draft is None:
        raise ApiError(404, reason="no_draft")
    return draft


@bp.put("/manuals/<int:manual_id>/draft")
@api.operation("manuals:write", resp={"HTTP_200": ManualStatus, **_REFUSALS})
def save_draft(manual_id: int, json: DraftChange):
    """Save the draft (a draft may be incomplete)"""
    manual = _load(manual_id)
    draft = _draft_of(manual)
    content = _cleaned(json.content)
    try:
        manual_revisions.save_draft(api.current_user_of_token(), draft, title=json.title, content=content,
                                    change_note=json.change_note, row_version=json.row_version)
        answer = _committed_status(manual)
    except manuals.ManualError as exc:
        raise _refused(exc) from None
    return answer


@bp.post("/manuals/<int:manual_id>/draft/submit")
@api.operation("manuals:write", resp={"HTTP_200": ManualStatus, **_REFUSALS})
def submit_draft(manual_id: int, json: Submission):
    """Submit the draft for approval

    While a return waits, this answers it (the revise task); otherwise the approval process starts."""
    manual = _load(manual_id)
    draft = _draft_of(manual)
    try:
        manual_revisions.submit_draft(api.current_user_of_token(), draft, json.row_version)
        answer = _committed_status(manual)
    except manuals.ManualError as exc:
        raise _refused(exc) from None
    except inbox.InboxError as exc:  # answering a return: its task was answered or changed meanwhile
        raise api.refusal(409, exc) from None
    return answer
