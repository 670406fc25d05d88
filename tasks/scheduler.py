"""APScheduler: in the web process for ``make run``, or alone with ``flask scheduler run``."""

from __future__ import annotations

import atexit
import os

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from tasks import jobs


def _add_jobs(scheduler, app: Flask) -> None:
    # Each run goes through jobs.run, which records it for the administrators' jobs page.
    scheduler.add_job(jobs.run, "interval", args=[app, "fire_timers"], id="fire_timers", coalesce=True,
                      max_instances=1, seconds=app.config["SCHEDULER_TIMER_INTERVAL_SECONDS"])
    scheduler.add_job(jobs.run, "interval", args=[app, "send_outbox"], id="send_outbox", coalesce=True,
                      max_instances=1, seconds=app.config["SCHEDULER_OUTBOX_INTERVAL_SECONDS"])
    # Hourly: a period locks within the hour after its close day ends (writes are refused from that moment anyway).
    scheduler.add_job(jobs.run, "cron", args=[app, "lock_periods"], id="lock_periods", coalesce=True,
                      max_instances=1, minute=1)


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
