"""People and role tokens over the API, for administrators (``admin:read`` / ``admin:write``), as the user and
token pages do them: find people, read one with their memberships, change a membership's role or end it; list the
role tokens, issue one (OPDC officers and administrators to an office, as on the page), refresh a waiting one (the
old one stops working at once).

Accounts themselves are not made here: a person's account is made at their first Digital ID sign-in, and a role
token gives it its first membership."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask_babel import force_locale
from flask_babel import gettext as _
from pydantic import BaseModel, Field

from app.accounts.models import Role
from app.accounts.services import membership_changes, role_tokens, user_directory
from app.accounts.views import users as user_views
from app.core import api
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from forms.api import Id, Line, PageNumber, Request

bp = api.blueprint("accounts", __name__)
TAG = "accounts"
_REFUSALS = {"HTTP_409": ErrorBody, "HTTP_422": ErrorBody}
RoleName = Literal[tuple(role.value for role in Role)]  # type: ignore[valid-type]


# --- people ----------------------------------------------------------------------------------------------------------


class UserQuery(Request):
    q: Line | None = Field(None, max_length=100, description="Part of a name, user name or e-mail")
    page: PageNumber = 1


class MembershipItem(BaseModel):
    id: int
    role: str
    agency_id: int
    active: bool = True


class UserItem(BaseModel):
    id: int
    username: str
    display_name: str
    email: str | None
    last_login_at: datetime | None
    active: bool
    memberships: list[MembershipItem]


class UserPage(BaseModel):
    items: list[UserItem]
    total: int
    page: int
    per_page: int


class Person(UserItem):
    """The person, and their memberships in my scope: current ones first, then ended ones."""

    can_change: list[int] = Field(description="The memberships I may change or end")


class RoleChange(Request):
    role: RoleName


def _person(person) -> Person:
    officer = api.current_user_of_token()
    memberships = user_directory.memberships_in_scope(officer, person)
    return Person(id=person.id, username=person.username, display_name=person.display_name, email=person.email,
                  last_login_at=person.last_login_at, active=person.active,
                  memberships=[MembershipItem(id=m.id, role=m.role, agency_id=m.agency_id, active=m.active)
                               for m in memberships],
                  can_change=[m.id for m in memberships if user_directory.can_change(officer, m)])


def _user_refused(exc: user_directory.UserAdminError) -> ApiError:
    if isinstance(exc, user_directory.NotFound):
        return ApiError(404)
    if isinstance(exc, user_directory.NotAllowed):
        return ApiError(403)
    status = 422 if isinstance(exc, user_directory.RoleNotGrantable | user_directory.SameRole) else 409
    return ApiError(status, lambda: user_views.refusal_message(exc), reason=exc.code)


@bp.get("/users")
@api.operation("admin:read", tag=TAG, resp={"HTTP_200": UserPage})
def list_users(query: UserQuery):
    """People with a membership, found by name, user name or e-mail"""
    try:
        result = user_directory.search_users(api.current_user_of_token(), query.q, query.page)
    except user_directory.UserAdminError as exc:
        raise _user_refused(exc) from None
    return UserPage(items=[UserItem(id=row.id, username=row.username, display_name=row.display_name, email=row.email,
                                    last_login_at=row.last_login_at, active=row.active,
                                    memberships=[MembershipItem(id=m.id, role=m.role, agency_id=m.agency_id)
                                                 for m in row.memberships]) for row in result.rows],
                    total=result.total, page=result.page, per_page=result.per_page)


@bp.get("/users/<int:user_id>")
@api.operation("admin:read", tag=TAG, resp={"HTTP_200": Person})
def get_user(user_id: int):
    """One person with their memberships"""
    try:
        return _person(user_directory.user_for(api.current_user_of_token(), user_id))
    except user_directory.UserAdminError as exc:
        raise _user_refused(exc) from None


class HistoryItem(BaseModel):
    at: datetime
    action: str
    label: str = Field(description="what happened, in Thai")
    label_en: str
    summary: str = Field(description="the change as the person's page words it (roles, agency, names), in Thai")
    actor: str | None = Field(description="who did it")
    agency_id: int | None = Field(description="the agency the change was about, when it names one")


class History(BaseModel):
    items: list[HistoryItem] = Field(description="newest first, at most the page's number")


@bp.get("/users/<int:user_id>/history")
@api.operation("admin:read", tag=TAG, resp={"HTTP_200": History})
def user_history(user_id: int):
    """Changes to a person's account: their roles and agencies, their details, the role tokens they redeemed"""
    try:
        person = user_directory.user_for(api.current_user_of_token(), user_id)
    except user_directory.UserAdminError as exc:
        raise _user_refused(exc) from None
    items = []
    for entry in user_directory.account_history(person):
        label, label_en = api.in_both_languages(lambda entry=entry: user_views.action_label(entry.event.action))
        with force_locale("th"):
            summary = user_views.describe(entry)
        items.append(HistoryItem(at=entry.event.occurred_at, action=entry.event.action, label=label, label_en=label_en,
                                 summary=summary, actor=entry.actor_name,
                                 agency_id=entry.agency.id if entry.agency else None))
    return History(items=items)


