"""An import started from the administrators' screen: the uploaded export, then a dry run or a run in the
background, its progress and its report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from app.core.types import UTCDateTime, utcnow


class ImportRunState:
    uploaded = "uploaded"  # the files are checked and kept; nothing imported yet
    queued = "queued"  # waiting for the background job
    running = "running"
    done = "done"
    failed = "failed"
    BUSY = (queued, running)


class ImportMode:
    dry_run = "dry_run"  # everything checked and written, then undone: the report only
    run = "run"


class LegacyImportRun(db.Model):
    __tablename__ = "legacy_import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    folder: Mapped[str] = mapped_column(String(64))  # under instance/legacy-imports/; removed after a run
    files: Mapped[str] = mapped_column(String(255))  # the export's files found, comma-separated
    total_lines: Mapped[int] = mapped_column(Integer, default=0)
    locale: Mapped[str] = mapped_column(String(8), default="th")  # the report's language: the administrator's
    mode: Mapped[str | None] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), default=ImportRunState.uploaded, index=True)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    report: Mapped[str | None] = mapped_column(Text)  # JSON: {"lines": [...], "timing": "..."}
    error: Mapped[str | None] = mapped_column(Text)
    files_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
