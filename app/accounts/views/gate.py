"""Who reaches the back office: one check before every request's view, for every staff blueprint at once.

- A reporter account (IR Online) reaches IR Online, the public site, the sign-in pages (signing out, the language
  switch) and the JSON API (which takes its own tokens, and none of a reporter account's); any other page sends it
  to its reports. That holds whatever memberships it may have been given by mistake: ``policy`` grants a
  reporter account no role either, and ``role_tokens.redeem`` refuses it a staff role.
- A signed-in staff member without a role yet is asked for a one-time role token first; they may still sign out,
  switch language, read the public site and use the API.
"""

from __future__ import annotations

from flask import Flask, current_app, redirect, request, url_for
from flask_login import current_user

from app.core import capabilities

OPEN_ENDPOINTS = {"static"}
# A staff member without a role yet may also open the page that takes a role token.
WITHOUT_A_ROLE = {"tokens.redeem"}


def _gate():
    endpoint = request.endpoint
    # Open to anyone, signed in or not, whatever their account (the capabilities' public pages): nothing to look up.
    registry = capabilities.of(current_app)
    if endpoint is None or endpoint in OPEN_ENDPOINTS or request.blueprint in registry.public_blueprints:
        return None
    # The person as Flask-Login loads them for the view anyway (one query, memberships joined): the gate adds none.
    if not current_user.is_authenticated:
        return None  # signed out: each staff view asks for a sign-in itself
    reporter = current_user.is_reporter
    has_role = not reporter and bool(current_user.memberships)
    if reporter:
        return None if request.blueprint in registry.reporter_blueprints else redirect(url_for(registry.reporter_home))
    if has_role or endpoint in WITHOUT_A_ROLE:
        return None
    return redirect(url_for("tokens.redeem"))


def register(app: Flask) -> None:
    app.before_request(_gate)
