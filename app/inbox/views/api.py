"""JSON API for clients, authenticated with personal access tokens (Bearer)."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, current_app, g, jsonify, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.accounts.services import accounts
from app.core import messages, paging
from app.core.extensions import csrf, db
from app.core.i18n import localized_title
from app.inbox.services import inbox, instances
from app.inbox.views.openapi import OPENAPI
from forms import form_for
from forms.fields import describe

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = accounts.user_for_api_token(token.strip()) if scheme.lower() == "bearer" and token else None
        if user is None:
            response = jsonify({"error": {"code": 401, "message": "A valid personal access token is required."}})
            response.headers["WWW-Authenticate"] = 'Bearer realm="ratchaflow"'
            return response, 401
        db.session.commit()  # records last_used_at
        g.api_user = user
        return view(*args, **kwargs)

    return wrapper


def _task_json(task, row=None) -> dict:
    return {
        "id": task.id,
        "title": localized_title(task.title, task.title_en),
        "subject": task.subject,
        "process_id": task.process_id,
        "instance_id": task.instance_id,
        "role": task.role,
        "agency_id": task.agency_id,
        "agency_name": row.agency_name_th if row else None,
        "assignee_id": task.assignee_id,
        "form_key": task.form_key,
        "status": task.status,
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "overdue": row.overdue if row else None,
        "created_at": task.created_at.isoformat(),
        "completed_at": task.completed_at.isoformat() if task.completed_at else None,
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(OPENAPI)


@bp.get("/tasks")
@token_required
def list_tasks():
    view = request.args.get("view", "available")
    if view not in inbox.VIEWS:
        return jsonify({"error": {"code": 400, "message": _("view must be one of %(views)s",
                                                            views=", ".join(inbox.VIEWS))}}), 400
    page = paging.page_number(request.args.get("page"))
    per_page = min(max(request.args.get("per_page", current_app.config["INBOX_PAGE_SIZE"], type=int), 1), 100)
    result = inbox.list_tasks(g.api_user, view, page=page, per_page=per_page,
                              process_id=request.args.get("process") or None,
                              agency_id=request.args.get("agency", type=int))
    return jsonify({"items": [_task_json(row.task, row) for row in result.rows], "total": result.total,
                    "page": result.page, "per_page": result.per_page, "pages": result.pages})


def _task_or_404(task_id: int):
    try:
        return inbox.task_for(g.api_user, task_id)
    except inbox.TaskNotFound:
        abort(404)


@bp.get("/tasks/<int:task_id>")
@token_required
def get_task(task_id: int):
    task = _task_or_404(task_id)
    form = form_for(task.form_key)(meta={"csrf": False}, data=inbox.form_initial_data(task))
    return jsonify({**_task_json(task), "can_complete": inbox.can_act(g.api_user, task), "fields": describe(form)})


@bp.post("/tasks/<int:task_id>/complete")
@token_required
def complete_task(task_id: int):
    task = _task_or_404(task_id)
    payload = request.get_json(silent=True)  # too large (413) or too deep (400) is answered before this returns
    if not isinstance(payload, dict):
        return jsonify({"error": {"code": 400, "message": _("Send a JSON object of form fields.")}}), 400
    formdata, refused = _formdata(payload)
    form = form_for(task.form_key)(formdata=formdata, meta={"csrf": False})
    if not form.validate() or refused:
        fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()} | refused
        return jsonify({"error": {"code": 422, "message": _("Some fields are not valid."), "fields": fields}}), 422
    try:
        instance = inbox.complete(g.api_user, task, form.answer())
        db.session.commit()
    except inbox.InboxError as exc:
        db.session.rollback()
        status = 404 if isinstance(exc, inbox.TaskNotFound) else 409
        return jsonify({"error": {"code": status, "reason": exc.code, "message": messages.for_error(exc)}}), status
    return jsonify({"task": _task_json(task), "instance": {"id": instance.id, "status": instance.status}})


def _formdata(payload: dict) -> tuple[MultiDict, dict[str, list[str]]]:
    """The JSON object's fields as a form sends them (text, a number, true or false, null, or a list of them);
    the names of values of another shape, with the reason. The form then cleans them as it cleans a page's."""
    pairs, refused = [], {}
    for name, value in payload.items():
        values = value if isinstance(value, list) else [value]
        if all(item is None or isinstance(item, str | int | float) for item in values):
            pairs.extend((name, _as_text(item)) for item in values)
        else:
            refused[name] = [_("Send text, a number, true or false, or a list of them.")]
    return MultiDict(pairs), refused


def _as_text(value) -> str:
    if value is None or value is False:
        return ""
    return "y" if value is True else str(value)


@bp.get("/instances/<int:instance_id>")
@token_required
def get_instance(instance_id: int):
    try:
        instance = instances.get_instance(g.api_user, instance_id)
    except instances.InstanceNotFound:
        abort(404)
    return jsonify({
        "id": instance.id,
        "process_id": instance.process_id,
        "version": instance.spec_key,
        "title": instance.title,
        "business_object": {"type": instance.business_type, "id": instance.business_id},
        "status": instance.status,
        "created_at": instance.created_at.isoformat(),
        "completed_at": instance.completed_at.isoformat() if instance.completed_at else None,
        "next_timer_at": instance.next_timer_at.isoformat() if instance.next_timer_at else None,
        "tasks": [_task_json(task) for task in instances.tasks(instance)],
        "history": [
            {"at": entry.at.isoformat(), "action": entry.action, "task": entry.task_name, "title": entry.title,
             "actor": entry.actor, "comment": entry.comment,
             "time_spent_seconds": entry.time_spent.total_seconds() if entry.time_spent else None}
            for entry in instances.history(instance)
        ],
    })
