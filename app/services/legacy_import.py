"""Moving agencies, processes, manuals and links in from the legacy systems (``flask import legacy PATH``).

The format is documented in ``docs/legacy-import.md``: a folder holding ``agencies.csv``,
``processes.csv``, ``manuals.jsonl`` and ``links.csv`` (each optional). Every record
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
import re
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import (
    Agency,
    AgencyKind,
    CatalogueEntry,
    Manual,
    ManualRevision,
    ManualStatus,
    Process,
    RevisionStatus,
    ServiceLink,
)
from app.models.manual import ImpactLevel, ServiceArea, ServiceType
from app.models.types import utcnow
from app.models.workflow import record_audit
from app.services import catalogue, manual_content, public_index
from workflows.calendar import BANGKOK

AGENCIES_FILE = "agencies.csv"
PROCESSES_FILE = "processes.csv"
MANUALS_FILE = "manuals.jsonl"
LINKS_FILE = "links.csv"
FILES = (AGENCIES_FILE, PROCESSES_FILE, MANUALS_FILE, LINKS_FILE)  # the order they are read in

AGENCY_KINDS = {kind.value for kind in AgencyKind}
# Thailand's extent, with a margin: coordinates outside it are a typing error (often latitude and longitude swapped).
LATITUDE_RANGE = (5.0, 21.0)
LONGITUDE_RANGE = (97.0, 106.0)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
POSTCODE = re.compile(r"^\d{5}$")
YES = {"1", "true", "yes", "y", "show", "แสดง"}
NO = {"0", "false", "no", "n", "hide", "ไม่แสดง", "ซ่อน"}

AGENCY_PROFILE_FIELDS = ("address", "province", "district", "postcode", "phone", "email", "website",
                         "opening_hours", "latitude", "longitude", "publicly_visible")
AGENCY_FIELDS = ("kind", "code", "name_th", "name_en", *AGENCY_PROFILE_FIELDS)
PROCESS_FIELDS = ("agency_id", "name_th", "name_en", "service_type", "category_id", "impact_level",
                  "service_area", "legal_basis", "legal_time_limit_days", "active")


class RecordRejected(Exception):
    """A record that cannot be imported; ``reason`` is shown to the person running the import."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


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


RECORD_KINDS = ("agencies", "processes", "manuals", "links")


@dataclass
class Record:
    file: str
    line: int
    data: dict

    @property
    def ref(self) -> str:
        return _text(self.data.get("ref"))


class ImportFolderMissing(Exception):
    pass


# --- the run -----------------------------------------------------------------------------------------------


