"""A manual revision's approval: drafts, submission and its task handlers (the diagram's operations: ``revision_operations``).

The lifecycle is ``workflows/manual_revision.bpmn``: the agency's manual reviewer
approves or returns (step 1), an OPDC officer approves or returns (step 2), then
``publish_revision`` publishes it and supersedes the previous published one.
"""

from __future__ import annotations

import copy

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.accounts.models import Role, User
from app.accounts.services import policy
from app.core.conflicts import flush_or_conflict
from app.core.extensions import db
from app.core.types import utcnow
from app.core.unit_memo import memo
from app.core.workflow import AuditEvent, HumanTask, ProcessInstance, TaskStatus, record_audit
from app.inbox.services import inbox
from app.manuals.models import Manual, ManualAttachment, ManualRevision, ManualStatus, RevisionStatus
from app.manuals.services import manual_content, manual_diff, manuals
from app.manuals.services.manuals import ManualError, NotAllowed
from app.org.services import catalogue
from workflows import engine

PROCESS_ID = "manual_revision"
STEP_ROLES = {"agency": Role.manual_reviewer.value, "opdc": Role.opdc_officer.value}
STEP_TASKS = {"agency": "review_agency", "opdc": "review_opdc"}


class RevisionAlreadyInReview(ManualError):
    code = "already_in_review"


class ManualChangedMeanwhile(ManualError):
    code = "conflict"


class DraftExists(ManualError):
    code = "draft_exists"


class NotADraft(ManualError):
    code = "not_a_draft"


class RevisionIncomplete(ManualError):
    """The draft lacks what the reviewers need; ``errors`` says what, keyed like the content."""

    code = "incomplete"

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


class DraftNotReady(inbox.InboxError):
    """Answering a return needs a complete draft; raised from the task handler, so the inbox explains it."""

    def __init__(self, errors: dict | None = None):
        super().__init__(errors)
        self.errors = errors or {}


# --- drafts --------------------------------------------------------------------------------------------


def _draft_of(manual: Manual):
    return (ManualRevision.manual_id == manual.id) & (ManualRevision.status == RevisionStatus.draft)


def current_draft(manual: Manual) -> ManualRevision | None:
    return db.session.scalar(select(ManualRevision).where(_draft_of(manual)))


def has_draft(manual: Manual) -> bool:
    """Whether the manual has a draft, without reading the draft's content."""
    return db.session.scalar(select(ManualRevision.id).where(_draft_of(manual)).limit(1)) is not None


def last_returned(manual: Manual) -> ManualRevision | None:
    return db.session.scalar(select(ManualRevision).where(ManualRevision.manual_id == manual.id,
                                                          ManualRevision.status == RevisionStatus.returned)
                             .order_by(ManualRevision.number.desc()).limit(1))


def start_manual(user: User, *, title: str, agency_id: int, process_id: int | None = None,
                 content: dict | None = None, change_note: str | None = None) -> ManualRevision:
    """A new manual with its first draft, holding ``content`` (already cleaned) when given: written at once, not
    created empty and saved again (a new manual has no draft, no other revision and no user groups to replace)."""
    manual = manuals.create_manual(user, title=title, agency_id=agency_id, process_id=process_id)
    content = content or {}
    revision = ManualRevision(manual=manual, number=1, title=manual.title, content=content,
                              change_note=(change_note or "").strip() or None, status=RevisionStatus.draft,
                              created_at=manual.created_at, created_by_id=user.id, updated_at=manual.created_at)
    db.session.add(revision)
    flush_or_conflict(ManualChangedMeanwhile, IntegrityError)
    manuals.file_user_groups(manual.id, content, new_manual=True)
    catalogue.remember_tags(content.get("tags"))
    record_audit("revision.draft_created", actor_id=user.id, object_type="manual", object_id=manual.id,
                 after={"revision_id": revision.id, "number": revision.number, "based_on_id": None,
                        "changed": [change.key for change in manual_diff.diff({}, content)]})
    return revision


