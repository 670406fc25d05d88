"""The administrators' page of scheduled jobs: last run, outcome and failures, and e-mail that could not be sent."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import Role
from app.accounts.services import policy
from app.core import capabilities
from app.core.extensions import db
from notifications import mail
from tasks import jobs

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")

@bp.before_request
@login_required
def _administrators_only():
    if not policy.scopes(current_user, {Role.admin.value}):
        abort(403)


@bp.get("/")
def index():
    declared = capabilities.current().jobs  # what each capability schedules, with its description
    rows, failures = jobs.overview(list(declared))
    return render_template("jobs/index.html", rows=rows, failures=failures,
                           descriptions={name: job.description for name, job in declared.items()},
                           failed_mail=mail.failed())


@bp.post("/outbox/<int:message_id>/retry")
def retry_mail(message_id: int):
    if mail.retry(message_id, current_user.id) is None:
        db.session.rollback()
        flash(_("This e-mail is not waiting to be sent again: it was sent again already, or there is no such "
                "e-mail."), "warning")
    else:
        db.session.commit()
        flash(_("The e-mail will be sent again at the next run of the outbox job."), "success")
    return redirect(url_for("jobs.index") + "#outbox-failed", 303)