def run(folder: str | Path, *, progress: Callable[[int, float], None] | None = None,
        progress_every: int = 1000) -> ImportReport:
    """Import every file of the folder, in dependency order; flushes, the caller commits."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ImportFolderMissing(str(folder))
    report = ImportReport()
    started = time.perf_counter()

    def done_one() -> None:
        report.records += 1
        if progress and report.records % progress_every == 0:
            progress(report.records, report.records / max(time.perf_counter() - started, 1e-9))

    codes = _catalogue_codes()
    if not codes:  # a fresh system: the legacy codes refer to the default catalogue lists
        catalogue.seed_defaults()
        codes = _catalogue_codes()
    known = _KnownRefs()
    token = _KNOWN.set(known)
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
        public_index.index_manuals(list(known.to_index))
    finally:
        _KNOWN.reset(token)
    report.seconds = time.perf_counter() - started
    record_audit("legacy_import.run", object_type="legacy_import", comment=str(folder),
                 after={"counts": {kind: counts.as_dict() for kind, counts in report.counts.items()},
                        "rejected": [{"file": r.file, "line": r.line, "ref": r.ref, "reason": str(r.reason)}
                                     for r in report.rejections[:500]],
                        "seconds": round(report.seconds, 3)})
    db.session.flush()
    return report


def _apply(report: ImportReport, kind: str, record: Record, write: Callable[[Record], str]) -> str | None:
    """Write one record inside a savepoint: all of it, or (rejected) nothing of it. Returns the outcome."""
    known = _KNOWN.get()
    try:
        with db.session.begin_nested():
            outcome = write(record)
    except (RecordRejected, StaleDataError, DBAPIError) as exc:
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
    if isinstance(exc, StaleDataError):
        _reject(report, kind, record, _l("Someone else changed this record at the same moment; nothing of it "
                                         "was imported. Run the import again."))
        return None
    # e.g. a value the database refuses; the savepoint undid the record's writes
    _reject(report, kind, record, _l("The database refused this record (%(error)s); nothing of it was "
                                     "imported.", error=str(exc.orig).splitlines()[0][:200]))
    return None


class _KnownRefs:
    """Legacy ref → id of the agencies, processes and manuals already imported, read once per run.

    Records name their parents and agencies again and again, and a lookup by ``legacy_ref`` is
    slow on SQLite once most rows have none (its statistics then make the planner scan). Rows
    created by a record are added once the record's savepoint is released, so a rejected record
    never leaves an entry behind.
    """

    MODELS = (Agency, Process, Manual)

    def __init__(self):
        self.ids = {model: dict(db.session.execute(select(model.legacy_ref, model.id)
                                                   .where(model.legacy_ref.is_not(None))).all())
                    for model in self.MODELS}
        self.pending: list[object] = []
        self.to_index: set[int] = set()

    def get(self, model, ref: str):
        if model not in self.ids:
            return _query_by_ref(model, ref)
        row_id = self.ids[model].get(ref)
        return db.session.get(model, row_id) if row_id is not None else None

    def created(self, row) -> None:
        self.pending.append(row)

    def settle(self, kept: bool) -> None:
        if kept:
            for row in self.pending:
                self.ids[type(row)][row.legacy_ref] = row.id
        self.pending.clear()


_KNOWN: ContextVar[_KnownRefs | None] = ContextVar("legacy_import_known_refs", default=None)


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
    imported = _KNOWN.get()
    known = set(imported.ids[Agency]) if imported is not None else set(db.session.scalars(
        select(Agency.legacy_ref).where(Agency.legacy_ref.is_not(None))))
    in_file = {record.ref for record in pending}
    while pending:
        ready = [r for r in pending if not _text(r.data.get("parent_ref")) or _text(r.data.get("parent_ref")) in known]
        if not ready:
            break
        for record in ready:
            yield record
            known.add(record.ref)
        pending = [r for r in pending if r not in ready]
    for record in pending:  # parents missing, or a cycle
        parent_ref = _text(record.data.get("parent_ref"))
        reason = (_l("The parent agency %(ref)s is part of a loop of parents.", ref=parent_ref)
                  if parent_ref in in_file else _l("The parent agency %(ref)s does not exist.", ref=parent_ref))
        _reject(report, "agencies", record, reason)


# --- agencies ----------------------------------------------------------------------------------------------


def import_agency(data: dict) -> str:
    ref = _required_ref(data)
    values = _agency_values(data)
    parent = None
    if parent_ref := _text(data.get("parent_ref")):
        parent = _by_ref(Agency, parent_ref)
        if parent is None:
            raise RecordRejected(_l("The parent agency %(ref)s does not exist.", ref=parent_ref))
    agency = _by_ref(Agency, ref)
    if values["code"]:
        holder = db.session.scalar(select(Agency).where(Agency.code == values["code"]))
        if holder is not None and holder is not agency:
            raise RecordRejected(_l("The code %(code)s already belongs to %(name)s.", code=values["code"],
                                    name=holder.name_th))
    if agency is None:
        agency = Agency(legacy_ref=ref, parent_id=parent.id if parent else None, path=f"/legacy-{ref}/",
                        updated_at=utcnow(), **values)
        db.session.add(agency)
        db.session.flush()  # the path needs the id
        _remember_created(agency)
        agency.path = f"{parent.path if parent else '/'}{agency.id}/"
        agency.depth = parent.depth + 1 if parent else 0
        db.session.flush()
        record_audit("legacy_import.agency_created", object_type="agency", object_id=agency.id,
                     after={"legacy_ref": ref, "name_th": agency.name_th, "parent_id": agency.parent_id})
        return "created"  # nothing in the public index refers to a new agency yet
    if parent is not None and agency.path and parent.path.startswith(agency.path):
        raise RecordRejected(_l("An agency cannot be placed under itself or one of its own units."))
    before = {name: getattr(agency, name) for name in values}
    changed = {name: value for name, value in values.items() if before[name] != value}
    moved = (parent.id if parent else None) != agency.parent_id
    if not changed and not moved:
        return "unchanged"
    for name, value in changed.items():
        setattr(agency, name, value)
    agency.updated_at = utcnow()
    if moved:
        _move(agency, parent)
    db.session.flush()
    record_audit("legacy_import.agency_updated", object_type="agency", object_id=agency.id,
                 before={name: before[name] for name in changed} | ({"parent_id": before.get("parent_id")}
                                                                      if moved else {}),
                 after=changed | ({"parent_id": agency.parent_id} if moved else {}))
    public_index.index_agency(agency.id)
    return "updated"


def _move(agency: Agency, parent: Agency | None) -> None:
    """Re-hang the agency and its subtree: every path under it gets the new prefix."""
    old_path = agency.path
    new_path = f"{parent.path if parent else '/'}{agency.id}/"
    depth_change = (parent.depth + 1 if parent else 0) - agency.depth
    descendants = db.session.scalars(select(Agency).where(Agency.path.startswith(old_path), Agency.id != agency.id))
    for below in descendants:
        below.path = new_path + below.path[len(old_path):]
        below.depth += depth_change
    agency.parent_id = parent.id if parent else None
    agency.path = new_path
    agency.depth += depth_change


def _agency_values(data: dict) -> dict:
    kind = _text(data.get("kind"))
    if kind not in AGENCY_KINDS:
        raise RecordRejected(_l("Unknown agency kind “%(kind)s”.", kind=kind))
    name_th = _text(data.get("name_th"))
    if not name_th:
        raise RecordRejected(_l("The Thai name (name_th) is missing."))
    code = _text(data.get("code"))
    if len(code) > 32:
        raise RecordRejected(_l("The code “%(value)s” is longer than 32 characters.", value=code))
    email = _text(data.get("email"))
    if email and not EMAIL.match(email):
        raise RecordRejected(_l("The e-mail address “%(value)s” is not valid.", value=email))
    postcode = _text(data.get("postcode"))
    if postcode and not POSTCODE.match(postcode):
        raise RecordRejected(_l("The postcode “%(value)s” must be five digits.", value=postcode))
    latitude = _number(data.get("latitude"), "latitude")
    longitude = _number(data.get("longitude"), "longitude")
    if (latitude is None) != (longitude is None):
        raise RecordRejected(_l("Give both latitude and longitude, or neither."))
    if latitude is not None and not (LATITUDE_RANGE[0] <= latitude <= LATITUDE_RANGE[1]
                                     and LONGITUDE_RANGE[0] <= longitude <= LONGITUDE_RANGE[1]):
        raise RecordRejected(_l("The coordinates %(lat)s, %(lng)s are outside Thailand.", lat=latitude,
                                lng=longitude))
    return {"kind": kind, "code": code or None, "name_th": name_th[:255],
            "name_en": _text(data.get("name_en"))[:255] or None, "address": _text(data.get("address")) or None,
            "province": _text(data.get("province"))[:100] or None,
            "district": _text(data.get("district"))[:100] or None, "postcode": postcode or None,
            "phone": _text(data.get("phone"))[:100] or None, "email": email or None,
            "website": _text(data.get("website"))[:500] or None,
            "opening_hours": _text(data.get("opening_hours")) or None, "latitude": latitude,
            "longitude": longitude, "publicly_visible": _flag(data.get("display"), "display", default=True)}


# --- processes ---------------------------------------------------------------------------------------------


def import_process(data: dict, codes: dict[tuple[str, str], int]) -> str:
    ref = _required_ref(data)
    values = _process_values(data, codes)
    process = _by_ref(Process, ref)
    now = utcnow()
    if process is None:
        process = Process(legacy_ref=ref, created_at=now, updated_at=now, **values)
        db.session.add(process)
        db.session.flush()
        _remember_created(process)
        record_audit("legacy_import.process_created", object_type="process", object_id=process.id,
                     after={"legacy_ref": ref, "name_th": process.name_th, "agency_id": process.agency_id})
        return "created"
    changed = {name: value for name, value in values.items() if getattr(process, name) != value}
    if not changed:
        return "unchanged"
    before = {name: getattr(process, name) for name in changed}
    for name, value in changed.items():
        setattr(process, name, value)
    process.updated_at = now
    db.session.flush()
    record_audit("legacy_import.process_updated", object_type="process", object_id=process.id,
                 before=before, after=changed)
    return "updated"


def _process_values(data: dict, codes: dict[tuple[str, str], int]) -> dict:
    agency = _agency_of(data)
    name_th = _text(data.get("name_th"))
    if not name_th:
        raise RecordRejected(_l("The Thai name (name_th) is missing."))
    service_type = _choice(data.get("service_type"), ServiceType.ALL, "service_type") or ServiceType.licence
    category_code = _text(data.get("category"))
    category_id = None
    if category_code:
        category_id = codes.get(("category", category_code))
        if category_id is None:
            raise RecordRejected(_l("The service category %(code)s is not in the catalogue.", code=category_code))
    days = _number(data.get("legal_time_limit_days"), "legal_time_limit_days")
    if days is not None and (days < 0 or days != int(days)):
        raise RecordRejected(_l("%(field)s must be a whole number of days.", field="legal_time_limit_days"))
    return {"agency_id": agency.id, "name_th": name_th[:500], "name_en": _text(data.get("name_en"))[:500] or None,
            "service_type": service_type, "category_id": category_id,
            "impact_level": _choice(data.get("impact_level"), ImpactLevel.ALL, "impact_level"),
            "service_area": _choice(data.get("service_area"), ServiceArea.ALL, "service_area"),
            "legal_basis": _text(data.get("legal_basis")) or None,
            "legal_time_limit_days": int(days) if days is not None else None,
            "active": _flag(data.get("active"), "active", default=True)}


# --- manuals -----------------------------------------------------------------------------------------------


def import_manual(data: dict, codes: dict[tuple[str, str], int]) -> str:
    """The manual, its published revision and its service points together; any failure rejects all of it."""
    if "__error__" in data:
        raise RecordRejected(data["__error__"])
    ref = _required_ref(data)
    agency = _agency_of(data)
    process = None
    if process_ref := _text(data.get("process_ref")):
        process = _by_ref(Process, process_ref)
        if process is None:
            raise RecordRejected(_l("The process %(ref)s does not exist.", ref=process_ref))
    title = " ".join(_text(data.get("title")).split())
    if not title:
        raise RecordRejected(_l("The manual's title is missing."))
    content = _manual_content(data, codes)
    points = _service_points(data.get("service_point_refs"))
    published_at = _date(data.get("published_at"))

    manual = _by_ref(Manual, ref)
    outcome = "unchanged"
    if manual is None:
        published_at = published_at or utcnow()
        manual = Manual(legacy_ref=ref, title=title[:500], agency_id=agency.id,
                        process_id=process.id if process else None, status=ManualStatus.draft,
                        created_at=published_at, updated_at=published_at)
        db.session.add(manual)
        db.session.flush()
        _remember_created(manual)
        record_audit("legacy_import.manual_created", object_type="manual", object_id=manual.id,
                     after={"legacy_ref": ref, "title": manual.title, "agency_id": agency.id,
                            "process_id": manual.process_id})
        _publish(manual, title, content, published_at, data)
        catalogue.remember_tags(content.get("tags"))
        outcome = "created"
    else:
        published = manual.published_revision
        republish = published is None or published.content != content or published.title != title[:500]
        if republish and manual.status in (ManualStatus.in_review, ManualStatus.returned):
            raise RecordRejected(_l("A revision of this manual is in review in the back office; "
                                    "the legacy record was not applied."))
        changed = {name: value for name, value in (("agency_id", agency.id),
                                                   ("process_id", process.id if process else None))
                   if getattr(manual, name) != value}
        if changed:
            before = {name: getattr(manual, name) for name in changed}
            for name, value in changed.items():
                setattr(manual, name, value)
            manual.updated_at = utcnow()
            db.session.flush()
            record_audit("legacy_import.manual_updated", object_type="manual", object_id=manual.id,
                         before=before, after=changed)
            outcome = "updated"
        if republish:
            _publish(manual, title, content, published_at or utcnow(), data)
            catalogue.remember_tags(content.get("tags"))
            outcome = "updated"
    if _link_service_points(manual, points):
        outcome = "updated" if outcome == "unchanged" else outcome
    if outcome != "unchanged":
        _index_later([manual.id])
    return outcome


def _publish(manual: Manual, title: str, content: dict, published_at: datetime, data: dict) -> None:
    """A published revision written directly: the legacy system already approved it."""
    previous = manual.published_revision
    number = 1 if previous is None and manual.status == ManualStatus.draft else (db.session.scalar(
        select(func.max(ManualRevision.number)).where(ManualRevision.manual_id == manual.id)) or 0) + 1
    revision = ManualRevision(manual_id=manual.id, number=number, title=title[:500], content=content,
                              change_note=_text(data.get("change_note")) or None, status=RevisionStatus.published,
                              based_on_id=previous.id if previous else None, created_at=published_at,
                              updated_at=published_at, submitted_at=published_at, published_at=published_at)
    db.session.add(revision)
    db.session.flush()
    if previous is not None:
        previous.status = RevisionStatus.superseded
    manual.published_revision_id = revision.id
    manual.status = ManualStatus.published
    manual.title = revision.title
    manual.updated_at = utcnow()
    db.session.flush()
    record_audit("revision.published", object_type="manual", object_id=manual.id,
                 comment=str(_l("Imported from the legacy system")),
                 before={"published_revision_id": previous.id if previous else None},
                 after={"published_revision_id": revision.id, "number": revision.number, "source": "legacy_import",
                        "legacy_ref": manual.legacy_ref})


def _manual_content(data: dict, codes: dict[tuple[str, str], int]) -> dict:
    raw = data.get("content")
    if not isinstance(raw, dict):
        raise RecordRejected(_l("The manual has no content object."))
    raw = dict(raw)
    for kind, key, source in (("category", "category_ids", "categories"),
                              ("user_group", "user_group_ids", "user_groups")):
        listed = raw.pop(source, None) or []
        if not isinstance(listed, list):
            raise RecordRejected(_l("%(field)s must be a list of codes.", field=source))
        missing = [str(code) for code in listed if (kind, str(code)) not in codes]
        if missing:
            raise RecordRejected(_l("Not in the service catalogue (%(field)s): %(codes)s", field=source,
                                    codes=", ".join(missing)))
        raw[key] = [codes[(kind, str(code))] for code in listed]
    cleaned, errors = manual_content.clean(raw)
    errors = manual_content.validate_for_submission(cleaned) | errors  # everything wrong at once
    if errors:
        raise RecordRejected(_ContentErrors(errors))
    return cleaned


class _ContentErrors:
    """The content's errors as one line, translated when shown: "steps.0.duration: Enter a number …"."""

    def __init__(self, errors: dict):
        self.errors = errors

    def __str__(self) -> str:
        return "; ".join(f"{_field_label(key)}: {str(message).rstrip('.')}"
                         for key, message in sorted(self.errors.items()))