def new_draft(user: User, manual: Manual) -> ManualRevision:
    """Start the next revision: a copy of the returned one while a return waits, else of the published one."""
    if not policy.can_author_manual(user, manual):
        raise NotAllowed(manual.id)
    if has_draft(manual):
        raise DraftExists(manual.id)
    if manual.status == ManualStatus.in_review:
        raise RevisionAlreadyInReview(manual.id)
    source = last_returned(manual) if manual.status == ManualStatus.returned else manual.published_revision
    revision = _new_revision(manual, user, title=source.title if source else manual.title,
                             content=copy.deepcopy(source.content) if source else {})
    if source is not None:
        revision.based_on_id = source.id
        for attachment in source.attachments:  # rows only: the files are shared by their hash
            revision.attachments.append(ManualAttachment(
                label=attachment.label, filename=attachment.filename, content_type=attachment.content_type,
                size=attachment.size, sha256=attachment.sha256, position=attachment.position))
    flush_or_conflict(ManualChangedMeanwhile, IntegrityError)
    record_audit("revision.draft_created", actor_id=user.id, object_type="manual", object_id=manual.id,
                 after={"revision_id": revision.id, "number": revision.number,
                        "based_on_id": revision.based_on_id})
    return revision


def check_draft(user: User, revision: ManualRevision, row_version: int | None = None) -> Manual:
    """The author may still change this draft, and nobody saved it since they loaded it."""
    manual = db.session.get(Manual, revision.manual_id)
    if not policy.can_author_manual(user, manual):
        raise NotAllowed(manual.id)
    if revision.status != RevisionStatus.draft:
        raise NotADraft(revision.id)
    if row_version is not None and row_version != revision.row_version:
        raise ManualChangedMeanwhile(revision.id)
    return manual


def save_draft(user: User, revision: ManualRevision, *, title: str, content: dict, change_note: str | None,
               row_version: int | None) -> ManualRevision:
    """Store the draft as the author left it (already cleaned); a draft may be incomplete."""
    check_draft(user, revision, row_version)
    before = {"title": revision.title, "content": revision.content}
    revision.title = title.strip()
    revision.content = content
    revision.change_note = (change_note or "").strip() or None
    revision.updated_at = utcnow()
    flush_or_conflict(ManualChangedMeanwhile, IntegrityError)
    manuals.file_user_groups(revision.manual_id, content)
    catalogue.remember_tags(content.get("tags"))  # so the next author is offered them
    changes = manual_diff.diff(before["content"], content)
    record_audit("revision.draft_saved", actor_id=user.id, object_type="manual", object_id=revision.manual_id,
                 before={"title": before["title"]},
                 after={"revision_id": revision.id, "title": revision.title,
                        "changed": [change.key for change in changes]})
    return revision


def submit_draft(user: User, revision: ManualRevision, row_version: int | None = None) -> ManualRevision:
    """Freeze the draft and send it for approval; while a return waits, it answers the revise task."""
    manual = check_draft(user, revision, row_version)
    errors = manual_content.validate_for_submission(revision.content)
    if errors:
        raise RevisionIncomplete(errors)
    if manual.status == ManualStatus.in_review:
        raise RevisionAlreadyInReview(manual.id)
    if manual.status == ManualStatus.returned:
        task = waiting_revise_task(manual)
        if task is None:
            raise RevisionAlreadyInReview(manual.id)
        inbox.complete(user, task, draft_answer(revision.id, revision.change_note))
        return revision
    _freeze(revision, manual, user)
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
    flush_or_conflict(ManualChangedMeanwhile, IntegrityError)
    return revision


def submit(user: User, manual: Manual, *, title: str, content: dict, change_note: str | None = None) -> ManualRevision:
    """Write a whole revision and submit it at once (demo data, imports, benchmarks)."""
    cleaned, errors = manual_content.clean(content)
    errors |= manual_content.catalogue_errors(cleaned)
    if errors:
        raise RevisionIncomplete(errors)
    revision = current_draft(manual) or new_draft(user, manual)
    save_draft(user, revision, title=title, content=cleaned, change_note=change_note, row_version=None)
    return submit_draft(user, revision)


def draft_answer(revision_id: int, change_note: str | None = None) -> inbox.TaskAnswer:
    """The revise task's answer when the editor submits a draft: the draft, and its change note as the comment."""
    note = (change_note or "").strip()
    return inbox.TaskAnswer({"revision_id": revision_id, "change_note": note}, comment=note or None)


def waiting_revise_task(manual: Manual) -> HumanTask | None:
    # From the manual's instances to their tasks: joined the other way, SQLite walked every open task in the country.
    instances = select(ProcessInstance.id).where(ProcessInstance.business_type == "manual",
                                                 ProcessInstance.business_id == manual.id)
    return db.session.scalar(select(HumanTask).where(HumanTask.instance_id.in_(instances),
                                                     HumanTask.spec_name == "revise",
                                                     HumanTask.status == TaskStatus.open))