@bp.post("/users/<int:user_id>/memberships/<int:membership_id>/role")
@api.operation("admin:write", tag=TAG, resp={"HTTP_200": Person, **_REFUSALS})
def change_role(user_id: int, membership_id: int, json: RoleChange):
    """Give the person another role in the membership's agency"""
    officer = api.current_user_of_token()
    try:
        membership_changes.change_role(officer, membership_id, json.role, user_id=user_id)
        db.session.commit()
        return _person(user_directory.user_for(officer, user_id))
    except user_directory.UserAdminError as exc:
        raise _user_refused(exc) from None


@bp.post("/users/<int:user_id>/memberships/<int:membership_id>/remove")
@api.operation("admin:write", tag=TAG, resp={"HTTP_200": Person, **_REFUSALS})
def remove_membership(user_id: int, membership_id: int):
    """End the membership: the person's claimed tasks under it go back to the queue and their sessions end"""
    officer = api.current_user_of_token()
    try:
        membership_changes.remove(officer, membership_id, user_id=user_id)
        db.session.commit()
        return _person(user_directory.user_for(officer, user_id))
    except user_directory.UserAdminError as exc:
        raise _user_refused(exc) from None


# --- role tokens -----------------------------------------------------------------------------------------------------


class TokenQuery(Request):
    page: PageNumber = 1


class RoleTokenItem(BaseModel):
    id: int
    role: str
    agency_id: int
    state: str = Field(description="waiting, used, refreshed or expired")
    issued_at: datetime
    expires_at: datetime
    used_by_id: int | None
    replaces_id: int | None


class RoleTokenPage(BaseModel):
    items: list[RoleTokenItem]
    page: int
    pages: int


class NewRoleToken(Request):
    role: RoleName
    agency_id: Id = Field(description="The agency (a service point for a service-point officer; an office such as "
                                      "OPDC or DGA for an OPDC officer or an administrator)")


class IssuedRoleToken(RoleTokenItem):
    token: str = Field(description="Shown this once: give it to the person, who enters it at their first sign-in")


def _token(row) -> RoleTokenItem:
    return RoleTokenItem(id=row.id, role=row.role, agency_id=row.agency_id, state=role_tokens.shown_state(row),
                         issued_at=row.issued_at, expires_at=row.expires_at, used_by_id=row.used_by_id,
                         replaces_id=row.replaces_id)


def _issued(row, plain: str) -> IssuedRoleToken:
    return IssuedRoleToken(**_token(row).model_dump(), token=plain)


def _require_issuer(officer) -> None:
    if not role_tokens.can_manage_tokens(officer):
        raise ApiError(403)


@bp.get("/role-tokens")
@api.operation("admin:read", tag=TAG, resp={"HTTP_200": RoleTokenPage})
def list_role_tokens(query: TokenQuery):
    """Role tokens, newest first"""
    officer = api.current_user_of_token()
    _require_issuer(officer)
    rows, pages = role_tokens.list_tokens(officer, query.page)
    return RoleTokenPage(items=[_token(row) for row in rows], page=min(query.page, max(pages, 1)), pages=pages)


@bp.post("/role-tokens")
@api.operation("admin:write", tag=TAG, resp={"HTTP_201": IssuedRoleToken, **_REFUSALS})
def issue_role_token(json: NewRoleToken):
    """Issue a one-time token for a role in an agency"""
    officer = api.current_user_of_token()
    _require_issuer(officer)
    try:
        row, plain = role_tokens.issue(officer, json.role, json.agency_id)
    except role_tokens.NotAllowed:
        if json.role in role_tokens.NATIONWIDE_ISSUES and json.role in role_tokens.issuable_roles(officer):
            raise ApiError(422, fields={"agency_id": [_(
                "OPDC officers and administrators are given to an office, such as OPDC or DGA.")]}) from None
        if json.role not in role_tokens.issuable_roles(officer):
            raise ApiError(422, fields={"role": [_("You may not grant this role. Choose one of the roles in the "
                                                   "list.")]}) from None
        raise ApiError(403) from None
    db.session.commit()
    return _issued(row, plain), 201


@bp.post("/role-tokens/<int:token_id>/refresh")
@api.operation("admin:write", tag=TAG, resp={"HTTP_201": IssuedRoleToken, **_REFUSALS})
def refresh_role_token(token_id: int):
    """End a waiting token at once and issue its replacement"""
    officer = api.current_user_of_token()
    _require_issuer(officer)
    try:
        row, plain = role_tokens.refresh(officer, token_id)
    except role_tokens.NotAllowed:
        raise ApiError(404) from None
    except role_tokens.TokenRefused as refused:
        raise ApiError(409, lambda: _("Only a token that is still waiting can be refreshed."),
                       reason=refused.code) from None
    db.session.commit()
    return _issued(row, plain), 201
