"""Workflow operations, for administrators: instances per process and version, open tasks per role and agency,
timers due, instances in error, and the outbox's backlog."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.workflow import InstanceStatus, ProcessInstance, WorkflowSpec
from app.org.models import Agency
from app.reports.models import InstanceSnapshot
from app.reports.services import snapshot
from app.reports.services.base import MAX_ROWS, Column, Filters, Report, Row, Scope, Table
from app.reports.services.rows import RowSource
from notifications.models import OutboxMessage, OutboxStatus
from workflows import engine

STATUSES = {InstanceStatus.running: _l("Running"), InstanceStatus.waiting: _l("Waiting"),
            InstanceStatus.complete: _l("Complete"), InstanceStatus.error: _l("Error"),
            InstanceStatus.terminated: _l("Terminated")}
OUTBOX = {OutboxStatus.pending: _l("Waiting to be sent"), OutboxStatus.failed: _l("Failed"),
          OutboxStatus.sent: _l("Sent"), OutboxStatus.skipped: _l("Not sent (no address or no mail server)")}


def _version_numbers() -> dict[str, int]:
    """Each stored diagram's version number within its process (1 for the first stored)."""
    numbers: dict[str, int] = {}
    counts: dict[str, int] = {}
    for process_id, spec_key in db.session.execute(select(WorkflowSpec.process_id, WorkflowSpec.spec_key)
                                                   .order_by(WorkflowSpec.created_at, WorkflowSpec.spec_key)):
        counts[process_id] = counts.get(process_id, 0) + 1
        numbers[spec_key] = counts[process_id]
    return numbers


def _snapshot(kind: str, *columns, order: tuple = (), limit: int | None = None) -> list:
    query = select(*columns).where(InstanceSnapshot.kind == kind)
    if order:
        query = query.order_by(*order).limit(limit)
    return db.session.execute(query).all()


def report(filters: Filters, scope: Scope, now: datetime, role_label, locale: str = "th") -> Report:
    """The engine as the job last counted it (``app.reports.services.snapshot``), its timers and the outbox's
    backlog as now. Each part of the count is read by itself: the open tasks are one row per role and agency
    (tens of thousands nationally), of which the page shows the largest."""
    Snap = InstanceSnapshot
    numbers = _version_numbers()
    by_version: dict[tuple[str, str], dict[str, int]] = {}
    for process_id, spec_key, status, count in _snapshot("instances", Snap.key, Snap.detail, Snap.status, Snap.count):
        by_version.setdefault((process_id, spec_key), {})[status] = count
    instances = Table("versions", _l("Instances per process and version"),
                      [Column(_l("Process and version"), False), *(Column(label) for label in STATUSES.values())],
                      [Row(f"{engine.process_name(process_id)} · "
                           f"{_('version %(number)s', number=numbers.get(spec_key, '?'))}",
                           [counts.get(status, 0) for status in STATUSES])
                       for (process_id, spec_key), counts in sorted(by_version.items())], chart=(0, 1, 2, 3))

    task_rows = _snapshot("tasks", Snap.key, Snap.detail, Snap.count, Snap.past_due,
                          order=(Snap.count.desc(), Snap.id), limit=MAX_ROWS)
    names = dict(db.session.execute(select(Agency.id, Agency.name_th).where(
        Agency.id.in_([int(r.detail) for r in task_rows] or [-1]))).all())
    tasks = Table("tasks", _l("Open tasks per role and agency"),
                  [Column(_l("Role · agency"), False), Column(_l("Open tasks")), Column(_l("Past due"))],
                  [Row(f"{role_label(r.key) if r.key else '–'} · {names.get(int(r.detail), '')}",
                       [r.count, r.past_due]) for r in task_rows], chart=(0, 1))

    errors = _snapshot("errors", Snap.key, Snap.detail)
    error_table = Table("errors", _l("Instances in error"), [Column(_l("Instance"), False),
                                                            Column(_l("Process"), False)],
                        [Row(f"#{r.detail}", [engine.process_name(r.key)],
                             link=("instances.show", {"instance_id": int(r.detail)})) for r in errors])

    timers_due = db.session.scalar(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.next_timer_at <= now)) or 0
    outbox = dict(_snapshot("outbox", Snap.status, Snap.count))
    outbox.update(db.session.execute(select(OutboxMessage.status, func.count())
                                     .where(OutboxMessage.status.in_(snapshot.OUTBOX_LIVE))
                                     .group_by(OutboxMessage.status)).all())
    oldest = db.session.scalar(select(func.min(OutboxMessage.created_at)).where(
        OutboxMessage.status == OutboxStatus.pending))
    outbox_table = Table("outbox", _l("Outbox"), [Column(_l("Status"), False), Column(_l("Messages"))],
                         [Row(str(label), [outbox.get(status, 0)]) for status, label in OUTBOX.items()], chart=(0,))
    counted = db.session.scalar(select(func.max(Snap.counted_at)))
    summary = [(_l("Timers due"), timers_due), (_l("Instances in error"), len(errors)),
               (_l("Messages waiting"), outbox.get(OutboxStatus.pending, 0)),
               (_l("Oldest waiting message"), oldest or "–"), (_l("Counted at"), counted or "–")]
    return Report("operations", filters, scope, [instances, tasks, error_table, outbox_table], summary)


# --- every row: each process instance in scope -----------------------------------------------------------------


def _rows_query(filters: Filters, scope: Scope):
    return (select(ProcessInstance.id, ProcessInstance.process_id, ProcessInstance.spec_key, ProcessInstance.title,
                   Agency.name_th, ProcessInstance.status, ProcessInstance.created_at, ProcessInstance.updated_at,
                   ProcessInstance.completed_at)
            .join(Agency, Agency.id == ProcessInstance.agency_id).where(scope.clause(ProcessInstance.agency_path)))


def _row(row, locale: str, numbers: dict[str, int]) -> list:
    instance_id, process_id, spec_key, title, agency, status, created, updated, completed = row
    return [instance_id, engine.process_name(process_id), numbers.get(spec_key, ""), title, agency,
            str(STATUSES.get(status, status)), created, updated, completed or ""]


ROWS = RowSource("operations", (_l("Instance"), _l("Process"), _l("Version"), _l("Title"), _l("Agency"),
                                _l("Status"), _l("Started"), _l("Updated"), _l("Completed")),
                 _rows_query, _row, _version_numbers)
