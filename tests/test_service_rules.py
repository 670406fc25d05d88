"""The services' rules: they take plain values (never a form) and need no request, so a job needs only an app
context. ``make lint`` checks the imports (``setup.cfg``); these check signatures, links and a job's run."""

from __future__ import annotations

import ast
import contextvars
import importlib
import inspect
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from flask import url_for
from sqlalchemy import select

import app
from app.core import settings
from app.core.extensions import db
from notifications.models import Notification
from tasks import jobs
from tests.clock import SUITE_START

APP = Path(app.__file__).parent
# Every capability's services: app/<capability>/services/<module>.py
SERVICE_FILES = sorted(APP.glob("*/services/*.py"))
REQUEST_BOUND = {"url_for", "request", "session", "g", "current_app", "has_request_context", "test_request_context"}


def _service_modules():
    for path in SERVICE_FILES:
        yield importlib.import_module(".".join(path.relative_to(APP.parent).with_suffix("").parts))


def _functions(module):
    for _name, value in vars(module).items():
        if inspect.isfunction(value) and value.__module__ == module.__name__:
            yield value
        elif inspect.isclass(value) and value.__module__ == module.__name__:
            yield from (f for f in vars(value).values() if inspect.isfunction(f))


def test_no_service_function_takes_a_form():
    offenders = []
    for module in _service_modules():
        for function in _functions(module):
            for parameter in inspect.signature(function).parameters.values():
                annotation = str(parameter.annotation)
                if parameter.name == "form" or "Form" in annotation or "MultiDict" in annotation:
                    offenders.append(f"{function.__module__}.{function.__qualname__}({parameter.name})")
    assert offenders == []


def test_no_service_names_anything_request_bound():
    offenders = []
    for path in SERVICE_FILES:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in {"flask", "flask_wtf",
                                                                                          "wtforms", "forms"}:
                offenders.append(f"{path.name}:{node.lineno} from {node.module}")
            elif isinstance(node, ast.Name | ast.Attribute):
                name = node.id if isinstance(node, ast.Name) else node.attr
                if name in REQUEST_BOUND - {"session"}:  # db.session is the database's
                    offenders.append(f"{path.name}:{node.lineno} {name}")
    assert offenders == []


@pytest.mark.parametrize("base", ["http://localhost", "https://ratchaflow.example", "https://gov.example/ratchaflow/"])
def test_links_come_from_base_url_without_a_request(app, monkeypatch, base):
    monkeypatch.setitem(app.config, "BASE_URL", base)
    pages = [("helpdesk.ticket", {"number": "IR69-000001"}), ("ir.follow", {"token": "IR69-000001-a_b=="}),
             ("public.delay_status", {"ref": "สนข-1/2569", "code": "AB CD"}), ("inbox.index", {})]
    with app.test_request_context(base_url=base):
        expected = [url_for(endpoint, _external=True, **values) for endpoint, values in pages]

    def outside_any_request():
        with app.app_context():
            return [settings.external_url(endpoint, **values) for endpoint, values in pages]

    assert contextvars.Context().run(outside_any_request) == expected
    assert expected[0] == base.rstrip("/") + "/helpdesk/tickets/IR69-000001"


def test_a_job_runs_with_an_app_context_only(app, demo):
    # A fresh context holds no request (nor the test's own); the job pushes an app context and nothing more.
    later = SUITE_START + timedelta(days=14)  # the demo's reviews are overdue: reminders and escalations
    with time_machine.travel(later, tick=False):
        fired = contextvars.Context().run(jobs.fire_timers, app)
    assert fired > 0
    db.session.expire_all()
    links = db.session.scalars(select(Notification.link).where(Notification.created_at >= later)).all()
    assert links and all(link.startswith("http://localhost/") for link in links)
