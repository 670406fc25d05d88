"""IR Online service levels: first-response and resolution targets in office minutes, paused while the ticket
waits on the reporter (or sits resolved until a reopen), warned at 80 % and escalated when breached.

Office minutes are 08:30-16:30 Bangkok on working days (``workflows.calendar``). Every due time counts from
``created_at``: the first response after its target, the resolution after its target plus ``paused_minutes``,
the office minutes spent paused, so a pause shifts the resolution's warning and due time by exactly that much.

The timers are in ``incident_ticket.bpmn``: each watcher's service task asks ``helpdesk.sla_time`` for its date
(ISO with +07:00); a pause moves the waiting timers far out (``work.move_timers``), a resume or a new priority
moves them to the recomputed dates, in the unit of work of the action that pauses, resumes or reprioritizes (one
save of the workflow per request). A watcher that fires after its target was met does nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.accounts.models import Membership, Role, User
from app.core import settings
from app.core.extensions import db
from app.core.types import utcnow
from app.core.unit_memo import memo
from app.core.workflow import record_audit
from app.helpdesk.models import SlaTarget, Ticket, TicketPriority, TicketStatus
from app.helpdesk.services import helpdesk_staff
from app.org.services import calendar_admin
from notifications import notify
from workflows import engine
from workflows.calendar import BANGKOK, add_working_minutes, working_minutes_between
from workflows.operations import OperationContext, operation

WORKING_DAY = 480  # office minutes in one working day
DEFAULT_TARGETS = {  # priority: (first response, resolution) in office minutes
    TicketPriority.urgent: (60, 4 * 60),
    TicketPriority.high: (2 * 60, WORKING_DAY),
    TicketPriority.normal: (4 * 60, 3 * WORKING_DAY),
    TicketPriority.low: (WORKING_DAY, 5 * WORKING_DAY),
}
WARN_SHARE = 0.8
# Where a paused watcher's timer waits: far enough never to fire, a valid ISO date for the engine.
PAUSED = datetime(2999, 12, 31, 0, 0, tzinfo=BANGKOK)
TIMER_VARIABLES = {"first": ("first_warn_at", "first_due_at"),
                   "resolution": ("resolution_warn_at", "resolution_due_at")}


def iso(moment: datetime) -> str:
    return moment.astimezone(BANGKOK).isoformat()


# --- targets ------------------------------------------------------------------------------------------------


def targets() -> dict[str, SlaTarget]:
    """The target of every priority; a missing one is written with its default. Read once a unit of work: a
    report's due times and each of its four watchers' timers ask for them."""
    return memo(("sla targets",), _read_targets, depends_on=(SlaTarget,))


def _read_targets() -> dict[str, SlaTarget]:
    rows = {row.priority: row for row in db.session.scalars(select(SlaTarget))}
    for priority, (first, resolution) in DEFAULT_TARGETS.items():
        if priority not in rows:
            rows[priority] = SlaTarget(priority=priority, first_response_minutes=first, resolution_minutes=resolution)
            db.session.add(rows[priority])
    return {priority: rows[priority] for priority in TicketPriority.ALL}


def set_target(user: User, priority: str, first_minutes: int, resolution_minutes: int) -> SlaTarget:
    """A supervisor changes a target; tickets reported from now on use it."""
    helpdesk_staff.require_supervisor(user)
    target = targets()[priority]
    before = {"first": target.first_response_minutes, "resolution": target.resolution_minutes}
    target.first_response_minutes, target.resolution_minutes = first_minutes, resolution_minutes
    target.updated_at, target.updated_by_id = utcnow(), user.id
    record_audit("helpdesk.sla_changed", actor_id=user.id, object_type="sla", comment=priority, before=before,
                 after={"first": first_minutes, "resolution": resolution_minutes})
    db.session.flush()
    return target


# --- due times ----------------------------------------------------------------------------------------------


def compute(ticket: Ticket) -> None:
    """Set the ticket's due times from its priority's targets and the office minutes spent paused."""
    target = targets()[ticket.priority]
    ticket.first_response_due_at = add_working_minutes(ticket.created_at, target.first_response_minutes)
    ticket.resolution_due_at = add_working_minutes(ticket.created_at,
                                                   target.resolution_minutes + (ticket.paused_minutes or 0))


def time_for(ticket: Ticket, which: str) -> datetime:
    """When a watcher's timer is due: ``first_warn``, ``first_due``, ``resolution_warn`` or ``resolution_due``."""
    clock, point = which.rsplit("_", 1)
    if clock == "first":
        if ticket.first_responded_at is not None:
            return PAUSED
        minutes = targets()[ticket.priority].first_response_minutes
        paused = 0
    else:
        if ticket.paused_at is not None or ticket.status in (TicketStatus.resolved, *TicketStatus.FINISHED):
            return PAUSED
        minutes = targets()[ticket.priority].resolution_minutes
        paused = ticket.paused_minutes or 0
    if point == "warn":
        minutes = round(minutes * WARN_SHARE)
    return add_working_minutes(ticket.created_at, minutes + paused)


