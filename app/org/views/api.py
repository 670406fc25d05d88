"""Agencies and service points over the API: the tree in the token's user's scope, and one agency with its
children, as the organisation pages show them."""

from __future__ import annotations

from pydantic import BaseModel

from app.core import api
from app.core.api import ApiError
from app.org.services import org

bp = api.blueprint("org", __name__)


class Agency(BaseModel):
    id: int
    parent_id: int | None
    kind: str
    code: str | None
    name_th: str
    name_en: str | None
    level: int | None = None  # in the tree: below the shallowest agency listed
    province: str | None
    phone: str | None
    email: str | None


class AgencyTree(BaseModel):
    items: list[Agency]


class AgencyWithChildren(Agency):
    address: str | None
    children: list[Agency]


def _fields(agency) -> dict:
    return {"id": agency.id, "parent_id": agency.parent_id, "kind": agency.kind, "code": agency.code,
            "name_th": agency.name_th, "name_en": agency.name_en, "province": agency.province,
            "phone": agency.phone, "email": agency.email}


@bp.get("/agencies")
@api.operation("org:read", resp={"HTTP_200": AgencyTree})
def list_agencies():
    """The agencies and service points in my scope, a parent before its children"""
    return AgencyTree(items=[Agency(**_fields(row.agency), level=row.level)
                             for row in org.tree(api.current_user_of_token())])


@bp.get("/agencies/<int:agency_id>")
@api.operation("org:read", resp={"HTTP_200": AgencyWithChildren})
def get_agency(agency_id: int):
    """One agency with its children"""
    try:
        agency = org.get_agency(api.current_user_of_token(), agency_id)
    except org.AgencyNotFound:
        raise ApiError(404) from None
    return AgencyWithChildren(**_fields(agency), address=agency.address,
                              children=[Agency(**_fields(child)) for child in org.children(agency)])
