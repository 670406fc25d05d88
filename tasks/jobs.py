"""The jobs: each runs in an app context and commits once per batch (the outbox: once per message).

Which jobs exist, and when they run, the capabilities declare (``Capability.jobs``): the engine's timers and the
outbox here are the inbox's; ``run`` runs any declared job by name and records the run.
"""

from __future__ import annotations

import ast
import json
import logging
from contextlib import nullcontext

from flask import Flask, current_app, has_app_context

from app.core import capabilities
from app.core.extensions import db
from notifications import mail
from workflows import engine

log = logging.getLogger(__name__)


def _in_app(app: Flask):
    """An app context is all a job needs (links come from BASE_URL): the caller's own when it already runs in this
    app (a command, a test), a new one otherwise (the scheduler)."""
    if has_app_context() and current_app._get_current_object() is app:
        return nullcontext()
    return app.app_context()


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


OUTBOX_MESSAGES_PER_RUN = 50  # the next run carries on


def send_outbox(app: Flask) -> dict[str, int]:
    """Send due messages one by one, each committed on its own: one that cannot be sent never holds up the rest,
    and one handed to the mail server stays recorded as sent whatever happens to those after it."""
    counts = {"sent": 0, "skipped": 0, "retry": 0, "failed": 0}
    with _in_app(app), mail.Connection(app.config) as connection:
        for _message in range(OUTBOX_MESSAGES_PER_RUN):
            try:
                row = mail.next_due()
                if row is None:
                    break
                outcome = mail.deliver(row, connection)
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("outbox message failed")
                raise
            counts[outcome] += 1
    return counts


def run_in_transaction(app: Flask, work, what: str):
    """One job's work in an app context, committed once; rolled back and logged if it fails."""
    with _in_app(app):
        try:
            value = work()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("%s failed", what)
            raise
    return value


# --- the record of runs, for the administrators' jobs page ---------------------------------------------------

KEEP_RUNS_DAYS = 14  # older runs are pruned as new ones are recorded


def names(app: Flask) -> list[str]:
    """Every declared job, in the order of the capabilities."""
    return list(capabilities.of(app).jobs)


def run(app: Flask, name: str):
    """Run one job and record the run (in its own transaction, so a failed job still leaves its record)."""
    import traceback
    from datetime import timedelta

    from sqlalchemy import delete

    from app.core.types import utcnow
    from tasks.models import JobRun

    started = utcnow()
    outcome, result, error = "ok", None, None
    try:
        value = capabilities.of(app).jobs[name].run(app)
        result = stored_result(value)
        return value
    except Exception:
        outcome, error = "failed", traceback.format_exc()[-4000:]
        raise
    finally:
        with _in_app(app):
            try:
                finished = utcnow()
                db.session.add(JobRun(job=name, started_at=started, finished_at=finished, outcome=outcome,
                                      result=result, error=error))
                db.session.execute(delete(JobRun).where(JobRun.job == name,
                                                        JobRun.started_at < finished - timedelta(days=KEEP_RUNS_DAYS)))
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("could not record the run of %s", name)


def stored_result(value) -> str | None:
    """A run's result as the jobs page reads it back: JSON (a count, or counts by name)."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=str)[:500]


def read_result(stored: str | None):
    """The result of a recorded run: what ``stored_result`` wrote, or a run recorded before as Python's text of
    it (``{'sent': 1}``); anything else stays the text it is."""
    if not stored:
        return None
    try:
        return json.loads(stored)
    except ValueError:
        pass
    try:
        return ast.literal_eval(stored)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return stored


def overview(jobs: list[str], failures: int = 20) -> tuple[list[dict], list]:
    """Each of ``jobs``' last run, last success and failures in the kept history; and the latest failed runs."""
    from sqlalchemy import func, select

    from tasks.models import JobRun

    last = dict(db.session.execute(select(JobRun.job, func.max(JobRun.id)).group_by(JobRun.job)).all())
    last_ok = dict(db.session.execute(select(JobRun.job, func.max(JobRun.finished_at))
                                      .where(JobRun.outcome == "ok").group_by(JobRun.job)).all())
    failed = dict(db.session.execute(select(JobRun.job, func.count(JobRun.id))
                                     .where(JobRun.outcome == "failed").group_by(JobRun.job)).all())
    runs = {row.id: row for row in db.session.scalars(select(JobRun).where(JobRun.id.in_(list(last.values()))))}
    rows = [{"name": name, "last": runs.get(last.get(name)), "last_ok": last_ok.get(name),
             "failures": failed.get(name, 0)} for name in jobs]
    recent_failures = list(db.session.scalars(select(JobRun).where(JobRun.outcome == "failed")
                                              .order_by(JobRun.id.desc()).limit(failures)))
    return rows, recent_failures