def _move(ticket: Ticket, clocks: tuple[str, ...], actor_id: int | None) -> None:
    """The clocks' waiting timers follow the ticket's due times (joining the action's unit of work, if open)."""
    if ticket.instance_id is None:
        return
    due = {variable: time_for(ticket, variable.removesuffix("_at"))
           for clock in clocks for variable in TIMER_VARIABLES[clock]}
    with engine.working_on(ticket.instance_id, actor_id=actor_id) as work:
        work.move_timers(due)


def pause(ticket: Ticket, now: datetime, actor_id: int | None) -> None:
    """Stop the resolution clock (waiting on the reporter, or resolved)."""
    if ticket.paused_at is not None:
        return
    ticket.paused_at = now
    _move(ticket, ("resolution",), actor_id)


def resume(ticket: Ticket, now: datetime, actor_id: int | None) -> int:
    """Restart the resolution clock; the due times shift by the office minutes spent paused. Returns them."""
    if ticket.paused_at is None:
        return 0
    minutes = working_minutes_between(ticket.paused_at, now)
    ticket.paused_minutes = (ticket.paused_minutes or 0) + minutes
    ticket.paused_at = None
    compute(ticket)
    _move(ticket, ("resolution",), actor_id)
    return minutes


def reprioritized(ticket: Ticket, actor_id: int | None) -> None:
    """The priority changed: new due times, and the waiting timers follow."""
    compute(ticket)
    _move(ticket, ("first", "resolution"), actor_id)


@calendar_admin.on_change
def _calendar_changed(day: date, actor: User) -> int:
    """A holiday added or cancelled late: open reports whose clocks run over that day get new due times."""
    day_starts = datetime.combine(day, datetime.min.time(), tzinfo=BANGKOK)
    tickets = db.session.scalars(
        select(Ticket).where(Ticket.status.not_in(TicketStatus.FINISHED), Ticket.created_at < day_starts,
                             or_(Ticket.resolution_due_at >= day_starts, Ticket.first_response_due_at >= day_starts))
        .order_by(Ticket.id).with_for_update(of=Ticket)).all()
    moved = 0
    for ticket in tickets:
        before = (ticket.first_response_due_at, ticket.resolution_due_at)
        reprioritized(ticket, actor.id)
        if (ticket.first_response_due_at, ticket.resolution_due_at) == before:
            continue
        record_audit("ticket.sla_moved", actor_id=actor.id, instance_id=ticket.instance_id, object_type="ticket",
                     object_id=ticket.id, comment=day.isoformat(),
                     before={"first_due": _bangkok(before[0]), "resolution_due": _bangkok(before[1])},
                     after={"first_due": _bangkok(ticket.first_response_due_at),
                            "resolution_due": _bangkok(ticket.resolution_due_at)})
        moved += 1
    db.session.flush()
    return moved


def time_left(ticket: Ticket, now: datetime | None = None) -> int | None:
    """Office minutes until the target that counts now (negative when breached); None when none runs."""
    if ticket.status in (TicketStatus.resolved, *TicketStatus.FINISHED):
        return None
    due = ticket.sla_due_at
    if due is None:
        return None
    now = now or utcnow()
    if ticket.paused_at is not None and ticket.first_responded_at is not None:
        now = ticket.paused_at  # the clock stands still while paused
    return working_minutes_between(now, due) if due >= now else -working_minutes_between(due, now)


