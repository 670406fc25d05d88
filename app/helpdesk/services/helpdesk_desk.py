"""IR Online agent desk: triage, the queues, the agent's actions on a ticket and merge. Who works here, teams,
categories and standard answers are in ``helpdesk_staff``.

Access: helpdesk agents and supervisors (roles ``helpdesk_agent``/``helpdesk_supervisor``) see every ticket;
supervisors also triage (a BPMN user task in their lane) and keep the SLA targets, categories, teams and the
standard answers' library, which agents may add to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, false, func, or_, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.core import settings
from app.core.extensions import db
from app.core.paging import Page
from app.core.types import utcnow
from app.core.workflow import AuditEvent, HumanTask, TaskStatus, record_audit, row_of_instance
from app.helpdesk.models import HelpdeskTeam, MessageKind, Ticket, TicketCategory, TicketMessage, TicketPriority, TicketStatus
from app.helpdesk.services import (
    helpdesk,
    helpdesk_conversation,
    helpdesk_files,
    helpdesk_intake,
    helpdesk_lifecycle,
    helpdesk_merged,
    helpdesk_sla,
    helpdesk_staff,
)
from app.helpdesk.services.helpdesk import BUSINESS_TYPE, InvalidReport, WrongState, conflicts_reported
from app.helpdesk.services.helpdesk_lifecycle import acting_on, deliver
from app.inbox.services import inbox
from notifications import notify

QUEUES = ("unassigned", "mine", "team", "waiting", "breached", "all")
TRIAGE_TASK = "triage"
# Who holds a ticket, who did a thing: one alias each for every list (a new one a request costs SQLAlchemy its set-up).
_ASSIGNEE, _ACTOR = aliased(User, name="assignee"), aliased(User, name="actor")


# --- triage (a user task of the supervisors) ---------------------------------------------------------------------


def triage_task(ticket: Ticket) -> HumanTask | None:
    if ticket.instance_id is None:
        return None
    return db.session.scalar(select(HumanTask).where(HumanTask.instance_id == ticket.instance_id,
                                                     HumanTask.spec_name == TRIAGE_TASK,
                                                     HumanTask.status == TaskStatus.open))


def _check_assignment(assignee_id: int | None, team_id: int | None) -> None:
    if assignee_id and assignee_id not in {agent.id for agent in helpdesk_staff.agents()}:
        raise InvalidReport(_l("Choose a member of the helpdesk staff."), field="assignee_id")
    if team_id:
        team = db.session.get(HelpdeskTeam, team_id)
        if team is None or not team.active:
            raise InvalidReport(_l("Choose one of the teams."), field="team_id")


@inbox.on_complete("incident_ticket.triage")
def _triage_completed(task: HumanTask, answer: inbox.TaskAnswer, user: User) -> dict:
    """The supervisor's choices go onto the ticket before the workflow moves on."""
    data = answer.data
    ticket = row_of_instance(Ticket, task.instance_id)
    category = db.session.get(TicketCategory, data["category_id"])
    if category is None:
        raise InvalidReport(_l("Choose the area of e-GP the problem is in."), field="category_id")
    if data["priority"] not in TicketPriority.ALL:
        raise InvalidReport(_l("Choose the priority."), field="priority")
    _check_assignment(data.get("assignee_id"), data.get("team_id"))
    before = {"category_id": ticket.category_id, "priority": ticket.priority, "assignee_id": ticket.assignee_id,
              "team_id": ticket.team_id}
    ticket.category_id = category.id
    ticket.assignee_id = data.get("assignee_id") or None
    ticket.team_id = data.get("team_id") or None
    changed_priority = ticket.priority != data["priority"]
    ticket.priority = data["priority"]
    ticket.updated_at = utcnow()
    with conflicts_reported():
        db.session.flush()
        if changed_priority:
            helpdesk_sla.reprioritized(ticket, user.id)
    record_audit("ticket.triage_saved", actor_id=user.id, instance_id=ticket.instance_id, object_type=BUSINESS_TYPE,
                 object_id=ticket.id, before=before,
                 after={"category_id": ticket.category_id, "priority": ticket.priority,
                        "assignee_id": ticket.assignee_id, "team_id": ticket.team_id})
    return {}


