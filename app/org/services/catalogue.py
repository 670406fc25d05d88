"""The service catalogue lists (categories and user groups, main and sub levels) and free tags.

Administrators keep the two lists. An entry is never deleted: manuals and other
services keep its id in their content, so an entry no longer offered is
deactivated instead (it keeps its name wherever it is already used).

Tags are free words; ``remember_tags`` records the ones authors type so that
the next author gets them as suggestions.
"""

from __future__ import annotations

import uuid
from typing import NamedTuple

from sqlalchemy import bindparam, func, select, true
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.accounts.models import User
from app.accounts.services import policy
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.manuals.models import OtherService
from app.org.models import CatalogueEntry, CatalogueKind, Tag
from app.public.services import public_index

LISTS = (CatalogueKind.category, CatalogueKind.user_group)
MAX_SUGGESTIONS = 10
MAX_TAG_LENGTH = 100


class CatalogueError(Exception):
    code = "error"


class NotAllowed(CatalogueError):
    code = "forbidden"


class EntryNotFound(CatalogueError):
    code = "not_found"


class InvalidEntry(CatalogueError):
    """Bad input; ``field`` names the form field the message belongs to."""

    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


class TagNameTaken(CatalogueError):
    code = "tag_taken"


# --- reading ----------------------------------------------------------------------------------------------


def choices(kind: str, locale: str = "th") -> list[tuple[int, str]]:
    """Active entries of one list as (id, label), sub entries labelled under their main entry."""
    return _labelled(_active(kind), locale)


class _ListedEntry(NamedTuple):
    """The columns of an entry its label needs: a manual's pages read every entry's, and building an ORM object
    of each cost most of their time."""

    id: int
    kind: str
    parent_id: int | None
    name_th: str
    name_en: str | None
    name = CatalogueEntry.name  # the model's own rule for the language


# Built once: a statement built anew costs SQLAlchemy its cache key again.
_ACTIVE_LABELS = (select(CatalogueEntry.id, CatalogueEntry.kind, CatalogueEntry.parent_id, CatalogueEntry.name_th,
                         CatalogueEntry.name_en)
                  .where(CatalogueEntry.kind.in_(bindparam("kinds", expanding=True)), CatalogueEntry.active)
                  .order_by(CatalogueEntry.position, CatalogueEntry.id))


def labels(locale: str = "th") -> dict[int, str]:
    """The labels of every active entry of both lists (categories, user groups), as ``choices`` gives them: what a
    manual's content shows, in one query."""
    entries = [_ListedEntry(*row) for row in db.session.execute(_ACTIVE_LABELS, {"kinds": list(LISTS)})]
    return {entry_id: label for kind in LISTS
            for entry_id, label in _labelled([entry for entry in entries if entry.kind == kind], locale)}


def _active(*kinds: str) -> list[CatalogueEntry]:
    return list(db.session.scalars(select(CatalogueEntry).where(CatalogueEntry.kind.in_(kinds), CatalogueEntry.active)
                                   .order_by(CatalogueEntry.position, CatalogueEntry.id)))


def _labelled(entries: list[CatalogueEntry], locale: str) -> list[tuple[int, str]]:
    by_id = {entry.id: entry for entry in entries}
    result = []
    for entry in entries:
        if entry.parent_id is None:
            result.append((entry.id, entry.name(locale)))
            result.extend((sub.id, f"{entry.name(locale)} › {sub.name(locale)}")
                          for sub in entries if sub.parent_id == entry.id)
    result.extend((e.id, e.name(locale)) for e in entries if e.parent_id is not None and e.parent_id not in by_id)
    return result


def names(ids, locale: str = "th") -> dict[int, str]:
    """Labels of catalogue ids (active or not), e.g. to show a stored content document."""
    ids = {int(i) for i in ids or []}
    if not ids:
        return {}
    rows = db.session.scalars(select(CatalogueEntry).where(CatalogueEntry.id.in_(ids)))
    return {entry.id: entry.name(locale) for entry in rows}


def tree(kind: str) -> list[tuple[CatalogueEntry, list[CatalogueEntry]]]:
    """Every entry of one list, active or not: (main entry, its sub entries), in display order; one query."""
    entries = list(db.session.scalars(select(CatalogueEntry).where(CatalogueEntry.kind == kind)
                                      .order_by(CatalogueEntry.position, CatalogueEntry.id)))
    return [(main, [sub for sub in entries if sub.parent_id == main.id])
            for main in entries if main.parent_id is None]


def main_entries(kind: str) -> list[CatalogueEntry]:
    return list(db.session.scalars(select(CatalogueEntry).where(CatalogueEntry.kind == kind,
                                                                CatalogueEntry.parent_id.is_(None))
                                   .order_by(CatalogueEntry.position, CatalogueEntry.id)))


# --- administration ---------------------------------------------------------------------------------------


