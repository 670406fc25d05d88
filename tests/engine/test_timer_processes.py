"""Two scheduler processes firing the same due timers at once, as deployed to scale out: each timer fires once.

``bench/timers.py`` at a small size, at the suite's moment: revisions whose review reminders are due (and whose
escalations are not), then two ``flask scheduler run`` processes side by side on one database. On PostgreSQL the
processes share the work through ``FOR UPDATE SKIP LOCKED``: the way the app scales out, so the test runs there
(on SQLite, which has one writer and one scheduler in ``make run``, when PostgreSQL is not reachable).
"""

from __future__ import annotations

from app.core.types import utcnow
from bench import timers
from bench.support import new_backend
from tests.conftest import DATABASES


def test_two_scheduler_processes_fire_every_due_timer_exactly_once():
    backend = new_backend(DATABASES[-1])
    try:
        app = timers.make_app(backend)
        timers.load(app, 12)
        outcome = timers.fire(app, backend, 12, moment=utcnow(), give_up_seconds=120)
    finally:
        backend.drop()
    assert outcome.fired_once == 12 and outcome.fired_twice == 0 and outcome.escalated_early == 0
