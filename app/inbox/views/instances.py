"""Following a process instance: status, history, coloured diagram."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template
from flask_login import current_user, login_required

from app.inbox.services import instances

bp = Blueprint("instances", __name__, url_prefix="/instances")


def _load(instance_id: int):
    try:
        return instances.get_instance(current_user, instance_id)
    except instances.InstanceNotFound:
        abort(404)


@bp.get("/<int:instance_id>")
@login_required
def show(instance_id: int):
    instance = _load(instance_id)
    tasks = instances.tasks(instance)
    return render_template("instances/show.html", instance=instance, history=instances.history(instance, tasks),
                           tasks=tasks)


@bp.get("/<int:instance_id>/diagram.json")
@login_required
def diagram(instance_id: int):
    return jsonify(instances.diagram(_load(instance_id)))
