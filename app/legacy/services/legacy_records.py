"""Writing one legacy record: an agency or a process (manuals and links: ``legacy_manuals``), and the lookups by
legacy ref that every record uses.

Each function validates its record and raises ``RecordRejected`` with the reason; the run
(``app/services/legacy_import.py``) calls it inside a savepoint, so a rejected record leaves nothing.
"""

from __future__ import annotations

import re
from contextvars import ContextVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.legacy.services.legacy_fields import RecordRejected, clean_text, parse_choice, parse_flag, parse_number, required_ref
from app.manuals.models import ImpactLevel, Manual, Process, ServiceArea, ServiceType
from app.org.models import Agency, AgencyKind, CatalogueEntry
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
            return _queryby_ref(model, ref)
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
        parent = by_ref(Agency, parent_ref)
        if parent is None:
            raise RecordRejected(_l("The parent agency %(ref)s does not exist.", ref=parent_ref))
    agency = by_ref(Agency, ref)
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
        remember_created(agency)
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
    process = by_ref(Process, ref)
    now = utcnow()
    if process is None:
        process = Process(legacy_ref=ref, created_at=now, updated_at=now, **values)
        db.session.add(process)
        db.session.flush()
        remember_created(process)
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
    agency = agency_of(data)
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


# --- small parsers -----------------------------------------------------------------------------------------


def by_ref(model, ref: str):
    if not ref:
        return None
    known = KNOWN_REFS.get()
    return known.get(model, ref) if known is not None else _queryby_ref(model, ref)


def remember_created(row) -> None:
    known = KNOWN_REFS.get()
    if known is not None:
        known.created(row)


def _queryby_ref(model, ref: str):
    return db.session.scalar(select(model).where(model.legacy_ref == ref))


def agency_of(data: dict) -> Agency:
    ref = clean_text(data.get("agency_ref"))
    agency = by_ref(Agency, ref)
    if agency is None:
        raise RecordRejected(_l("The agency %(ref)s does not exist.", ref=ref or "–"))
    return agency


def catalogue_codes() -> dict[tuple[str, str], int]:
    return {(kind, code): entry_id for entry_id, kind, code in
            db.session.execute(select(CatalogueEntry.id, CatalogueEntry.kind, CatalogueEntry.code))}
