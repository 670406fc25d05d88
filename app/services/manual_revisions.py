"""A manual revision's approval: submission, the process's operations, and its task handlers.

The lifecycle is ``workflows/manual_revision.bpmn``: the agency's manual reviewer
approves or returns (step 1), an OPDC officer approves or returns (step 2), then
``publish_revision`` publishes it and supersedes the previous published one.
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import (
    NATIONWIDE_ROLES,
    OWNING_KINDS_VALUES,
    Agency,
    HumanTask,
    Manual,
    ManualRevision,
    ManualStatus,
    Membership,
    RevisionStatus,
    Role,
    TaskStatus,
    User,
)
from app.models.types import utcnow
from app.models.workflow import record_audit
from app.services import inbox, policy
from app.services.manuals import ManualError, NotAllowed
from notifications import notify
from workflows import engine
from workflows.calendar import add_working_days
from workflows.operations import OperationContext, operation

PROCESS_ID = "manual_revision"
STEP_ROLES = {"agency": Role.manual_reviewer.value, "opdc": Role.opdc_officer.value}
STEP_TASKS = {"agency": "review_agency", "opdc": "review_opdc"}


class RevisionAlreadyInReview(ManualError):
    code = "already_in_review"


class ManualChangedMeanwhile(ManualError):
    code = "conflict"


def submit(user: User, manual: Manual, *, title: str, body: str, change_note: str | None = None) -> ManualRevision:
    """The author submits a new revision; it is frozen from now on and the approval starts."""
    if not policy.can_author_manual(user, manual):
        raise NotAllowed(manual.id)
    if manual.status in (ManualStatus.in_review, ManualStatus.returned):
        raise RevisionAlreadyInReview(manual.id)
    revision = _new_revision(manual, user, title=title, body=body, change_note=change_note)
    instance = engine.start(
        PROCESS_ID,
        title=revision.title,
        business_type="manual",
        business_id=manual.id,
        agency_id=manual.agency_id,
        agency_path=manual.agency.path,
        data={"manual_id": manual.id, "revision_id": revision.id},
        actor_id=user.id,
    )
    revision.instance_id = instance.id
    _flush_or_conflict()
    return revision


def _new_revision(manual: Manual, user: User, *, title: str, body: str, change_note: str | None) -> ManualRevision:
    number = (db.session.scalar(select(func.max(ManualRevision.number)).where(ManualRevision.manual_id == manual.id))
              or 0) + 1
    now = utcnow()
    revision = ManualRevision(manual_id=manual.id, number=number, title=title.strip(), body=body,
                              change_note=(change_note or "").strip() or None, status=RevisionStatus.in_review,
                              submitted_at=now, submitted_by_id=user.id)
    db.session.add(revision)
    manual.status = ManualStatus.in_review
    manual.updated_at = now  # bumps the manual's lock_version: two submissions at once cannot both pass
    _flush_or_conflict()
    record_audit("revision.submitted", actor_id=user.id, object_type="manual", object_id=manual.id,
                 after={"revision_id": revision.id, "number": number})
    return revision


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as exc:
        raise ManualChangedMeanwhile() from exc


def revision_under_review(instance_id: int) -> ManualRevision | None:
    return db.session.scalar(select(ManualRevision).where(ManualRevision.instance_id == instance_id)
                             .order_by(ManualRevision.number.desc()).limit(1))


# --- task handlers ---------------------------------------------------------------------------------------


@inbox.on_complete("manual_revision.revise")
def _revise(task: HumanTask, form, user: User) -> dict:
    """Answering a return makes a new revision; the returned one stays as it was."""
    previous = revision_under_review(task.instance_id)
    manual = db.session.get(Manual, previous.manual_id)
    revision = _new_revision(manual, user, title=form.title.data, body=form.body.data,
                             change_note=form.change_note.data)
    revision.instance_id = task.instance_id
    return {"revision_id": revision.id}


@inbox.prefill("manual_revision.revise")
def _revise_prefill(task: HumanTask) -> dict:
    revision = revision_under_review(task.instance_id)
    return {"title": revision.title, "body": revision.body} if revision else {}


@inbox.subject_provider("manual")
def _subject(instance) -> dict:
    manual = db.session.get(Manual, instance.business_id)
    revision = revision_under_review(instance.id)
    return {"manual": manual, "revision": revision, "published": manual.published_revision if manual else None}


# --- operations called by the diagram's service tasks -----------------------------------------------------


@operation("review_deadlines")
def review_deadlines(ctx: OperationContext, step: str) -> dict:
    """When to remind the reviewers and when to tell the department's central officers."""
    config = current_app.config
    remind_at = add_working_days(utcnow(), config["REVIEW_REMIND_AFTER_DAYS"])
    escalate_at = add_working_days(remind_at, config["REVIEW_ESCALATE_AFTER_DAYS"])
    return {"step": step, "remind_at": remind_at.isoformat(), "escalate_at": escalate_at.isoformat()}


