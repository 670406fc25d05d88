"""Workflow operations, for administrators: instances per process and version, open tasks per role and agency,
timers due, instances in error, and the outbox's backlog."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from app.core.extensions import db
from app.core.workflow import HumanTask, InstanceStatus, ProcessInstance, TaskStatus, WorkflowSpec
from app.org.models import Agency
from app.reports.services.base import MAX_ROWS, Column, Filters, Report, Row, Scope, Table
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


def report(filters: Filters, scope: Scope, now: datetime, role_label, locale: str = "th") -> Report:
    status_sums = [func.coalesce(func.sum(case((ProcessInstance.status == status, 1), else_=0)), 0)
                   for status in STATUSES]
    in_scope = scope.clause(ProcessInstance.agency_path)
    versions = db.session.execute(
        select(ProcessInstance.process_id, ProcessInstance.spec_key, *status_sums).where(in_scope)
        .group_by(ProcessInstance.process_id, ProcessInstance.spec_key)
        .order_by(ProcessInstance.process_id, ProcessInstance.spec_key)).all()
    numbers = _version_numbers()
    instances = Table("versions", _l("Instances per process and version"),
                      [Column(_l("Process and version"), False), *(Column(label) for label in STATUSES.values())],
                      [Row(f"{engine.process_name(row[0])} · {_('version %(number)s', number=numbers.get(row[1], '?'))}",
                           list(row[2:])) for row in versions], chart=(0, 1, 2, 3))

    open_tasks = db.session.execute(
        select(HumanTask.role, Agency.id, Agency.name_th, func.count(HumanTask.id),
               func.coalesce(func.sum(case((HumanTask.due_at < now, 1), else_=0)), 0))
        .join(Agency, Agency.id == HumanTask.agency_id)
        .where(HumanTask.status == TaskStatus.open, scope.clause(HumanTask.agency_path))
        .group_by(HumanTask.role, Agency.id, Agency.name_th)
        .order_by(func.count(HumanTask.id).desc()).limit(MAX_ROWS)).all()
    tasks = Table("tasks", _l("Open tasks per role and agency"),
                  [Column(_l("Role · agency"), False), Column(_l("Open tasks")), Column(_l("Past due"))],
                  [Row(f"{role_label(row[0]) if row[0] else '–'} · {row[2]}", [row[3], row[4]],
                       drill={"agency": row[1]}) for row in open_tasks], chart=(0, 1))

    timers_due = db.session.scalar(select(func.count()).select_from(ProcessInstance).where(
        in_scope, ProcessInstance.status.in_(InstanceStatus.OPEN), ProcessInstance.next_timer_at <= now)) or 0
    errors = db.session.execute(
        select(ProcessInstance.id, ProcessInstance.title, ProcessInstance.process_id, ProcessInstance.updated_at)
        .where(in_scope, ProcessInstance.status == InstanceStatus.error)
        .order_by(ProcessInstance.updated_at.desc()).limit(MAX_ROWS)).all()
    error_table = Table("errors", _l("Instances in error"), [Column(_l("Instance"), False),
                                                            Column(_l("Process"), False), Column(_l("Since"), False)],
                        [Row(row.title, [engine.process_name(row.process_id), row.updated_at],
                             link=("instances.show", {"instance_id": row.id})) for row in errors])

    outbox = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    oldest = db.session.scalar(select(func.min(OutboxMessage.created_at)).where(
        OutboxMessage.status == OutboxStatus.pending))
    outbox_table = Table("outbox", _l("Outbox"), [Column(_l("Status"), False), Column(_l("Messages"))],
                         [Row(str(label), [outbox.get(status, 0)]) for status, label in OUTBOX.items()], chart=(0,))
    summary = [(_l("Timers due"), timers_due), (_l("Instances in error"), len(errors)),
               (_l("Messages waiting"), outbox.get(OutboxStatus.pending, 0)),
               (_l("Oldest waiting message"), oldest or "–")]
    return Report("operations", filters, scope, [instances, tasks, error_table, outbox_table], summary)
