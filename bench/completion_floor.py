"""The floor under a task completion, served by gunicorn beside the app (``bench/http_budgets.py`` times it).

``POST /<task id>/<actor id>`` does only what no completion can do without: the HTTP request, the task's instance read
(its state and the columns the engine's operations read), the bare engine cycle of ``bench/engine.py``'s (a)
— deserialize, complete the task, run on, serialize, its service tasks answering without their rows —, the
state written back with the instance's version, and one durable commit, through the app's own database
engine (its pool, its ping, its SQLite settings). What a real completion adds to it — the caller's account or
token, the task's row and its permission, the domain's step (the review's record, its deadlines closed and the
next ones written), the next task's row, the audit, the ORM — is the difference between the two figures.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text

from app import create_app
from app.core.extensions import db
from app.core.workflow import ProcessInstance
from bench.engine import without_database_operations
from bench.http_calls import APPROVE
from workflows import engine

_READ = text(
    "SELECT t.task_guid, t.spec_name, p.id, p.state, p.spec_key, p.process_id, p.title, "
    "p.business_type, p.business_id, p.agency_id, p.agency_path, p.lock_version "
    "FROM human_task t JOIN process_instance p ON p.id = t.instance_id WHERE t.id = :task_id")
_WRITE = text("UPDATE process_instance SET state = :state, lock_version = lock_version + 1 "
              "WHERE id = :id AND lock_version = :lock_version")

flask_app = create_app()


def _complete(task_id: int, actor_id: int) -> None:
    with db.engine.connect() as connection:
        (guid, spec_name, instance_id, state, spec_key, process_id, title, business_type, business_id,
         agency_id, agency_path, lock_version) = connection.execute(_READ, {"task_id": task_id}).one()
        stand_in = ProcessInstance(id=instance_id, spec_key=spec_key, process_id=process_id, title=title,
                                   business_type=business_type, business_id=business_id, agency_id=agency_id,
                                   agency_path=agency_path)
        workflow = engine.deserialize(state, spec_key)
        spiff_task = workflow.get_task_from_id(uuid.UUID(guid))
        spiff_task.set_data(**{spec_name: dict(APPROVE)})
        with engine.running(stand_in, actor_id):
            spiff_task.run()
            workflow.do_engine_steps()
        written = connection.execute(_WRITE, {"state": engine.serialize(workflow), "id": instance_id,
                                              "lock_version": lock_version})
        assert written.rowcount == 1, "the instance moved under the floor's completion"
        connection.commit()


def app(environ, start_response):
    if environ["REQUEST_METHOD"] != "POST":  # gunicorn's readiness check
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
        return [b"ready"]
    task_id, actor_id = (int(part) for part in environ["PATH_INFO"].strip("/").split("/"))
    with flask_app.app_context(), without_database_operations():
        _complete(task_id, actor_id)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
