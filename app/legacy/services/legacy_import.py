"""Moving agencies, processes, manuals, links and officers in from the legacy systems (``flask import legacy PATH``).

The format is documented in ``docs/legacy-import.md``: a folder holding ``agencies.csv``,
``processes.csv``, ``manuals.jsonl``, ``links.csv`` and ``users.csv`` (each optional). Every record
carries the legacy system's identifier (``ref``), stored as ``legacy_ref``; importing the
same folder twice changes nothing, and a changed record updates its row. A manual's
published content is imported as a published revision directly (no approval run);
changed content becomes a new published revision that supersedes the previous one.

Each record is validated and written inside its own savepoint: a rejected record leaves
nothing of itself and the import goes on with the next one.
"""


from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, false, select
from sqlalchemy.exc import DBAPIError

from app.core.conflicts import reported_as
from app.core.extensions import db
from app.core.workflow import record_audit
from app.legacy.models import LegacyImportRun
from app.legacy.services.legacy_fields import RecordRejected, clean_text
from app.legacy.services.legacy_manuals import import_link, import_manual
from app.legacy.services.legacy_records import KNOWN_REFS, KnownRefs, catalogue_codes, import_agency, import_process
from app.legacy.services.legacy_users import import_user
from app.org.models import Agency
from app.org.services import catalogue_defaults
from app.public.services import public_index

AGENCIES_FILE = "agencies.csv"
PROCESSES_FILE = "processes.csv"
MANUALS_FILE = "manuals.jsonl"
LINKS_FILE = "links.csv"
USERS_FILE = "users.csv"
FILES = (AGENCIES_FILE, PROCESSES_FILE, MANUALS_FILE, LINKS_FILE, USERS_FILE)  # the order they are read in


@dataclass
class Rejection:
    file: str
    line: int
    ref: str
    reason: object  # a lazy string: shown in the language of the report


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": self.rejected}


@dataclass
class ImportReport:
    counts: dict[str, Counts] = field(default_factory=lambda: {kind: Counts() for kind in RECORD_KINDS})
    rejections: list[Rejection] = field(default_factory=list)
    records: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


RECORD_KINDS = ("agencies", "processes", "manuals", "links", "users")


@dataclass
class Record:
    file: str
    line: int
    data: dict

    @property
    def ref(self) -> str:
        return clean_text(self.data.get("ref"))


class ImportFolderMissing(Exception):
    pass


class ImportFileUnreadable(Exception):
    """A file of the export that cannot be read at all (not UTF-8, no header row): nothing is imported."""

    def __init__(self, name: str, reason):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def check_files(folder: str | Path) -> int:
    """Read every file of the export once before anything is written; gives the number of lines to import (for
    a progress display). Raises ImportFileUnreadable."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportFolderMissing(str(folder))
    lines = 0
    for name in FILES:
        path = folder / name
        if not path.exists():
            continue
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                first = handle.readline()
                lines += sum(1 for _line in handle) + (1 if name.endswith(".jsonl") else 0)
        except UnicodeDecodeError:
            raise ImportFileUnreadable(name, _l("The file is not UTF-8 text.")) from None
        if name.endswith(".csv") and "ref" not in first:
            raise ImportFileUnreadable(name, _l("The first line must name the columns."))
    return lines


# --- the run -----------------------------------------------------------------------------------------------


def run(folder: str | Path, *, progress: Callable[[int, float], None] | None = None,
        progress_every: int = 1000) -> ImportReport:
    """Import every file of the folder, in dependency order; flushes, the caller commits."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportFolderMissing(str(folder))
    _open_the_transaction()
    report = ImportReport()
    started = time.perf_counter()

    def done_one() -> None:
        report.records += 1
        if progress and report.records % progress_every == 0:
            progress(report.records, report.records / max(time.perf_counter() - started, 1e-9))

    codes = catalogue_codes()
    if not codes:  # a fresh system: the legacy codes refer to the default catalogue lists
        catalogue_defaults.seed_defaults()
        codes = catalogue_codes()
    known = KnownRefs()
    token = KNOWN_REFS.set(known)
    try:
        for record in _agencies_in_order(_read(folder, AGENCIES_FILE), report):
            _apply(report, "agencies", record, lambda r: import_agency(r.data))
            done_one()
        for record in _read(folder, PROCESSES_FILE):
            _apply(report, "processes", record, lambda r: import_process(r.data, codes))
            done_one()
        for record in _read(folder, MANUALS_FILE):
            _apply(report, "manuals", record, lambda r: import_manual(r.data, codes))
            done_one()
        for record in _read(folder, LINKS_FILE):
            _apply(report, "links", record, lambda r: import_link(r.data))
            done_one()
        for record in _read(folder, USERS_FILE):
            _apply(report, "users", record, lambda r: import_user(r.data))
            done_one()
        public_index.index_manuals(list(known.to_index))
    finally:
        KNOWN_REFS.reset(token)
    report.seconds = time.perf_counter() - started
    record_audit("legacy_import.run", object_type="legacy_import", comment=str(folder),
                 after={"counts": {kind: counts.as_dict() for kind, counts in report.counts.items()},
                        "rejected": [{"file": r.file, "line": r.line, "ref": r.ref, "reason": str(r.reason)}
                                     for r in report.rejections[:500]],
                        "seconds": round(report.seconds, 3)})
    db.session.flush()
    return report


