"""The in-app notification list."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.core import paging
from app.core.extensions import db
from app.core.redirects import next_or
from app.inbox.services import notification_center

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index():
    page = paging.page_number(request.args.get("page"))
    rows, total = notification_center.recent(current_user, page=page)
    return render_template("notifications/index.html", rows=rows, total=total, page=page)


@bp.post("/read")
@login_required
def mark_read():
    notification_center.mark_read(current_user, request.form.get("id", type=int))
    db.session.commit()
    return redirect(next_or(url_for("notifications.index")))
