"""The agency tree."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.org.models import OWNING_KINDS_VALUES, Agency, AgencyKind


class AgencyError(ValueError):
    pass


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


def owning_department(agency: Agency) -> Agency:
    """The nearest agency at or above this one that owns manuals (a department or a local government)."""
    ids = agency.ancestor_ids()
    candidates = {a.id: a for a in db.session.scalars(select(Agency).where(Agency.id.in_(ids)))}
    for agency_id in reversed(ids):
        if candidates[agency_id].kind in OWNING_KINDS_VALUES:
            return candidates[agency_id]
    return agency