@inbox.prefill("incident_ticket.triage")
def _triage_prefill(task: HumanTask) -> dict:
    ticket = row_of_instance(Ticket, task.instance_id)
    return {"category_id": ticket.category_id, "priority": ticket.priority, "assignee_id": ticket.assignee_id or 0,
            "team_id": ticket.team_id or 0} if ticket else {}


@inbox.subject_provider(BUSINESS_TYPE)
def _subject(instance) -> dict:
    return {"ticket": row_of_instance(Ticket, instance.id)}


# --- queues ----------------------------------------------------------------------------------------------------------


@dataclass
class TicketRow:
    ticket: Ticket
    assignee_name: str | None
    team_name: str | None
    minutes_left: int | None

    @property
    def overdue(self) -> bool:
        return self.ticket.breached or (self.minutes_left is not None and self.minutes_left < 0)


def _sla_due():
    return case((Ticket.first_responded_at.is_(None), Ticket.first_response_due_at), else_=Ticket.resolution_due_at)


def _queue_clause(user: User, queue: str):
    active = Ticket.status.in_(TicketStatus.ACTIVE)
    if queue == "unassigned":
        return active & Ticket.assignee_id.is_(None)
    if queue == "mine":
        return active & (Ticket.assignee_id == user.id)
    if queue == "team":
        team_ids = helpdesk_staff.my_team_ids(user)
        return active & Ticket.team_id.in_(team_ids) if team_ids else false()
    if queue == "waiting":
        return Ticket.status == TicketStatus.waiting_reporter
    if queue == "breached":
        # Past due and still counting (a paused clock's due time moves on when it restarts).
        return active & (Ticket.first_response_breached | Ticket.resolution_breached
                         | ((_sla_due() < utcnow()) & Ticket.paused_at.is_(None)))
    return Ticket.id.is_not(None)


def _search_clause(q: str):
    text = " ".join((q or "").split())
    if not text:
        return None
    compact = re.sub(r"[\s\-]", "", text)
    if re.fullmatch(r"(?i)IR\d+", compact):
        return Ticket.number == compact.upper()
    if re.fullmatch(r"\d{11}", compact):
        return Ticket.project_number == compact
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(Ticket.subject.ilike(pattern, escape="\\"), Ticket.description.ilike(pattern, escape="\\"),
               Ticket.contact_name.ilike(pattern, escape="\\"))


def list_tickets(user: User, queue: str = "unassigned", q: str | None = None, page: int = 1,
                 per_page: int = 20) -> Page:
    """One page of a queue, least time left first: two queries (count, rows) whatever the page holds."""
    helpdesk_staff.require_agent(user)
    clause = _queue_clause(user, queue if queue in QUEUES else "unassigned")
    search = _search_clause(q or "")
    if search is not None:
        clause = clause & search
    total = db.session.scalar(select(func.count()).select_from(Ticket).where(clause)) or 0
    finished_last = case((Ticket.status.in_(TicketStatus.ACTIVE), 0), else_=1)
    query = (select(Ticket, _ASSIGNEE.display_name, HelpdeskTeam.name)
             .outerjoin(_ASSIGNEE, _ASSIGNEE.id == Ticket.assignee_id)
             .outerjoin(HelpdeskTeam, HelpdeskTeam.id == Ticket.team_id)
             .where(clause)
             .order_by(finished_last, _sla_due().is_(None), _sla_due(), Ticket.id)
             .limit(per_page).offset((max(page, 1) - 1) * per_page))
    now = utcnow()
    rows = [TicketRow(ticket, assignee_name, team_name, helpdesk_sla.time_left(ticket, now))
            for ticket, assignee_name, team_name in db.session.execute(query).unique()]
    return Page(rows, total, page, per_page)


