"""Small helpers shared by tests: finding tasks the way the inbox does."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import HumanTask, Manual, ManualRevision, ProcessInstance, TaskStatus


def open_task(manual: Manual, spec_name: str | None = None) -> HumanTask | None:
    query = (
        select(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(ProcessInstance.business_type == "manual", ProcessInstance.business_id == manual.id,
               HumanTask.status == TaskStatus.open)
    )
    if spec_name:
        query = query.where(HumanTask.spec_name == spec_name)
    return db.session.scalar(query)


def manual_titled(title: str) -> Manual:
    return db.session.scalar(select(Manual).where(Manual.title == title))


def revisions_of(manual: Manual) -> list[ManualRevision]:
    return list(db.session.scalars(select(ManualRevision).where(ManualRevision.manual_id == manual.id)
                                   .order_by(ManualRevision.number)))


def answer(task: HumanTask, user, **values):
    """Complete a task through the service layer with the task's own form."""
    from werkzeug.datastructures import MultiDict

    from app.services import inbox
    from forms import form_for

    form = form_for(task.form_key)(formdata=MultiDict(values), meta={"csrf": False})
    assert form.validate(), form.errors
    instance = inbox.complete(user, task, form)
    db.session.commit()
    return instance
