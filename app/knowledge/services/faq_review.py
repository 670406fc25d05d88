"""The review of an FAQ proposal (``workflows/faq_review.bpmn``): the task handlers of the review and revise steps,
the task's subject, and the operations the diagram's service tasks call (due date, recording, publishing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.core import settings
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import AuditEvent, HumanTask, record_audit, row_of_instance
from app.inbox.services import inbox
from app.knowledge.models import FaqEntry, FaqRevision, FaqStatus, RevisionState
from app.knowledge.services.faq_entries import BUSINESS_TYPE, _conflicts_reported, _flush, _index
from app.knowledge.services.faq_errors import EntryNotFound, InvalidEntry
from app.knowledge.services.faq_search import topics
from app.knowledge.services.faq_text import EntryText, clean_note, clean_text
from notifications import notify
from workflows.calendar import add_working_days
from workflows.operations import OperationContext, operation


def revision_of_instance(instance_id: int) -> FaqRevision | None:
    return row_of_instance(FaqRevision, instance_id)


def _apply_text(revision: FaqRevision, text: EntryText, user: User, action: str) -> None:
    """The reviewer's (or the proposer's) changes to the text in review, audited field by field."""
    before = {"question": revision.question, "answer": revision.answer, "topic": revision.topic}
    after = {"question": text.question, "answer": text.answer, "topic": text.topic}
    changed = {key: value for key, value in after.items() if before[key] != value}
    if not changed:
        return
    entry = db.session.get(FaqEntry, revision.entry_id)
    revision.question, revision.answer, revision.topic = text.question, text.answer, text.topic
    if entry.version == 0:  # never published: the entry shows the text in review
        entry.question, entry.answer, entry.topic = text.question, text.answer, text.topic
        entry.updated_at = utcnow()
    _flush()
    record_audit(action, actor_id=user.id, instance_id=revision.instance_id, object_type=BUSINESS_TYPE,
                 object_id=revision.entry_id, before={key: before[key] for key in changed}, after=changed)


def _revision_for(task: HumanTask) -> FaqRevision:
    revision = revision_of_instance(task.instance_id)
    if revision is None:
        raise EntryNotFound()
    return revision


REVIEW_DECISIONS = ("approve", "return", "reject")
REVISE_ACTIONS = ("resubmit", "abandon")


@inbox.on_complete("knowledge.review")
def _reviewed(task: HumanTask, answer: inbox.TaskAnswer, user: User) -> dict:
    """The reviewer's edits go into the revision (not into the workflow: long text stays in the tables); the
    decision and its reason go on to the diagram."""
    data = answer.data
    decision = data.get("decision")
    if decision not in REVIEW_DECISIONS:
        raise InvalidEntry(_l("Choose approve, return or reject."), "decision")
    comment = clean_note(data.get("comment"), "comment", required=decision != "approve",
                         missing=_l("Say why, for the proposer."))
    text = clean_text(data.get("question"), data.get("answer"), data.get("topic"))
    with _conflicts_reported():
        revision = _revision_for(task)
        _apply_text(revision, text, user, "faq.edited_in_review")
        revision.reviewed_by_id, revision.reviewed_at = user.id, utcnow()
        db.session.flush()
    return {task.spec_name: {"decision": decision, "comment": comment or ""}}


@inbox.on_complete("knowledge.revise")
def _revised(task: HumanTask, answer: inbox.TaskAnswer, user: User) -> dict:
    data = answer.data
    action = data.get("action")
    if action not in REVISE_ACTIONS:
        raise InvalidEntry(_l("Choose to send it again or to give it up."), "action")
    if action == "resubmit":
        text, note = clean_text(data.get("question"), data.get("answer"), data.get("topic")), clean_note(data.get("note"))
        with _conflicts_reported():
            revision = _revision_for(task)
            _apply_text(revision, text, user, "faq.revised")
            revision.note = note or revision.note
            db.session.flush()
    return {task.spec_name: {"action": action}}


def _text_prefill(task: HumanTask) -> dict:
    revision = revision_of_instance(task.instance_id)
    return {"question": revision.question, "answer_text": revision.answer, "topic": revision.topic} if revision else {}


@inbox.subject_provider(BUSINESS_TYPE)
def _subject(instance) -> dict:
    """What the review's task page shows: the text in review, the published one it would replace, the source,
    and the reasons of earlier returns."""
    entry = db.session.get(FaqEntry, instance.business_id)
    revision = revision_of_instance(instance.id)
    proposer = db.session.get(User, revision.proposed_by_id) if revision and revision.proposed_by_id else None
    returns = list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.instance_id == instance.id, AuditEvent.action.in_(("faq.return", "faq.reject")))
        .order_by(AuditEvent.id)))
    return {"faq_entry": entry, "faq_revision": revision, "faq_proposer": proposer, "faq_returns": returns,
            "faq_topics": topics(published_only=False)}


@operation("faq_review_due")
def review_due(ctx: OperationContext) -> dict:
    """When the review is due: a few working days after the proposal (``FAQ_REVIEW_DAYS``, default 3)."""
    due = add_working_days(utcnow(), int(settings.value("FAQ_REVIEW_DAYS", 3)))
    return {"due_at": due.isoformat()}


def _proposer_of(revision: FaqRevision, ctx: OperationContext) -> list[User]:
    """Who proposed the change, unless they decided it themselves."""
    if revision.proposed_by_id is None or revision.proposed_by_id == ctx.actor_id:
        return []
    user = db.session.get(User, revision.proposed_by_id)
    return [user] if user is not None and user.active else []


@operation("faq_record_review")
def record_review(ctx: OperationContext, revision_id: int, decision: str, comment: str = "") -> dict:
    revision = db.session.get(FaqRevision, revision_id)
    entry = db.session.get(FaqEntry, revision.entry_id)
    before = {"state": revision.state, "status": entry.status}
    now = utcnow()
    revision.reviewed_by_id, revision.reviewed_at = ctx.actor_id, now
    revision.review_comment = comment or None
    if decision == "return":
        revision.state = RevisionState.returned
        if entry.version == 0:
            entry.status = FaqStatus.draft
        notify(_proposer_of(revision, ctx), subject=_l("FAQ proposal returned for changes: %(question)s",
                                                       question=revision.question[:120]),
               body=comment, link=settings.external_url("inbox.index"),
               dedup_key=f"faq_revision:{revision.id}:returned:{ctx.instance_id}:{now.isoformat()}")
    elif decision == "reject":
        revision.state = RevisionState.rejected
        if entry.version == 0:
            entry.status = FaqStatus.rejected
        notify(_proposer_of(revision, ctx), subject=_l("FAQ proposal not accepted: %(question)s",
                                                       question=revision.question[:120]),
               body=comment, dedup_key=f"faq_revision:{revision.id}:rejected")
    entry.updated_at = now
    record_audit(f"faq.{decision}", actor_id=ctx.actor_id, instance_id=ctx.instance_id, object_type=BUSINESS_TYPE,
                 object_id=entry.id, comment=comment or None, before=before,
                 after={"state": revision.state, "status": entry.status, "revision_id": revision.id})
    return {"decision": decision}


@operation("faq_publish")
def publish(ctx: OperationContext, revision_id: int) -> dict:
    """The approved text becomes the public entry (its next version) and is searchable at once."""
    revision = db.session.get(FaqRevision, revision_id)
    entry = db.session.get(FaqEntry, revision.entry_id)
    before = {"status": entry.status, "version": entry.version, "question": entry.question, "topic": entry.topic}
    now = utcnow()
    revision.state = RevisionState.approved
    entry.question, entry.answer, entry.topic = revision.question, revision.answer, revision.topic
    entry.status, entry.version = FaqStatus.published, entry.version + 1
    entry.published_at, entry.updated_at, entry.withdrawn_at = now, now, None
    entry.reviewed_by_id = ctx.actor_id
    _index(entry)
    record_audit("faq.published", actor_id=ctx.actor_id, instance_id=ctx.instance_id, object_type=BUSINESS_TYPE,
                 object_id=entry.id, before=before,
                 after={"status": entry.status, "version": entry.version, "question": entry.question,
                        "topic": entry.topic, "revision_id": revision.id})
    notify(_proposer_of(revision, ctx), subject=_l("FAQ entry published: %(question)s",
                                                   question=revision.question[:120]),
           link=settings.external_url("public.faq_entry", entry_id=entry.id),
           dedup_key=f"faq_revision:{revision.id}:published")
    return {"entry_id": entry.id, "version": entry.version}


@operation("faq_record_revise")
def record_revise(ctx: OperationContext, revision_id: int, action: str) -> dict:
    revision = db.session.get(FaqRevision, revision_id)
    entry = db.session.get(FaqEntry, revision.entry_id)
    before = {"state": revision.state, "status": entry.status}
    if action == "abandon":
        revision.state = RevisionState.abandoned
        if entry.version == 0:
            entry.status = FaqStatus.withdrawn
            entry.withdrawn_at = utcnow()
    else:
        revision.state = RevisionState.in_review
        revision.proposed_at = utcnow()
        if entry.version == 0:
            entry.status = FaqStatus.in_review
    entry.updated_at = utcnow()
    record_audit("faq.resubmitted" if action == "resubmit" else "faq.abandoned", actor_id=ctx.actor_id,
                 instance_id=ctx.instance_id, object_type=BUSINESS_TYPE, object_id=entry.id,
                 comment=revision.note if action == "resubmit" else None, before=before,
                 after={"state": revision.state, "status": entry.status, "revision_id": revision.id})
    return {"action": action}


inbox.prefill("knowledge.review")(_text_prefill)
inbox.prefill("knowledge.revise")(_text_prefill)
