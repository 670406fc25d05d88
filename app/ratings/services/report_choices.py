"""What the satisfaction report's filters offer (the services of a scope, the provinces) and the services' names."""

from __future__ import annotations

from sqlalchemy import func, select

from app.core.extensions import db
from app.manuals.models import Manual, OtherService
from app.org.models import Agency
from app.ratings.services import access, submissions


def service_titles(keys: list[str]) -> dict[str, str]:
    """"m12" → the manual's title, "o3" → the other service's."""
    manual_ids = [int(k[1:]) for k in keys if k[:1] == "m" and k[1:].isdigit()]
    other_ids = [int(k[1:]) for k in keys if k[:1] == "o" and k[1:].isdigit()]
    titles = {}
    if manual_ids:
        titles.update({f"m{i}": t for i, t in db.session.execute(
            select(Manual.id, Manual.title).where(Manual.id.in_(manual_ids)))})
    if other_ids:
        titles.update({f"o{i}": t for i, t in db.session.execute(
            select(OtherService.id, OtherService.title).where(OtherService.id.in_(other_ids)))})
    return titles


def service_choices(scope: Agency | None) -> list[tuple[str, str]]:
    """The services a report in this scope may be narrowed to: those of the scope's subtree (none nationwide)."""
    if scope is None:
        return []
    low_high = access.within(Agency.path, [scope.path])
    manuals = db.session.execute(select(Manual.id, Manual.title).join(Agency, Agency.id == Manual.agency_id)
                                 .where(low_high, Manual.published_revision_id.is_not(None)).order_by(Manual.title)
                                 .limit(500)).all()
    others = db.session.execute(select(OtherService.id, OtherService.title)
                                .join(Agency, Agency.id == OtherService.agency_id)
                                .where(low_high).order_by(OtherService.title).limit(500)).all()
    choices = [(f"m{i}", t) for i, t in manuals] + [(f"o{i}", t) for i, t in others]
    if scope.kind in access.RATEABLE_KINDS:
        known = {key for key, _title in choices}
        choices += [(c.key, c.title) for c in submissions.services_of(scope) if c.key not in known]
    return choices


def provinces() -> list[str]:
    """The provinces of the agencies, in order: one probe of the province index per province (a skip scan written
    out), not a read of every agency (tens of thousands) for each report."""
    found = (select(func.min(Agency.province).label("province")).where(Agency.province.is_not(None))
             .cte("found", recursive=True))
    following = select(func.min(Agency.province)).where(Agency.province > found.c.province).scalar_subquery()
    found = found.union_all(select(following).where(found.c.province.is_not(None)))
    return [p for p in db.session.scalars(select(found.c.province).where(found.c.province.is_not(None))) if p.strip()]
