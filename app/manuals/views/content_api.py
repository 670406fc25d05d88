"""A manual's sample forms and the processes (กระบวนงาน) over the API, as the draft editor and the process pages
do them: attach a file to the draft (same type and size checks), remove one; list, create, change, deactivate and
reactivate a process (same scope and conflict checks)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import current_app
from flask_babel import gettext as _
from pydantic import BaseModel, Field
from spectree.model_adapter.pydantic_adapter import BaseFile

from app.core import api, messages, uploads
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.manuals.models import ServiceType
from app.manuals.services import attachments, manual_revisions, manuals, processes
from app.org.services import catalogue
from forms.api import Id, Line, PageNumber, PerPage, QueryId, Request, RequiredLine, Text

bp = api.blueprint("manual_content", __name__)
# An upload may exceed the app-wide request cap, up to the attachment cap (as on the editor's page).
uploads.allow_files(bp, ["manual_content_api.upload_attachment"],
                    lambda: current_app.config["MANUAL_ATTACHMENT_MAX_BYTES"])

_REFUSALS = {"HTTP_409": ErrorBody, "HTTP_422": ErrorBody}


def _refused(exc: Exception) -> ApiError:
    if isinstance(exc, manuals.ManualNotFound | processes.ProcessNotFound):
        return ApiError(404)
    if isinstance(exc, attachments.WrongFileType | attachments.FileTooLarge):
        return ApiError(422, reason=exc.code, fields={"file": [_message(exc)]})
    return api.refusal(403 if isinstance(exc, manuals.NotAllowed) else 409, exc)


def _message(exc: Exception) -> str:
    return str(messages.for_error(exc))


# --- sample forms ----------------------------------------------------------------------------------------------------


class Attachment(BaseModel):
    id: int
    revision_id: int
    label: str
    filename: str
    content_type: str
    size: int
    created_at: datetime | None


class AttachmentList(BaseModel):
    """The sample forms of the manual's draft (``revision_id``: the draft; null when it has none)."""

    revision_id: int | None
    items: list[Attachment]


class AttachmentUpload(Request):
    label: RequiredLine = Field(description="What the form is, as the public sees it")
    file: BaseFile = Field(description="A PDF, PNG or JPEG file")


def _attachment(row) -> Attachment:
    return Attachment(id=row.id, revision_id=row.revision_id, label=row.label, filename=row.filename,
                      content_type=row.content_type, size=row.size, created_at=row.created_at)


def _manual(manual_id: int):
    try:
        return manuals.get_manual(api.current_user_of_token(), manual_id)
    except manuals.ManualNotFound:
        raise ApiError(404) from None


def _draft(manual):
    draft = manual_revisions.current_draft(manual)
    if draft is None:
        raise ApiError(404, reason="no_draft")
    return draft


@bp.get("/manuals/<int:manual_id>/attachments")
@api.operation("manuals:read", resp={"HTTP_200": AttachmentList})
def list_attachments(manual_id: int):
    """The sample forms of the manual's draft"""
    draft = manual_revisions.current_draft(_manual(manual_id))
    return AttachmentList(revision_id=draft.id if draft else None,
                          items=[_attachment(row) for row in (draft.attachments if draft else [])])


@bp.post("/manuals/<int:manual_id>/draft/attachments")
@api.operation("manuals:write", resp={"HTTP_201": Attachment, **_REFUSALS})
def upload_attachment(manual_id: int, form: AttachmentUpload):
    """Attach a sample form to the draft (multipart/form-data: label, file)

    The file's type is read from its content (PDF, PNG or JPEG), its size capped as on the editor's page."""
    if form is None:  # spectree reads a form only from a form body
        raise ApiError(400, reason="not_multipart")
    draft = _draft(_manual(manual_id))
    upload = form.file
    if not getattr(upload, "filename", None):
        raise ApiError(422, fields={"file": [_("Choose a file.")]})
    try:
        row = attachments.add(api.current_user_of_token(), draft, label=form.label, filename=upload.filename,
                              stream=upload.stream)
        db.session.commit()
    except manuals.ManualError as exc:
        raise _refused(exc) from None
    return _attachment(row), 201


@bp.post("/manuals/<int:manual_id>/draft/attachments/<int:attachment_id>/delete")
@api.operation("manuals:write", resp={"HTTP_200": AttachmentList, **_REFUSALS})
def delete_attachment(manual_id: int, attachment_id: int):
    """Remove a sample form from the draft"""
    manual = _manual(manual_id)
    draft = _draft(manual)
    try:
        attachments.remove(api.current_user_of_token(), draft, attachment_id)
        db.session.commit()
    except manuals.ManualError as exc:
        raise _refused(exc) from None
    db.session.refresh(draft)
    return AttachmentList(revision_id=draft.id, items=[_attachment(row) for row in draft.attachments])