def queue_counts(user: User) -> dict[str, int]:
    """Each queue's size: one statement."""
    counts = [select(func.count()).select_from(Ticket).where(_queue_clause(user, queue)).scalar_subquery()
              for queue in QUEUES[:-1]]
    return dict(zip(QUEUES[:-1], db.session.execute(select(*counts)).one(), strict=True))


# --- one ticket ---------------------------------------------------------------------------------------------------------


def history(ticket: Ticket) -> list[AuditEvent]:
    """Every audited change of the ticket, of duplicates merged into it, and of its workflow: one query."""
    ids = helpdesk_conversation._thread_ids(ticket)
    clause = (AuditEvent.object_type == BUSINESS_TYPE) & AuditEvent.object_id.in_(ids)
    if ticket.instance_id:
        clause = clause | (AuditEvent.instance_id == ticket.instance_id)
    return [(event, name) for event, name in db.session.execute(
        select(AuditEvent, _ACTOR.display_name).outerjoin(_ACTOR, _ACTOR.id == AuditEvent.actor_id).where(clause)
        .order_by(AuditEvent.occurred_at, AuditEvent.id))]


def merged_into_this(ticket: Ticket) -> list[Ticket]:
    return list(db.session.scalars(select(Ticket).where(Ticket.merged_into_id == ticket.id).order_by(Ticket.id)))


# --- the agent's actions --------------------------------------------------------------------------------------------------


def _add_message(ticket: Ticket, user: User, kind: str, text: str, now: datetime, files=None) -> TicketMessage:
    stored = helpdesk_files.read_files(files)
    message = TicketMessage(ticket_id=ticket.id, kind=kind, author_user_id=user.id, body=text, created_at=now)
    db.session.add(message)
    ticket.updated_at = now
    db.session.flush()
    helpdesk_files.attach(ticket, message, stored)
    return message


def _first_response(ticket: Ticket, now: datetime) -> None:
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
    if ticket.status == TicketStatus.open:
        ticket.status = TicketStatus.in_progress


def _check_open(ticket: Ticket) -> None:
    if ticket.status not in TicketStatus.ACTIVE:
        raise WrongState()


def _check_worked(ticket: Ticket) -> None:
    """Asking, resolving: only once triage is done (the workflow waits for the agent)."""
    if ticket.status == TicketStatus.new:
        raise WrongState(_l("Triage the report first: set its category, priority and who handles it."))
    _check_open(ticket)


def reply(user: User, ticket: Ticket, body: str, files=None) -> TicketMessage:
    """A public reply: the reporter sees it and gets it by e-mail (a resolved ticket stays resolved)."""
    helpdesk_staff.require_agent(user)
    if ticket.status in TicketStatus.FINISHED:
        raise WrongState()
    text = helpdesk_intake.message_text(body)
    now = utcnow().replace(microsecond=0)
    with conflicts_reported():
        message = _add_message(ticket, user, MessageKind.public_reply, text, now, files)
        _first_response(ticket, now)
        db.session.flush()
    record_audit("ticket.replied", actor_id=user.id, instance_id=ticket.instance_id, object_type=BUSINESS_TYPE,
                 object_id=ticket.id, after={"message_id": message.id})
    helpdesk_conversation.mail_reporter(ticket, f"reply:{message.id}", _l("A reply to your report %(number)s", number=ticket.number),
                            _l("The help desk replied:"), text)
    return message


def add_note(user: User, ticket: Ticket, body: str, files=None) -> TicketMessage:
    """An internal note: staff only, never on a reporter's page nor in any e-mail."""
    helpdesk_staff.require_agent(user)
    text = helpdesk_intake.message_text(body)
    now = utcnow().replace(microsecond=0)
    with conflicts_reported():
        message = _add_message(ticket, user, MessageKind.internal_note, text, now, files)
        db.session.flush()
    record_audit("ticket.note_added", actor_id=user.id, instance_id=ticket.instance_id, object_type=BUSINESS_TYPE,
                 object_id=ticket.id, after={"message_id": message.id})
    return message