def _require_admin(user: User) -> None:
    if not policy.can_manage_catalogue(user):
        raise NotAllowed()


def _entry(entry_id: int) -> CatalogueEntry:
    entry = db.session.get(CatalogueEntry, entry_id)
    if entry is None:
        raise EntryNotFound(entry_id)
    return entry


def _clean_names(name_th: str | None, name_en: str | None) -> tuple[str, str | None]:
    name_th = " ".join((name_th or "").split())
    name_en = " ".join((name_en or "").split()) or None
    if not name_th:
        raise InvalidEntry("name_th", "required")
    if len(name_th) > 255 or (name_en and len(name_en) > 255):
        raise InvalidEntry("name_th" if len(name_th) > 255 else "name_en", "too_long")
    return name_th, name_en


def _snapshot(entry: CatalogueEntry) -> dict:
    return {"name_th": entry.name_th, "name_en": entry.name_en, "position": entry.position,
            "active": entry.active, "parent_id": entry.parent_id}


def add_entry(user: User, *, kind: str, name_th: str, name_en: str | None = None,
              parent_id: int | None = None) -> CatalogueEntry:
    _require_admin(user)
    if kind not in CatalogueKind.ALL:
        raise EntryNotFound(kind)
    name_th, name_en = _clean_names(name_th, name_en)
    parent = None
    if parent_id:
        parent = _entry(parent_id)
        if parent.kind != kind or parent.parent_id is not None:
            raise InvalidEntry("parent_id", "not_main")  # two levels only: main and sub
    last = db.session.scalar(select(func.max(CatalogueEntry.position)).where(
        CatalogueEntry.kind == kind,
        CatalogueEntry.parent_id == parent.id if parent else CatalogueEntry.parent_id.is_(None)))
    entry = CatalogueEntry(kind=kind, parent_id=parent.id if parent else None, code=f"x{uuid.uuid4().hex[:12]}",
                           name_th=name_th, name_en=name_en, position=(last or 0) + 1, active=True)
    db.session.add(entry)
    db.session.flush()
    record_audit("catalogue.entry_added", actor_id=user.id, object_type="catalogue_entry", object_id=entry.id,
                 after=_snapshot(entry))
    return entry


def rename_entry(user: User, entry_id: int, *, name_th: str, name_en: str | None) -> CatalogueEntry:
    _require_admin(user)
    entry = _entry(entry_id)
    name_th, name_en = _clean_names(name_th, name_en)
    before = _snapshot(entry)
    entry.name_th, entry.name_en, entry.updated_at = name_th, name_en, utcnow()
    db.session.flush()
    record_audit("catalogue.entry_renamed", actor_id=user.id, object_type="catalogue_entry", object_id=entry.id,
                 before=before, after=_snapshot(entry))
    public_index.index_catalogue_entry(entry.id)  # the public search text carries the category's name
    return entry


def move_entry(user: User, entry_id: int, direction: str) -> CatalogueEntry:
    """Swap the entry with its neighbour above ("up") or below ("down") among its siblings."""
    _require_admin(user)
    entry = _entry(entry_id)
    siblings = list(db.session.scalars(select(CatalogueEntry).where(
        CatalogueEntry.kind == entry.kind,
        CatalogueEntry.parent_id == entry.parent_id if entry.parent_id else CatalogueEntry.parent_id.is_(None))
        .order_by(CatalogueEntry.position, CatalogueEntry.id)))
    index = siblings.index(entry)
    other = index - 1 if direction == "up" else index + 1 if direction == "down" else -1
    if not 0 <= other < len(siblings):
        return entry  # already first or last
    siblings[index], siblings[other] = siblings[other], siblings[index]
    before = _snapshot(entry)
    for position, sibling in enumerate(siblings, start=1):  # renumber: positions may have had gaps or ties
        sibling.position = position
    entry.updated_at = utcnow()
    db.session.flush()
    record_audit("catalogue.entry_moved", actor_id=user.id, object_type="catalogue_entry", object_id=entry.id,
                 before=before, after=_snapshot(entry))
    return entry


def set_entry_active(user: User, entry_id: int, active: bool) -> CatalogueEntry:
    """Deactivating hides the entry from the choices; manuals that already carry it keep it."""
    _require_admin(user)
    entry = _entry(entry_id)
    before = _snapshot(entry)
    entry.active, entry.updated_at = bool(active), utcnow()
    db.session.flush()
    record_audit("catalogue.entry_activated" if active else "catalogue.entry_deactivated", actor_id=user.id,
                 object_type="catalogue_entry", object_id=entry.id, before=before, after=_snapshot(entry))
    return entry


# --- tags -------------------------------------------------------------------------------------------------


def normalize_tag(name: str | None) -> str:
    return " ".join((name or "").split())[:MAX_TAG_LENGTH]


