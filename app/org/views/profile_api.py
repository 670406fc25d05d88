"""An agency's own pages over the API (``org:write``), as its officers keep them: its public profile (checked by
the same form as the page: phone, e-mail, website, coordinates, postcode; the letter prefix only by those who keep
the structure), a new service point under it, and a service point shown or hidden on the public site. Each change
made from a version read is refused (409) when someone changed the agency since; every change is audited. (The
services an agency provides are linked through the manuals' API: ``/agencies/{id}/links``.)"""

from __future__ import annotations

from pydantic import BaseModel, Field
from werkzeug.datastructures import MultiDict

from app.core import api
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.org.services import org
from app.org.views.admin_api import Version, refused
from forms.api import Line, Request, RequiredLine, Text
from forms.org import ProfileForm

bp = api.blueprint("org_profile", __name__)
READ, WRITE = "org:read", "org:write"
_REFUSALS = {"HTTP_409": ErrorBody}


class Profile(BaseModel):
    id: int
    kind: str
    name_th: str
    address: str | None
    province: str | None
    district: str | None
    postcode: str | None
    phone: str | None
    email: str | None
    website: str | None
    opening_hours: str | None
    letter_prefix: str | None
    latitude: float | None
    longitude: float | None
    publicly_visible: bool
    row_version: int = Field(description="send it back with a change")


class ProfileChange(Request):
    address: Text | None = Field(None, max_length=2000)
    province: Line | None = Field(None, max_length=100)
    district: Line | None = Field(None, max_length=100)
    postcode: Line | None = Field(None, max_length=5)
    phone: Line | None = Field(None, max_length=100, description="digits, spaces and - + ( ), e.g. 02-123-4567")
    email: Line | None = Field(None, max_length=255)
    website: Line | None = Field(None, max_length=500, description="the full address, from https://")
    opening_hours: Text | None = Field(None, max_length=2000)
    letter_prefix: Line | None = Field(None, max_length=40, description="only those who keep the structure; left "
                                                                         "out: unchanged")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    row_version: Version = None


class NewPoint(Request):
    name_th: RequiredLine = Field(max_length=255)
    name_en: Line | None = Field(None, max_length=255)


class Visibility(Request):
    visible: bool
    row_version: Version = None


def _profile(agency) -> Profile:
    return Profile(id=agency.id, kind=agency.kind, name_th=agency.name_th, address=agency.address,
                   province=agency.province, district=agency.district, postcode=agency.postcode, phone=agency.phone,
                   email=agency.email, website=agency.website, opening_hours=agency.opening_hours,
                   letter_prefix=agency.letter_prefix, latitude=agency.latitude, longitude=agency.longitude,
                   publicly_visible=agency.publicly_visible, row_version=agency.row_version)


def _done(action):
    try:
        answer = action(api.current_user_of_token())
        db.session.commit()
    except org.OrgError as exc:
        raise refused(exc) from None
    return answer


def _agency(agency_id: int):
    try:
        return org.get_agency(api.current_user_of_token(), agency_id)
    except org.OrgError:
        raise ApiError(404) from None


@bp.get("/agencies/<int:agency_id>/profile")
@api.operation(READ, tag="org", resp={"HTTP_200": Profile})
def get_profile(agency_id: int):
    """An agency's public profile and its version"""
    return _profile(_agency(agency_id))


@bp.put("/agencies/<int:agency_id>/profile/details")
@api.operation(WRITE, tag="org", resp={"HTTP_200": Profile, **_REFUSALS})
def save_profile(agency_id: int, json: ProfileChange):
    """Replace the public profile (and the letter prefix, when sent, by those who keep the structure)"""
    agency = _agency(agency_id)
    sent = json.model_dump(exclude={"row_version"}, exclude_unset=True)
    form = ProfileForm(formdata=MultiDict([(name, "" if value is None else str(value))
                                           for name, value in sent.items()]), meta={"csrf": False})
    if "letter_prefix" not in sent:
        del form.letter_prefix  # left out: unchanged
    if not form.validate():
        raise ApiError(422, fields={name: [str(e) for e in errors] for name, errors in form.errors.items()})
    values = form.profile()
    return _profile(_done(lambda user: org.update_profile(user, agency.id, values,
                                                          expected_version=json.row_version)))


@bp.post("/agencies/<int:agency_id>/service-points")
@api.operation(WRITE, tag="org", resp={"HTTP_201": Profile, "HTTP_422": ErrorBody})
def add_service_point(agency_id: int, json: NewPoint):
    """Add a service point under the agency (then fill in its profile)"""
    return _profile(_done(lambda user: org.add_service_point(user, agency_id, name_th=json.name_th,
                                                             name_en=json.name_en))), 201


@bp.post("/agencies/<int:agency_id>/visibility")
@api.operation(WRITE, tag="org", resp={"HTTP_200": Profile, **_REFUSALS})
def set_visibility(agency_id: int, json: Visibility):
    """Show or hide a service point on the public site"""
    return _profile(_done(lambda user: org.set_visibility(user, agency_id, json.visible,
                                                          expected_version=json.row_version)))
