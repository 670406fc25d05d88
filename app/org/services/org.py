"""Agencies and structure (หน่วยงานและโครงสร้าง): the tree in a user's scope, profiles, service points.

Central officers act on their department and everything below it, administrators
everywhere; a service-point officer keeps the profile of their own service point.
Every change is audited with before and after, and the public index is told.

Moving a division or service point rewrites the materialised ``path`` and ``depth``
of its whole subtree, and the open work of that subtree (process instances and
their open inbox rows) follows it, so that it stays in the inbox of the people now
responsible for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, literal, select, update

from app.accounts.models import User
from app.accounts.services import policy
from app.core.conflicts import flush_or_conflict
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import HumanTask, InstanceStatus, ProcessInstance, TaskStatus, record_audit
from app.org.models import OWNING_KINDS_VALUES, Agency, AgencyKind
from app.org.services import agencies, catalogue_defaults
from app.public.services import public_index

PROFILE_FIELDS = ("address", "province", "district", "postcode", "phone", "email", "website", "opening_hours",
                  "latitude", "longitude")
# The letter prefix its official letters are numbered under (app/org/services/letter_register.py): kept by those who
# manage the structure, not by a service point's own officer.
LETTER_PREFIX = "letter_prefix"
# What may be moved under another parent: the units below a department, never a department itself.
MOVABLE_KINDS = {AgencyKind.division.value, AgencyKind.provincial_office.value, AgencyKind.service_point.value}
# Service points serve the public; nothing is placed under them.
LEAF_KINDS = {AgencyKind.service_point.value}


class OrgError(Exception):
    code = "error"


class AgencyNotFound(OrgError):
    code = "not_found"


class NotAllowed(OrgError):
    code = "forbidden"


class AgencyChangedMeanwhile(OrgError):
    code = "conflict"


class InvalidMove(OrgError):
    """``reason``: not_movable | outside_scope | into_own_subtree | leaf_parent | same_parent | closed_parent |
    wrong_parent_kind."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class TreeRow:
    agency: Agency
    level: int  # indentation relative to the shallowest agency shown


def tree(user: User) -> list[TreeRow]:
    """The agencies in the user's scope in tree order (a parent before its children), one query."""
    rows = list(db.session.scalars(select(Agency).where(policy.agencies_visible_clause(user, Agency.path))
                                   .order_by(Agency.path)))
    top = min((agency.depth for agency in rows), default=0)
    return [TreeRow(agency, agency.depth - top) for agency in rows]


