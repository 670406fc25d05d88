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
from forms.api import Id, Line, PageNumber, Request, RequiredLine

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


class NewCatalogueEntry(Request):
    kind: Kind
    name_th: Name
    name_en: EnglishName = None
    parent_id: Id | None = Field(None, description="A main entry of the same kind; null: a main entry")


class Names(Request):
    name_th: Name
    name_en: EnglishName = None


class Direction(Request):
    direction: Literal["up", "down"]


class EntryActivation(Request):
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
def add_entry(json: NewCatalogueEntry):
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
def set_entry_active(entry_id: int, json: EntryActivation):
    """Deactivate an entry (no longer offered; kept where it is used), or offer it again"""
    return _changed(lambda user: catalogue.set_entry_active(user, entry_id, json.active))


# --- tags ------------------------------------------------------------------------------------------------------------


class TagQuery(Request):
    q: Line | None = Field(None, max_length=100, description="part of the name")
    page: PageNumber = 1


class TagItem(BaseModel):
    id: int
    name: str


class TagPage(BaseModel):
    items: list[TagItem]
    total: int
    page: int
    pages: int


class TagSuggestions(BaseModel):
    tags: list[str] = Field(description="those starting with the text first, at most ten")


class TagName(Request):
    name: Annotated[RequiredLine, Field(max_length=100)]


class TagMerge(Request):
    target: Annotated[RequiredLine, Field(max_length=100)] = Field(description="the name of the tag it folds into")


def _tag_changed(change) -> TagItem:
    try:
        tag = change(api.current_user_of_token())
        db.session.commit()
    except catalogue.TagNameTaken as exc:
        raise ApiError(409, lambda exc=exc: messages.for_error(exc), reason="tag_name_taken",
                       fields={"name": [messages.for_error(exc)]}) from None
    except catalogue.CatalogueError as exc:
        raise _refused(exc) from None
    return TagItem(id=tag.id, name=tag.name)


@bp.get("/catalogue/tag-suggestions")
@api.operation("manuals:read", tag=TAG, resp={"HTTP_200": TagSuggestions})
def suggest_tags(query: TagQuery):
    """Tags for what an author is typing, as the manual editor suggests them"""
    return TagSuggestions(tags=catalogue.suggest_tags(query.q or ""))


@bp.get("/catalogue/tags")
@api.operation("admin:read", tag=TAG, resp={"HTTP_200": TagPage})
def list_tags(query: TagQuery):
    """Every tag (containing a text), by name, 50 a page"""
    rows, total = catalogue.list_tags(query.q or "", page=query.page)
    return TagPage(items=[TagItem(id=tag.id, name=tag.name) for tag in rows], total=total, page=query.page,
                   pages=max(1, -(-total // 50)))


@bp.put("/catalogue/tags/<int:tag_id>/name")
@api.operation("admin:write", tag=TAG, resp={"HTTP_200": TagItem, **_REFUSALS})
def rename_tag(tag_id: int, json: TagName):
    """Rename a tag (a name another tag has: 409, merge them instead)"""
    return _tag_changed(lambda user: catalogue.rename_tag(user, tag_id, json.name))


@bp.post("/catalogue/tags/<int:tag_id>/merge")
@api.operation("admin:write", tag=TAG, resp={"HTTP_200": TagItem, **_REFUSALS})
def merge_tags(tag_id: int, json: TagMerge):
    """Fold a tag into another: the services carrying it carry the other (approved revisions stay as approved)"""
    return _tag_changed(lambda user: catalogue.merge_tags(user, tag_id, json.target))
