"""Writing one legacy manual with its published revision, or a link between records.

Each function validates its record and raises ``RecordRejected`` with the reason; the run
(``legacy_import``) calls it inside a savepoint, so a rejected record leaves nothing.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.legacy.services.legacy_fields import RecordRejected, clean_text, parse_date, required_ref
from app.legacy.services.legacy_records import KNOWN_REFS, agency_of, by_ref, remember_created
from app.manuals.models import Manual, ManualRevision, ManualStatus, Process, RevisionStatus, ServiceLink
from app.manuals.services import manual_content
from app.org.models import Agency
from app.org.services import catalogue
from app.public.services import public_index

# --- manuals -----------------------------------------------------------------------------------------------


def import_manual(data: dict, codes: dict[tuple[str, str], int]) -> str:
    """The manual, its published revision and its service points together; any failure rejects all of it."""
    if "__error__" in data:
        raise RecordRejected(data["__error__"])
    ref = required_ref(data)
    agency = agency_of(data)
    process = None
    if process_ref := clean_text(data.get("process_ref")):
        process = by_ref(Process, process_ref)
        if process is None:
            raise RecordRejected(_l("The process %(ref)s does not exist.", ref=process_ref))
    title = " ".join(clean_text(data.get("title")).split())
    if not title:
        raise RecordRejected(_l("The manual's title is missing."))
    content = _manual_content(data, codes)
    points = _service_points(data.get("service_point_refs"))
    published_at = parse_date(data.get("published_at"))

    manual = by_ref(Manual, ref)
    outcome = "unchanged"
    if manual is None:
        published_at = published_at or utcnow()
        manual = Manual(legacy_ref=ref, title=title[:500], agency_id=agency.id,
                        process_id=process.id if process else None, status=ManualStatus.draft,
                        created_at=published_at, updated_at=published_at)
        db.session.add(manual)
        db.session.flush()
        remember_created(manual)
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
        agency = by_ref(Agency, clean_text(ref))
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
    agency = by_ref(Agency, clean_text(data.get("agency_ref")))
    if agency is None:
        raise RecordRejected(_l("The agency %(ref)s does not exist.", ref=clean_text(data.get("agency_ref"))))
    target_type = clean_text(data.get("target_type"))
    if target_type not in LINK_TARGETS:
        raise RecordRejected(_l("target_type must be “process” or “manual”."))
    model, column = LINK_TARGETS[target_type]
    target = by_ref(model, clean_text(data.get("target_ref")))
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