def ask_reporter(user: User, ticket: Ticket, body: str, files=None) -> TicketMessage:
    """Ask the reporter for more: the ticket waits on them and its resolution clock pauses."""
    helpdesk_staff.require_agent(user)
    _check_worked(ticket)
    if ticket.status == TicketStatus.waiting_reporter:
        raise WrongState(_l("The report is already waiting for the reporter's answer."))
    text = helpdesk_intake.message_text(body)
    now = utcnow().replace(microsecond=0)
    with acting_on(ticket, user.id):
        message = _add_message(ticket, user, MessageKind.public_reply, text, now, files)
        _first_response(ticket, now)
        ticket.status = TicketStatus.waiting_reporter
        ticket.waiting_since = now
        helpdesk_sla.pause(ticket, now, user.id)
        deliver(ticket, helpdesk.MESSAGE_AGENT, {"action": "ask"}, user.id)
        record_audit("ticket.reporter_asked", actor_id=user.id, instance_id=ticket.instance_id,
                     object_type=BUSINESS_TYPE, object_id=ticket.id, after={"message_id": message.id})
    helpdesk_conversation.mail_reporter(ticket, f"ask:{message.id}", _l("We need more information about report %(number)s",
                                                            number=ticket.number),
                            _l("Please answer on the follow-up page. Without an answer within %(days)d working days "
                               "the report closes by itself.", days=helpdesk.CLOSE_AFTER_DAYS), text)
    return message


def resolve(user: User, ticket: Ticket, body: str, files=None) -> TicketMessage:
    """Resolve with a public answer; the reporter has 7 working days to confirm or reopen."""
    helpdesk_staff.require_agent(user)
    _check_worked(ticket)
    text = helpdesk_intake.message_text(body)
    now = utcnow().replace(microsecond=0)
    with acting_on(ticket, user.id):
        if ticket.status == TicketStatus.waiting_reporter:
            helpdesk_lifecycle.resume_from_waiting(ticket, now, user.id)
        message = _add_message(ticket, user, MessageKind.public_reply, text, now, files)
        _first_response(ticket, now)
        ticket.status = TicketStatus.resolved
        ticket.resolved_at = now
        helpdesk_sla.pause(ticket, now, user.id)
        deliver(ticket, helpdesk.MESSAGE_AGENT, {"action": "resolve"}, user.id)
        record_audit("ticket.resolved", actor_id=user.id, instance_id=ticket.instance_id, object_type=BUSINESS_TYPE,
                     object_id=ticket.id, after={"message_id": message.id})
    helpdesk_conversation.mail_reporter(ticket, f"resolved:{message.id}", _l("Report %(number)s is resolved", number=ticket.number),
                            _l("The help desk's answer is below. Confirm on the follow-up page that the problem is "
                               "solved, or reopen the report within %(days)d working days.",
                               days=helpdesk.CONFIRM_DAYS), text)
    helpdesk_merged.tell_resolved(ticket, message)
    return message


def assign(user: User, ticket: Ticket, assignee_id: int | None, team_id: int | None) -> None:
    helpdesk_staff.require_agent(user)
    _check_open(ticket)
    assignee_id, team_id = assignee_id or None, team_id or None
    _check_assignment(assignee_id, team_id)
    before = {"assignee_id": ticket.assignee_id, "team_id": ticket.team_id}
    if before == {"assignee_id": assignee_id, "team_id": team_id}:
        return
    with conflicts_reported():
        ticket.assignee_id, ticket.team_id = assignee_id, team_id
        ticket.updated_at = utcnow()
        db.session.flush()
    record_audit("ticket.assigned", actor_id=user.id, instance_id=ticket.instance_id, object_type=BUSINESS_TYPE,
                 object_id=ticket.id, before=before, after={"assignee_id": assignee_id, "team_id": team_id})
    if assignee_id and assignee_id != user.id:
        notify([db.session.get(User, assignee_id)],
               subject=_l("A report is yours: %(number)s %(subject)s", number=ticket.number, subject=ticket.subject),
               body=ticket.description[:500], link=settings.external_url("helpdesk.ticket", number=ticket.number),
               dedup_key=f"ticket:{ticket.id}:assigned:{assignee_id}:{team_id}:{ticket.lock_version}")


