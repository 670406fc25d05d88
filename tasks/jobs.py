"""The jobs: each runs in an app context and commits once per batch."""

from __future__ import annotations

import logging

from flask import Flask

from app.extensions import db
from notifications import mail
from workflows import engine

log = logging.getLogger(__name__)


def _in_app(app: Flask):
    # A request context gives url_for() the configured public address for links in notifications.
    return app.test_request_context(base_url=app.config["BASE_URL"])


MAX_TIMER_BATCHES_PER_RUN = 50  # the next run carries on; one run never holds the scheduler forever


def fire_timers(app: Flask) -> int:
    """Wake due timers in batches until none is due (or the run's share is done)."""
    total = 0
    with _in_app(app):
        for _batch in range(MAX_TIMER_BATCHES_PER_RUN):
            try:
                fired = engine.fire_due_timers(batch_size=app.config["TIMER_BATCH_SIZE"])
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("timer batch failed")
                raise
            total += fired
            if fired < app.config["TIMER_BATCH_SIZE"]:
                break
    return total


def send_outbox(app: Flask) -> dict[str, int]:
    with _in_app(app):
        try:
            counts = mail.send_pending(app.config)
            db.session.commit()
            return counts
        except Exception:
            db.session.rollback()
            log.exception("outbox batch failed")
            raise
