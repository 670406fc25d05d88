"""Other services (บริการอื่นๆ) and the services linked to an agency over the API, as their pages do them: list,
create (as a draft or published), change, publish, hide and show again an other service; link a process, manual or
other service of the owning department to an agency or service point, and unlink it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.core import api, messages
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.manuals.services import links, other_services
from app.org.services import org
from forms.api import Id, Line, PageNumber, PerPage, Request, RequiredLine, Text

bp = api.blueprint("manual_services", __name__)

Scalar = str | int | float | bool | None
_REFUSALS = {"HTTP_409": ErrorBody, "HTTP_422": ErrorBody}


# --- other services --------------------------------------------------------------------------------------------------


class OtherServiceContent(Request):
    """The lighter content of a manual, checked as the service's page checks it."""

    common_names: list[Scalar] | None = None
    tags: list[Scalar] | None = None
    category_ids: list[Scalar] | None = None
    user_group_ids: list[Scalar] | None = None
    criteria: Scalar = None
    channels: list[dict[str, Scalar]] | None = Field(None, description="place, address, hours, remark")
    documents: list[dict[str, Scalar]] | None = Field(None, description="name, issuer, originals, copies, remark")
    no_fee: bool | None = None
    fees: list[dict[str, Scalar]] | None = Field(None, description="description, amount (baht), remark")
    complaint_channels: list[dict[str, Scalar]] | None = Field(None, description="channel, detail")
    remark: Scalar = None


class OtherServiceChange(Request):
    title: RequiredLine
    summary: Text | None = None
    content: OtherServiceContent | None = None
    publish: bool = Field(False, description="Also publish it (a draft); a hidden service stays hidden")
    row_version: int | None = Field(None, ge=0, le=2**31 - 1,
                                    description="As read: a conflict (409) when someone saved it since")


class NewOtherService(OtherServiceChange):
    agency_id: Id


class StatusChange(Request):
    status: Literal["published", "hidden"] = Field(description="Publish a draft (its authors), hide a published "
                                                               "service or show it again (central officers)")
    row_version: int | None = Field(None, ge=0, le=2**31 - 1)


class OtherServiceQuery(Request):
    status: Literal["draft", "published", "hidden"] | None = None
    q: Line | None = None
    page: PageNumber = 1
    per_page: PerPage = None


class OtherService(BaseModel):
    id: int
    agency_id: int
    title: str
    summary: str | None
    content: dict[str, Any]
    status: Literal["draft", "published", "hidden"]
    row_version: int
    updated_at: datetime | None
    published_at: datetime | None


class OtherServicePage(BaseModel):
    items: list[OtherService]
    total: int
    page: int
    per_page: int


def _service(row) -> OtherService:
    return OtherService(id=row.id, agency_id=row.agency_id, title=row.title, summary=row.summary,
                        content=row.content or {}, status=row.status, row_version=row.lock_version,
                        updated_at=row.updated_at, published_at=row.published_at)


def _content(change: OtherServiceChange) -> dict:
    return change.content.model_dump(exclude_unset=True) if change.content else {}


def _refused(exc: other_services.OtherServiceError) -> ApiError:
    if isinstance(exc, other_services.ServiceNotFound):
        return ApiError(404)
    if isinstance(exc, other_services.InvalidService):
        return ApiError(422, fields={
            (key if key.split(".")[0] in ("title", "summary") else f"content.{key}"): [str(message)]
            for key, message in exc.errors.items()})
    return api.refusal(403 if isinstance(exc, other_services.NotAllowed) else 409, exc)


@bp.get("/other-services")
@api.operation("manuals:read", resp={"HTTP_200": OtherServicePage})
def list_other_services(query: OtherServiceQuery):
    """Other services I may see"""
    per_page = query.per_page or 20
    rows, total = other_services.list_services(api.current_user_of_token(), page=query.page, per_page=per_page,
                                               status=query.status, q=query.q or None)
    return OtherServicePage(items=[_service(row) for row in rows], total=total, page=query.page, per_page=per_page)


@bp.post("/other-services")
@api.operation("manuals:write", resp={"HTTP_201": OtherService, **_REFUSALS})
def create_other_service(json: NewOtherService):
    """Create an other service, as a draft or published"""
    try:
        row = other_services.create(api.current_user_of_token(), agency_id=json.agency_id, title=json.title,
                                    summary=json.summary, content=_content(json), publish=json.publish)
        db.session.commit()
    except other_services.OtherServiceError as exc:
        raise _refused(exc) from None
    return _service(row), 201


