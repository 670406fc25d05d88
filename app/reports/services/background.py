"""Large exports, written in the background: the request queues one (``queue``), the job writes it a batch at a
time with its progress (``run_queued``), tells its owner it is ready (a notification with the download link), and
the link works until ``expires_at`` (``LINK_HOURS``); the job deletes expired files.

Small exports never come here: the page streams them directly (``STREAM_LIMIT`` rows or fewer).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.core import csv_export, settings, xlsx_export
from app.core.extensions import db
from app.core.thai_dates import bangkok_day
from app.core.types import utcnow
from app.reports.models import ExportStatus, ReportExport
from app.reports.services import catalogue, rows
from app.reports.services.base import parse_filters, resolve_scope
from notifications import notify

STREAM_LIMIT = 50_000  # rows: more than this becomes a background export
LINK_HOURS = 24
PROGRESS_EVERY = 10_000  # rows between two progress commits


def export_dir() -> Path:
    path = settings.instance_path() / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_path(export: ReportExport) -> Path:
    return export_dir() / f"{export.token}.{export.kind}"


def queue(user: User, report_key: str, query: str, kind: str, rows_total: int) -> ReportExport:
    export = ReportExport(user_id=user.id, report_key=report_key, query=query[:2000], kind=kind,
                          rows_total=rows_total, token=secrets.token_urlsafe(32))
    db.session.add(export)
    db.session.flush()
    return export


def find(user: User, export_id: int) -> ReportExport | None:
    export = db.session.get(ReportExport, export_id)
    return export if export is not None and export.user_id == user.id else None


def by_token(token: str) -> ReportExport | None:
    return db.session.scalar(select(ReportExport).where(ReportExport.token == token[:64]))


def is_expired(export: ReportExport) -> bool:
    return export.expires_at is not None and export.expires_at <= utcnow()


def _source(export: ReportExport):
    """(header, rows) of the export, in its owner's scope as it is now."""
    from urllib.parse import parse_qsl

    user = db.session.get(User, export.user_id)
    entry = catalogue.BY_KEY[export.report_key]
    paths = entry.paths(user)
    if not paths:
        raise PermissionError(export.id)
    args = dict(parse_qsl(export.query))
    filters = parse_filters(args, entry.dims, entry.by_agency, bangkok_day(utcnow()))
    scope = resolve_scope(paths, filters.agency_id)
    source = rows.sources()[export.report_key]
    return source.header(), source.rows(filters, scope)


def write(export: ReportExport, commit) -> None:
    """Write the export's file, recording its progress (``commit()`` makes it visible to the owner's page)."""
    header, source = _source(export)
    target = file_path(export)
    partial = target.with_suffix(".part")

    def progress(done: int) -> None:
        if done % PROGRESS_EVERY == 0:
            export.rows_done = done
            commit()

    if export.kind == "csv":
        done = 0
        with partial.open("w", encoding="utf-8", newline="") as out:
            for chunk in csv_export.lines(header, _counted(source, progress)):
                out.write(chunk)
    else:
        with partial.open("wb") as out:
            xlsx_export.write(out, [(str(_l("Rows")), header, _counted(source, progress))])
    partial.replace(target)
    done = export.rows_total
    export.rows_done = done
    export.status = ExportStatus.done
    export.finished_at = utcnow()
    export.expires_at = export.finished_at + timedelta(hours=LINK_HOURS)
    export.file_name = f"report-{export.report_key}-{export.id}.{export.kind}"
    user = db.session.get(User, export.user_id)
    notify([user], subject=_l("Your export is ready to download"),
           body=_l("The link works for %(hours)s hours.", hours=LINK_HOURS),
           link=settings.external_url("reports.export_status", export_id=export.id),
           dedup_key=f"report-export:{export.id}")


def _counted(source, progress):
    done = 0
    for row in source:
        yield row
        done += 1
        progress(done)


def run_queued(commit) -> int:
    """Write every queued export, oldest first; returns how many were written."""
    written = 0
    for export in db.session.scalars(select(ReportExport).where(ReportExport.status == ExportStatus.queued)
                                     .order_by(ReportExport.id)).all():
        export.status = ExportStatus.running
        commit()
        try:
            write(export, commit)
        except Exception as exc:  # the owner sees it failed; the job goes on with the next one
            db.session.rollback()
            export = db.session.get(ReportExport, export.id)
            export.status, export.error, export.finished_at = ExportStatus.failed, str(exc)[:500], utcnow()
        commit()
        written += 1
    return written


def remove_expired() -> int:
    """Delete the files of expired exports (their rows stay: the page says the link expired)."""
    removed = 0
    for export in db.session.scalars(select(ReportExport).where(ReportExport.status == ExportStatus.done,
                                                                ReportExport.expires_at <= utcnow())):
        path = file_path(export)
        if path.exists():
            path.unlink()
            removed += 1
    return removed
