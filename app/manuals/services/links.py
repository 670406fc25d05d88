"""Which agencies and service points provide which processes, manuals and other services (``ServiceLink``).

A central officer links the services of the owning department (or local
government) to an agency or service point in their scope. ``for_agency`` is
what the public service-point page shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.accounts.services import policy
from app.core.extensions import db
from app.core.workflow import record_audit
from app.manuals.models import Manual, OtherService, OtherServiceStatus, Process, ServiceLink
from app.org.models import Agency
from app.org.services import org
from app.public.services import public_index

KINDS = ("process", "manual", "other_service")
_MODELS = {"process": Process, "manual": Manual, "other_service": OtherService}
_COLUMNS = {"process": ServiceLink.process_id, "manual": ServiceLink.manual_id,
            "other_service": ServiceLink.other_service_id}


class LinkError(Exception):
    code = "error"


class NotAllowed(LinkError):
    code = "forbidden"


class TargetNotFound(LinkError):
    """The service does not exist or does not belong to the agency's owning department."""

    code = "not_found"


class AlreadyLinked(LinkError):
    code = "already_linked"


@dataclass
class AgencyServices:
    processes: list[Process] = field(default_factory=list)
    manuals: list[Manual] = field(default_factory=list)  # linked directly or through a linked process
    other_services: list[OtherService] = field(default_factory=list)
    links: dict[tuple[str, int], int] = field(default_factory=dict)  # (kind, target id) -> link id

    def __bool__(self) -> bool:
        return bool(self.processes or self.manuals or self.other_services)


def for_agency(agency_id: int, *, public_only: bool = False) -> AgencyServices:
    """What the agency provides, in four queries whatever the number of links.

    ``public_only`` keeps what citizens may see: active processes, manuals with a
    published revision, published other services.
    """
    links = db.session.execute(select(ServiceLink.id, ServiceLink.process_id, ServiceLink.manual_id,
                                      ServiceLink.other_service_id).where(ServiceLink.agency_id == agency_id)).all()
    result = AgencyServices()
    for link_id, process_id, manual_id, other_service_id in links:
        kind, target = ("process", process_id) if process_id else ("manual", manual_id) if manual_id \
            else ("other_service", other_service_id)
        result.links[(kind, target)] = link_id
    process_ids = [target for (kind, target) in result.links if kind == "process"]
    manual_ids = [target for (kind, target) in result.links if kind == "manual"]
    other_ids = [target for (kind, target) in result.links if kind == "other_service"]
    if process_ids:
        query = select(Process).where(Process.id.in_(process_ids))
        if public_only:
            query = query.where(Process.active)
        result.processes = list(db.session.scalars(query.order_by(Process.name_th)))
    if process_ids or manual_ids:
        query = select(Manual).where(or_(Manual.id.in_(manual_ids), Manual.process_id.in_(process_ids)))
        if public_only:
            query = query.where(Manual.published_revision_id.is_not(None))
        result.manuals = list(db.session.scalars(query.order_by(Manual.title)).unique())
    if other_ids:
        query = select(OtherService).where(OtherService.id.in_(other_ids))
        if public_only:
            query = query.where(OtherService.status == OtherServiceStatus.published)
        result.other_services = list(db.session.scalars(query.order_by(OtherService.title)).unique())
    return result


def candidates(agency: Agency) -> dict[str, list]:
    """Services of the agency's owning department that are not linked to it yet, for the link form."""
    owner = org.owning_agency(agency)
    low, high = owner.path, owner.path[:-1] + "0"
    result = {}
    for kind, model in _MODELS.items():
        linked = exists().where(ServiceLink.agency_id == agency.id, _COLUMNS[kind] == model.id)
        title = model.name_th if kind == "process" else model.title
        query = (select(model).join(Agency, Agency.id == model.agency_id)
                 .where(Agency.path >= low, Agency.path < high, ~linked).order_by(title))
        if kind == "process":
            query = query.where(Process.active)
        result[kind] = list(db.session.scalars(query).unique())
    return result


def _agency_for_linking(user: User, agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None or not policy.can_manage_structure(user, agency.path):
        raise NotAllowed(agency_id)
    return agency


def _reindex(kind: str, target_id: int, agency_id: int) -> None:
    public_index.index_agency(agency_id)
    if kind == "manual":
        public_index.index_manual(target_id)
    elif kind == "process":
        for manual_id in db.session.scalars(select(Manual.id).where(Manual.process_id == target_id)):
            public_index.index_manual(manual_id)
    else:
        public_index.index_other_service(target_id)


def link(user: User, agency_id: int, kind: str, target_id: int) -> ServiceLink:
    agency = _agency_for_linking(user, agency_id)
    if kind not in KINDS:
        raise TargetNotFound(kind)
    target = db.session.get(_MODELS[kind], target_id)
    owner = org.owning_agency(agency)
    if target is None or not target.agency.path.startswith(owner.path):
        raise TargetNotFound(target_id)
    if db.session.scalar(select(ServiceLink.id).where(ServiceLink.agency_id == agency.id,
                                                      _COLUMNS[kind] == target.id)) is not None:
        raise AlreadyLinked(target_id)
    row = ServiceLink(agency_id=agency.id, created_by_id=user.id, **{f"{kind}_id": target.id})
    try:
        with db.session.begin_nested():  # someone linking the same service at the same moment
            db.session.add(row)
    except IntegrityError:
        raise AlreadyLinked(target_id) from None
    record_audit("link.added", actor_id=user.id, object_type="agency", object_id=agency.id,
                 after={"kind": kind, "target_id": target.id})
    _reindex(kind, target.id, agency.id)
    return row


def unlink(user: User, agency_id: int, link_id: int) -> None:
    agency = _agency_for_linking(user, agency_id)
    row = db.session.get(ServiceLink, link_id)
    if row is None or row.agency_id != agency.id:
        return  # already gone: someone unlinked it first, which is what was wanted
    kind = "process" if row.process_id else "manual" if row.manual_id else "other_service"
    target_id = row.process_id or row.manual_id or row.other_service_id
    db.session.delete(row)
    db.session.flush()
    record_audit("link.removed", actor_id=user.id, object_type="agency", object_id=agency.id,
                 before={"kind": kind, "target_id": target_id})
    _reindex(kind, target_id, agency.id)
