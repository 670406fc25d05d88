"""Managing the users of one's scope (roles, removal), and each person's own profile."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("users", __name__)