# --- processes -------------------------------------------------------------------------------------------------------

ImpactLevel = Literal["local", "provincial", "national"]
ServiceArea = Literal["central", "regional", "local_government", "overseas"]


class ProcessFields(Request):
    name_th: RequiredLine
    name_en: Line | None = None
    agency_id: Id = Field(description="The owning department (one of the agencies I may edit processes of)")
    service_type: Literal[ServiceType.ALL] = ServiceType.licence  # type: ignore[valid-type]
    category_id: Id | None = None
    impact_level: ImpactLevel | None = None
    service_area: ServiceArea | None = None
    legal_basis: Text | None = None
    legal_time_limit_days: int | None = Field(None, ge=0, le=3650)


class ProcessChange(ProcessFields):
    lock_version: int | None = Field(None, ge=0, le=2**31 - 1,
                                     description="As read: a conflict (409) when someone saved it since")


class Activation(Request):
    active: bool
    lock_version: int | None = Field(None, ge=0, le=2**31 - 1)


class ProcessQuery(Request):
    agency_id: QueryId = None
    name: Line | None = None
    inactive: bool = False
    page: PageNumber = 1
    per_page: PerPage = None


class Process(BaseModel):
    id: int
    agency_id: int
    name_th: str
    name_en: str | None
    service_type: str
    category_id: int | None
    impact_level: str | None
    service_area: str | None
    legal_basis: str | None
    legal_time_limit_days: int | None
    active: bool
    lock_version: int
    updated_at: datetime | None


class ProcessPage(BaseModel):
    items: list[Process]
    total: int
    page: int
    per_page: int


def _process(row) -> Process:
    return Process(**{name: getattr(row, name) for name in Process.model_fields})


def _values(fields: ProcessFields) -> dict:
    """The values as the process form gives them; a category must be one of the catalogue's, as in its list."""
    if fields.category_id is not None and fields.category_id not in dict(catalogue.choices("category")):
        raise ApiError(422, fields={"category_id": [_("Choose from the list.")]})
    return fields.model_dump(include=set(processes.FIELDS))


def _load_process(process_id: int):
    try:
        return processes.get_process(api.current_user_of_token(), process_id)
    except processes.ProcessNotFound:
        raise ApiError(404) from None


@bp.get("/processes")
@api.operation("manuals:read", resp={"HTTP_200": ProcessPage})
def list_processes(query: ProcessQuery):
    """The processes I may edit"""
    per_page = query.per_page or 20
    result = processes.list_processes(api.current_user_of_token(), page=query.page, per_page=per_page,
                                      agency_id=query.agency_id, name=query.name or None,
                                      include_inactive=query.inactive)
    return ProcessPage(items=[_process(row) for row in result.rows], total=result.total, page=query.page,
                       per_page=per_page)


@bp.post("/processes")
@api.operation("manuals:write", resp={"HTTP_201": Process, **_REFUSALS})
def create_process(json: ProcessFields):
    """Create a process of an agency I may edit processes of"""
    values = _values(json)
    try:
        row = processes.create_process(api.current_user_of_token(), values)
        db.session.commit()
    except manuals.ManualError as exc:
        raise _refused(exc) from None
    return _process(row), 201


@bp.get("/processes/<int:process_id>")
@api.operation("manuals:read", resp={"HTTP_200": Process})
def get_process(process_id: int):
    """One process"""
    return _process(_load_process(process_id))


@bp.put("/processes/<int:process_id>/details")
@api.operation("manuals:write", resp={"HTTP_200": Process, **_REFUSALS})
def update_process(process_id: int, json: ProcessChange):
    """Change a process (all its fields, as the form sends them)"""
    row = _load_process(process_id)
    values = _values(json)
    try:
        processes.update_process(api.current_user_of_token(), row, values, lock_version=json.lock_version)
        db.session.commit()
    except manuals.ManualError as exc:
        raise _refused(exc) from None
    return _process(row)


@bp.post("/processes/<int:process_id>/active")
@api.operation("manuals:write", resp={"HTTP_200": Process, **_REFUSALS})
def set_process_active(process_id: int, json: Activation):
    """Deactivate a process (it is no longer offered), or reactivate it"""
    row = _load_process(process_id)
    try:
        processes.set_active(api.current_user_of_token(), row, json.active, lock_version=json.lock_version)
        db.session.commit()
    except manuals.ManualError as exc:
        raise _refused(exc) from None
    return _process(row)