def change_priority(user: User, ticket: Ticket, priority: str) -> None:
    helpdesk_staff.require_agent(user)
    _check_open(ticket)
    if priority not in TicketPriority.ALL:
        raise InvalidReport(_l("Choose the priority."), field="priority")
    if priority == ticket.priority:
        return
    before = ticket.priority
    with acting_on(ticket, user.id):
        ticket.priority = priority
        ticket.updated_at = utcnow()
        helpdesk_sla.reprioritized(ticket, user.id)
        record_audit("ticket.priority_changed", actor_id=user.id, instance_id=ticket.instance_id,
                     object_type=BUSINESS_TYPE, object_id=ticket.id, before={"priority": before},
                     after={"priority": priority, "first_response_due_at": ticket.first_response_due_at.isoformat(),
                            "resolution_due_at": ticket.resolution_due_at.isoformat()})


def merge(user: User, ticket: Ticket, target_number: str) -> Ticket:
    """Merge a duplicate into another report: it closes as merged, its conversation shows on the target's desk
    page (never to the target's reporter), and its reporter is told where the work goes on and follows it there
    (``helpdesk_merged``)."""
    helpdesk_staff.require_agent(user)
    _check_open(ticket)
    target = helpdesk.get_by_number(target_number)
    if target is None or target.id == ticket.id or target.status in TicketStatus.FINISHED:
        raise InvalidReport(_l("Give the number of another report that is still open."), field="target")
    now = utcnow().replace(microsecond=0)
    was_new = ticket.status == TicketStatus.new
    with acting_on(ticket, user.id):
        if ticket.status == TicketStatus.waiting_reporter:
            helpdesk_lifecycle.resume_from_waiting(ticket, now, user.id)
        ticket.status = TicketStatus.merged
        ticket.merged_into_id = target.id
        ticket.closed_at, ticket.close_reason = now, "merged"
        ticket.paused_at = ticket.paused_at or now
        ticket.updated_at = now
        target.updated_at = now
        db.session.add(TicketMessage(ticket_id=ticket.id, kind=MessageKind.system, created_at=now, body=str(
            _l("This report was merged into report %(number)s, which deals with the same problem.",
               number=target.number))))
        db.session.add(TicketMessage(ticket_id=target.id, kind=MessageKind.internal_note, author_user_id=user.id,
                                     created_at=now, body=str(_l("Report %(number)s (%(name)s) was merged into this one.",
                                                                 number=ticket.number,
                                                                 name=ticket.contact_name or "-"))))
        if was_new:
            deliver(ticket, helpdesk.MESSAGE_MERGED, {}, user.id)
        else:
            deliver(ticket, helpdesk.MESSAGE_AGENT, {"action": "merge"}, user.id)
        record_audit("ticket.merged", actor_id=user.id, instance_id=ticket.instance_id, object_type=BUSINESS_TYPE,
                     object_id=ticket.id, after={"into": target.number})
        record_audit("ticket.merged_in", actor_id=user.id, instance_id=target.instance_id,
                     object_type=BUSINESS_TYPE, object_id=target.id, after={"from": ticket.number})
    helpdesk_conversation.mail_reporter(ticket, "merged", _l("Report %(number)s was merged", number=ticket.number),
                            _l("Your report deals with the same problem as report %(target)s, so the two were joined "
                               "and the work goes on there. We will keep you informed.", target=target.number))
    return target


# What the desk may write in a report's conversation, by the action's name (the page's and the API's).
MESSAGE_ACTIONS = {"reply": reply, "note": add_note, "ask": ask_reporter, "resolve": resolve}
