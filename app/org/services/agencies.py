"""The agency tree."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.core.unit_memo import memo
from app.org.models import OWNING_KINDS_VALUES, Agency, AgencyKind


class AgencyError(ValueError):
    pass


ROOT = None
_OWNING_PARENTS = frozenset({AgencyKind.department.value, AgencyKind.office.value, AgencyKind.provincial_admin.value,
                             AgencyKind.municipality.value, AgencyKind.subdistrict_admin.value})
# Where each kind sits in the tree (ROOT: at the top): a ministry at the top, its departments and offices under it,
# divisions under an owning agency or another unit of one, provincial offices under a department, service points
# under anything but a ministry or another service point, local governments at the top.
PARENT_KINDS: dict[str, frozenset] = {
    AgencyKind.ministry.value: frozenset({ROOT}),
    AgencyKind.office.value: frozenset({ROOT, AgencyKind.ministry.value}),
    AgencyKind.department.value: frozenset({AgencyKind.ministry.value}),
    AgencyKind.division.value: _OWNING_PARENTS | {AgencyKind.division.value, AgencyKind.provincial_office.value},
    AgencyKind.provincial_office.value: frozenset({AgencyKind.department.value}),
    AgencyKind.service_point.value: _OWNING_PARENTS | {AgencyKind.division.value, AgencyKind.provincial_office.value},
    AgencyKind.provincial_admin.value: frozenset({ROOT}),
    AgencyKind.municipality.value: frozenset({ROOT}),
    AgencyKind.subdistrict_admin.value: frozenset({ROOT}),
}


def parent_allowed(kind: str, parent_kind: str | None) -> bool:
    """Whether an agency of ``kind`` may sit under one of ``parent_kind`` (None: at the top of the tree)."""
    return parent_kind in PARENT_KINDS.get(kind, frozenset())


def create(*, kind: str, name_th: str, name_en: str | None = None, code: str | None = None,
           parent: Agency | None = None) -> Agency:
    if kind not in {k.value for k in AgencyKind}:
        raise AgencyError(f"unknown agency kind {kind!r}")
    agency = Agency(kind=kind, name_th=name_th.strip(), name_en=name_en, code=code,
                    parent_id=parent.id if parent else None, path=f"/new-{code or name_th}/")
    db.session.add(agency)
    db.session.flush()  # the path needs the id
    agency.path = f"{parent.path if parent else '/'}{agency.id}/"
    agency.depth = parent.depth + 1 if parent else 0
    db.session.flush()
    return agency


def path_of(code: str) -> str | None:
    """The path of the agency with this code (None: there is none), read once a unit of work: a desk's staff roles
    each ask where they belong."""
    return memo(("agency path of", code), lambda: db.session.scalar(select(Agency.path).where(Agency.code == code)),
                depends_on=(Agency,))


def owning_department(agency: Agency) -> Agency:
    """The nearest agency at or above this one that owns manuals (a department or a local government); read once a
    unit of work for each agency (a form's choices, its checks and its letter each ask)."""
    if agency.id is None:
        return _owning_department(agency)
    return memo(("owning department", agency.id), lambda: _owning_department(agency), depends_on=(Agency,))


def _owning_department(agency: Agency) -> Agency:
    ids = agency.ancestor_ids()
    candidates = {a.id: a for a in db.session.scalars(select(Agency).where(Agency.id.in_(ids)))}
    for agency_id in reversed(ids):
        if candidates[agency_id].kind in OWNING_KINDS_VALUES:
            return candidates[agency_id]
    return agency
