"""Receiving a legacy export from the administrators' screen: a zip, or the export's files themselves.

Each upload is spooled through the file store under its cap (``LEGACY_IMPORT_MAX_BYTES`` for all files together),
recognised by its content (a zip by its signature; a PDF or an image is refused), and only the export's own file
names are kept (any folder inside a zip is ignored, so no name can reach outside the import's folder). What a zip
unpacks to is capped too (``LEGACY_IMPORT_MAX_UNPACKED_BYTES``), counted while unpacking, not read from its header.
Every file is then read once (``legacy_import.check_files``) before the upload is accepted.
"""

from __future__ import annotations

import os
import secrets
import shutil
import zipfile
from pathlib import Path
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from app.core import file_store, settings
from app.core.extensions import db
from app.core.workflow import record_audit
from app.legacy.models import LegacyImportRun
from app.legacy.services.legacy_import import FILES, ImportFileUnreadable, check_files

ZIP_SIGNATURE = b"PK\x03\x04"


class UploadRefused(Exception):
    """``reason`` is shown to the administrator; ``status`` is the answer's HTTP status."""

    def __init__(self, reason, status: int = 422):
        super().__init__(str(reason))
        self.reason = reason
        self.status = status


def imports_root() -> Path:
    return settings.instance_path() / "legacy-imports"


def folder_of(run: LegacyImportRun) -> Path:
    return imports_root() / run.folder


def receive(uploads: list[tuple[str, BinaryIO]], user_id: int, locale: str) -> LegacyImportRun:
    """Keep the uploaded export in a folder of its own and record it; nothing is imported yet. Flushes."""
    uploads = [(name, stream) for name, stream in uploads if name]
    if not uploads:
        raise UploadRefused(_l("Choose the export's zip file, or its files."))
    folder_name = secrets.token_hex(12)
    folder = imports_root() / folder_name
    folder.mkdir(parents=True)
    try:
        budget = settings.value("LEGACY_IMPORT_MAX_BYTES")
        for filename, stream in uploads:
            budget -= _take(filename, stream, folder, budget)
        found = [name for name in FILES if (folder / name).exists()]
        if not found:
            raise UploadRefused(_l("None of the export's files is there (%(names)s).", names=", ".join(FILES)))
        try:
            lines = check_files(folder)
        except ImportFileUnreadable as exc:
            raise UploadRefused(_l("%(file)s: %(reason)s", file=exc.name, reason=exc.reason)) from None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    run = LegacyImportRun(created_by_id=user_id, folder=folder_name, files=",".join(found), total_lines=lines,
                          locale=locale)
    db.session.add(run)
    db.session.flush()
    record_audit("legacy_import.uploaded", actor_id=user_id, object_type="legacy_import_run", object_id=run.id,
                 after={"files": found, "lines": lines})
    return run


def _take(filename: str, stream: BinaryIO, folder: Path, budget: int) -> int:
    """Spool one upload and place what it holds in ``folder``; returns its size."""
    try:
        _digest, size, head, temporary = file_store.spool(stream, budget)
    except file_store.TooLarge as exc:
        raise UploadRefused(_l("The export is larger than %(mb)s MB. Split it into several imports.",
                               mb=exc.limit_mb), status=413) from None
    try:
        if head.startswith(ZIP_SIGNATURE):
            _unzip(temporary, folder)
        elif file_store.detect_type(head) is not None:
            raise UploadRefused(_l("%(name)s is not a CSV or JSON Lines file.", name=_shown(filename)))
        else:
            name = _export_name(filename)
            if name is None:
                raise UploadRefused(_l("%(name)s is not one of the export's files (%(names)s).",
                                       name=_shown(filename), names=", ".join(FILES)))
            if (folder / name).exists():
                raise UploadRefused(_l("%(name)s was given twice.", name=name))
            os.replace(temporary, folder / name)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return size


def _unzip(path: str, folder: Path) -> None:
    limit = settings.value("LEGACY_IMPORT_MAX_UNPACKED_BYTES")
    try:
        with zipfile.ZipFile(path) as archive:
            members = [(member, _export_name(member.filename)) for member in archive.infolist() if not member.is_dir()]
            wanted = [(member, name) for member, name in members if name]
            names = [name for _member, name in wanted]
            if len(names) != len(set(names)):
                raise UploadRefused(_l("The zip holds one of the export's files twice."))
            unpacked = 0
            for member, name in wanted:
                if (folder / name).exists():
                    raise UploadRefused(_l("%(name)s was given twice.", name=name))
                with archive.open(member) as source, open(folder / name, "wb") as target:
                    while chunk := source.read(file_store.CHUNK):
                        unpacked += len(chunk)
                        if unpacked > limit:
                            raise UploadRefused(_l("The zip unpacks to more than %(mb)s MB.",
                                                   mb=round(limit / (1024 * 1024))), status=413)
                        target.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError):
        # damaged, encrypted, or compressed in a way Python cannot read
        raise UploadRefused(_l("The zip file cannot be opened.")) from None


def _export_name(filename: str) -> str | None:
    """The export file a name stands for (whatever folder it was in), or None."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip().lower()
    return base if base in FILES else None


def _shown(filename: str) -> str:
    return "".join(char for char in filename if char.isprintable())[:100]


def remove_files(run: LegacyImportRun) -> None:
    """The uploaded export holds citizen ids in clear: it is not kept once it has been imported."""
    shutil.rmtree(folder_of(run), ignore_errors=True)
