"""APScheduler: in the web process for ``make run``, or alone with ``flask scheduler run``."""

from __future__ import annotations

import atexit
import os

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from tasks import jobs


def _add_jobs(scheduler, app: Flask) -> None:
    scheduler.add_job(jobs.fire_timers, "interval", args=[app], id="fire_timers", coalesce=True, max_instances=1,
                      seconds=app.config["SCHEDULER_TIMER_INTERVAL_SECONDS"])
    scheduler.add_job(jobs.send_outbox, "interval", args=[app], id="send_outbox", coalesce=True, max_instances=1,
                      seconds=app.config["SCHEDULER_OUTBOX_INTERVAL_SECONDS"])


def start_in_process(app: Flask) -> BackgroundScheduler | None:
    # The reloader runs the app twice; only the serving child starts jobs.
    if app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return None
    scheduler = BackgroundScheduler(timezone="Asia/Bangkok")
    _add_jobs(scheduler, app)
    scheduler.start()
    atexit.register(lambda: scheduler.shutdown(wait=False))
    app.extensions["scheduler"] = scheduler
    return scheduler


def run_blocking(app: Flask) -> None:
    scheduler = BlockingScheduler(timezone="Asia/Bangkok")
    _add_jobs(scheduler, app)
    scheduler.start()