def _field_label(key: str) -> str:
    """``"fees.0.amount"`` → "Fee 1 · Amount (baht)", in the words of the manual editor."""
    parts = key.split(".")
    if parts[0] in manual_content.ROW_LABELS and len(parts) == 3 and parts[1].isdigit():
        row = manual_content.ROW_LABELS[parts[0]] % {"number": int(parts[1]) + 1}
        return f"{row} · {manual_content.FIELD_LABELS.get(parts[2], parts[2])}"
    label = str(manual_content.LABELS.get(parts[0], parts[0]))
    if len(parts) == 2:
        label = f"{label} · {manual_content.FIELD_LABELS.get(parts[1], parts[1])}"
    return label


def _service_points(value) -> list[Agency]:
    if value in (None, ""):
        return []
    refs = value if isinstance(value, list) else [value]
    agencies = []
    for ref in refs:
        agency = _by_ref(Agency, _text(ref))
        if agency is None:
            raise RecordRejected(_l("The service point %(ref)s does not exist.", ref=_text(ref)))
        agencies.append(agency)
    return agencies


def _link_service_points(manual: Manual, points: list[Agency]) -> bool:
    """Adds the links that are missing; links added later in the back office are kept."""
    if not points:
        return False
    linked = set(db.session.scalars(select(ServiceLink.agency_id).where(ServiceLink.manual_id == manual.id)))
    added = [point for point in points if point.id not in linked]
    for point in added:
        db.session.add(ServiceLink(agency_id=point.id, manual_id=manual.id, created_at=utcnow()))
    if added:
        db.session.flush()
        record_audit("legacy_import.links_added", object_type="manual", object_id=manual.id,
                     after={"agency_ids": [point.id for point in added]})
    return bool(added)


