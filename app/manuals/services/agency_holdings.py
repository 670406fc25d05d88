"""What manuals keep at an agency: the processes, manuals and other services it owns and the services linked to
it. Counted before an administrator closes the agency, and handed to the survivor when it is merged into another
(app/org/services/agency_admin.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from app.core.extensions import db
from app.manuals.models import Manual, OtherService, Process, ServiceLink

OWNED = ((Process, _l("processes")), (Manual, _l("manuals")), (OtherService, _l("other services")))
LINK_TARGETS = ("process_id", "manual_id", "other_service_id")


def held(agency_id: int) -> list[tuple[object, int]]:
    counts = [(label, db.session.scalar(select(func.count()).select_from(model).where(model.agency_id == agency_id)))
              for model, label in OWNED]
    links = db.session.scalar(select(func.count(ServiceLink.id)).where(ServiceLink.agency_id == agency_id))
    return [*counts, (_l("linked services"), links)]


def merge(merged_id: int, survivor_id: int) -> dict[str, int]:
    """The survivor owns what the merged agency owned and provides what it provided (a service both provided is
    linked once)."""
    moved = {}
    for model, _label in OWNED:
        values = {"agency_id": survivor_id}
        if "lock_version" in model.__table__.c:  # an editor's open page of one of them sees the change
            values["lock_version"] = model.lock_version + 1
        result = db.session.execute(update(model).where(model.agency_id == merged_id).values(**values)
                                    .execution_options(synchronize_session=False))
        moved[model.__tablename__] = result.rowcount
    for target in LINK_TARGETS:
        column = getattr(ServiceLink, target)
        already = select(column).where(ServiceLink.agency_id == survivor_id, column.is_not(None))
        db.session.execute(delete(ServiceLink).where(ServiceLink.agency_id == merged_id, column.in_(already))
                           .execution_options(synchronize_session=False))
    result = db.session.execute(update(ServiceLink).where(ServiceLink.agency_id == merged_id)
                                .values(agency_id=survivor_id).execution_options(synchronize_session=False))
    moved["service_link"] = result.rowcount
    return moved
