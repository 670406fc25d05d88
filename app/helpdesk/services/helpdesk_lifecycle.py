"""IR Online: what the reporter does to a report (reply, confirm, reopen, rate), and the service tasks of
``workflows/incident_ticket.bpmn`` (reminders, the confirmation window, closing).

The report itself, its follow-up link, files and e-mails to the reporter are in ``helpdesk``; the rules there
(internal notes never reach the reporter, every public change is e-mailed, a later concurrent change fails with
``TicketConflict``) hold here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.core import settings
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.helpdesk.models import MessageKind, Ticket, TicketMessage, TicketStatus
from app.helpdesk.services import helpdesk, helpdesk_conversation, helpdesk_files, helpdesk_intake, helpdesk_merged, helpdesk_sla
from app.helpdesk.services.helpdesk import (
    BUSINESS_TYPE,
    CLOSE_AFTER_DAYS,
    CONFIRM_DAYS,
    MESSAGE_ANSWERED,
    MESSAGE_DECISION,
    REMIND_AFTER_DAYS,
    WrongState,
    conflicts_reported,
)
from notifications import notify
from workflows import engine
from workflows.calendar import add_working_days
from workflows.operations import OperationContext, operation

# --- the reporter's actions ----------------------------------------------------------------------------------------------


def _touch(ticket: Ticket, now: datetime) -> None:
    ticket.updated_at = now  # every change bumps lock_version: of two people acting at once, one fails


def _correlation(ticket: Ticket) -> dict:
    return {"ticket": {"ticket_id": ticket.id}}


@contextmanager
def acting_on(ticket: Ticket, actor_id: int | None) -> Iterator[None]:
    """One action on a report: its rows, and one unit of work on its workflow that the SLA clock's moves and the
    messages of the action join (one load, one save: ``engine.working_on``). Someone else's change meanwhile is a
    ``TicketConflict``; nothing of the action is saved."""
    with conflicts_reported():
        if ticket.instance_id is None:
            yield
            return
        with engine.working_on(ticket.instance_id, actor_id=actor_id):
            yield


def deliver(ticket: Ticket, name: str, payload: dict, actor_id: int | None) -> None:
    """The report's workflow gets a message (in the action's unit of work, if one is open)."""
    with conflicts_reported(), engine.working_on(ticket.instance_id, actor_id=actor_id) as work:
        work.deliver(name, payload, _correlation(ticket))


def _actor(reporter: User | None) -> int | None:
    return reporter.id if reporter is not None and getattr(reporter, "is_authenticated", False) else None


def resume_from_waiting(ticket: Ticket, now: datetime, actor_id: int | None) -> None:
    """The reporter answered (or the agent stopped waiting): the clock restarts and the work goes on."""
    ticket.status = TicketStatus.in_progress
    ticket.waiting_since = None
    helpdesk_sla.resume(ticket, now, actor_id)
    deliver(ticket, MESSAGE_ANSWERED, {}, actor_id)


def reporter_reply(ticket: Ticket, body: str | None, files=None, reporter: User | None = None) -> TicketMessage:
    """The reporter adds to the conversation; a ticket waiting on them goes back to work."""
    text = helpdesk_intake.clean(body)
    if ticket.status in TicketStatus.FINISHED:
        raise WrongState(_l("This report is closed. Reopen it to add more."))
    if not text:
        raise helpdesk.InvalidReport(_l("Write your message."), field="body")
    if len(text) > helpdesk.MAX_TEXT:
        raise helpdesk.InvalidReport(_l("At most %(max)d characters.", max=helpdesk.MAX_TEXT), field="body")
    stored = helpdesk_files.read_files(files)
    now = utcnow().replace(microsecond=0)
    actor_id = _actor(reporter)
    with acting_on(ticket, actor_id):
        message = TicketMessage(ticket_id=ticket.id, kind=MessageKind.reporter, author_user_id=actor_id, body=text,
                                created_at=now)
        db.session.add(message)
        _touch(ticket, now)
        db.session.flush()
        helpdesk_files.attach(ticket, message, stored)
        was_waiting = ticket.status == TicketStatus.waiting_reporter
        if was_waiting:
            resume_from_waiting(ticket, now, actor_id)
        record_audit("ticket.reporter_replied", actor_id=actor_id, instance_id=ticket.instance_id,
                     object_type=BUSINESS_TYPE, object_id=ticket.id,
                     after={"message_id": message.id, "files": len(stored), "resumed": was_waiting})
        if ticket.assignee_id:
            notify([db.session.get(User, ticket.assignee_id)],
                   subject=_l("The reporter replied: %(number)s %(subject)s", number=ticket.number,
                              subject=ticket.subject),
                   body=text[:500], link=settings.external_url("helpdesk.ticket", number=ticket.number),
                   dedup_key=f"ticket:{ticket.id}:reply:{message.id}")
    return message


def confirm(ticket: Ticket, reporter: User | None = None) -> None:
    """The reporter confirms the resolution: the ticket closes (a rating may follow)."""
    if ticket.status != TicketStatus.resolved:
        raise WrongState()
    actor_id = _actor(reporter)
    with acting_on(ticket, actor_id):
        _touch(ticket, utcnow())
        record_audit("ticket.confirmed", actor_id=actor_id, instance_id=ticket.instance_id, object_type=BUSINESS_TYPE,
                     object_id=ticket.id)
        deliver(ticket, MESSAGE_DECISION, {"decision": "confirm"}, actor_id)


def reopen(ticket: Ticket, reporter: User | None, reason: str | None) -> Ticket:
    """Within the reporter's window the same ticket goes back to work; after closing, a new linked one opens.

    A merged report is finished like a closed one: once the report it was merged into has its outcome (resolved
    or closed), its reporter's request opens a new report of their own, linked to theirs; the other reporter's
    report is left alone (it is theirs to confirm or reopen)."""
    text = helpdesk_intake.clean(reason)
    if not text:
        raise helpdesk.InvalidReport(_l("Say why the problem is not solved."), field="reason")
    if len(text) > helpdesk.MAX_TEXT:
        raise helpdesk.InvalidReport(_l("At most %(max)d characters.", max=helpdesk.MAX_TEXT), field="reason")
    actor_id = _actor(reporter)
    now = utcnow().replace(microsecond=0)
    if ticket.status == TicketStatus.resolved:
        with acting_on(ticket, actor_id):
            db.session.add(TicketMessage(ticket_id=ticket.id, kind=MessageKind.reporter, author_user_id=actor_id,
                                         body=text, created_at=now))
            ticket.status = TicketStatus.in_progress
            ticket.resolved_at = None
            ticket.confirm_by = None
            _touch(ticket, now)
            db.session.flush()
            helpdesk_sla.resume(ticket, now, actor_id)
            record_audit("ticket.reopened", actor_id=actor_id, instance_id=ticket.instance_id,
                         object_type=BUSINESS_TYPE, object_id=ticket.id)
            deliver(ticket, MESSAGE_DECISION, {"decision": "reopen"}, actor_id)
            if ticket.assignee_id:
                notify([db.session.get(User, ticket.assignee_id)],
                       subject=_l("Reopened by the reporter: %(number)s %(subject)s", number=ticket.number,
                                  subject=ticket.subject),
                       body=text[:500], link=settings.external_url("helpdesk.ticket", number=ticket.number),
                       dedup_key=f"ticket:{ticket.id}:reopen:{now.isoformat()}")
        return ticket
    if ticket.status == TicketStatus.merged and not helpdesk_merged.can_ask_again(ticket):
        raise WrongState(_l("The report yours was merged into is still being worked on. You will be told its "
                            "outcome; if the problem is not solved for you then, ask again here."))
    if ticket.status not in (TicketStatus.closed, TicketStatus.merged):
        raise WrongState()
    values = {"reporter_type": ticket.reporter_type, "category_id": ticket.category_id,
              "project_number": ticket.project_number, "subject": ticket.subject[:helpdesk.MAX_SUBJECT],
              "description": text, "contact_name": ticket.contact_name, "contact_email": ticket.contact_email,
              "contact_phone": ticket.contact_phone, "reporter_user_id": ticket.reporter_user_id,
              "priority": ticket.priority}
    new = helpdesk_intake.create_ticket(values, [], now, actor_id=actor_id, reopened_from=ticket)
    record_audit("ticket.reopened_as_new", actor_id=actor_id, object_type=BUSINESS_TYPE, object_id=ticket.id,
                 after={"new": new.number})
    helpdesk_conversation.mail_reporter(new, "receipt", _l("Your report %(number)s was received", number=new.number),
                   _l("Report %(old)s was closed, so your request to reopen it is the new report %(number)s.",
                      old=ticket.number, number=new.number))
    return new


def rate(ticket: Ticket, reporter: User | None, rating: int, comment: str | None = None) -> None:
    """A satisfaction rating (1-5) once the ticket is closed; given once."""
    if ticket.status != TicketStatus.closed:
        raise WrongState(_l("A report can be rated once it is closed."))
    if ticket.rating is not None:
        raise WrongState(_l("This report has already been rated. Thank you."))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise helpdesk.InvalidReport(_l("Choose from 1 to 5."), field="rating")
    text = helpdesk_intake.clean(comment)
    if text and len(text) > 2000:
        raise helpdesk.InvalidReport(_l("At most %(max)d characters.", max=2000), field="comment")
    with conflicts_reported():
        ticket.rating, ticket.rating_comment = rating, text
        _touch(ticket, utcnow())
        db.session.flush()
    record_audit("ticket.rated", actor_id=_actor(reporter), object_type=BUSINESS_TYPE, object_id=ticket.id,
                 after={"rating": rating})


# --- operations called by the diagram's service tasks ----------------------------------------------------------


@operation("helpdesk.waiting_times")
def waiting_times(ctx: OperationContext, ticket_id: int) -> dict:
    """The reporter is asked: a reminder after 3 working days, closing after 7 (same time of day)."""
    ticket = db.session.get(Ticket, ticket_id)
    start = ticket.waiting_since or utcnow()
    return {"remind_at": helpdesk_sla.iso(add_working_days(start, REMIND_AFTER_DAYS)),
            "close_at": helpdesk_sla.iso(add_working_days(start, CLOSE_AFTER_DAYS))}


@operation("helpdesk.remind_reporter")
def remind_reporter(ctx: OperationContext, ticket_id: int) -> dict:
    ticket = db.session.get(Ticket, ticket_id)
    question = db.session.scalar(select(TicketMessage).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.kind == MessageKind.public_reply)
        .order_by(TicketMessage.id.desc()).limit(1))
    sent = helpdesk_conversation.mail_reporter(ticket, f"reminder:{ticket.waiting_since.isoformat() if ticket.waiting_since else ''}",
                          _l("Reminder: we are waiting for your answer"),
                          _l("We asked you for more information %(days)d working days ago. If we hear nothing, the "
                             "report closes by itself after %(close)d working days.", days=REMIND_AFTER_DAYS,
                             close=CLOSE_AFTER_DAYS),
                          question.body if question else None)
    record_audit("ticket.reporter_reminded", instance_id=ctx.instance_id, object_type=BUSINESS_TYPE,
                 object_id=ticket.id, after={"emailed": sent})
    return {"emailed": sent}


@operation("helpdesk.confirm_by")
def confirm_by(ctx: OperationContext, ticket_id: int) -> str:
    ticket = db.session.get(Ticket, ticket_id)
    ticket.confirm_by = add_working_days(ticket.resolved_at or utcnow(), CONFIRM_DAYS)
    return helpdesk_sla.iso(ticket.confirm_by)


CLOSE_LEADS = {
    "confirmed": _l("You confirmed that the problem is solved, so the report is closed. You can rate our service "
                    "on the follow-up page."),
    "not_confirmed": _l("We heard nothing from you within %(days)d working days of our answer, so the report is "
                        "closed. If the problem is back, reopen it from the follow-up page.", days=CONFIRM_DAYS),
    "no_answer": _l("We asked you for more information and heard nothing within %(days)d working days, so the "
                    "report is closed. If you still need help, reopen it from the follow-up page.",
                    days=CLOSE_AFTER_DAYS),
}


@operation("helpdesk.close")
def close(ctx: OperationContext, ticket_id: int, reason: str) -> dict:
    ticket = db.session.get(Ticket, ticket_id)
    now = utcnow().replace(microsecond=0)
    before = ticket.status
    ticket.status = TicketStatus.closed
    ticket.closed_at, ticket.close_reason = now, reason
    ticket.paused_at = ticket.paused_at or now
    ticket.waiting_since = None
    _touch(ticket, now)
    db.session.add(TicketMessage(ticket_id=ticket.id, kind=MessageKind.system, body=str(CLOSE_LEADS[reason]),
                                 created_at=now))
    sent = helpdesk_conversation.mail_reporter(ticket, "closed", _l("Your report %(number)s is closed", number=ticket.number),
                          CLOSE_LEADS[reason])
    helpdesk_merged.tell_closed(ticket)
    record_audit("ticket.closed", actor_id=ctx.actor_id, instance_id=ctx.instance_id, object_type=BUSINESS_TYPE,
                 object_id=ticket.id, comment=reason, before={"status": before},
                 after={"status": ticket.status, "emailed": sent})
    db.session.flush()
    return {"closed": reason}


@operation("helpdesk.triaged")
def triaged(ctx: OperationContext, ticket_id: int) -> dict:
    """After triage the ticket is open, with whoever holds it told."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket.status == TicketStatus.new:
        ticket.status = TicketStatus.open
    people = helpdesk_sla._responsible(ticket) if (ticket.assignee_id or ticket.team_id) else []
    sent = notify(people, subject=_l("A report is yours: %(number)s %(subject)s", number=ticket.number,
                                     subject=ticket.subject),
                  body=ticket.description[:500], link=settings.external_url("helpdesk.ticket", number=ticket.number),
                  dedup_key=f"ticket:{ticket.id}:assigned:{ticket.assignee_id}:{ticket.team_id}")
    record_audit("ticket.triaged", actor_id=ctx.actor_id, instance_id=ctx.instance_id, object_type=BUSINESS_TYPE,
                 object_id=ticket.id, after={"priority": ticket.priority, "assignee_id": ticket.assignee_id,
                                             "team_id": ticket.team_id, "notified": sent})
    db.session.flush()
    return {"status": ticket.status}