@bp.get("/other-services/<int:service_id>")
@api.operation("manuals:read", resp={"HTTP_200": OtherService})
def get_other_service(service_id: int):
    """One other service"""
    try:
        return _service(other_services.get_service(api.current_user_of_token(), service_id))
    except other_services.ServiceNotFound:
        raise ApiError(404) from None


@bp.put("/other-services/<int:service_id>/content")
@api.operation("manuals:write", resp={"HTTP_200": OtherService, **_REFUSALS})
def update_other_service(service_id: int, json: OtherServiceChange):
    """Change an other service (title, summary, content)"""
    try:
        row = other_services.update(api.current_user_of_token(), service_id, title=json.title, summary=json.summary,
                                    content=_content(json), expected_version=json.row_version, publish=json.publish)
        db.session.commit()
    except other_services.OtherServiceError as exc:
        raise _refused(exc) from None
    return _service(row)


@bp.post("/other-services/<int:service_id>/status")
@api.operation("manuals:write", resp={"HTTP_200": OtherService, **_REFUSALS})
def set_other_service_status(service_id: int, json: StatusChange):
    """Publish, hide or show again"""
    try:
        row = other_services.set_status(api.current_user_of_token(), service_id, json.status,
                                        expected_version=json.row_version)
        db.session.commit()
    except other_services.OtherServiceError as exc:
        raise _refused(exc) from None
    return _service(row)


# --- services linked to an agency ------------------------------------------------------------------------------------


class LinkedService(BaseModel):
    link_id: int | None = Field(description="Null for a manual linked through its linked process")
    kind: Literal["process", "manual", "other_service"]
    id: int
    title: str


class AgencyServices(BaseModel):
    agency_id: int
    items: list[LinkedService]


class NewLink(Request):
    kind: Literal["process", "manual", "other_service"]
    target_id: Id


def _agency_services(agency_id: int) -> AgencyServices:
    found = links.for_agency(agency_id)
    items = [LinkedService(link_id=found.links.get(("process", row.id)), kind="process", id=row.id,
                           title=row.name_th) for row in found.processes]
    items += [LinkedService(link_id=found.links.get((kind, row.id)), kind=kind, id=row.id, title=row.title)
              for kind, rows in (("manual", found.manuals), ("other_service", found.other_services)) for row in rows]
    return AgencyServices(agency_id=agency_id, items=items)


def _agency(agency_id: int):
    try:
        return org.get_agency(api.current_user_of_token(), agency_id)
    except org.AgencyNotFound:
        raise ApiError(404) from None


def _link_refused(exc: links.LinkError) -> ApiError:
    if isinstance(exc, links.TargetNotFound):
        return ApiError(422, reason=exc.code, fields={"target_id": [str(messages.for_error(exc))]})
    return api.refusal(403 if isinstance(exc, links.NotAllowed) else 409, exc)


@bp.get("/agencies/<int:agency_id>/services")
@api.operation("manuals:read", resp={"HTTP_200": AgencyServices})
def list_agency_services(agency_id: int):
    """The processes, manuals and other services an agency or service point provides"""
    return _agency_services(_agency(agency_id).id)


@bp.post("/agencies/<int:agency_id>/links")
@api.operation("manuals:write", resp={"HTTP_201": AgencyServices, **_REFUSALS})
def link_service(agency_id: int, json: NewLink):
    """Link a service of the owning department to the agency"""
    agency = _agency(agency_id)
    try:
        links.link(api.current_user_of_token(), agency.id, json.kind, json.target_id)
        db.session.commit()
    except links.LinkError as exc:
        raise _link_refused(exc) from None
    return _agency_services(agency.id), 201


@bp.post("/agencies/<int:agency_id>/links/<int:link_id>/delete")
@api.operation("manuals:write", resp={"HTTP_200": AgencyServices, **_REFUSALS})
def unlink_service(agency_id: int, link_id: int):
    """Unlink a service (a link already gone is not an error)"""
    agency = _agency(agency_id)
    try:
        links.unlink(api.current_user_of_token(), agency.id, link_id)
        db.session.commit()
    except links.LinkError as exc:
        raise _link_refused(exc) from None
    return _agency_services(agency.id)
