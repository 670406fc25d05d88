"""The task inbox and the task page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core import capabilities, messages, paging
from app.core.extensions import db
from app.core.i18n import localized_title
from app.core.redirects import next_or
from app.inbox.services import assignment, inbox, saved_filters, task_lists
from app.inbox.services.task_query import SORTABLE_VIEWS, TaskQuery
from forms import form_for

bp = Blueprint("inbox", __name__, url_prefix="/tasks")


@bp.get("/")
@login_required
def index():
    if not request.args:  # "Tasks" in the menu opens the officer's default filter, at its own address
        default = saved_filters.default_for(current_user)
        if default is not None:
            saved = TaskQuery.from_args(default.params)
            # the tab always in the address: it is not empty, so this does not come back here
            return redirect(url_for("inbox.index", **{**saved.params(), "view": saved.view}))
    query = TaskQuery.from_args(request.args)
    page = paging.page_number(request.args.get("page"))
    result = task_lists.list_tasks(current_user, page=page, per_page=current_app.config["INBOX_PAGE_SIZE"], query=query)
    processes, agencies = task_lists.filter_choices(current_user)
    return render_template("inbox/index.html", view=query.view, query=query, result=result,
                           process_id=query.process_id, agency_id=query.agency_id,
                           processes=processes, agencies=agencies,
                           saved=saved_filters.of(current_user), sortable=query.view in SORTABLE_VIEWS,
                           search_window=f"{task_lists.SEARCH_WINDOW:,}")


def _load(task_id: int):
    try:
        return inbox.task_for(current_user, task_id)
    except inbox.TaskNotFound:
        abort(404)


@bp.route("/<int:task_id>", methods=["GET", "POST"])
@login_required
def task(task_id: int):
    human_task = _load(task_id)
    form_class = form_for(human_task.form_key)
    if request.method == "GET":
        form = form_class(data=inbox.form_initial_data(human_task))
    else:
        form = form_class()
    if request.method == "POST":
        if form.validate():
            title = localized_title(human_task.title, human_task.title_en)
            try:
                inbox.complete(current_user, human_task, form.answer())
                db.session.commit()
                flash(_("Done: %(title)s", title=title), "success")
                return redirect(url_for("inbox.index"))
            except inbox.InboxError as exc:
                db.session.rollback()
                flash(messages.for_error(exc), "warning")
                return redirect(url_for("inbox.task", task_id=task_id))
        flash(_("Please correct the highlighted fields."), "danger")
    subject = inbox.task_subject(human_task)
    can_act = inbox.can_act(current_user, human_task)
    acting_for = inbox.acting_for(current_user, human_task) if can_act else None
    colleagues = assignment.candidates(human_task) if can_act else []
    # What the task is about is shown by the partial of the capability that owns the task's process.
    subject_partial = capabilities.current().task_partial(human_task.process_id)
    return render_template("inbox/task.html", task=human_task, form=form, subject=subject,
                           subject_partial=subject_partial, can_act=can_act,
                           acting_for=acting_for, colleagues=colleagues), (422 if form.errors else 200)


@bp.post("/<int:task_id>/claim")
@login_required
def claim(task_id: int):
    return _claim_action(task_id, inbox.claim, _("You have claimed this task."))


@bp.post("/<int:task_id>/unclaim")
@login_required
def unclaim(task_id: int):
    return _claim_action(task_id, inbox.unclaim, _("The task is back in the shared list."))


def _claim_action(task_id: int, action, success_message: str):
    human_task = _load(task_id)
    try:
        action(current_user, human_task)
        db.session.commit()
        flash(success_message, "success")
    except inbox.InboxError as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
    return redirect(next_or(url_for("inbox.task", task_id=task_id)))