def get_agency(user: User, agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None or not policy.can_edit_profile(user, agency.path):
        raise AgencyNotFound(agency_id)
    return agency


def owning_agency(agency: Agency) -> Agency:
    """The department or local government an agency belongs to (itself when it is one)."""
    ancestors = agency.ancestor_ids()
    rows = {a.id: a for a in db.session.scalars(select(Agency).where(Agency.id.in_(ancestors)))}
    for ancestor_id in reversed(ancestors):
        ancestor = rows.get(ancestor_id)
        if ancestor is not None and ancestor.kind in OWNING_KINDS_VALUES:
            return ancestor
    return agency


def children(agency: Agency) -> list[Agency]:
    return list(db.session.scalars(select(Agency).where(Agency.parent_id == agency.id).order_by(Agency.name_th)))


def check_version(agency: Agency, expected_version: int | None) -> None:
    if expected_version is not None and agency.row_version != expected_version:
        raise AgencyChangedMeanwhile(agency.id)


def _profile(agency: Agency) -> dict:
    return {name: getattr(agency, name) for name in (*PROFILE_FIELDS, LETTER_PREFIX)}


def can_set_letter_prefix(user: User, agency: Agency) -> bool:
    return policy.can_manage_structure(user, agency.path)


def update_profile(user: User, agency_id: int, values: dict, *, expected_version: int | None) -> Agency:
    """Replace the public profile, and the letter prefix when ``values`` names it; ``values`` are already checked by
    the form (see ``forms/org.py``)."""
    agency = get_agency(user, agency_id)
    check_version(agency, expected_version)
    prefix = " ".join((values.get(LETTER_PREFIX) or "").split()) or None
    if LETTER_PREFIX in values and prefix != agency.letter_prefix and not can_set_letter_prefix(user, agency):
        raise NotAllowed(agency_id)
    before = _profile(agency)
    for name in PROFILE_FIELDS:
        value = values.get(name)
        setattr(agency, name, value.strip() or None if isinstance(value, str) else value)
    if LETTER_PREFIX in values:
        agency.letter_prefix = prefix
    after = _profile(agency)
    if after == before:
        return agency
    agency.updated_at = utcnow()
    flush_or_conflict(AgencyChangedMeanwhile(agency.id))
    record_audit("agency.profile_updated", actor_id=user.id, object_type="agency", object_id=agency.id,
                 before={k: v for k, v in before.items() if v != after[k]},
                 after={k: v for k, v in after.items() if v != before[k]})
    public_index.index_agency(agency.id)
    return agency


def _structure_target(user: User, agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise AgencyNotFound(agency_id)
    if not policy.can_manage_structure(user, agency.path):
        raise NotAllowed(agency_id)
    return agency


def add_service_point(user: User, parent_id: int, *, name_th: str, name_en: str | None = None) -> Agency:
    parent = _structure_target(user, parent_id)
    if parent.kind in LEAF_KINDS:
        raise InvalidMove("leaf_parent")
    if parent.closed_at is not None:
        raise InvalidMove("closed_parent")
    point = agencies.create(kind=AgencyKind.service_point.value, name_th=name_th, name_en=(name_en or "").strip() or None,
                            parent=parent)
    point.updated_at = utcnow()
    db.session.flush()
    record_audit("agency.service_point_added", actor_id=user.id, object_type="agency", object_id=point.id,
                 after={"name_th": point.name_th, "name_en": point.name_en, "parent_id": parent.id})
    public_index.index_agency(point.id)
    return point


def set_visibility(user: User, agency_id: int, visible: bool, *, expected_version: int | None = None) -> Agency:
    """Show or hide a service point on the public site."""
    agency = _structure_target(user, agency_id)
    if agency.kind != AgencyKind.service_point.value:
        raise NotAllowed(agency_id)
    check_version(agency, expected_version)
    if agency.publicly_visible == bool(visible):
        return agency
    agency.publicly_visible, agency.updated_at = bool(visible), utcnow()
    flush_or_conflict(AgencyChangedMeanwhile(agency.id))
    record_audit("agency.shown" if visible else "agency.hidden", actor_id=user.id, object_type="agency",
                 object_id=agency.id, before={"publicly_visible": not visible}, after={"publicly_visible": bool(visible)})
    public_index.index_agency(agency.id)
    return agency


def can_move(user: User, agency: Agency) -> bool:
    """Central officers move the units below a department; administrators also departments and offices (into
    another ministry), and local governments' units. A ministry or a local government stays at the top."""
    if agency.closed_at is not None or not policy.can_manage_structure(user, agency.path):
        return False
    if agency.kind in MOVABLE_KINDS:
        return True
    return policy.is_admin(user) and any(kind is not agencies.ROOT for kind in agencies.PARENT_KINDS[agency.kind])


def move_targets(user: User, agency: Agency) -> list[Agency]:
    """Parents the agency may move under: in the user's structure scope, outside its own subtree, open, of a kind
    the agency's kind may sit under."""
    paths = policy.structure_paths(user)
    if not paths:
        return []
    low, high = agency.path, agency.path[:-1] + "0"
    kinds = [kind for kind in agencies.PARENT_KINDS[agency.kind] if kind is not agencies.ROOT]
    return list(db.session.scalars(
        select(Agency).where(policy.within(Agency.path, paths), ~((Agency.path >= low) & (Agency.path < high)),
                             Agency.kind.in_(kinds), Agency.id != agency.parent_id, Agency.closed_at.is_(None))
        .order_by(Agency.path)))


def move(user: User, agency_id: int, new_parent_id: int, *, expected_version: int | None) -> Agency:
    agency = _structure_target(user, agency_id)
    if not can_move(user, agency):
        raise InvalidMove("not_movable")
    parent = db.session.get(Agency, new_parent_id)
    if parent is None or not policy.can_manage_structure(user, parent.path):
        raise InvalidMove("outside_scope")
    check_version(agency, expected_version)
    if parent.id == agency.parent_id:
        raise InvalidMove("same_parent")
    if parent.path.startswith(agency.path):
        raise InvalidMove("into_own_subtree")
    if parent.kind in LEAF_KINDS:
        raise InvalidMove("leaf_parent")
    if parent.closed_at is not None:
        raise InvalidMove("closed_parent")
    if not agencies.parent_allowed(agency.kind, parent.kind):
        raise InvalidMove("wrong_parent_kind")
    old_path, old_parent_id = agency.path, agency.parent_id
    new_path = rehang(agency, parent)
    moved_ids = list(db.session.scalars(select(Agency.id).where(policy.within(Agency.path, [new_path]))))
    record_audit("agency.moved", actor_id=user.id, object_type="agency", object_id=agency_id,
                 before={"parent_id": old_parent_id, "path": old_path},
                 after={"parent_id": parent.id, "path": new_path, "subtree_size": len(moved_ids)})
    for moved_id in moved_ids:
        public_index.index_agency(moved_id)
    return db.session.get(Agency, agency_id)


def touch(agency: Agency) -> None:
    """The agency must still be as it was read (its version): a conflict otherwise. Taken on a parent before a child
    is placed under it, so that a crossing move, close or merge of that parent is refused rather than corrupting
    the tree."""
    touched = db.session.execute(update(Agency).where(Agency.id == agency.id, Agency.row_version == agency.row_version)
                                 .values(row_version=Agency.row_version + 1)
                                 .execution_options(synchronize_session=False))
    if touched.rowcount != 1:
        raise AgencyChangedMeanwhile(agency.id)


def rehang(agency: Agency, parent: Agency) -> str:
    """Place the agency and its subtree under ``parent``: their paths and depths, and the open work in them,
    follow. Returns the agency's new path; every agency row is expired (read again when used)."""
    old_path = agency.path
    new_path = f"{parent.path}{agency.id}/"
    depth_change = parent.depth + 1 - agency.depth
    agency.parent_id, agency.path, agency.depth, agency.updated_at = parent.id, new_path, parent.depth + 1, utcnow()
    flush_or_conflict(AgencyChangedMeanwhile(agency.id))
    # The new parent must still be where we saw it: two crossing moves would otherwise make a cycle.
    touch(parent)
    low, high = old_path, old_path[:-1] + "0"
    cut = len(old_path) + 1  # SQL substrings count from 1

    def rewritten(column):
        return literal(new_path) + func.substr(column, cut)

    db.session.execute(update(Agency).where(Agency.path >= low, Agency.path < high)
                       .values(path=rewritten(Agency.path), depth=Agency.depth + depth_change,
                               row_version=Agency.row_version + 1)
                       .execution_options(synchronize_session=False))
    # Open work follows the unit; finished tasks keep the place where they were done.
    db.session.execute(update(ProcessInstance).where(ProcessInstance.agency_path >= low,
                                                     ProcessInstance.agency_path < high,
                                                     ProcessInstance.status.in_(InstanceStatus.OPEN))
                       .values(agency_path=rewritten(ProcessInstance.agency_path),
                               lock_version=ProcessInstance.lock_version + 1)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(HumanTask).where(HumanTask.agency_path >= low, HumanTask.agency_path < high,
                                               HumanTask.status == TaskStatus.open)
                       .values(agency_path=rewritten(HumanTask.agency_path), row_version=HumanTask.row_version + 1)
                       .execution_options(synchronize_session=False))
    db.session.expire_all()  # rows changed in SQL: reload them when read again
    return new_path


# Letter prefixes: the point in Pak Kret has none of its own and writes under its department's register.
DEMO_PROFILES = {
    "opdc": {"address": "59/1 ถนนพิษณุโลก แขวงดุสิต", "province": "กรุงเทพมหานคร", "district": "ดุสิต",
             "postcode": "10300", "phone": "0 2356 9999", "email": "saraban@opdc.example.go.th",
             "letter_prefix": "นร 1200"},
    "dopa": {"address": "116 ถนนนครราชสีมา แขวงดุสิต", "province": "กรุงเทพมหานคร", "district": "ดุสิต",
             "postcode": "10300", "phone": "02-791-7000", "website": "https://www.dopa.go.th",
             "opening_hours": "จันทร์–ศุกร์ 08:30–16:30 น.", "email": "saraban@dopa.example.go.th",
             "letter_prefix": "มท 0309"},
    "sp_muang": {"address": "ถนนรัตนาธิเบศร์ ตำบลบางกระสอ", "province": "นนทบุรี", "district": "เมืองนนทบุรี",
                 "postcode": "11000", "phone": "02-589-0481", "opening_hours": "จันทร์–ศุกร์ 08:30–16:30 น.",
                 "latitude": 13.8621, "longitude": 100.5144, "email": "muang@nonthaburi.example.go.th",
                 "letter_prefix": "นบ 0017.1"},
    "sp_pakkret": {"address": "ถนนแจ้งวัฒนะ ตำบลปากเกร็ด", "province": "นนทบุรี", "district": "ปากเกร็ด",
                   "postcode": "11120", "phone": "02-583-7447", "opening_hours": "จันทร์–ศุกร์ 08:30–16:30 น.",
                   "latitude": 13.9125, "longitude": 100.4981},
}


def seed_demo(by_code: dict[str, Agency]) -> None:
    """The demo's catalogue lists and a few public profiles."""
    catalogue_defaults.seed_defaults()
    for code, profile in DEMO_PROFILES.items():
        agency = by_code.get(code)
        if agency is not None:
            for name, value in profile.items():
                setattr(agency, name, value)
            agency.updated_at = utcnow()
    db.session.flush()
