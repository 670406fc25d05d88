"""The operations a manual revision's diagram (``workflows/manual_revision.bpmn``) calls from its service tasks:
the review deadlines, recording a reviewer's decision, reminding and escalating, publishing the approved revision.
Registered by name when this module is imported (``workflows.operations``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, and_, bindparam, select
from sqlalchemy.orm import lazyload

from app.accounts.models import NATIONWIDE_ROLES, Membership, Role, User
from app.core import settings
from app.core.extensions import db
from app.core.types import utcnow
from app.core.unit_memo import memo
from app.core.workflow import HumanTask, TaskStatus, record_audit
from app.manuals.models import Manual, ManualRevision, ManualStatus, RevisionStatus
from app.manuals.services.manual_revisions import (
    STEP_ROLES,
    STEP_TASKS,
)
from app.org.models import Agency
from app.org.services import agencies, calendar_admin
from app.public.services import public_index
from notifications import notify
from workflows.calendar import add_working_days
from workflows.operations import OperationContext, operation


@operation("review_deadlines")
def review_deadlines(ctx: OperationContext, step: str) -> dict:
    """When to remind the reviewers and when to tell the department's central officers."""
    now = utcnow()
    remind_days = settings.value("REVIEW_REMIND_AFTER_DAYS")
    escalate_days = remind_days + settings.value("REVIEW_ESCALATE_AFTER_DAYS")
    remind_at, escalate_at = add_working_days(now, remind_days), add_working_days(now, escalate_days)
    # Tracked, so that a holiday announced meanwhile moves the timers and the task's due date with them; the
    # diagram keeps them in ``<step>_deadlines``.
    calendar_admin.track_deadlines(*(
        dict(purpose=f"review.{step}.{kind}", starts_at=now, working_days=days, due_at=due_at,
             object_type=ctx.business_type, object_id=ctx.business_id, instance_id=ctx.instance_id,
             timer_variable=f'{step}_deadlines["{kind}_at"]')
        for kind, days, due_at in (("remind", remind_days, remind_at), ("escalate", escalate_days, escalate_at))))
    return {"step": step, "remind_at": remind_at.isoformat(), "escalate_at": escalate_at.isoformat()}


@operation("record_review")
def record_review(ctx: OperationContext, step: str, revision_id: int, decision: str, comment: str = "") -> dict:
    revision = _revision(revision_id)
    calendar_admin.close_deadlines([f"review.{step}.{kind}" for kind in ("remind", "escalate")], ctx.business_type,
                                   ctx.business_id)
    before = revision.status
    if decision == "return":
        revision.status = RevisionStatus.returned
        returned = db.session.get(Manual, revision.manual_id)
        returned.status, returned.updated_at = ManualStatus.returned, utcnow()  # the reports' sums read the change
        authors = [db.session.get(User, revision.submitted_by_id)] if revision.submitted_by_id else []
        notify(
            [user for user in authors if user],
            subject=_l("Manual returned for changes: %(title)s", title=revision.title),
            body=comment,
            link=settings.external_url("inbox.index"),
            dedup_key=f"revision:{revision.id}:returned:{step}",
        )
    elif step == "agency":
        revision.status = RevisionStatus.agency_approved
    record_audit(f"revision.{decision}", actor_id=ctx.actor_id, instance_id=ctx.instance_id,
                 object_type="manual", object_id=revision.manual_id, comment=comment or None,
                 before={"status": before},
                 after={"status": revision.status, "step": step, "revision_id": revision.id})
    return {"decision": decision}


@operation("remind_reviewers")
def remind_reviewers(ctx: OperationContext, step: str, revision_id: int) -> dict:
    title, task = _in_review(ctx, step, revision_id)
    if task is not None and task.assignee_id:
        people = [db.session.get(User, task.assignee_id)]
    else:
        people = _people_with_role(STEP_ROLES[step], ctx.agency_id)
    sent = notify(
        people,
        subject=_l("Reminder: a manual is waiting for your review: %(title)s", title=title),
        body=_l("The review is due. Please approve or return it."),
        link=settings.external_url("inbox.task", task_id=task.id) if task else None,
        dedup_key=f"remind:{ctx.instance_id}:{task.id if task else step}",
    )
    return {"notified": sent}


@operation("escalate_review")
def escalate_review(ctx: OperationContext, step: str, revision_id: int) -> dict:
    title, task = _in_review(ctx, step, revision_id)
    department = agencies.owning_department(db.session.get(Agency, ctx.agency_id))
    sent = notify(
        _people_with_role(Role.central_officer.value, department.id, exact_scope=True),
        subject=_l("Overdue manual review: %(title)s", title=title),
        body=_l("A review of this manual is overdue (%(step)s).",
                step=_l("step 1, agency") if step == "agency" else _l("step 2, OPDC")),
        link=settings.external_url("instances.show", instance_id=ctx.instance_id),
        dedup_key=f"escalate:{ctx.instance_id}:{task.id if task else step}",
    )
    record_audit("review.escalated", instance_id=ctx.instance_id, object_type="manual", object_id=ctx.business_id,
                 after={"step": step, "notified": sent})
    return {"notified": sent}


