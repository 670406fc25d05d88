"""APScheduler: in the web process for ``make run``, or alone with ``flask scheduler run``."""

from __future__ import annotations

import atexit
import os

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from app.core import capabilities
from tasks import jobs


def _add_jobs(scheduler, app: Flask) -> None:
    """Every job the capabilities declare, on its schedule. Each run goes through jobs.run, which records it for
    the administrators' jobs page."""
    for job in capabilities.of(app).jobs.values():
        trigger = dict(job.schedule(app.config))
        scheduler.add_job(jobs.run, trigger.pop("trigger"), args=[app, job.name], id=job.name, coalesce=True,
                          max_instances=1, **trigger)


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