# --- links -------------------------------------------------------------------------------------------------


LINK_TARGETS = {"process": (Process, "process_id"), "manual": (Manual, "manual_id")}


def import_link(data: dict) -> str:
    """One service point providing one process or manual; the link has no ref of its own: the pair is its key."""
    agency = _by_ref(Agency, _text(data.get("agency_ref")))
    if agency is None:
        raise RecordRejected(_l("The agency %(ref)s does not exist.", ref=_text(data.get("agency_ref"))))
    target_type = _text(data.get("target_type"))
    if target_type not in LINK_TARGETS:
        raise RecordRejected(_l("target_type must be “process” or “manual”."))
    model, column = LINK_TARGETS[target_type]
    target = _by_ref(model, _text(data.get("target_ref")))
    if target is None:
        target_ref = _text(data.get("target_ref")) or "–"
        raise RecordRejected(_l("The process %(ref)s does not exist.", ref=target_ref) if target_type == "process"
                             else _l("The manual %(ref)s does not exist.", ref=target_ref))
    exists = db.session.scalar(select(ServiceLink.id).where(ServiceLink.agency_id == agency.id,
                                                            getattr(ServiceLink, column) == target.id))
    if exists:
        return "unchanged"
    link = ServiceLink(agency_id=agency.id, created_at=utcnow(), **{column: target.id})
    db.session.add(link)
    db.session.flush()
    record_audit("legacy_import.link_created", object_type=target_type, object_id=target.id,
                 after={"agency_id": agency.id})
    # The service point's province becomes a search facet of the manual, or of every manual of the process.
    _index_later([target.id] if target_type == "manual" else
                 db.session.scalars(select(Manual.id).where(Manual.process_id == target.id)).all())
    return "created"


