"""Processes (กระบวนงาน): the services an agency provides, edited directly by its central officers and authors."""

from __future__ import annotations

from sqlalchemy import false, func, select

from app.accounts.models import User
from app.accounts.services import policy
from app.core.conflicts import flush_or_conflict
from app.core.extensions import db
from app.core.paging import Page
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.manuals.models import Process
from app.manuals.services.manuals import ManualError, NotAllowed
from app.org.models import Agency

FIELDS = ("name_th", "name_en", "agency_id", "service_type", "category_id", "impact_level", "service_area",
          "legal_basis", "legal_time_limit_days")


class ProcessNotFound(ManualError):
    code = "not_found"


class ProcessChangedMeanwhile(ManualError):
    code = "conflict"




def list_processes(user: User, *, page: int = 1, per_page: int = 20, agency_id: int | None = None,
                   name: str | None = None, include_inactive: bool = False) -> Page:
    """Processes of the agencies in the user's scope, with their agency, in a fixed number of queries."""
    clause = policy.processes_visible_clause(user, Agency.path)
    if agency_id:
        agency = db.session.get(Agency, agency_id)
        clause = clause & (policy.within(Agency.path, [agency.path]) if agency else false())
    if name and name.strip():
        pattern = f"%{name.strip()}%"
        clause = clause & (Process.name_th.ilike(pattern) | Process.name_en.ilike(pattern))
    if not include_inactive:
        clause = clause & Process.active
    base = select(Process).join(Agency, Agency.id == Process.agency_id).where(clause)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = db.session.scalars(base.order_by(Process.name_th, Process.id)
                              .limit(per_page).offset((max(page, 1) - 1) * per_page)).unique().all()
    return Page(list(rows), total, page, per_page)


def get_process(user: User, process_id: int) -> Process:
    process = db.session.get(Process, process_id)
    if process is None or not policy.can_edit_process(user, process.agency.path):
        raise ProcessNotFound(process_id)
    return process


def editable_agencies(user: User) -> list[Agency]:
    paths = policy.process_editor_paths(user)
    if not paths:
        return []
    return list(db.session.scalars(select(Agency).where(policy.within(Agency.path, paths)).order_by(Agency.path)))


def create_process(user: User, values: dict) -> Process:
    agency = _agency_in_scope(user, values["agency_id"])
    now = utcnow()
    process = Process(created_by_id=user.id, updated_by_id=user.id, created_at=now, updated_at=now, active=True)
    _apply(process, values, agency)
    db.session.add(process)
    db.session.flush()
    record_audit("process.created", actor_id=user.id, object_type="process", object_id=process.id,
                 after=_snapshot(process))
    return process


def update_process(user: User, process: Process, values: dict, *, lock_version: int | None) -> Process:
    """Change a process as the editor saw it; someone else's save in between is a conflict, not an overwrite."""
    if not policy.can_edit_process(user, process.agency.path):
        raise NotAllowed(process.id)
    if lock_version is not None and lock_version != process.lock_version:
        raise ProcessChangedMeanwhile(process.id)
    agency = _agency_in_scope(user, values["agency_id"])
    before = _snapshot(process)
    _apply(process, values, agency)
    process.updated_by_id = user.id
    process.updated_at = utcnow()
    flush_or_conflict(ProcessChangedMeanwhile)
    record_audit("process.updated", actor_id=user.id, object_type="process", object_id=process.id,
                 before=before, after=_snapshot(process))
    return process


def set_active(user: User, process: Process, active: bool, *, lock_version: int | None) -> Process:
    if not policy.can_edit_process(user, process.agency.path):
        raise NotAllowed(process.id)
    if lock_version is not None and lock_version != process.lock_version:
        raise ProcessChangedMeanwhile(process.id)
    process.active = active
    process.updated_by_id = user.id
    process.updated_at = utcnow()
    flush_or_conflict(ProcessChangedMeanwhile)
    record_audit("process.activated" if active else "process.deactivated", actor_id=user.id,
                 object_type="process", object_id=process.id, after={"active": active})
    return process


def _agency_in_scope(user: User, agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None or not policy.can_edit_process(user, agency.path):
        raise NotAllowed(agency_id)
    return agency


def _apply(process: Process, values: dict, agency: Agency) -> None:
    process.agency_id = agency.id
    process.name_th = values["name_th"].strip()
    process.name_en = (values.get("name_en") or "").strip() or None
    process.service_type = values["service_type"]
    process.category_id = values.get("category_id") or None
    process.impact_level = values.get("impact_level") or None
    process.service_area = values.get("service_area") or None
    process.legal_basis = (values.get("legal_basis") or "").strip() or None
    process.legal_time_limit_days = values.get("legal_time_limit_days")


def _snapshot(process: Process) -> dict:
    return {name: getattr(process, name) for name in FIELDS}
