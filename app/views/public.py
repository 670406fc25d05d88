"""The front door (the public manual search comes in a later issue)."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    return redirect(url_for("inbox.index") if current_user.is_authenticated else url_for("auth.login"))


@bp.get("/healthz")
def health():
    return {"status": "ok"}