def _open_the_transaction() -> None:
    """SQLite's driver opens a transaction only at the first write, and a SAVEPOINT before it is a transaction of its
    own, committed when released. Open it with a write of nothing, so every record's savepoint sits inside the run's
    one transaction: the caller's commit keeps the run, a dry run's rollback undoes all of it."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(delete(LegacyImportRun).where(false()).execution_options(synchronize_session=False))


class RecordChangedMeanwhile(RecordRejected):
    def __init__(self):
        super().__init__(_l("Someone else changed this record at the same moment; nothing of it was imported. "
                            "Run the import again."))


def _apply(report: ImportReport, kind: str, record: Record, write: Callable[[Record], str]) -> str | None:
    """Write one record inside a savepoint: all of it, or (rejected) nothing of it. Returns the outcome."""
    known = KNOWN_REFS.get()
    try:
        with reported_as(RecordChangedMeanwhile), db.session.begin_nested():
            outcome = write(record)
    except (RecordRejected, DBAPIError) as exc:
        if known is not None:
            known.settle(kept=False)
        return _rejected(report, kind, record, exc)
    if known is not None:
        known.settle(kept=True)
    counts = report.counts[kind]
    setattr(counts, outcome, getattr(counts, outcome) + 1)
    return outcome


def _rejected(report: ImportReport, kind: str, record: Record, exc: Exception) -> None:
    if isinstance(exc, RecordRejected):
        _reject(report, kind, record, exc.reason)
        return None
    # e.g. a value the database refuses; the savepoint undid the record's writes
    _reject(report, kind, record, _l("The database refused this record (%(error)s); nothing of it was "
                                     "imported.", error=str(exc.orig).splitlines()[0][:200]))
    return None


def _reject(report: ImportReport, kind: str, record: Record, reason) -> None:
    report.counts[kind].rejected += 1
    report.rejections.append(Rejection(record.file, record.line, record.ref, reason))


# --- reading -----------------------------------------------------------------------------------------------


def _read(folder: Path, name: str) -> Iterator[Record]:
    path = folder / name
    if not path.exists():
        return
    if name.endswith(".jsonl"):
        with path.open(encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip() or line.lstrip().startswith("//"):
                    continue
                try:
                    data = json.loads(line)
                except json.JSONDecodeError:
                    data = {"__error__": _l("This line is not valid JSON.")}
                if not isinstance(data, dict):
                    data = {"__error__": _l("Each line must be one JSON object.")}
                yield Record(name, number, data)
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
                continue
            yield Record(name, reader.line_num, {key.strip(): value for key, value in row.items() if key})


def _agencies_in_order(records: Iterator[Record], report: ImportReport) -> Iterator[Record]:
    """Parents before children, whatever the file's order; a parent found nowhere rejects the record."""
    pending = list(records)
    imported = KNOWN_REFS.get()
    known = set(imported.ids[Agency]) if imported is not None else set(db.session.scalars(
        select(Agency.legacy_ref).where(Agency.legacy_ref.is_not(None))))
    in_file = {record.ref for record in pending}
    while pending:
        ready = [r for r in pending if not clean_text(r.data.get("parent_ref")) or clean_text(r.data.get("parent_ref")) in known]
        if not ready:
            break
        for record in ready:
            yield record
            known.add(record.ref)
        pending = [r for r in pending if r not in ready]
    for record in pending:  # parents missing, or a cycle
        parent_ref = clean_text(record.data.get("parent_ref"))
        reason = (_l("The parent agency %(ref)s is part of a loop of parents.", ref=parent_ref)
                  if parent_ref in in_file else _l("The parent agency %(ref)s does not exist.", ref=parent_ref))
        _reject(report, "agencies", record, reason)
