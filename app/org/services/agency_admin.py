"""The administrators' agency tree: creating ministries, departments and other agencies, merging one agency into
another, closing one, and creating many at once from a checked upload.

Only administrators (DGA) act here, on the whole tree. Every change is audited, and the versions of the agencies
involved are checked and taken: two administrators acting on one agency (or on a parent and its child) at the
same moment never both win; the second is told to reload. Moving an agency is ``org.move``.

Merging hands the survivor what follows the merged agency: its units (with their subtrees and open work), the
memberships of its people, its waiting role tokens and open work, and what the capabilities keep at it (manuals,
processes, links: ``AgencyHoldings``). The merged agency is closed and kept for history (reports, ratings and
letters stay with it). Closing needs nothing open under it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from app.accounts.models import Membership, RoleToken, RoleTokenState, User
from app.accounts.services import policy
from app.core import capabilities
from app.core.conflicts import flush_or_conflict
from app.core.extensions import db
from app.core.paging import Page
from app.core.types import subtree_bounds, utcnow
from app.core.workflow import HumanTask, InstanceStatus, ProcessInstance, TaskStatus, record_audit
from app.org.models import Agency, AgencyKind
from app.org.services import agencies, org
from app.public.services import public_index

PAGE_SIZE = 50
KINDS = tuple(kind.value for kind in AgencyKind)
# What an upload (or the form) may set besides the tree's own fields: the profile's place and the letter prefix.
PROFILE_VALUES = ("province", "district", "postcode", "letter_prefix")
UPLOAD_MAX_ROWS = 1000


class AgencyRefused(org.OrgError):
    """``reason``: unknown_kind | code_taken | code_twice | no_parent | unknown_parent | wrong_parent_kind |
    closed_parent | closed | same_agency | into_own_subtree | different_kind | still_holds (``held``: what keeps
    it open, as (label, number)); ``values`` name what the message shows."""

    code = "refused"

    def __init__(self, reason: str, held: list[tuple[object, int]] | None = None, **values):
        super().__init__(reason)
        self.reason, self.held, self.values = reason, held or [], values


class UploadRefused(org.OrgError):
    """Rows of an upload that cannot be created: ``problems`` maps a row's index to its reasons (``AgencyRefused``)."""

    code = "refused"

    def __init__(self, problems: dict[int, list[AgencyRefused]]):
        super().__init__(sorted(problems))
        self.problems = problems


def _require_admin(user: User) -> None:
    if not policy.is_admin(user):
        raise org.NotAllowed(None)


def get(agency_id: int | None) -> Agency:
    agency = db.session.get(Agency, agency_id) if agency_id else None
    if agency is None:
        raise org.AgencyNotFound(agency_id)
    return agency


# --- the administrators' list --------------------------------------------------------------------------------


@dataclass
class AdminRow:
    agency: Agency
    parent_name: str | None


