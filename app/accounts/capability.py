"""What staff accounts plug in: sign-in and account pages, the gate before every back-office page, the
administrator's role label and the users' command line."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.accounts.commands import users_cli
from app.accounts.models import Role
from app.accounts.views import accounts, admin_api, auth, gate, tokens, users
from app.core import api
from app.core.capabilities import Capability, Labels, NavEntry

MANAGES_ACCOUNTS = frozenset({Role.admin.value, Role.central_officer.value})


def _init_app(app: Flask) -> None:
    from app.accounts.services import accounts as account_service
    from app.core.extensions import login_manager

    login_manager.login_view = "auth.login"
    login_manager.user_loader(account_service.load_user)
    gate.register(app)  # who reaches the back office: reporter accounts never, staff once they hold a role
    api.use_token_loader(app, accounts.api_caller)  # the API's personal access tokens


CAPABILITY = Capability(
    public_pages=("auth",),
    name="accounts",
    blueprints=(auth.bp, accounts.bp, tokens.bp, users.bp),
    api_blueprints=(admin_api.bp,),
    operation_modules=("app.accounts.services.role_tokens",),
    processes=("token_issuance",),
    labels=Labels(roles={Role.admin.value: _l("System administrator")}),
    nav=(
        NavEntry("users.index", _l("Manage users"), 130, roles=MANAGES_ACCOUNTS, element_id="nav-users",
                 group="administration"),
        NavEntry("tokens.index", _l("Manage tokens"), 140, roles=MANAGES_ACCOUNTS, element_id="nav-tokens",
                 group="administration"),
    ),
    commands=(users_cli,),
    init_app=_init_app,
)