# --- who is told --------------------------------------------------------------------------------------------


def supervisors() -> list[User]:
    return list(db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.role == Role.helpdesk_supervisor.value, Membership.active, User.active).distinct()
        .order_by(User.id)))


def _responsible(ticket: Ticket) -> list[User]:
    """The assignee; else the team's members; else the supervisors (nobody has it yet)."""
    if ticket.assignee_id:
        return [db.session.get(User, ticket.assignee_id)]
    if ticket.team_id:
        from app.helpdesk.models import HelpdeskTeamMember

        members = list(db.session.scalars(select(User).join(HelpdeskTeamMember, HelpdeskTeamMember.user_id == User.id)
                                          .where(HelpdeskTeamMember.team_id == ticket.team_id, User.active)))
        if members:
            return members
    return supervisors()


CLOCK_LABELS = {"first": _l("first response"), "resolution": _l("resolution")}


def _met(ticket: Ticket, clock: str) -> bool:
    if clock == "first":
        return ticket.first_responded_at is not None or ticket.status in TicketStatus.FINISHED
    return ticket.status in (TicketStatus.resolved, *TicketStatus.FINISHED) or ticket.paused_at is not None


@operation("helpdesk.sla_time")
def sla_time(ctx: OperationContext, ticket_id: int, which: str) -> str:
    return iso(time_for(db.session.get(Ticket, ticket_id), which))


@operation("helpdesk.sla_warn")
def sla_warn(ctx: OperationContext, ticket_id: int, which: str) -> dict:
    """80 % of the target is used: whoever holds the ticket hears of it."""
    ticket = db.session.get(Ticket, ticket_id)
    if _met(ticket, which):
        return {"warned": 0}
    sent = notify(_responsible(ticket),
                  subject=_l("SLA warning (%(clock)s): %(number)s %(subject)s", clock=CLOCK_LABELS[which],
                             number=ticket.number, subject=ticket.subject),
                  body=_l("80%% of the time for the %(clock)s is used. Due: %(due)s", clock=CLOCK_LABELS[which],
                          due=_bangkok(ticket.first_response_due_at if which == "first" else ticket.resolution_due_at)),
                  link=settings.external_url("helpdesk.ticket", number=ticket.number),
                  dedup_key=f"ticket:{ticket.id}:sla:{which}:warn:{ticket.paused_minutes or 0}")
    record_audit("ticket.sla_warning", instance_id=ctx.instance_id, object_type="ticket", object_id=ticket.id,
                 comment=which, after={"notified": sent})
    return {"warned": sent}


@operation("helpdesk.sla_breach")
def sla_breach(ctx: OperationContext, ticket_id: int, which: str) -> dict:
    """The target passed unmet: the ticket is marked breached and the supervisors are told."""
    ticket = db.session.get(Ticket, ticket_id)
    if _met(ticket, which):
        return {"escalated": 0}
    if which == "first":
        ticket.first_response_breached = True
    else:
        ticket.resolution_breached = True
    ticket.updated_at = utcnow()  # the reports' sums of the desk are redone from changed tickets
    sent = notify(supervisors(),
                  subject=_l("SLA breached (%(clock)s): %(number)s %(subject)s", clock=CLOCK_LABELS[which],
                             number=ticket.number, subject=ticket.subject),
                  body=_l("The target for the %(clock)s passed at %(due)s.", clock=CLOCK_LABELS[which],
                          due=_bangkok(ticket.first_response_due_at if which == "first" else ticket.resolution_due_at)),
                  link=settings.external_url("helpdesk.ticket", number=ticket.number),
                  dedup_key=f"ticket:{ticket.id}:sla:{which}:breach")
    record_audit("ticket.sla_breached", instance_id=ctx.instance_id, object_type="ticket", object_id=ticket.id,
                 comment=which, after={"escalated_to": sent, "at": utcnow().isoformat()})
    db.session.flush()
    return {"escalated": sent}


def _bangkok(moment: datetime | None) -> str:
    return moment.astimezone(BANGKOK).strftime("%d/%m/%Y %H:%M") if moment else "-"
