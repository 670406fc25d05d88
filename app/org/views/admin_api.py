"""The agency tree's administration over the API (``admin:write``), as the administrators' pages do it: create an
agency where its kind may sit, move one under another parent, merge one into another of its kind (its units,
people and services move over), close one that holds nothing any more. Every change is audited by the services."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field
from spectree.model_adapter.pydantic_adapter import BaseFile

from app.core import api, messages
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.org.services import agency_admin, org
from app.org.views.agency_admin import merge_problems
from forms.api import Id, Line, Request, RequiredLine
from forms.org import LETTER_PREFIX, UPLOAD_MAX_BYTES, read_agency_upload

bp = api.blueprint("org_admin", __name__)
TAG = "org"
_REFUSALS = {"HTTP_409": ErrorBody, "HTTP_422": ErrorBody}
Version = Annotated[int | None, Field(None, ge=0, le=2**31 - 1,
                                      description="The agency's row_version as read: a conflict (409) when someone "
                                                  "changed it since")]
# Where a refusal of the form's fields is shown, by the service's reason.
_FIELD_OF_REASON = {"code_taken": "code", "code_twice": "code", "unknown_kind": "kind", "no_parent": "parent_id",
                    "unknown_parent": "parent_id", "wrong_parent_kind": "parent_id", "closed_parent": "parent_id",
                    "same_agency": "survivor_id", "into_own_subtree": "survivor_id", "different_kind": "survivor_id"}


class NewAgency(Request):
    kind: Literal[agency_admin.KINDS]  # type: ignore[valid-type]
    parent_id: Id | None = Field(None, description="Null: at the top of the tree")
    code: Annotated[str, Field(max_length=32, pattern=r"^[A-Za-z0-9_.\-]+$")] | None = None
    name_th: Annotated[RequiredLine, Field(max_length=255)]
    name_en: Annotated[Line, Field(max_length=255)] | None = None
    province: Annotated[Line, Field(max_length=100)] | None = None
    district: Annotated[Line, Field(max_length=100)] | None = None
    postcode: Annotated[str, Field(pattern=r"^[0-9]{5}$")] | None = None
    letter_prefix: Annotated[Line, Field(max_length=40, pattern=LETTER_PREFIX.pattern)] | None = None


class Move(Request):
    parent_id: Id
    row_version: Version = None


class AgencyMerge(Request):
    survivor_id: Id = Field(description="The open agency of the same kind it is merged into")
    row_version: Version = None


class AgencyClosing(Request):
    row_version: Version = None


class AdminAgency(BaseModel):
    id: int
    parent_id: int | None
    kind: str
    code: str | None
    name_th: str
    name_en: str | None
    path: str
    row_version: int
    closed_at: datetime | None
    merged_into_id: int | None


def _agency(agency) -> AdminAgency:
    return AdminAgency(id=agency.id, parent_id=agency.parent_id, kind=agency.kind, code=agency.code,
                       name_th=agency.name_th, name_en=agency.name_en, path=agency.path, row_version=agency.row_version,
                       closed_at=agency.closed_at, merged_into_id=agency.merged_into_id)


def refused(exc: org.OrgError) -> ApiError:
    if isinstance(exc, org.AgencyNotFound):
        return ApiError(404)
    if isinstance(exc, org.NotAllowed):
        return ApiError(403)
    if isinstance(exc, agency_admin.AgencyRefused | org.InvalidMove):
        reason = getattr(exc, "reason", None) or str(exc)
        field = _FIELD_OF_REASON.get(reason, "parent_id" if isinstance(exc, org.InvalidMove) else "agency")
        return ApiError(422, reason=reason, fields={field: [str(messages.for_error(exc))]})
    return api.refusal(409, exc)


@bp.post("/agencies")
@api.operation("admin:write", tag=TAG, resp={"HTTP_201": AdminAgency, **_REFUSALS})
def create_agency(json: NewAgency):
    """Create an agency (ministry, department, province, office…) where its kind may sit"""
    profile = json.model_dump(include={"province", "district", "postcode", "letter_prefix"})
    try:
        agency = agency_admin.create(api.current_user_of_token(), kind=json.kind, name_th=json.name_th,
                                     name_en=json.name_en, code=json.code, parent_id=json.parent_id, profile=profile)
        db.session.commit()
    except org.OrgError as exc:
        raise refused(exc) from None
    return _agency(agency), 201


@bp.post("/agencies/<int:agency_id>/move")
@api.operation("admin:write", tag=TAG, resp={"HTTP_200": AdminAgency, **_REFUSALS})
def move_agency(agency_id: int, json: Move):
    """Move an agency under another parent (its service points and open tasks move with it)"""
    try:  # an administrator's structure scope is the whole tree (a token keeps admin scopes only while theirs)
        agency = org.move(api.current_user_of_token(), agency_id, json.parent_id, expected_version=json.row_version)
        db.session.commit()
    except org.OrgError as exc:
        raise refused(exc) from None
    return _agency(agency)


@bp.post("/agencies/<int:agency_id>/merge")
@api.operation("admin:write", tag=TAG, resp={"HTTP_200": AdminAgency, **_REFUSALS})
def merge_agency(agency_id: int, json: AgencyMerge):
    """AgencyMerge an agency into another of its kind; answers the survivor. The merged one is closed, kept for history"""
    try:
        survivor = agency_admin.merge(api.current_user_of_token(), agency_id, json.survivor_id,
                                      expected_version=json.row_version, survivor_version=None)
        db.session.commit()
    except org.OrgError as exc:
        raise refused(exc) from None
    return _agency(survivor)


@bp.post("/agencies/<int:agency_id>/close")
@api.operation("admin:write", tag=TAG, resp={"HTTP_200": AdminAgency, **_REFUSALS})
def close_agency(agency_id: int, json: AgencyClosing):
    """Close an agency that holds nothing any more (kept for history, hidden from the public site)"""
    try:
        agency = agency_admin.close(api.current_user_of_token(), agency_id, expected_version=json.row_version)
        db.session.commit()
    except org.OrgError as exc:
        raise refused(exc) from None
    return _agency(agency)


# --- many agencies from a CSV file ---------------------------------------------------------------------------------


class AgencyUpload(Request):
    file: BaseFile = Field(description="the agencies CSV (UTF-8), as on the upload page: at most 512 KB, 1,000 rows")
    create: bool = Field(False, description="false: check every row and show what would be created (nothing is "
                                            "written); true: create them all, or none when a row has a problem")


class UploadedRow(BaseModel):
    line: int = Field(description="in the file, the header being line 1")
    values: dict[str, str | None]
    problems: list[str] = Field(description="why this row cannot be created (Thai)")


class UploadResult(BaseModel):
    rows: list[UploadedRow]
    created: list[AdminAgency] = Field(description="the agencies created (create: true), in the file's order")


def _upload_refusal(read, status: int = 422) -> ApiError:
    """Each row with a problem under ``line.<n>``."""
    return ApiError(status, _l("Nothing was created: correct the rows named and send the file again."),
                    reason="rows_refused", fields={f"line.{row.line}": [str(p) for p in row.problems]
                                                   for row in read.rows if row.problems})


@bp.post("/agencies/upload")
@api.operation("admin:write", tag=TAG, resp={"HTTP_200": UploadResult, "HTTP_201": UploadResult, **_REFUSALS},
               limit="RATELIMIT_AGENCY_UPLOAD")
def upload_agencies(form: AgencyUpload):
    """Check, then create, many agencies from a CSV file (multipart/form-data: file, create)"""
    if form is None:  # spectree reads a form only from a form body
        raise ApiError(400, reason="not_multipart")
    read = read_agency_upload(form.file.stream.read(UPLOAD_MAX_BYTES + 1))
    if read.error:
        raise ApiError(422, read.error, fields={"file": [str(read.error)]})
    user, rows = api.current_user_of_token(), [row.values for row in read.rows]
    try:
        if merge_problems(read, agency_admin.check_upload(user, rows)):
            raise _upload_refusal(read)
        if not form.create:
            return UploadResult(rows=[UploadedRow(line=r.line, values=r.values, problems=[]) for r in read.rows],
                                created=[])
        created = agency_admin.create_from_upload(user, rows)
        db.session.commit()
    except agency_admin.UploadRefused as exc:  # something changed between the check and the creation
        merge_problems(read, exc.problems)
        raise _upload_refusal(read, 409) from None
    except org.OrgError as exc:
        raise refused(exc) from None
    return UploadResult(rows=[UploadedRow(line=r.line, values=r.values, problems=[]) for r in read.rows],
                        created=[_agency(agency) for agency in created]), 201
