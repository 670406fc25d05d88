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


def draft_of(manual: Manual) -> ManualRevision | None:
    return db.session.scalar(select(ManualRevision).where(ManualRevision.manual_id == manual.id,
                                                          ManualRevision.status == "draft"))


# A complete draft as the editor posts it (one row of each list); keyword arguments override fields.
EDITOR_FIELDS = {
    "title": "การขอรับใบอนุญาตทดสอบ",
    "common_names-0": "ขอใบอนุญาต",
    "tags-0": "ใบอนุญาต",
    "criteria": "ผู้ยื่นต้องมีสัญชาติไทย",
    "steps-0-title": "ยื่นคำขอ",
    "steps-0-description": "ตรวจเอกสาร",
    "steps-0-duration": "10",
    "steps-0-duration_unit": "minutes",
    "steps-0-unit": "สำนักทะเบียน",
    "total_time_value": "",
    "total_time_unit": "minutes",
    "documents-0-name": "บัตรประจำตัวประชาชน",
    "documents-0-issuer": "กรมการปกครอง",
    "documents-0-originals": "1",
    "documents-0-copies": "0",
    "fees-0-description": "ค่าธรรมเนียม",
    "fees-0-amount": "100",
    "channels-0-place": "ที่ว่าการอำเภอ",
    "channels-0-hours": "08:30–16:30 น.",
    "complaint_channels-0-channel": "ศูนย์ดำรงธรรม",
    "complaint_channels-0-detail": "1567",
    "change_note": "",
}


def editor_post(client, manual: Manual, action: str = "save", row_version=None, follow_redirects=False, **fields):
    """Post the manual editor as the browser does, with the draft's current row version unless given."""
    if row_version is None:
        draft = draft_of(manual)
        row_version = draft.row_version if draft else ""
    data = EDITOR_FIELDS | {"row_version": row_version, "action": action} | fields
    return client.post(f"/manuals/{manual.id}/draft", data=data, follow_redirects=follow_redirects)


def complete_content(criteria: str = "เนื้อหา") -> dict:
    """The smallest content a revision may be submitted with (criteria, a step, a channel, no fee)."""
    return {"criteria": criteria, "steps": [{"title": "ยื่นคำขอ", "duration": 10, "duration_unit": "minutes"}],
            "channels": [{"place": "ที่ว่าการอำเภอ"}], "no_fee": True}


def answer_return(task: HumanTask, author, criteria: str, change_note: str = ""):
    """The author answers a returned revision: a draft copied from it, corrected, submitted through the task."""
    from app.services import manual_revisions

    manual = db.session.get(Manual, manual_revisions.revision_under_review(task.instance_id).manual_id)
    draft = manual_revisions.current_draft(manual) or manual_revisions.new_draft(author, manual)
    manual_revisions.save_draft(author, draft, title=draft.title, content=complete_content(criteria),
                                change_note=change_note, row_version=None)
    return answer(task, author, revision_id=str(draft.id))


def run_twice_at_once(worker) -> None:
    """Two threads, each its own request and database session (the worker meets them at a barrier)."""
    import threading

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