def _new_revision(manual: Manual, user: User, *, title: str, content: dict) -> ManualRevision:
    number = (db.session.scalar(select(func.max(ManualRevision.number)).where(ManualRevision.manual_id == manual.id))
              or 0) + 1
    now = utcnow()
    revision = ManualRevision(manual_id=manual.id, number=number, title=title.strip(), content=content,
                              status=RevisionStatus.draft, created_at=now, created_by_id=user.id, updated_at=now)
    db.session.add(revision)
    manual.updated_at = now  # bumps the manual's lock_version: two drafts at once cannot both pass
    flush_or_conflict(ManualChangedMeanwhile, IntegrityError)
    manuals.file_user_groups(manual.id, content)
    return revision


def _freeze(revision: ManualRevision, manual: Manual, user: User) -> None:
    now = utcnow()
    revision.status = RevisionStatus.in_review
    revision.submitted_at = now
    revision.submitted_by_id = user.id
    manual.status = ManualStatus.in_review
    manual.updated_at = now  # bumps the manual's lock_version: two submissions at once cannot both pass
    flush_or_conflict(ManualChangedMeanwhile, IntegrityError)
    record_audit("revision.submitted", actor_id=user.id, object_type="manual", object_id=manual.id,
                 after={"revision_id": revision.id, "number": revision.number})


def revision_under_review(instance_id: int) -> ManualRevision | None:
    """The approval's revision, with its manual (each caller reads that too); read once a unit of work (a returned
    revision's task page shows it and its form starts from it)."""
    return memo(("revision under review", instance_id), lambda: db.session.scalar(
        select(ManualRevision).where(ManualRevision.instance_id == instance_id)
        .options(joinedload(ManualRevision.manual)).order_by(ManualRevision.number.desc()).limit(1)),
        depends_on=(ManualRevision,))


# --- task handlers ---------------------------------------------------------------------------------------


@inbox.on_complete("manual_revision.revise")
def _revise(task: HumanTask, answer: inbox.TaskAnswer, user: User) -> dict:
    """Answering a return submits the author's draft; the returned revision stays as it was."""
    previous = revision_under_review(task.instance_id)
    revision = db.session.get(ManualRevision, int(answer.data.get("revision_id") or 0))
    if revision is None or revision.manual_id != previous.manual_id or revision.status != RevisionStatus.draft:
        raise DraftNotReady()
    errors = manual_content.validate_for_submission(revision.content)
    if errors:
        raise DraftNotReady(errors)
    manual = check_draft(user, revision)
    _freeze(revision, manual, user)
    revision.instance_id = task.instance_id
    flush_or_conflict(ManualChangedMeanwhile, IntegrityError)
    return {"revision_id": revision.id}


@inbox.prefill("manual_revision.revise")
def _revise_prefill(task: HumanTask) -> dict:
    returned = revision_under_review(task.instance_id)
    draft = current_draft(db.session.get(Manual, returned.manual_id)) if returned else None
    return {"revision_id": draft.id} if draft else {}


@inbox.subject_provider("manual")
def _subject(instance) -> dict:
    """The revision in review, what changed against the published one and, at OPDC, since the last step-1 approval."""
    revision = revision_under_review(instance.id)
    manual = db.session.get(Manual, instance.business_id)  # read with the revision when there is one
    published = manual.published_revision if manual else None
    subject = {"manual": manual, "revision": revision, "published": published, "return_comment": None,
               "changes": [], "approved_at_step_one": None, "changes_since_step_one": []}
    if revision is None:
        return subject
    names = catalogue.labels()
    subject["names"] = names
    if published is None or published.id != revision.id:
        subject["changes"] = manual_diff.diff(published.content if published else None, revision.content, names)
    returns = _returns(instance.id)
    subject["return_comment"] = returns[0].comment if returns else None
    subject["draft_exists"] = has_draft(manual)
    step_one = _approved_at_step_one(revision, returns)
    if step_one is not None:
        subject["approved_at_step_one"] = step_one
        subject["changes_since_step_one"] = manual_diff.diff(step_one.content, revision.content, names)
    return subject


def _returns(instance_id: int) -> list[AuditEvent]:
    """The approval's returns, the latest first."""
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id,
                                                            AuditEvent.action == "revision.return")
                                   .order_by(AuditEvent.id.desc())))


def _approved_at_step_one(revision: ManualRevision, returns: list[AuditEvent]) -> ManualRevision | None:
    """In this approval (its ``returns``, the latest first), the revision the agency reviewer approved and OPDC then
    returned (the latest such)."""
    for event_row in returns:
        after = event_row.after or {}
        if after.get("step") == "opdc" and after.get("revision_id") and after["revision_id"] != revision.id:
            return db.session.get(ManualRevision, after["revision_id"])
    return None
