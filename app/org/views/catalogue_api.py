"""The catalogue (service categories and user groups) over the API, for administrators, as its page does it: the
list of a kind, an entry added (main or under a main one), renamed, moved up or down, deactivated or shown again.
Every change is audited by the service."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.core import api, messages
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.org.models import CatalogueKind
from app.org.services import catalogue
from forms.api import Id, Line, Request, RequiredLine

bp = api.blueprint("catalogue", __name__)
TAG = "org"
_REFUSALS = {"HTTP_409": ErrorBody, "HTTP_422": ErrorBody}
Kind = Literal[CatalogueKind.ALL]  # type: ignore[valid-type]
Name = Annotated[RequiredLine, Field(max_length=255)]
EnglishName = Annotated[Line, Field(max_length=255)] | None


class KindQuery(Request):
    kind: Kind = CatalogueKind.category


class Entry(BaseModel):
    id: int
    kind: str
    parent_id: int | None
    code: str
    name_th: str
    name_en: str | None
    position: int
    active: bool


class MainEntry(Entry):
    children: list[Entry]


class CatalogueList(BaseModel):
    kind: str
    items: list[MainEntry]


class NewEntry(Request):
    kind: Kind
    name_th: Name
    name_en: EnglishName = None
    parent_id: Id | None = Field(None, description="A main entry of the same kind; null: a main entry")


class Names(Request):
    name_th: Name
    name_en: EnglishName = None


class Direction(Request):
    direction: Literal["up", "down"]


class Activation(Request):
    active: bool


def _entry(row) -> Entry:
    return Entry(id=row.id, kind=row.kind, parent_id=row.parent_id, code=row.code, name_th=row.name_th,
                 name_en=row.name_en, position=row.position, active=row.active)


def _refused(exc: catalogue.CatalogueError) -> ApiError:
    if isinstance(exc, catalogue.EntryNotFound):
        return ApiError(404)
    if isinstance(exc, catalogue.NotAllowed):
        return ApiError(403)
    if isinstance(exc, catalogue.InvalidEntry):
        return ApiError(422, reason=exc.reason, fields={exc.field: [str(messages.for_error(exc))]})
    return api.refusal(409, exc)


def _changed(change):
    try:
        row = change(api.current_user_of_token())
        db.session.commit()
    except catalogue.CatalogueError as exc:
        raise _refused(exc) from None
    return _entry(row)


@bp.get("/catalogue")
@api.operation("admin:read", tag=TAG, resp={"HTTP_200": CatalogueList})
def list_catalogue(query: KindQuery):
    """The entries of one list, main entries with theirs under them (inactive ones too)"""
    return CatalogueList(kind=query.kind, items=[MainEntry(**_entry(main).model_dump(),
                                                           children=[_entry(sub) for sub in subs])
                                                 for main, subs in catalogue.tree(query.kind)])


@bp.post("/catalogue/entries")
@api.operation("admin:write", tag=TAG, resp={"HTTP_201": Entry, **_REFUSALS})
def add_entry(json: NewEntry):
    """Add an entry"""
    return _changed(lambda user: catalogue.add_entry(user, kind=json.kind, name_th=json.name_th,
                                                     name_en=json.name_en, parent_id=json.parent_id)), 201


@bp.put("/catalogue/entries/<int:entry_id>/names")
@api.operation("admin:write", tag=TAG, resp={"HTTP_200": Entry, **_REFUSALS})
def rename_entry(entry_id: int, json: Names):
    """Rename an entry"""
    return _changed(lambda user: catalogue.rename_entry(user, entry_id, name_th=json.name_th, name_en=json.name_en))


@bp.post("/catalogue/entries/<int:entry_id>/move")
@api.operation("admin:write", tag=TAG, resp={"HTTP_200": Entry, **_REFUSALS})
def move_entry(entry_id: int, json: Direction):
    """Move an entry up or down among its siblings"""
    return _changed(lambda user: catalogue.move_entry(user, entry_id, json.direction))


@bp.post("/catalogue/entries/<int:entry_id>/active")
@api.operation("admin:write", tag=TAG, resp={"HTTP_200": Entry, **_REFUSALS})
def set_entry_active(entry_id: int, json: Activation):
    """Deactivate an entry (no longer offered; kept where it is used), or offer it again"""
    return _changed(lambda user: catalogue.set_entry_active(user, entry_id, json.active))
