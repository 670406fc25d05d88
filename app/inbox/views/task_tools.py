"""The inbox's tools around the list: assign a task to a colleague, claim several at once, saved filters."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core import messages
from app.core.extensions import db
from app.core.redirects import next_or
from app.inbox.services import assignment, inbox, saved_filters
from app.inbox.services.task_query import TaskQuery

bp = Blueprint("task_tools", __name__, url_prefix="/tasks")


@bp.before_request
@login_required
def _signed_in():
    return None


@bp.post("/<int:task_id>/assign")
def assign(task_id: int):
    try:
        task = inbox.task_for(current_user, task_id)
    except inbox.TaskNotFound:
        abort(404)
    assignee_id = request.form.get("assignee", type=int)
    try:
        assignee = assignment.assign(current_user, task, assignee_id)
        db.session.commit()
        flash(_("The task is now with %(name)s.", name=assignee.display_name), "success")
    except inbox.InboxError as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
        return redirect(url_for("inbox.task", task_id=task_id), 303)
    return redirect(next_or(url_for("inbox.task", task_id=task_id)), 303)


@bp.post("/claim")
def bulk_claim():
    """Claim the ticked tasks: each on its own, with a line for every one that could not be claimed."""
    task_ids = [int(value) for value in request.form.getlist("task") if value.isdigit()]
    back = next_or(url_for("inbox.index"))
    if not task_ids:
        flash(_("Tick the tasks to claim first."), "warning")
        return redirect(back, 303)
    outcomes = assignment.bulk_claim(current_user, task_ids)
    db.session.commit()
    claimed = sum(outcome.claimed for outcome in outcomes)
    if claimed:
        flash(_("Claimed %(num)s tasks.", num=claimed), "success")
    for outcome in outcomes:
        if not outcome.claimed:
            flash(_("Not claimed: %(task)s: %(reason)s", task=outcome.title, reason=outcome.message), "warning")
    return redirect(back, 303)


@bp.post("/filters")
def save_filter():
    query = TaskQuery.from_args(request.form)
    try:
        row = saved_filters.save(current_user, request.form.get("name", ""), query,
                                 default=bool(request.form.get("default")))
        db.session.commit()
        flash(_("Filter saved: %(name)s", name=row.name), "success")
    except saved_filters.SavedFilterRefused as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
    return redirect(url_for("inbox.index", **{**query.params(), "view": query.view}), 303)


@bp.post("/filters/<int:filter_id>/default")
def default_filter(filter_id: int):
    return _filter_action(lambda: saved_filters.make_default(current_user, filter_id),
                          _("This filter now opens when you go to Tasks."))


@bp.post("/filters/<int:filter_id>/delete")
def delete_filter(filter_id: int):
    return _filter_action(lambda: saved_filters.delete(current_user, filter_id), _("Filter deleted."))


def _filter_action(action, success: str):
    try:
        action()
        db.session.commit()
        flash(success, "success")
    except saved_filters.SavedFilterNotFound:
        db.session.rollback()
        abort(404)
    return redirect(next_or(url_for("inbox.index", view="available")), 303)