@operation("publish_revision")
def publish_revision(ctx: OperationContext, revision_id: int) -> dict:
    revision = _revision(revision_id)
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
    public_index.index_manual(manual.id)
    # Whom to tell, not what they may do: the author's memberships are not loaded.
    author = db.session.get(User, revision.submitted_by_id, options=(lazyload(User.memberships),)) \
        if revision.submitted_by_id else None
    notify([author] if author else [], subject=_l("Manual published: %(title)s", title=revision.title),
           link=settings.external_url("manuals.show", manual_id=manual.id), dedup_key=f"revision:{revision.id}:published")
    return {"revision_id": revision.id, "number": revision.number}


def _revision(revision_id: int) -> ManualRevision:
    """The revision, read once for the unit of work: the session holds an unchanged row only while something else
    does (an approval's record left it unchanged, and its publication, the next service task, read it again). By
    its key, without flushing the completed task first: the completion's changes go out together."""
    return memo(("revision", revision_id),
                lambda: db.session.get(ManualRevision, revision_id, execution_options={"autoflush": False}))


# Built once: a statement built anew for each reminder costs SQLAlchemy its cache key again.
_IN_REVIEW = (select(ManualRevision.title, HumanTask.id, HumanTask.assignee_id).select_from(ManualRevision)
              .outerjoin(HumanTask, and_(HumanTask.instance_id == bindparam("instance_id"),
                                         HumanTask.spec_name == bindparam("spec_name"),
                                         HumanTask.status == TaskStatus.open))
              .where(ManualRevision.id == bindparam("revision_id")).limit(1))


def _in_review(ctx: OperationContext, step: str, revision_id: int) -> tuple[str, Row | None]:
    """The revision's title and the step's open task as (id, assignee_id), or None: what a reminder or an
    escalation says and to whom, in one query (the timers' operations; the revision's content, its largest
    column, is not read). The instance's agency is its manual's (an agency's move or merge moves both).

    Timers firing together read theirs in one query for the batch, again only after a task changed meanwhile."""
    if ctx.fired_with:
        titles, tasks = memo(("in review", ctx.fired_with), lambda: _read_in_review(ctx.fired_with),
                             depends_on=(HumanTask, ManualRevision))
        if (ctx.instance_id, revision_id) in titles:
            return titles[ctx.instance_id, revision_id], tasks.get((ctx.instance_id, STEP_TASKS[step]))
    row = db.session.execute(_IN_REVIEW, {"instance_id": ctx.instance_id, "spec_name": STEP_TASKS[step],
                                          "revision_id": revision_id}).one()
    return row.title, (row if row.id is not None else None)


_IN_REVIEW_TOGETHER = (
    select(ManualRevision.instance_id, ManualRevision.id.label("revision_id"), ManualRevision.title,
           HumanTask.spec_name, HumanTask.id, HumanTask.assignee_id)
    .outerjoin(HumanTask, and_(HumanTask.instance_id == ManualRevision.instance_id,
                               HumanTask.status == TaskStatus.open))
    .where(ManualRevision.instance_id.in_(bindparam("instance_ids", expanding=True))))


def _read_in_review(instance_ids: tuple[int, ...]) -> tuple[dict, dict]:
    """{(instance, revision): title} and {(instance, task name): open task} of these instances' revisions."""
    titles, tasks = {}, {}
    for row in db.session.execute(_IN_REVIEW_TOGETHER, {"instance_ids": list(instance_ids)}):
        titles[row.instance_id, row.revision_id] = row.title
        if row.id is not None:
            tasks.setdefault((row.instance_id, row.spec_name), row)
    return titles, tasks


def _people_with_role(role: str, agency_id: int, *, exact_scope: bool = False) -> list[User]:
    """Active users holding ``role`` over the agency: at it or above it (or nationwide). Read once per unit of work
    (the timer job fires a batch of reminders, most of them to the same people, in one transaction)."""
    return memo(("people_with_role", role, agency_id, exact_scope),
                lambda: _read_people_with_role(role, db.session.get(Agency, agency_id), exact_scope),
                depends_on=(User, Membership))


def _read_people_with_role(role: str, agency: Agency, exact_scope: bool) -> list[User]:
    ancestor_ids = agency.ancestor_ids()
    query = select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.role == role, Membership.active, User.active)
    if role not in NATIONWIDE_ROLES:
        query = query.where(Membership.agency_id == agency.id if exact_scope else Membership.agency_id.in_(ancestor_ids))
    # Whom to tell, not what they may do: their memberships are not read (nor loaded).
    return list(db.session.scalars(query.distinct().order_by(User.id).options(lazyload(User.memberships))))

