"""Dry runs and runs of an uploaded export, in the background (the ``legacy_imports`` job), with their progress.

The administrator's request only queues the run and wakes the job; the page then polls ``progress``. The job runs
the very import the command runs and keeps the report lines the command prints (``legacy_report``), written in the
administrator's language. A dry run does everything and rolls it back. Progress is written to a small file beside
the export rather than to the database, so that a reader never waits on the import's open transaction.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timedelta
from pathlib import Path

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.legacy.models import ImportMode, ImportRunState, LegacyImportRun
from app.legacy.services import import_uploads, legacy_import, legacy_report

log = logging.getLogger(__name__)

JOB_NAME = "legacy_imports"
KEEP_UPLOADS = timedelta(days=1)  # an export nobody ran is removed after this (it holds citizen ids in clear)
RUNS_PER_JOB = 5
# A run rewrites its progress at every hundredth of its lines (seconds apart): silent this long, its process ended.
STALLED_AFTER = timedelta(minutes=10)
STALLED_ERROR = _l("The process running the import ended before it finished (a restart or a crash).")


class RunRefused(Exception):
    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


def queue(run_id: int, mode: str, user_id: int) -> LegacyImportRun:
    """Ask the background job for a dry run or a run. Flushes; the caller commits, then ``wake``s the job."""
    run = db.session.get(LegacyImportRun, run_id)
    if run is None:
        raise LookupError(run_id)
    if mode not in (ImportMode.dry_run, ImportMode.run):
        raise RunRefused(_l("Choose a dry run or a run."))
    if run.state in ImportRunState.BUSY:
        raise RunRefused(_l("This import is already waiting or running."))
    if run.files_removed_at is not None:
        raise RunRefused(_l("This export has been imported or was removed; upload it again."))
    # Only a waiting run becomes queued: two clicks at once queue it once.
    queued = db.session.execute(update(LegacyImportRun).where(LegacyImportRun.id == run.id,
                                                              LegacyImportRun.state.not_in(ImportRunState.BUSY))
                                .values(state=ImportRunState.queued, mode=mode, queued_at=utcnow(), report=None,
                                        error=None, started_at=None, finished_at=None)
                                .execution_options(synchronize_session=False))
    if queued.rowcount != 1:
        raise RunRefused(_l("This import is already waiting or running."))
    db.session.refresh(run)
    _write_progress(_progress_path(run), 0)
    record_audit("legacy_import.queued", actor_id=user_id, object_type="legacy_import_run", object_id=run.id,
                 after={"mode": mode})
    return run


def progress(run: LegacyImportRun) -> dict:
    """What the page shows while it waits: small, read from the progress file and the run's row."""
    done = 0
    if run.state == ImportRunState.running:
        try:
            done = int(json.loads(_progress_path(run).read_text()).get("done", 0))
        except (OSError, ValueError, AttributeError):
            done = 0
    elif run.state == ImportRunState.done:
        done = run.total_lines
    total = max(run.total_lines, 1)
    percent = 100 if run.state == ImportRunState.done else min(99, done * 100 // total)
    return {"state": run.state, "mode": run.mode, "done": min(done, run.total_lines), "total": run.total_lines,
            "percent": percent, "finished": run.state in (ImportRunState.done, ImportRunState.failed)}


def report_of(run: LegacyImportRun) -> dict | None:
    return json.loads(run.report) if run.report else None


# --- the job -----------------------------------------------------------------------------------------------


def run_queued() -> int:
    """The job's work: run what is queued, oldest first, each committed on its own; returns how many ran. Also
    removes exports left unrun."""
    ran = 0
    _remove_old_uploads()
    _fail_stalled()
    for _turn in range(RUNS_PER_JOB):
        run_id = _claim_next()
        if run_id is None:
            break
        _execute(run_id)
        ran += 1
    return ran


def _claim_next() -> int | None:
    candidate = db.session.scalar(select(LegacyImportRun.id).where(LegacyImportRun.state == ImportRunState.queued)
                                  .order_by(LegacyImportRun.queued_at, LegacyImportRun.id).limit(1))
    if candidate is None:
        db.session.rollback()
        return None
    claimed = db.session.execute(update(LegacyImportRun)
                                 .where(LegacyImportRun.id == candidate, LegacyImportRun.state == ImportRunState.queued)
                                 .values(state=ImportRunState.running, started_at=utcnow())
                                 .execution_options(synchronize_session=False))
    db.session.commit()  # another worker sees it running at once
    return candidate if claimed.rowcount == 1 else None


def _execute(run_id: int) -> None:
    run = db.session.get(LegacyImportRun, run_id)
    dry = run.mode == ImportMode.dry_run
    folder = import_uploads.folder_of(run)
    progress_file = _progress_path(run)
    every = max(1, min(100, run.total_lines // 100))
    try:
        with force_locale(run.locale):
            report = legacy_import.run(folder, progress=lambda done, _rate: _write_progress(progress_file, done),
                                       progress_every=every)
            outcome = {"lines": legacy_report.lines(report), "timing": legacy_report.timing_line(report)}
        if dry:
            db.session.rollback()
        counts = {kind: counts.as_dict() for kind, counts in report.counts.items()}
        run = db.session.get(LegacyImportRun, run_id)
        run.state, run.finished_at, run.report = ImportRunState.done, utcnow(), json.dumps(outcome, ensure_ascii=False)
        record_audit("legacy_import.dry_run_done" if dry else "legacy_import.run_done", actor_id=run.created_by_id,
                     object_type="legacy_import_run", object_id=run.id, after={"counts": counts})
        if not dry:
            import_uploads.remove_files(run)
            run.files_removed_at = utcnow()
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        log.exception("legacy import run %s failed", run_id)
        run = db.session.get(LegacyImportRun, run_id)
        run.state, run.finished_at = ImportRunState.failed, utcnow()
        run.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
        record_audit("legacy_import.run_failed", actor_id=run.created_by_id, object_type="legacy_import_run",
                     object_id=run.id, after={"mode": run.mode, "error": type(exc).__name__})
        db.session.commit()
    finally:
        progress_file.unlink(missing_ok=True)


def _fail_stalled() -> None:
    """A run whose process ended (a restart, a crash) would show "running" for ever. Its transaction ended with the
    process, so nothing of it was kept: it is marked failed, to be run again."""
    now = utcnow()
    for run in db.session.scalars(select(LegacyImportRun).where(LegacyImportRun.state == ImportRunState.running)):
        heard = max(filter(None, (run.started_at, _progress_at(_progress_path(run)))), default=None)
        if heard is not None and now - heard < STALLED_AFTER:
            continue
        with force_locale(run.locale):  # shown as the run's error, in the administrator's language
            run.state, run.finished_at, run.error = ImportRunState.failed, now, str(STALLED_ERROR)
        record_audit("legacy_import.run_failed", actor_id=run.created_by_id, object_type="legacy_import_run",
                     object_id=run.id, after={"mode": run.mode, "error": "stalled"})
        log.warning("legacy import run %s stopped without finishing; marked failed", run.id)
    db.session.commit()


def _remove_old_uploads() -> None:
    cutoff = utcnow() - KEEP_UPLOADS
    stale = db.session.scalars(select(LegacyImportRun).where(
        LegacyImportRun.files_removed_at.is_(None), LegacyImportRun.state.not_in(ImportRunState.BUSY),
        LegacyImportRun.created_at < cutoff))
    for run in stale:
        import_uploads.remove_files(run)
        run.files_removed_at = utcnow()
    db.session.commit()


def _progress_path(run: LegacyImportRun) -> Path:
    return import_uploads.imports_root() / f"{run.folder}.progress.json"


def _progress_at(path: Path) -> datetime | None:
    """When the run last wrote its progress (the app's clock, written in the file: not the file's own time)."""
    try:
        return datetime.fromisoformat(json.loads(path.read_text())["at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_progress(path: Path, done: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"done": done, "at": utcnow().isoformat()}))
    os.replace(temporary, path)  # a reader never sees half of it

