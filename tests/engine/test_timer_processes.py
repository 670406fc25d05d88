"""Two scheduler processes firing the same due timers at once, as deployed to scale out: each timer fires once.

``bench/timers.py`` at a small size, at the suite's moment, on the test's own database: revisions whose review
reminders are due (and whose escalations are not), then two ``flask scheduler run`` processes side by side. On
PostgreSQL the processes share the work through ``FOR UPDATE SKIP LOCKED``: the way the app scales out, so the test
runs there (on SQLite, which has one writer and one scheduler in ``make run``, when PostgreSQL is not reachable).
"""

from __future__ import annotations

import pytest

from app.core.extensions import db
from app.core.types import utcnow
from bench import timers
from bench.support import Backend
from tests.conftest import DATABASES

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py


def test_two_scheduler_processes_fire_every_due_timer_exactly_once(app, tmp_path):
    kind = db.engine.dialect.name
    if kind != DATABASES[-1]:
        pytest.skip("runs on PostgreSQL when it is reachable")
    backend = Backend(kind, app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)  # the schedulers' database: this one
    timers.load(app, 12)
    outcome = timers.fire(app, backend, 12, moment=utcnow(), give_up_seconds=120)
    assert outcome.fired_once == 12 and outcome.fired_twice == 0 and outcome.escalated_early == 0