def _index_later(manual_ids) -> None:
    """The public index is rewritten once at the end of the run (a rejected record's id there is harmless:
    the index is rewritten from what the database holds)."""
    known = _KNOWN.get()
    if known is None:
        public_index.index_manuals(list(manual_ids))
    else:
        known.to_index.update(manual_ids)


# --- small parsers -----------------------------------------------------------------------------------------


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _required_ref(data: dict) -> str:
    ref = _text(data.get("ref"))
    if not ref:
        raise RecordRejected(_l("The record has no ref."))
    if len(ref) > 64:
        raise RecordRejected(_l("The ref is longer than 64 characters."))
    return ref


def _by_ref(model, ref: str):
    if not ref:
        return None
    known = _KNOWN.get()
    return known.get(model, ref) if known is not None else _query_by_ref(model, ref)


def _remember_created(row) -> None:
    known = _KNOWN.get()
    if known is not None:
        known.created(row)


def _query_by_ref(model, ref: str):
    return db.session.scalar(select(model).where(model.legacy_ref == ref))


def _agency_of(data: dict) -> Agency:
    ref = _text(data.get("agency_ref"))
    agency = _by_ref(Agency, ref)
    if agency is None:
        raise RecordRejected(_l("The agency %(ref)s does not exist.", ref=ref or "–"))
    return agency


