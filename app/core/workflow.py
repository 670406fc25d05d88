"""Tables the workflow engine keeps: spec versions, instances, the inbox projection,
event subscriptions and the append-only audit log."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, event, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core import held_rows
from app.core.extensions import db
from app.core.types import TreePath, UTCDateTime, utcnow
from app.core.unit_memo import memo

T = TypeVar("T")


class WorkflowSpec(db.Model):
    """One version of a process: ``process_id@sha256`` of its BPMN source, stored once."""

    __tablename__ = "workflow_spec"

    spec_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    process_id: Mapped[str] = mapped_column(String(64), index=True)
    bpmn_xml: Mapped[str] = mapped_column(Text)
    serialized: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InstanceStatus:
    running = "running"
    waiting = "waiting"
    complete = "complete"
    error = "error"
    terminated = "terminated"
    suspended = "suspended"
    OPEN = (running, waiting)


class ProcessInstance(db.Model):
    __tablename__ = "process_instance"

    id: Mapped[int] = mapped_column(primary_key=True)
    spec_key: Mapped[str] = mapped_column(ForeignKey("workflow_spec.spec_key"))
    process_id: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(500))
    business_type: Mapped[str] = mapped_column(String(32))
    business_id: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    agency_path: Mapped[str] = mapped_column(TreePath)
    state: Mapped[str] = mapped_column(Text)  # instance-only Spiff serialization (the spec is left out)
    serializer_version: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=InstanceStatus.running)
    error: Mapped[str | None] = mapped_column(Text)
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    spec: Mapped[WorkflowSpec] = relationship(lazy="raise")

    __mapper_args__ = {"version_id_col": lock_version}


Index("ix_process_instance_business", ProcessInstance.business_type, ProcessInstance.business_id)


class TaskStatus:
    open = "open"
    completed = "completed"
    cancelled = "cancelled"


DEFAULT_PRIORITY = 50


def task_search_text(title: str, title_en: str | None, subject: str) -> str:
    """What an inbox search reads of a task: its titles and subject in lower case, one a line (a searched word has
    no line break, so it never matches across two of them)."""
    return "\n".join((title, title_en or "", subject)).lower()


def _search_text_default(context) -> str:
    values = context.get_current_parameters()
    return task_search_text(values["title"], values.get("title_en"), values["subject"])


class HumanTask(db.Model):
    """The inbox: one row per user task that is or was ready, rewritten on every save."""

    __tablename__ = "human_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    task_guid: Mapped[str] = mapped_column(String(36), unique=True)
    spec_name: Mapped[str] = mapped_column(String(64))
    process_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255))
    title_en: Mapped[str | None] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(500))  # what the task is about, e.g. the manual's title
    # Written with the row from the three above (they never change): a search tests one column, not three lowered.
    search_text: Mapped[str | None] = mapped_column(Text, default=_search_text_default, deferred=True)
    lane: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(32))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    agency_path: Mapped[str] = mapped_column(TreePath)
    form_key: Mapped[str | None] = mapped_column(String(64))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 0-100, higher first (Camunda's scale and default): the diagram's ``priority`` property, see
    # workflows/engine/saving.py.
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=DEFAULT_PRIORITY,
                                          server_default=str(DEFAULT_PRIORITY))
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.open)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    # Bumped on claim / unclaim / completion so that two people acting at once cannot both win.
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)

    instance: Mapped[ProcessInstance] = relationship(lazy="raise")

    __mapper_args__ = {"version_id_col": row_version}


Index("ix_human_task_inbox", HumanTask.status, HumanTask.role, HumanTask.agency_path, HumanTask.created_at)
# The inbox's first page in its own order (due first, undated last): one role nationwide, or one role in a
# subtree with agency_path checked inside the index, is read straight off it and stops after a page.
Index("ix_human_task_queue", HumanTask.status, HumanTask.role, HumanTask.due_at.is_(None), HumanTask.due_at,
      HumanTask.created_at, HumanTask.id, HumanTask.agency_path)
# The same queue sorted by "received" and by priority (highest first, then as the queue): read backwards for the
# other direction, so each sort of the first page stops after a page too.
Index("ix_human_task_received", HumanTask.status, HumanTask.role, HumanTask.created_at, HumanTask.id,
      HumanTask.agency_path)
Index("ix_human_task_priority", HumanTask.status, HumanTask.role, HumanTask.priority.desc(), HumanTask.due_at.is_(None),
      HumanTask.due_at, HumanTask.created_at, HumanTask.id, HumanTask.agency_path)
Index("ix_human_task_assignee", HumanTask.assignee_id, HumanTask.status, HumanTask.agency_path)
# The inbox's process filter: whether a process has tasks at all (one probe, not a scan of the whole history),
# and a filtered view's count read off the index alone.
Index("ix_human_task_process", HumanTask.process_id, HumanTask.status, HumanTask.role, HumanTask.agency_path)
# "Completed by me", newest first (completion time, then id), with its filters checked inside the index: a page
# stops at its 20th task, read from the index alone, with no heap visit or sort of the rest of the history.
Index("ix_human_task_completed_by", HumanTask.completed_by_id, HumanTask.status, HumanTask.completed_at,
      HumanTask.id, HumanTask.process_id, HumanTask.agency_path)
Index("ix_human_task_due", HumanTask.status, HumanTask.due_at)
# An instance's tasks, its open ones (the engine's save, a capability's waiting task): with the status in it,
# SQLite takes it over the status indexes for a few instances at once too.
Index("ix_human_task_instance", HumanTask.instance_id, HumanTask.status)


class EventSubscription(db.Model):
    """A message or signal an instance waits for, found by name and correlation value."""

    __tablename__ = "event_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(16))  # message | signal
    name: Mapped[str] = mapped_column(String(120))
    correlation_key: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_event_subscription_lookup", EventSubscription.event_type, EventSubscription.name, EventSubscription.correlation_key)


class AuditEvent(db.Model):
    """Append-only: rows are inserted, never updated or deleted."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id"))
    task_name: Mapped[str | None] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


Index("ix_audit_event_object", AuditEvent.object_type, AuditEvent.object_id)


_AUDIT_FIELDS = ("human_task_id", "task_name", "object_type", "object_id", "comment", "before", "after")


def row_of_instance(model: type[T], instance_id: int) -> T | None:
    """The domain row a process instance works on (``model.instance_id``), read once a unit of work: a task's page
    asks for it for what the task is about and again for the form's first values, a completion for its step and
    again for the answer's check. Read again after a flush that writes a row of ``model``."""
    return memo((model.__name__, "of instance", instance_id),
                lambda: db.session.scalar(select(model).where(model.instance_id == instance_id)), depends_on=(model,))


def record_audit(action: str, *, actor_id: int | None = None, instance_id: int | None = None, **fields) -> None:
    """Append one audit event to the current transaction.

    Inside a scope that holds rows (``app.core.held_rows``: the engine's unit of work) the row is held back and
    written with the others of that scope in one INSERT; otherwise it is added to the session. Every column is
    given (None when unused) so that events flushed together go in one INSERT too.
    """
    values = dict.fromkeys(_AUDIT_FIELDS) | fields | {"action": action, "actor_id": actor_id,
                                                       "instance_id": instance_id}
    if not held_rows.hold(AuditEvent, values | {"occurred_at": utcnow()}):
        db.session.add(AuditEvent(**values))


class AuditLogIsAppendOnly(Exception):
    pass


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_audit_changes(mapper, connection, target):
    raise AuditLogIsAppendOnly("audit events are never changed or deleted")
