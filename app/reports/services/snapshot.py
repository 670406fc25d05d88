"""The engine's state counted by the job for the operations report (``report_instance_snapshot``): instances per
process, version and status, open tasks per role and agency (and how many are past due), the instances in error,
and the outbox's messages done with (sent, skipped); a million instances and every message ever sent are counted
once per run, not on every page view."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, delete, func, insert, select

from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import HumanTask, InstanceStatus, ProcessInstance, TaskStatus
from app.reports.models import InstanceSnapshot
from notifications.models import OutboxMessage, OutboxStatus

MOST_ERRORS = 500
# What the report reads as it is now (through the outbox's status index): the backlog. The rest grows for ever.
OUTBOX_LIVE = (OutboxStatus.pending, OutboxStatus.failed)


def count(now: datetime | None = None) -> int:
    """Count again (flushes); returns the rows written."""
    now = now or utcnow()
    rows = [{"kind": "instances", "key": process_id, "detail": spec_key, "status": status, "count": n,
             "past_due": 0, "counted_at": now}
            for process_id, spec_key, status, n in db.session.execute(
                select(ProcessInstance.process_id, ProcessInstance.spec_key, ProcessInstance.status, func.count())
                .group_by(ProcessInstance.process_id, ProcessInstance.spec_key, ProcessInstance.status))]
    rows += [{"kind": "tasks", "key": role or "", "detail": str(agency_id), "status": "", "count": n,
              "past_due": int(late or 0), "counted_at": now}
             for role, agency_id, n, late in db.session.execute(
                 select(HumanTask.role, HumanTask.agency_id, func.count(),
                        func.sum(case((HumanTask.due_at < now, 1), else_=0)))
                 .where(HumanTask.status == TaskStatus.open).group_by(HumanTask.role, HumanTask.agency_id))]
    rows += [{"kind": "errors", "key": process_id, "detail": str(instance_id), "status": "", "count": 1,
              "past_due": 0, "counted_at": now}
             for instance_id, process_id in db.session.execute(
                 select(ProcessInstance.id, ProcessInstance.process_id)
                 .where(ProcessInstance.status == InstanceStatus.error)
                 .order_by(ProcessInstance.updated_at.desc()).limit(MOST_ERRORS))]
    rows += [{"kind": "outbox", "key": status, "detail": "", "status": status, "count": n, "past_due": 0,
              "counted_at": now}
             for status, n in db.session.execute(
                 select(OutboxMessage.status, func.count()).where(OutboxMessage.status.not_in(OUTBOX_LIVE))
                 .group_by(OutboxMessage.status))]
    db.session.execute(delete(InstanceSnapshot))
    if rows:
        db.session.execute(insert(InstanceSnapshot), rows)
    db.session.flush()
    return len(rows)
