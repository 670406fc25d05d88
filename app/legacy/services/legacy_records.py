"""Writing one legacy record: an agency, a process, a manual with its published revision, or a link.

Each function validates its record and raises ``RecordRejected`` with the reason; the run
(``app/services/legacy_import.py``) calls it inside a savepoint, so a rejected record leaves nothing.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.legacy.services.legacy_fields import RecordRejected, clean_text, parse_choice, parse_date, parse_flag, parse_number, required_ref
from app.manuals.models import ImpactLevel, Manual, ManualRevision, ManualStatus, Process, RevisionStatus, ServiceArea, ServiceLink, ServiceType
from app.manuals.services import manual_content
from app.org.models import Agency, AgencyKind, CatalogueEntry
from app.org.services import catalogue
from app.public.services import public_index

AGENCY_KINDS = {kind.value for kind in AgencyKind}
# Thailand's extent, with a margin: coordinates outside it are a typing error (often latitude and longitude swapped).
LATITUDE_RANGE = (5.0, 21.0)
LONGITUDE_RANGE = (97.0, 106.0)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
POSTCODE = re.compile(r"^\d{5}$")

AGENCY_PROFILE_FIELDS = ("address", "province", "district", "postcode", "phone", "email", "website",
                         "opening_hours", "latitude", "longitude", "publicly_visible")
AGENCY_FIELDS = ("kind", "code", "name_th", "name_en", *AGENCY_PROFILE_FIELDS)
PROCESS_FIELDS = ("agency_id", "name_th", "name_en", "service_type", "category_id", "impact_level",
                  "service_area", "legal_basis", "legal_time_limit_days", "active")


class KnownRefs:
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


KNOWN_REFS: ContextVar[KnownRefs | None] = ContextVar("legacy_import_known_refs", default=None)


# --- agencies ----------------------------------------------------------------------------------------------


def import_agency(data: dict) -> str:
    ref = required_ref(data)
    values = _agency_values(data)
    parent = None
    if parent_ref := clean_text(data.get("parent_ref")):
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
    kind = clean_text(data.get("kind"))
    if kind not in AGENCY_KINDS:
        raise RecordRejected(_l("Unknown agency kind “%(kind)s”.", kind=kind))
    name_th = clean_text(data.get("name_th"))
    if not name_th:
        raise RecordRejected(_l("The Thai name (name_th) is missing."))
    code = clean_text(data.get("code"))
    if len(code) > 32:
        raise RecordRejected(_l("The code “%(value)s” is longer than 32 characters.", value=code))
    email = clean_text(data.get("email"))
    if email and not EMAIL.match(email):
        raise RecordRejected(_l("The e-mail address “%(value)s” is not valid.", value=email))
    postcode = clean_text(data.get("postcode"))
    if postcode and not POSTCODE.match(postcode):
        raise RecordRejected(_l("The postcode “%(value)s” must be five digits.", value=postcode))
    latitude = parse_number(data.get("latitude"), "latitude")
    longitude = parse_number(data.get("longitude"), "longitude")
    if (latitude is None) != (longitude is None):
        raise RecordRejected(_l("Give both latitude and longitude, or neither."))
    if latitude is not None and not (LATITUDE_RANGE[0] <= latitude <= LATITUDE_RANGE[1]
                                     and LONGITUDE_RANGE[0] <= longitude <= LONGITUDE_RANGE[1]):
        raise RecordRejected(_l("The coordinates %(lat)s, %(lng)s are outside Thailand.", lat=latitude,
                                lng=longitude))
    return {"kind": kind, "code": code or None, "name_th": name_th[:255],
            "name_en": clean_text(data.get("name_en"))[:255] or None, "address": clean_text(data.get("address")) or None,
            "province": clean_text(data.get("province"))[:100] or None,
            "district": clean_text(data.get("district"))[:100] or None, "postcode": postcode or None,
            "phone": clean_text(data.get("phone"))[:100] or None, "email": email or None,
            "website": clean_text(data.get("website"))[:500] or None,
            "opening_hours": clean_text(data.get("opening_hours")) or None, "latitude": latitude,
            "longitude": longitude, "publicly_visible": parse_flag(data.get("display"), "display", default=True)}


# --- processes ---------------------------------------------------------------------------------------------


def import_process(data: dict, codes: dict[tuple[str, str], int]) -> str:
    ref = required_ref(data)
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
    name_th = clean_text(data.get("name_th"))
    if not name_th:
        raise RecordRejected(_l("The Thai name (name_th) is missing."))
    service_type = parse_choice(data.get("service_type"), ServiceType.ALL, "service_type") or ServiceType.licence
    category_code = clean_text(data.get("category"))
    category_id = None
    if category_code:
        category_id = codes.get(("category", category_code))
        if category_id is None:
            raise RecordRejected(_l("The service category %(code)s is not in the catalogue.", code=category_code))
    days = parse_number(data.get("legal_time_limit_days"), "legal_time_limit_days")
    if days is not None and (days < 0 or days != int(days)):
        raise RecordRejected(_l("%(field)s must be a whole number of days.", field="legal_time_limit_days"))
    return {"agency_id": agency.id, "name_th": name_th[:500], "name_en": clean_text(data.get("name_en"))[:500] or None,
            "service_type": service_type, "category_id": category_id,
            "impact_level": parse_choice(data.get("impact_level"), ImpactLevel.ALL, "impact_level"),
            "service_area": parse_choice(data.get("service_area"), ServiceArea.ALL, "service_area"),
            "legal_basis": clean_text(data.get("legal_basis")) or None,
            "legal_time_limit_days": int(days) if days is not None else None,
            "active": parse_flag(data.get("active"), "active", default=True)}


# --- manuals -----------------------------------------------------------------------------------------------


def import_manual(data: dict, codes: dict[tuple[str, str], int]) -> str:
    """The manual, its published revision and its service points together; any failure rejects all of it."""
    if "__error__" in data:
        raise RecordRejected(data["__error__"])
    ref = required_ref(data)
    agency = _agency_of(data)
    process = None
    if process_ref := clean_text(data.get("process_ref")):
        process = _by_ref(Process, process_ref)
        if process is None:
            raise RecordRejected(_l("The process %(ref)s does not exist.", ref=process_ref))
    title = " ".join(clean_text(data.get("title")).split())
    if not title:
        raise RecordRejected(_l("The manual's title is missing."))
    content = _manual_content(data, codes)
    points = _service_points(data.get("service_point_refs"))
    published_at = parse_date(data.get("published_at"))

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
                              change_note=clean_text(data.get("change_note")) or None, status=RevisionStatus.published,
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
        agency = _by_ref(Agency, clean_text(ref))
        if agency is None:
            raise RecordRejected(_l("The service point %(ref)s does not exist.", ref=clean_text(ref)))
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
    agency = _by_ref(Agency, clean_text(data.get("agency_ref")))
    if agency is None:
        raise RecordRejected(_l("The agency %(ref)s does not exist.", ref=clean_text(data.get("agency_ref"))))
    target_type = clean_text(data.get("target_type"))
    if target_type not in LINK_TARGETS:
        raise RecordRejected(_l("target_type must be “process” or “manual”."))
    model, column = LINK_TARGETS[target_type]
    target = _by_ref(model, clean_text(data.get("target_ref")))
    if target is None:
        target_ref = clean_text(data.get("target_ref")) or "–"
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
    known = KNOWN_REFS.get()
    if known is None:
        public_index.index_manuals(list(manual_ids))
    else:
        known.to_index.update(manual_ids)


# --- small parsers -----------------------------------------------------------------------------------------


def _by_ref(model, ref: str):
    if not ref:
        return None
    known = KNOWN_REFS.get()
    return known.get(model, ref) if known is not None else _query_by_ref(model, ref)


def _remember_created(row) -> None:
    known = KNOWN_REFS.get()
    if known is not None:
        known.created(row)


def _query_by_ref(model, ref: str):
    return db.session.scalar(select(model).where(model.legacy_ref == ref))


def _agency_of(data: dict) -> Agency:
    ref = clean_text(data.get("agency_ref"))
    agency = _by_ref(Agency, ref)
    if agency is None:
        raise RecordRejected(_l("The agency %(ref)s does not exist.", ref=ref or "–"))
    return agency


def catalogue_codes() -> dict[tuple[str, str], int]:
    return {(kind, code): entry_id for entry_id, kind, code in
            db.session.execute(select(CatalogueEntry.id, CatalogueEntry.kind, CatalogueEntry.code))}