def list_agencies(user: User, page: int = 1, query: str = "") -> Page:
    """Every agency, open or closed, in tree order, with its parent's name: two queries whatever the page size."""
    _require_admin(user)
    where = []
    text = " ".join(query.split())
    if text:
        pattern = f"%{text}%"
        where.append(Agency.name_th.ilike(pattern) | Agency.name_en.ilike(pattern) | Agency.code.ilike(pattern))
    total = db.session.scalar(select(func.count(Agency.id)).where(*where)) or 0
    page = max(1, min(page, max(1, -(-total // PAGE_SIZE))))
    parent = aliased(Agency)
    rows = db.session.execute(select(Agency, parent.name_th).outerjoin(parent, parent.id == Agency.parent_id)
                              .where(*where).order_by(Agency.path).limit(PAGE_SIZE)
                              .offset((page - 1) * PAGE_SIZE)).all()
    return Page([AdminRow(agency, parent_name) for agency, parent_name in rows], total, page, PAGE_SIZE)


def parent_choices(user: User) -> list[Agency]:
    """Open agencies something may be created under (anything but a service point), in tree order."""
    _require_admin(user)
    return list(db.session.scalars(select(Agency).where(Agency.closed_at.is_(None),
                                                        Agency.kind != AgencyKind.service_point.value)
                                   .order_by(Agency.path)))


# --- creating ----------------------------------------------------------------------------------------------


def _clean(value: str | None) -> str | None:
    return " ".join((value or "").split()) or None


def _refusals(kind: str, code: str | None, parent: Agency | None, taken_codes: set[str]) -> list[AgencyRefused]:
    problems = []
    if kind not in KINDS:
        problems.append(AgencyRefused("unknown_kind", kind=kind))
    if code and code in taken_codes:
        problems.append(AgencyRefused("code_taken", code=code))
    if parent is not None and parent.closed_at is not None:
        problems.append(AgencyRefused("closed_parent", parent=parent.name_th))
    elif kind in KINDS and not agencies.parent_allowed(kind, parent.kind if parent else agencies.ROOT):
        problems.append(AgencyRefused("wrong_parent_kind", kind=kind, parent_kind=parent.kind if parent else None))
    return problems


def _codes_taken(codes: list[str]) -> set[str]:
    return set(db.session.scalars(select(Agency.code).where(Agency.code.in_(codes)))) if codes else set()


def create(user: User, *, kind: str, name_th: str, name_en: str | None = None, code: str | None = None,
           parent_id: int | None = None, profile: dict | None = None) -> Agency:
    """A new agency under ``parent_id`` (None: at the top), where its kind may sit."""
    _require_admin(user)
    code = _clean(code)
    parent = None
    if parent_id is not None:
        parent = db.session.get(Agency, parent_id)
        if parent is None:
            raise AgencyRefused("no_parent")
    problems = _refusals(kind, code, parent, _codes_taken([code] if code else []))
    if problems:
        raise problems[0]
    return _create(user, kind, code, _clean(name_th), _clean(name_en), parent, profile or {})


def _create(user: User, kind: str, code: str | None, name_th: str, name_en: str | None, parent: Agency | None,
            profile: dict, audit: dict | None = None) -> Agency:
    if parent is not None:
        org.touch(parent)  # a parent closed, merged or moved meanwhile refuses the new child
        db.session.refresh(parent)
    try:
        agency = agencies.create(kind=kind, name_th=name_th, name_en=name_en, code=code, parent=parent)
    except IntegrityError as exc:  # the code was taken by another administrator meanwhile
        raise org.AgencyChangedMeanwhile(None) from exc
    for name in PROFILE_VALUES:
        setattr(agency, name, _clean(profile.get(name)))
    agency.updated_at = utcnow()
    flush_or_conflict(org.AgencyChangedMeanwhile(agency.id), IntegrityError)
    record_audit("agency.created", actor_id=user.id, object_type="agency", object_id=agency.id,
                 after={"kind": kind, "code": code, "name_th": name_th, "name_en": name_en,
                        "parent_id": parent.id if parent else None,
                        **{name: getattr(agency, name) for name in PROFILE_VALUES if getattr(agency, name)},
                        **(audit or {})})
    return agency


# --- creating from an upload -------------------------------------------------------------------------------


def check_upload(user: User, rows: list[dict]) -> dict[int, list[AgencyRefused]]:
    """What keeps each row from being created (by index; rows without problems are left out). A row's parent is an
    existing agency or a row above it, named by its code; codes are unique in the tree and in the file."""
    _require_admin(user)
    codes = [row["code"] for row in rows if row.get("code")]
    parent_codes = [row["parent_code"] for row in rows if row.get("parent_code")]
    taken = _codes_taken(codes)
    existing = {a.code: a for a in db.session.scalars(select(Agency).where(Agency.code.in_(parent_codes)))} \
        if parent_codes else {}
    problems: dict[int, list[AgencyRefused]] = {}
    above: dict[str, str] = {}  # code -> kind of the rows read so far
    for index, row in enumerate(rows):
        found: list[AgencyRefused] = []
        code, kind, parent_code = row.get("code"), row.get("kind") or "", row.get("parent_code")
        parent = existing.get(parent_code) if parent_code else None
        if code and code in above:
            found.append(AgencyRefused("code_twice", code=code))
        if parent_code and parent is None and parent_code not in above:
            found.append(AgencyRefused("unknown_parent", code=parent_code))
        elif parent_code and parent is None:  # a row above: its kind decides
            if kind in KINDS and not agencies.parent_allowed(kind, above[parent_code]):
                found.append(AgencyRefused("wrong_parent_kind", kind=kind, parent_kind=above[parent_code]))
            found.extend(p for p in _refusals(kind, code, None, taken) if p.reason in ("unknown_kind", "code_taken"))
        else:
            found.extend(_refusals(kind, code, parent, taken))
        if code and code not in above:
            above[code] = kind
        if found:
            problems[index] = found
    return problems


def create_from_upload(user: User, rows: list[dict]) -> list[Agency]:
    """Create every row, in order, or none: any problem raises ``UploadRefused`` before anything is written."""
    problems = check_upload(user, rows)
    if problems:
        raise UploadRefused(problems)
    by_code: dict[str, Agency] = {}
    created = []
    for row in rows:
        parent_code = row.get("parent_code")
        parent = None
        if parent_code:
            parent = by_code.get(parent_code) or db.session.scalar(select(Agency).where(Agency.code == parent_code))
        agency = _create(user, row["kind"], row.get("code"), row["name_th"], row.get("name_en"), parent, row,
                         audit={"source": "upload"})
        if agency.code:
            by_code[agency.code] = agency
        created.append(agency)
    return created


# --- what keeps an agency open -----------------------------------------------------------------------------


def held(agency: Agency) -> list[tuple[object, int]]:
    """What is still open under the agency, as (what, number): open units, people, waiting tokens, open work, and
    what the capabilities keep at it (numbers of 0 left out)."""
    low, high = subtree_bounds(agency.path)
    now = utcnow()
    counts = [
        (_l("open units"), db.session.scalar(select(func.count(Agency.id)).where(
            Agency.parent_id == agency.id, Agency.closed_at.is_(None)))),
        (_l("people with a role there"), db.session.scalar(select(func.count(Membership.id)).where(
            Membership.agency_id == agency.id, Membership.active.is_(True)))),
        (_l("waiting role tokens"), db.session.scalar(select(func.count(RoleToken.id)).where(
            RoleToken.agency_id == agency.id, RoleToken.state == RoleTokenState.waiting.value,
            RoleToken.expires_at > now))),
        (_l("open cases and tasks"), db.session.scalar(select(func.count(ProcessInstance.id)).where(
            ProcessInstance.agency_path >= low, ProcessInstance.agency_path < high,
            ProcessInstance.status.in_(InstanceStatus.OPEN)))),
    ]
    for holdings in capabilities.current().agency_holdings:
        counts.extend(holdings.held(agency.id))
    return [(label, number) for label, number in counts if number]


# --- closing -------------------------------------------------------------------------------------------------


def _close(agency: Agency, merged_into: Agency | None = None) -> None:
    agency.closed_at, agency.updated_at, agency.publicly_visible = utcnow(), utcnow(), False
    agency.merged_into_id = merged_into.id if merged_into else None
    flush_or_conflict(org.AgencyChangedMeanwhile(agency.id))


def close(user: User, agency_id: int, *, expected_version: int | None) -> Agency:
    _require_admin(user)
    agency = get(agency_id)
    org.check_version(agency, expected_version)
    if agency.closed_at is not None:
        raise AgencyRefused("closed", name=agency.name_th)
    still = held(agency)
    if still:
        raise AgencyRefused("still_holds", held=still, name=agency.name_th)
    _close(agency)
    record_audit("agency.closed", actor_id=user.id, object_type="agency", object_id=agency.id,
                 before={"closed_at": None, "publicly_visible": True},
                 after={"closed_at": agency.closed_at.isoformat(), "publicly_visible": False})
    public_index.index_agency(agency.id)
    return agency


# --- merging -------------------------------------------------------------------------------------------------


def survivors(user: User, agency: Agency) -> list[Agency]:
    """Open agencies of the same kind outside its own subtree: what it may be merged into, in tree order."""
    _require_admin(user)
    low, high = subtree_bounds(agency.path)
    return list(db.session.scalars(select(Agency).where(
        Agency.kind == agency.kind, Agency.closed_at.is_(None), ~and_(Agency.path >= low, Agency.path < high))
        .order_by(Agency.path)))


def merge(user: User, agency_id: int, survivor_id: int, *, expected_version: int | None,
          survivor_version: int | None) -> Agency:
    """Merge the agency into the survivor; returns the survivor."""
    _require_admin(user)
    merged, survivor = get(agency_id), get(survivor_id)
    org.check_version(merged, expected_version)
    org.check_version(survivor, survivor_version)
    if merged.id == survivor.id:
        raise AgencyRefused("same_agency")
    if merged.closed_at is not None:
        raise AgencyRefused("closed", name=merged.name_th)
    if survivor.closed_at is not None:
        raise AgencyRefused("closed", name=survivor.name_th)
    if survivor.path.startswith(merged.path):
        raise AgencyRefused("into_own_subtree")
    if survivor.kind != merged.kind:  # so that its units may sit under the survivor as they sat under it
        raise AgencyRefused("different_kind", kind=merged.kind)
    units = list(db.session.scalars(select(Agency).where(Agency.parent_id == merged.id, Agency.closed_at.is_(None))
                                    .order_by(Agency.path)))
    merged_path, survivor_path = merged.path, survivor.path
    org.touch(merged)  # neither may change under the merge: the second of two crossing merges is refused
    db.session.refresh(merged)
    org.touch(survivor)  # a survivor changed (moved, closed, merged) since the page was read refuses the merge
    db.session.refresh(survivor)
    for unit in units:
        org.rehang(unit, survivor)
        survivor = db.session.get(Agency, survivor_id)
    moved = {"units": len(units)}
    moved |= _merge_people(merged.id, survivor_id)
    now = utcnow()
    moved["tokens"] = db.session.execute(
        update(RoleToken).where(RoleToken.agency_id == merged.id, RoleToken.state == RoleTokenState.waiting.value,
                                RoleToken.expires_at > now)
        .values(agency_id=survivor_id).execution_options(synchronize_session=False)).rowcount
    # Its own open work (not its units', which moved with them): now the survivor's.
    moved["work"] = db.session.execute(
        update(ProcessInstance).where(ProcessInstance.agency_path == merged_path,
                                      ProcessInstance.status.in_(InstanceStatus.OPEN))
        .values(agency_id=survivor_id, agency_path=survivor_path, lock_version=ProcessInstance.lock_version + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.execute(update(HumanTask).where(HumanTask.agency_path == merged_path,
                                               HumanTask.status == TaskStatus.open)
                       .values(agency_id=survivor_id, agency_path=survivor_path, row_version=HumanTask.row_version + 1)
                       .execution_options(synchronize_session=False))
    for holdings in capabilities.current().agency_holdings:
        moved |= holdings.merge(merged.id, survivor_id)
    db.session.expire_all()
    merged, survivor = db.session.get(Agency, agency_id), db.session.get(Agency, survivor_id)
    _close(merged, merged_into=survivor)
    record_audit("agency.merged", actor_id=user.id, object_type="agency", object_id=merged.id,
                 before={"closed_at": None, "publicly_visible": True},
                 after={"merged_into_id": survivor.id, "closed_at": merged.closed_at.isoformat(), "moved": moved})
    public_index.index_agency(survivor.id)
    public_index.index_agency(merged.id)
    return survivor


def _merge_people(merged_id: int, survivor_id: int) -> dict[str, int]:
    """Each membership of the merged agency becomes the survivor's. One the person also holds there stays there
    (active if either was), and the merged agency's row ends, kept for history."""
    other = aliased(Membership)

    def same_role_at(agency_id: int, *also):
        return select(other.id).where(other.agency_id == agency_id, other.user_id == Membership.user_id,
                                      other.role == Membership.role, *also).exists()

    db.session.execute(update(Membership).where(Membership.agency_id == survivor_id,
                                                same_role_at(merged_id, other.active.is_(True)))
                       .values(active=True).execution_options(synchronize_session=False))
    ended = db.session.execute(update(Membership).where(Membership.agency_id == merged_id, same_role_at(survivor_id))
                               .values(active=False).execution_options(synchronize_session=False)).rowcount
    moved = db.session.execute(update(Membership).where(Membership.agency_id == merged_id,
                                                        ~same_role_at(survivor_id))
                               .values(agency_id=survivor_id).execution_options(synchronize_session=False)).rowcount
    return {"people": moved, "people_already_there": ended}
