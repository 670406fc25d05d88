"""Following a process instance: its status, history and coloured diagram."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.accounts.services import policy
from app.core.extensions import db
from app.core.i18n import role_label
from app.core.workflow import AuditEvent, HumanTask, ProcessInstance, WorkflowSpec
from workflows import engine


class InstanceNotFound(Exception):
    pass


def get_instance(user: User, instance_id: int) -> ProcessInstance:
    instance = db.session.get(ProcessInstance, instance_id)
    if instance is None or not policy.can_view_instance(user, instance):
        raise InstanceNotFound(instance_id)
    return instance


@dataclass
class HistoryEntry:
    at: datetime
    action: str
    task_name: str | None
    title: str | None
    actor: str | None
    comment: str | None
    time_spent: timedelta | None
    details: dict | None
    decision: str | None = None


# Who did each thing: one alias for every history (a new one a request costs SQLAlchemy its set-up again).
_ACTOR = aliased(User, name="actor")
# Built once, as the alias: a statement built anew for each request costs SQLAlchemy its cache key again.
_HISTORY = (select(AuditEvent, _ACTOR.display_name).outerjoin(_ACTOR, _ACTOR.id == AuditEvent.actor_id)
            .where(AuditEvent.instance_id == bindparam("instance_id")).order_by(AuditEvent.occurred_at, AuditEvent.id))
_TASKS = (select(HumanTask).where(HumanTask.instance_id == bindparam("instance_id"))
          .order_by(HumanTask.created_at, HumanTask.id))


def history(instance: ProcessInstance, tasks: list[HumanTask]) -> list[HistoryEntry]:
    """Who did what and when, with the time each user task waited (``tasks``: the instance's, as ``tasks`` reads
    them); one query."""
    events = db.session.execute(_HISTORY, {"instance_id": instance.id}).all()
    by_id = {task.id: task for task in tasks}
    entries = []
    for event, actor_name in events:
        task = by_id.get(event.human_task_id) if event.human_task_id else None
        title = task.title if task else (event.after or {}).get("name") if event.action == "step.completed" else None
        spent = (task.completed_at - task.created_at) if task and task.completed_at and event.action == "task.completed" else None
        answer = (event.after or {}).get(event.task_name) if event.action == "task.completed" else None
        decision = answer.get("decision") if isinstance(answer, dict) else None
        entries.append(HistoryEntry(at=event.occurred_at, action=event.action, task_name=event.task_name, title=title,
                                    actor=actor_name, comment=event.comment, time_spent=spent, details=event.after,
                                    decision=decision))
    return entries


def tasks(instance: ProcessInstance) -> list[HumanTask]:
    return list(db.session.scalars(_TASKS, {"instance_id": instance.id}))



_LANE_NAME = re.compile(r'(<bpmn:lane\b[^>]*\bname=")([a-z_]+)(")')


def diagram(instance: ProcessInstance) -> dict:
    """The diagram of the version the instance runs on, its lanes named for people, and element states."""
    xml = db.session.scalar(select(WorkflowSpec.bpmn_xml).where(WorkflowSpec.spec_key == instance.spec_key))
    readable = _LANE_NAME.sub(lambda m: m.group(1) + role_label(m.group(2)) + m.group(3), xml)
    return {"xml": readable, "states": engine.element_states(instance, xml)}
