"""One-time role tokens: central officers issue and refresh them; a new person redeems one on first sign-in."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("tokens", __name__)
