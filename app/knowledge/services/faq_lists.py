"""What the FAQ's staff read: the list of entries by status, the counts, an entry's history and open review
task, and the figures of the knowledge base."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.core.extensions import db
from app.core.paging import Page
from app.core.workflow import AuditEvent, HumanTask, TaskStatus
from app.knowledge.models import FaqEntry, FaqRevision, FaqStatus, RevisionState, SourceKind
from app.knowledge.services.faq_entries import BUSINESS_TYPE, PAGE_SIZE, is_staff, is_supervisor, open_revision


@dataclass
class EntryRow:
    entry: FaqEntry
    proposer_name: str | None
    reviewer_name: str | None
    open_revision: str | None  # the state of a change in review or returned, if any


LIST_STATUSES = ("all", *FaqStatus.ALL)


def _list_clause(user: User, status: str):
    clauses = []
    if not is_supervisor(user):
        clauses.append(FaqEntry.proposed_by_id == user.id)  # an agent follows their own proposals
    if status in FaqStatus.ALL:
        clauses.append(FaqEntry.status == status)
    return clauses


def list_entries(user: User, status: str = "all", *, page: int = 1, per_page: int = PAGE_SIZE) -> Page:
    """One page of the entries the user may see, newest change first; three queries whatever the page holds."""
    if not is_staff(user):
        return Page([], 0, page, per_page)
    clauses = _list_clause(user, status)
    total = db.session.scalar(select(func.count()).select_from(FaqEntry).where(*clauses))
    proposer, reviewer = aliased(User), aliased(User)
    rows = db.session.execute(
        select(FaqEntry, proposer.display_name, reviewer.display_name)
        .outerjoin(proposer, proposer.id == FaqEntry.proposed_by_id)
        .outerjoin(reviewer, reviewer.id == FaqEntry.reviewed_by_id)
        .where(*clauses).order_by(FaqEntry.updated_at.desc(), FaqEntry.id.desc())
        .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    ids = [entry.id for entry, *_names in rows]
    open_states = dict(db.session.execute(
        select(FaqRevision.entry_id, FaqRevision.state).where(FaqRevision.entry_id.in_(ids),
                                                             FaqRevision.state.in_(RevisionState.OPEN)))
        .all()) if ids else {}
    return Page([EntryRow(entry, proposer_name, reviewer_name, open_states.get(entry.id))
                 for entry, proposer_name, reviewer_name in rows], total, page, per_page)


def status_counts(user: User) -> dict[str, int]:
    """Entries per status (those the user may see); one query."""
    if not is_staff(user):
        return {}
    clauses = _list_clause(user, "all")
    counts = dict(db.session.execute(select(FaqEntry.status, func.count()).where(*clauses)
                                     .group_by(FaqEntry.status)).all())
    return {"all": sum(counts.values()), **{status: counts.get(status, 0) for status in FaqStatus.ALL}}


def history(entry: FaqEntry) -> list[tuple[AuditEvent, str | None]]:
    """The entry's audit events with who did each, oldest first; one query."""
    return [(event_row, name) for event_row, name in db.session.execute(
        select(AuditEvent, User.display_name).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.object_type == BUSINESS_TYPE, AuditEvent.object_id == entry.id)
        .order_by(AuditEvent.id)).all()]


def open_review_task(entry: FaqEntry) -> HumanTask | None:
    """The open task of the entry's review (review or revise), for a link from the staff page."""
    revision = open_revision(entry)
    if revision is None or revision.instance_id is None:
        return None
    return db.session.scalar(select(HumanTask).where(HumanTask.instance_id == revision.instance_id,
                                                     HumanTask.status == TaskStatus.open).limit(1))


def figures() -> dict[str, int]:
    """FAQ entries per status, and how many came from chat (for the summary reports); one query."""
    rows = db.session.execute(select(FaqEntry.status, FaqEntry.source_kind, func.count())
                              .group_by(FaqEntry.status, FaqEntry.source_kind)).all()
    result = dict.fromkeys(FaqStatus.ALL, 0) | {"from_chat": 0, "total": 0}
    for status, kind, count in rows:
        result[status] = result.get(status, 0) + count
        result["total"] += count
        if kind == SourceKind.chat:
            result["from_chat"] += count
    return result