def _number(value, name: str) -> float | None:
    text = _text(value).replace(",", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise RecordRejected(_l("%(field)s must be a number, not “%(value)s”.", field=name, value=text)) from None


def _flag(value, name: str, *, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if not text:
        return default
    if text in YES:
        return True
    if text in NO:
        return False
    raise RecordRejected(_l("%(field)s must be yes or no, not “%(value)s”.", field=name, value=text))


def _choice(value, allowed: tuple[str, ...], name: str) -> str | None:
    text = _text(value)
    if not text:
        return None
    if text not in allowed:
        raise RecordRejected(_l("%(field)s must be one of %(allowed)s, not “%(value)s”.", field=name,
                                allowed=", ".join(allowed), value=text))
    return text


def _date(value) -> datetime | None:
    text = _text(value)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RecordRejected(_l("published_at must be a date such as 2024-03-01, not “%(value)s”.",
                                value=text)) from None
    if moment.tzinfo is None:  # legacy dates are Bangkok local time
        moment = moment.replace(tzinfo=BANGKOK)
    return moment


def _catalogue_codes() -> dict[tuple[str, str], int]:
    return {(kind, code): entry_id for entry_id, kind, code in
            db.session.execute(select(CatalogueEntry.id, CatalogueEntry.kind, CatalogueEntry.code))}