def remember_tags(tag_names) -> None:
    """Record tags typed by an author so that they are suggested later; safe when two people add one at once."""
    wanted: dict[str, str] = {}
    for name in tag_names or []:
        tag = normalize_tag(name)
        if tag:
            wanted.setdefault(tag.casefold(), tag)
    if not wanted:
        return
    known = {name.casefold() for name in db.session.scalars(
        select(Tag.name).where(func.lower(Tag.name).in_([name.lower() for name in wanted.values()])))}
    missing = [tag for key, tag in wanted.items() if key not in known]
    if not missing:
        return
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    # Another transaction may add the same tag meanwhile: skip it rather than fail the author's save.
    db.session.execute(insert(Tag).values([{"name": tag, "created_at": now} for tag in missing])
                       .on_conflict_do_nothing(index_elements=["name"]))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def suggest_tags(query: str | None, limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Tags starting with the query first, then tags containing it; at most ``limit``."""
    text = normalize_tag(query).lower()
    if not text:
        return []
    pattern = _escape_like(text)
    lowered = func.lower(Tag.name)
    prefix = list(db.session.scalars(select(Tag.name).where(lowered.like(f"{pattern}%", escape="\\"))
                                     .order_by(func.length(Tag.name), Tag.name).limit(limit)))
    if len(prefix) >= limit:
        return prefix
    inner = db.session.scalars(select(Tag.name).where(lowered.like(f"%{pattern}%", escape="\\"),
                                                      Tag.name.not_in(prefix) if prefix else true())
                               .order_by(func.length(Tag.name), Tag.name).limit(limit - len(prefix)))
    return prefix + list(inner)


def list_tags(query: str | None = None, *, page: int = 1, per_page: int = 50) -> tuple[list[Tag], int]:
    clause = true()
    text = normalize_tag(query).lower()
    if text:
        clause = func.lower(Tag.name).like(f"%{_escape_like(text)}%", escape="\\")
    total = db.session.scalar(select(func.count()).select_from(Tag).where(clause)) or 0
    tags = list(db.session.scalars(select(Tag).where(clause).order_by(Tag.name)
                                   .limit(per_page).offset((max(page, 1) - 1) * per_page)))
    return tags, total


def get_tag(tag_id: int) -> Tag | None:
    return db.session.get(Tag, tag_id)


def _tag(tag_id: int) -> Tag:
    tag = db.session.get(Tag, tag_id)
    if tag is None:
        raise EntryNotFound(tag_id)
    return tag


def rename_tag(user: User, tag_id: int, new_name: str) -> Tag:
    """Rename a tag; if another tag already has that name, the caller should merge instead."""
    _require_admin(user)
    tag = _tag(tag_id)
    name = normalize_tag(new_name)
    if not name:
        raise InvalidEntry("name", "required")
    clash = db.session.scalar(select(Tag).where(func.lower(Tag.name) == name.lower(), Tag.id != tag.id))
    if clash is not None:
        raise TagNameTaken(clash.name)
    before = tag.name
    tag.name = name
    _rewrite_other_service_tags({before.casefold()}, name)
    db.session.flush()
    record_audit("tag.renamed", actor_id=user.id, object_type="tag", object_id=tag.id,
                 before={"name": before}, after={"name": name})
    return tag


def merge_tags(user: User, source_id: int, target_name: str) -> Tag:
    """Fold one tag into another: the source disappears from suggestions and other services carry the target.

    Submitted manual revisions are frozen (they are what was approved); their authors
    pick up the merged tag from the suggestions in their next revision.
    """
    _require_admin(user)
    source = _tag(source_id)
    target = db.session.scalar(select(Tag).where(func.lower(Tag.name) == normalize_tag(target_name).lower()))
    if target is None:
        raise InvalidEntry("target", "unknown")
    if source.id == target.id:
        raise InvalidEntry("target", "same")
    _rewrite_other_service_tags({source.name.casefold()}, target.name)
    record_audit("tag.merged", actor_id=user.id, object_type="tag", object_id=target.id,
                 before={"name": source.name, "id": source.id}, after={"name": target.name})
    db.session.delete(source)
    db.session.flush()
    return target


def _rewrite_other_service_tags(old_keys: set[str], new_name: str) -> None:
    """Replace tags in other services' content (a rare administrative change: every service is read once)."""
    for service in db.session.scalars(select(OtherService)).all():
        tags = (service.content or {}).get("tags") or []
        if not any(tag.casefold() in old_keys for tag in tags):
            continue
        replaced: list[str] = []
        for tag in tags:
            tag = new_name if tag.casefold() in old_keys else tag
            if tag.casefold() not in {t.casefold() for t in replaced}:
                replaced.append(tag)
        service.content = {**service.content, "tags": replaced}
        db.session.flush()
        public_index.index_other_service(service.id)