@operation("record_review")
def record_review(ctx: OperationContext, step: str, revision_id: int, decision: str, comment: str = "") -> dict:
    revision = db.session.get(ManualRevision, revision_id)
    before = revision.status
    if decision == "return":
        revision.status = RevisionStatus.returned
        db.session.get(Manual, revision.manual_id).status = ManualStatus.returned
        authors = [db.session.get(User, revision.submitted_by_id)] if revision.submitted_by_id else []
        notify(
            [user for user in authors if user],
            subject=_l("Manual returned for changes: %(title)s", title=revision.title),
            body=comment,
            link=_link("inbox.index"),
            dedup_key=f"revision:{revision.id}:returned:{step}",
        )
    elif step == "agency":
        revision.status = RevisionStatus.agency_approved
    record_audit(f"revision.{decision}", actor_id=ctx.actor_id, instance_id=ctx.instance_id,
                 object_type="manual", object_id=revision.manual_id, comment=comment or None,
                 before={"status": before}, after={"status": revision.status, "step": step})
    return {"decision": decision}


@operation("remind_reviewers")
def remind_reviewers(ctx: OperationContext, step: str, revision_id: int) -> dict:
    revision = db.session.get(ManualRevision, revision_id)
    task = _open_review_task(ctx.instance_id, step)
    manual = db.session.get(Manual, revision.manual_id)
    if task is not None and task.assignee_id:
        people = [db.session.get(User, task.assignee_id)]
    else:
        people = _people_with_role(STEP_ROLES[step], manual.agency)
    sent = notify(
        people,
        subject=_l("Reminder: a manual is waiting for your review: %(title)s", title=revision.title),
        body=_l("The review is due. Please approve or return it."),
        link=_link("inbox.task", task_id=task.id) if task else None,
        dedup_key=f"remind:{ctx.instance_id}:{task.id if task else step}",
    )
    return {"notified": sent}


@operation("escalate_review")
def escalate_review(ctx: OperationContext, step: str, revision_id: int) -> dict:
    revision = db.session.get(ManualRevision, revision_id)
    manual = db.session.get(Manual, revision.manual_id)
    task = _open_review_task(ctx.instance_id, step)
    department = owning_department(manual.agency)
    sent = notify(
        _people_with_role(Role.central_officer.value, department, exact_scope=True),
        subject=_l("Overdue manual review: %(title)s", title=revision.title),
        body=_l("A review of this manual is overdue (%(step)s).",
                step=_l("step 1, agency") if step == "agency" else _l("step 2, OPDC")),
        link=_link("instances.show", instance_id=ctx.instance_id),
        dedup_key=f"escalate:{ctx.instance_id}:{task.id if task else step}",
    )
    record_audit("review.escalated", instance_id=ctx.instance_id, object_type="manual", object_id=manual.id,
                 after={"step": step, "notified": sent})
    return {"notified": sent}


@operation("publish_revision")
def publish_revision(ctx: OperationContext, revision_id: int) -> dict:
    revision = db.session.get(ManualRevision, revision_id)
    manual = db.session.get(Manual, revision.manual_id)
    now = utcnow()
    previous = manual.published_revision
    if previous is not None and previous.id != revision.id:
        previous.status = RevisionStatus.superseded
    revision.status = RevisionStatus.published
    revision.published_at = now
    manual.published_revision_id = revision.id
    manual.status = ManualStatus.published
    manual.title = revision.title
    manual.updated_at = now
    record_audit("revision.published", actor_id=ctx.actor_id, instance_id=ctx.instance_id, object_type="manual",
                 object_id=manual.id, before={"published_revision_id": previous.id if previous else None},
                 after={"published_revision_id": revision.id, "number": revision.number})
    author = db.session.get(User, revision.submitted_by_id) if revision.submitted_by_id else None
    notify([author] if author else [], subject=_l("Manual published: %(title)s", title=revision.title),
           link=_link("manuals.show", manual_id=manual.id), dedup_key=f"revision:{revision.id}:published")
    return {"revision_id": revision.id, "number": revision.number}


def _open_review_task(instance_id: int, step: str) -> HumanTask | None:
    return db.session.scalar(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.spec_name == STEP_TASKS[step],
        HumanTask.status == TaskStatus.open))


def owning_department(agency: Agency) -> Agency:
    """The nearest agency at or above this one that owns manuals (a department or a local government)."""
    ids = agency.ancestor_ids()
    candidates = {a.id: a for a in db.session.scalars(select(Agency).where(Agency.id.in_(ids)))}
    for agency_id in reversed(ids):
        if candidates[agency_id].kind in OWNING_KINDS_VALUES:
            return candidates[agency_id]
    return agency


def _people_with_role(role: str, agency: Agency, *, exact_scope: bool = False) -> list[User]:
    """Active users holding ``role`` over ``agency``: at it or above it (or nationwide)."""
    ancestor_ids = agency.ancestor_ids()
    query = select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.role == role, Membership.active, User.active)
    if role not in NATIONWIDE_ROLES:
        query = query.where(Membership.agency_id == agency.id if exact_scope else Membership.agency_id.in_(ancestor_ids))
    return list(db.session.scalars(query.distinct().order_by(User.id)))


def _link(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)
