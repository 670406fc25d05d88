"""The administrators' page of scheduled jobs: last run, outcome and failures."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.models import Role
from app.services import policy
from tasks import jobs

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")

DESCRIPTIONS = {
    "fire_timers": _l("Fires due process timers: reminders, escalations, unlock windows ending, token expiry."),
    "send_outbox": _l("Sends queued e-mail from the outbox."),
    "lock_periods": _l("Locks licence-report periods after their close day."),
}


@bp.get("/")
@login_required
def index():
    if not policy.scopes(current_user, {Role.admin.value}):
        abort(403)
    rows, failures = jobs.overview()
    return render_template("jobs/index.html", rows=rows, failures=failures, descriptions=DESCRIPTIONS)
