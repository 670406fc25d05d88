"""The administrators' page of scheduled jobs: last run, outcome and failures, and e-mail that could not be sent."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_decimal
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
    results = {row["name"]: readable_result(row["last"].result, declared[row["name"]].result_labels)
               for row in rows if row["last"] is not None}
    return render_template("jobs/index.html", rows=rows, failures=failures, results=results,
                           descriptions={name: job.description for name, job in declared.items()},
                           failed_mail=mail.failed())


def readable_result(stored: str | None, labels) -> list[tuple[str, str]]:
    """A run's result as (label, value) pairs in the page's language: counts by their job's names for them."""
    value = jobs.read_result(stored)
    if value is None:
        return []
    if isinstance(value, dict):
        return [(str(labels.get(key, key)), _plain(count)) for key, count in value.items()]
    return [(str(labels.get("", _("Result"))), _plain(value))]


def _plain(value) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, int | float):
        return format_decimal(value)
    if isinstance(value, list | tuple):
        return ", ".join(_plain(item) for item in value)
    return str(value)


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
