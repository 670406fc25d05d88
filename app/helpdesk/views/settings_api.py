"""The IR Online desk's managed lists over the API, as the supervisors' pages keep them: categories, SLA targets
per priority (in office minutes; reports from then on use them) and teams with their members. Helpdesk staff read
them; supervisors change them. Same services, checks and audit as the pages."""

from __future__ import annotations

from pydantic import BaseModel, Field

from app.core import api
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.helpdesk.models import TicketPriority
from app.helpdesk.services import helpdesk, helpdesk_sla, helpdesk_staff
from app.helpdesk.views.desk_api import READ, TAG, WRITE, acted, require_staff
from forms.api import Id, Line, Request, RequiredLine

bp = api.blueprint("helpdesk_settings", __name__)
_REFUSALS = {"HTTP_409": ErrorBody}
Minutes = Field(ge=1, le=100_000, description="office minutes (08:30–16:30 on working days)")


class Category(BaseModel):
    id: int
    name_th: str
    name_en: str | None
    position: int
    active: bool


class Categories(BaseModel):
    items: list[Category] = Field(description="every category, in the order reporters see them; those out of use too")


class CategoryFields(Request):
    name_th: RequiredLine = Field(max_length=255)
    name_en: Line | None = Field(None, max_length=255)
    position: int = Field(0, ge=0, le=1000)
    active: bool = True


class Target(BaseModel):
    priority: str
    first_response_minutes: int
    resolution_minutes: int


class Targets(BaseModel):
    items: list[Target] = Field(description="one per priority, most urgent first")


class TargetChange(Request):
    first_response_minutes: int = Minutes
    resolution_minutes: int = Minutes


class Member(BaseModel):
    id: int
    display_name: str


class Team(BaseModel):
    id: int
    name: str
    active: bool
    members: list[Member]


class Teams(BaseModel):
    items: list[Team]


class TeamFields(Request):
    name: RequiredLine = Field(max_length=255)
    member_ids: list[Id] = Field([], max_length=500, description="helpdesk staff only")
    active: bool = True


def _category(row) -> Category:
    return Category(id=row.id, name_th=row.name_th, name_en=row.name_en, position=row.position, active=row.active)


def _team(row, members) -> Team:
    return Team(id=row.id, name=row.name, active=row.active,
                members=[Member(id=m.id, display_name=m.display_name) for m in members])


def _teams() -> Teams:
    members = helpdesk_staff.team_members()
    return Teams(items=[_team(team, members.get(team.id, [])) for team in helpdesk_staff.teams(active_only=False)])


def _targets() -> Targets:
    return Targets(items=[Target(priority=priority, first_response_minutes=row.first_response_minutes,
                                 resolution_minutes=row.resolution_minutes)
                          for priority, row in helpdesk_sla.targets().items()])


def _saved_category(json: CategoryFields, category_id: int | None) -> Category:
    saved: list = []
    acted(lambda user: saved.append(helpdesk_staff.save_category(user, json.name_th, json.name_en, json.position,
                                                                 json.active, category_id=category_id)))
    return _category(saved[0])


def _saved_team(json: TeamFields, team_id: int | None) -> Team:
    saved: list = []
    acted(lambda user: saved.append(helpdesk_staff.save_team(user, json.name, list(json.member_ids),
                                                             team_id=team_id, active=json.active)))
    return _team(saved[0], helpdesk_staff.team_members().get(saved[0].id, []))


@bp.get("/helpdesk/categories")
@api.operation(READ, tag=TAG, resp={"HTTP_200": Categories})
def list_categories():
    """The categories of e-GP problems (helpdesk staff)"""
    require_staff()
    return Categories(items=[_category(row) for row in helpdesk.categories(active_only=False)])


@bp.post("/helpdesk/categories")
@api.operation(WRITE, tag=TAG, resp={"HTTP_201": Category, **_REFUSALS})
def create_category(json: CategoryFields):
    """Add a category (a helpdesk supervisor)"""
    return _saved_category(json, None), 201


@bp.put("/helpdesk/categories/<int:category_id>")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": Category, **_REFUSALS})
def save_category(category_id: int, json: CategoryFields):
    """Rename, reorder or withdraw a category (``active``: false; its reports keep it)"""
    return _saved_category(json, category_id)


@bp.get("/helpdesk/sla")
@api.operation(READ, tag=TAG, resp={"HTTP_200": Targets})
def list_targets():
    """The SLA targets: first response and resolution per priority"""
    require_staff()
    targets = _targets()
    db.session.commit()  # the defaults, written the first time they are read
    return targets


@bp.put("/helpdesk/sla/<priority>")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": Targets, **_REFUSALS})
def save_target(priority: str, json: TargetChange):
    """Change a priority's targets (urgent, high, normal or low; a helpdesk supervisor): reports made from now on
    use them"""
    if priority not in TicketPriority.ALL:
        raise ApiError(404)
    acted(lambda user: helpdesk_sla.set_target(user, priority, json.first_response_minutes,
                                               json.resolution_minutes))
    return _targets()


@bp.get("/helpdesk/teams")
@api.operation(READ, tag=TAG, resp={"HTTP_200": Teams})
def list_teams():
    """The desk's teams and their members"""
    require_staff()
    return _teams()


@bp.post("/helpdesk/teams")
@api.operation(WRITE, tag=TAG, resp={"HTTP_201": Team, **_REFUSALS})
def create_team(json: TeamFields):
    """Form a team (a helpdesk supervisor)"""
    return _saved_team(json, None), 201


@bp.put("/helpdesk/teams/<int:team_id>")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": Team, **_REFUSALS})
def save_team(team_id: int, json: TeamFields):
    """Rename a team, change its members, or stand it down (``active``: false)"""
    return _saved_team(json, team_id)
