"""Delayed applications (Licensing Facilitation Act s.10): the record, the 7-day notice cycle, the lists.

The lifecycle is ``workflows/delay_notice.bpmn``. Rules:
- recording a delay issues the first notice at once;
- while the application is undecided, a notice goes out on every 7th day counted from the recording, on the clock:
  with the reason and expected date the officer gave during that week, else restating the last ones and saying the
  application is still under consideration;
- each week the officer is asked for the current reason (a task due in ``DELAY_UPDATE_DAYS`` working days); late,
  the department's central officers hear of it, and after ``DELAY_ESCALATE_DAYS`` working days OPDC: each step is
  audited and listed on OPDC's register; both dates are tracked, so a holiday announced meanwhile moves them and
  the officer is told the new date;
- recording the decision (approved, refused, withdrawn) issues the final notice and ends the cycle;
- every notice goes to the applicant by e-mail when an address was given and a copy goes to every OPDC officer; a
  notice that could not be e-mailed (no address, or the mail failed) is listed to be printed and posted until an
  officer marks it sent.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import Role, User
from app.accounts.services import accounts, policy
from app.core import csv_export, settings, thai_dates
from app.core.conflicts import savepoint
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import AuditEvent, HumanTask, TaskStatus, record_audit
from app.inbox.services import inbox
from app.licensing.models import DelayDecision, DelayNotice, DelayRecord, DelayStatus, NoticeKind
from app.licensing.services import delay_letters, licensing
from app.manuals.models import Process
from app.org.models import Agency, AgencyKind
from app.org.services import calendar_admin
from notifications import MadeLater, letters, notify, queue_mail
from notifications.models import OutboxMessage, OutboxStatus
from notifications.thai_text import arabic_digits, thai_digits
from workflows import engine
from workflows.calendar import BANGKOK, add_working_days
from workflows.operations import OperationContext, operation

PROCESS_ID = "delay_notice"
BUSINESS_TYPE = "delay"
MESSAGE_DECIDED = "delay_decided"
UPDATE_TASK = "update_reason"
NOTICE_INTERVAL = timedelta(days=7)
ROUND_DEADLINES = ("delay.update", "delay.escalate")  # tracked working-day dates of a week's round
LOOKUP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud and typed from paper
LOOKUP_LENGTH = 8

SEE_ROLES = {Role.service_point_officer.value, Role.central_officer.value, Role.admin.value}
DEPARTMENT_ROLES = {Role.central_officer.value, Role.admin.value}
# OPDC's register of copies: OPDC and administrators see every copy, a central officer their department's subtree.
REGISTER_ROLES = {Role.opdc_officer.value, Role.admin.value, Role.central_officer.value}


class DelayError(inbox.InboxError):
    """``code``: not_allowed, duplicate, bad_process, decided, bad_decision, conflict, posted.

    An inbox error too: the update task may meet a decision recorded at the same moment."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class DelayInput:
    reference: str
    applicant_name: str
    applicant_address: str | None
    applicant_email: str | None
    applicant_phone: str | None
    process_id: int
    promised_days: int
    received_on: date
    reason: str
    expected_decision_on: date


def new_lookup_code() -> str:
    return "".join(secrets.choice(LOOKUP_ALPHABET) for _ in range(LOOKUP_LENGTH))


def _correlation(delay_id: int) -> dict:
    # Matches the diagram's correlation key ``delay`` over the process variable ``delay_id``.
    return {"delay": {"delay_id": delay_id}}


# --- recording ---------------------------------------------------------------------------------------------


def record(user: User, agency: Agency, data: DelayInput) -> DelayRecord:
    """Record a delayed application and start its notice cycle; the first notice is issued at once."""
    if not licensing.can_enter(user, agency):
        raise DelayError("not_allowed")
    process = db.session.get(Process, data.process_id)
    if process is None or process.id not in {p.id for p in licensing.processes_for(agency)}:
        raise DelayError("bad_process")
    delay = DelayRecord(
        agency_id=agency.id, agency_path=agency.path, reference=data.reference.strip(),
        lookup_code=new_lookup_code(), applicant_name=data.applicant_name.strip(),
        applicant_address=(data.applicant_address or "").strip() or None,
        applicant_email=(data.applicant_email or "").strip() or None,
        applicant_phone=(data.applicant_phone or "").strip() or None,
        process_id=process.id, promised_days=data.promised_days, received_on=data.received_on,
        reason=data.reason.strip(), expected_decision_on=data.expected_decision_on,
        status=DelayStatus.open, recorded_by_id=user.id, recorded_at=utcnow().replace(microsecond=0),
    )
    try:
        with savepoint():
            db.session.add(delay)
    except IntegrityError:
        # The same reference at the same service point: recorded already (perhaps a moment ago by a colleague).
        raise DelayError("duplicate") from None
    instance = engine.start(
        PROCESS_ID,
        title=f"แจ้งเรื่องล่าช้า {delay.reference} · {agency.name_th}",
        business_type=BUSINESS_TYPE, business_id=delay.id, agency_id=agency.id, agency_path=agency.path,
        data={"delay_id": delay.id}, actor_id=user.id,
    )
    delay.instance_id = instance.id
    record_audit("delay.recorded", actor_id=user.id, instance_id=instance.id, object_type=BUSINESS_TYPE,
                 object_id=delay.id, after={"reference": delay.reference, "agency_id": agency.id,
                                            "process_id": process.id})
    db.session.flush()
    return delay


def _mark_decided(delay_id: int, decision: str, note: str | None, actor_id: int) -> None:
    """Set the decision once: a conditional UPDATE, so two officers deciding at once cannot both pass."""
    if decision not in DelayDecision.ALL:
        raise DelayError("bad_decision")
    changed = db.session.execute(
        update(DelayRecord).where(DelayRecord.id == delay_id, DelayRecord.decision.is_(None))
        .values(decision=decision, decision_note=note or None, decided_at=utcnow(), decided_by_id=actor_id)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise DelayError("decided")
    record_audit("delay.decided", actor_id=actor_id, object_type=BUSINESS_TYPE, object_id=delay_id,
                 comment=note or None, after={"decision": decision})


def open_update_task(delay: DelayRecord) -> HumanTask | None:
    if delay.instance_id is None:
        return None
    return db.session.scalar(select(HumanTask).where(HumanTask.instance_id == delay.instance_id,
                                                     HumanTask.spec_name == UPDATE_TASK,
                                                     HumanTask.status == TaskStatus.open))


def decide(user: User, delay: DelayRecord, decision: str, note: str | None = None) -> None:
    """Record the decision; the workflow issues the final notice."""
    if not licensing.can_enter(user, delay.agency):
        raise DelayError("not_allowed")
    if delay.status != DelayStatus.open or delay.decision is not None:
        raise DelayError("decided")
    _mark_decided(delay.id, decision, note, user.id)
    try:
        try:
            _tell_instance(user, delay, decision, note)
        except engine.NotWaiting:
            # The 7-day timer fired meanwhile: the instance now waits on the update task instead.
            _tell_instance(user, delay, decision, note)
    except (engine.NotWaiting, engine.ConcurrentUpdate, engine.TaskNotOpen):
        raise DelayError("conflict") from None
    db.session.refresh(delay)


def _tell_instance(user: User, delay: DelayRecord, decision: str, note: str | None) -> None:
    task = open_update_task(delay)
    if task is not None:
        # The officer was asked for an update: the decision answers that task.
        engine.complete_task(task, {UPDATE_TASK: {"outcome": decision, "reason": "", "expected": ""}},
                             actor_id=user.id, comment=note)
    else:
        engine.deliver_message(MESSAGE_DECIDED, _correlation(delay.id), {"decision": decision}, actor_id=user.id)


@inbox.on_complete("delay_notice.update_reason")
def _update_completed(task: HumanTask, answer: inbox.TaskAnswer, user: User) -> dict:
    """The officer's weekly answer: the current reason (and expected date) for the next notice, which goes out on
    its day; or the decision, recorded exactly as the decision form does."""
    data = answer.data
    delay = db.session.scalar(select(DelayRecord).where(DelayRecord.instance_id == task.instance_id))
    if data["outcome"] != "pending":
        _mark_decided(delay.id, data["outcome"], data.get("reason") or None, user.id)
        return {}
    before = {"reason": delay.reason, "expected": delay.expected_decision_on.isoformat()}
    if (data.get("reason") or "").strip():
        delay.reason = data["reason"].strip()
    if data.get("expected"):
        delay.expected_decision_on = date.fromisoformat(data["expected"])
    delay.reason_updated_at = utcnow()
    _close_round_deadlines(delay.id)
    record_audit("delay.reason_updated", actor_id=user.id, instance_id=task.instance_id, object_type=BUSINESS_TYPE,
                 object_id=delay.id, before=before,
                 after={"reason": delay.reason, "expected": delay.expected_decision_on.isoformat()})
    db.session.flush()
    return {}


@inbox.prefill("delay_notice.update_reason")
def _update_prefill(task: HumanTask) -> dict:
    delay = db.session.scalar(select(DelayRecord).where(DelayRecord.instance_id == task.instance_id))
    return {"reason": delay.reason, "expected": delay.expected_decision_on} if delay else {}


@inbox.subject_provider(BUSINESS_TYPE)
def _subject(instance) -> dict:
    return {"delay": db.session.scalar(select(DelayRecord).where(DelayRecord.instance_id == instance.id))}


# --- operations called by the diagram's service tasks -------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(BANGKOK).isoformat()


def _round_days() -> tuple[int, int]:
    """Working days after a round opens: the officer's answer is due, then OPDC hears of a missing one."""
    update = int(settings.value("DELAY_UPDATE_DAYS", 2))
    return update, max(update, int(settings.value("DELAY_ESCALATE_DAYS", 4)))


def _notice_count(delay_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(DelayNotice).where(DelayNotice.delay_id == delay_id))


def _close_round_deadlines(delay_id: int) -> None:
    calendar_admin.close_deadlines(ROUND_DEADLINES, BUSINESS_TYPE, delay_id)


def _officer(delay: DelayRecord) -> list[User]:
    """Who is asked for the weekly reason: the officer who recorded the delay."""
    user = db.session.get(User, delay.recorded_by_id)
    return [user] if user is not None and user.active else []


def _thai_datetime(moment: datetime) -> str:
    return f"{thai_dates.long_date(moment)} {moment.astimezone(BANGKOK):%H:%M}"


@operation("delay.open_round")
def open_round(ctx: OperationContext, delay_id: int) -> dict:
    """A new week: the next notice's moment (7 days after the previous one's, counted from the recording, so a late
    answer never stretches the law's cycle), the officer's due date and OPDC's (working days, tracked), and the
    officer is asked for the current reason."""
    delay = db.session.get(DelayRecord, delay_id, populate_existing=True)
    now = utcnow().replace(microsecond=0)
    notice_at = (delay.next_notice_at or delay.recorded_at) + NOTICE_INTERVAL
    while notice_at <= now:  # the job did not run for a while: the next notice is the next one still ahead
        notice_at += NOTICE_INTERVAL
    delay.next_notice_at = notice_at
    update_days, escalate_days = _round_days()
    due = {}
    deadlines = []
    for purpose, days, variable in (("delay.update", update_days, "update_due_at"),
                                    ("delay.escalate", escalate_days, "escalate_at")):
        due[variable] = add_working_days(now, days)
        deadlines.append(dict(purpose=purpose, starts_at=now, working_days=days, due_at=due[variable],
                              object_type=BUSINESS_TYPE, object_id=delay.id, instance_id=ctx.instance_id,
                              timer_variable=f'round["{variable}"]'))
    calendar_admin.track_deadlines(*deadlines)
    number = _notice_count(delay.id)
    sent = notify(_officer(delay),
                  subject=_l("Give the current reason for a delay by %(due)s: %(reference)s",
                             due=_thai_datetime(due["update_due_at"]), reference=delay.reference),
                  body=_l("The next notice to the applicant goes out on %(notice)s, with the reason you give or, "
                          "without one, restating the last. Not given by %(due)s, the department's central officers "
                          "are told; by %(escalate)s, OPDC.", notice=_thai_datetime(notice_at),
                          due=_thai_datetime(due["update_due_at"]), escalate=_thai_datetime(due["escalate_at"])),
                  link=settings.external_url("delays.show", delay_id=delay.id),
                  dedup_key=f"delay:{delay.id}:round:{number}:officer")
    record_audit("delay.reminded", instance_id=ctx.instance_id, object_type=BUSINESS_TYPE, object_id=delay.id,
                 after={"step": "officer", "round": number, "notified": sent, "notice_at": _iso(notice_at),
                        "update_due_at": _iso(due["update_due_at"]), "escalate_at": _iso(due["escalate_at"])})
    db.session.flush()
    return {"notice_at": _iso(notice_at), "update_due_at": _iso(due["update_due_at"]),
            "escalate_at": _iso(due["escalate_at"])}


@operation("delay.escalate")
def escalate(ctx: OperationContext, delay_id: int, step: str) -> dict:
    """The officer has not given this week's reason in time: the department's central officers hear of it
    (``central``), later OPDC (``opdc``)."""
    delay = db.session.get(DelayRecord, delay_id)
    number = _notice_count(delay.id)
    if step == "opdc":
        people = accounts.opdc_officers()
        subject = _l("Delay reason still not given: %(reference)s (%(agency)s)", reference=delay.reference,
                     agency=delay.agency.name_th)
        link = settings.external_url("delays.register")
    else:
        people = accounts.central_officers_of(delay.agency)
        subject = _l("Late delay notice: %(reference)s (%(agency)s)", reference=delay.reference,
                     agency=delay.agency.name_th)
        link = settings.external_url("delays.show", delay_id=delay.id)
    calendar_admin.close_deadline("delay.escalate" if step == "opdc" else "delay.update", BUSINESS_TYPE, delay.id)
    sent = notify(people, subject=subject,
                  body=_l("The service point has not given the current reason for the delay in time."),
                  link=link, dedup_key=f"delay:{delay.id}:round:{number}:{step}")
    record_audit("delay.escalated", instance_id=ctx.instance_id, object_type=BUSINESS_TYPE, object_id=delay.id,
                 after={"step": step, "round": number, "notified": sent})
    return {"notified": sent}


@operation("delay.issue_notice")
def issue_notice(ctx: OperationContext, delay_id: int, kind: str, reason: str = "", expected: str = "") -> dict:
    """Write the next numbered notice, e-mail it to the applicant and copy it to every OPDC officer.

    The reason and expected date are the record's: what the officer gave this week, else the last ones (the notice
    then says the application is still under consideration). ``reason`` and ``expected`` are given only by
    instances started on the earlier diagram, whose notice waited for the officer's answer."""
    delay = db.session.get(DelayRecord, delay_id, populate_existing=True)
    if reason and reason.strip():
        delay.reason = reason.strip()
        delay.reason_updated_at = utcnow()
    if expected:
        delay.expected_decision_on = date.fromisoformat(expected)
    last_issued = db.session.scalar(select(func.max(DelayNotice.issued_at)).where(DelayNotice.delay_id == delay.id))
    number = _notice_count(delay.id) + 1
    notice = DelayNotice(delay_id=delay.id, number=number, kind=kind, reason=delay.reason,
                         decision=delay.decision if kind == NoticeKind.final else None,
                         expected_decision_on=None if kind == NoticeKind.final else delay.expected_decision_on,
                         issued_at=utcnow(), emailed_to=delay.applicant_email,
                         restated=kind == NoticeKind.update and not (
                             delay.reason_updated_at and last_issued and delay.reason_updated_at > last_issued))
    db.session.add(notice)
    db.session.flush()
    delay_letters.registered(notice)  # its number in the service point's outgoing-letter register
    subject, body = delay_letters.email_text(delay, notice)
    copy_body = delay_letters.email_text(delay, notice, with_applicant=False)[1]
    if delay.applicant_email:
        # The official letter goes with the e-mail, made by the outbox from the notice (nobody waits for it).
        mail = queue_mail(dedup_key=f"delay:{delay.id}:notice:{number}:applicant", to_address=delay.applicant_email,
                          subject=subject, body=body,
                          attachment=(delay_letters.file_name(notice), "application/pdf",
                                      MadeLater(delay_letters.LETTER_KIND, notice.id)))
        db.session.flush()
        notice.mail_id = mail.id
    notice.opdc_copied = notify(
        accounts.opdc_officers(),
        subject=_l("Copy of a delay notice: %(reference)s (%(agency)s)", reference=delay.reference,
                   agency=delay.agency.name_th),
        body=copy_body, link=settings.external_url("delays.register"),
        dedup_key=f"delay:{delay.id}:notice:{number}:opdc")
    _close_round_deadlines(delay.id)
    if kind == NoticeKind.final:
        delay.status = DelayStatus.decided
        delay.next_notice_at = None
    record_audit(f"delay.notice_{kind}", actor_id=ctx.actor_id, instance_id=ctx.instance_id,
                 object_type=BUSINESS_TYPE, object_id=delay.id,
                 after={"number": number, "emailed": bool(delay.applicant_email), "opdc": notice.opdc_copied,
                        "restated": notice.restated})
    db.session.flush()
    return {"number": number}


@calendar_admin.on_moved(*ROUND_DEADLINES)
def _round_deadline_moved(deadline, before: datetime, after: datetime, actor) -> None:
    """A holiday announced meanwhile moved this week's due date: the officer, who was told the old one, is told the
    new one (the task's due date and the timer follow the tracked deadline)."""
    delay = db.session.get(DelayRecord, deadline.object_id)
    if delay is None or delay.status != DelayStatus.open:
        return
    whose = (_l("the department's central officers are told") if deadline.purpose == "delay.update"
             else _l("OPDC is told"))
    notify(_officer(delay),
           subject=_l("Delay reason due date moved to %(after)s: %(reference)s", after=_thai_datetime(after),
                      reference=delay.reference),
           body=_l("A holiday was announced, so the date after which %(whose)s moved from %(before)s to %(after)s.",
                   whose=whose, before=_thai_datetime(before), after=_thai_datetime(after)),
           link=settings.external_url("delays.show", delay_id=delay.id),
           dedup_key=f"delay:{delay.id}:{deadline.purpose}:moved:{after.isoformat()}")


# Operations of instances started on the earlier diagram, whose weekly notice waited for the officer's answer.


@operation("delay.next_notice_at")
def next_notice_at(ctx: OperationContext, delay_id: int) -> str:
    delay = db.session.get(DelayRecord, delay_id)
    delay.next_notice_at = (delay.next_notice_at or delay.recorded_at) + NOTICE_INTERVAL
    db.session.flush()
    return _iso(delay.next_notice_at)


@operation("delay.update_due")
def update_due(ctx: OperationContext, delay_id: int) -> str:
    now = utcnow().replace(microsecond=0)
    due_at = add_working_days(now, 1)
    calendar_admin.track_deadline(purpose="delay.update", starts_at=now, working_days=1, due_at=due_at,
                                  object_type=BUSINESS_TYPE, object_id=delay_id, instance_id=ctx.instance_id,
                                  timer_variable="update_due_at")
    return _iso(due_at)


@operation("delay.notify_late")
def notify_late(ctx: OperationContext, delay_id: int) -> dict:
    return escalate(ctx, delay_id, "central")


# --- who sees what ---------------------------------------------------------------------------------------------


def _paths(user: User, roles: set[str]) -> list[str]:
    return [path for paths in policy.scopes(user, roles).values() for path in paths]


def can_see(user: User, delay: DelayRecord) -> bool:
    return any(policy.covers(user, role, delay.agency_path) for role in SEE_ROLES)


def can_read_notices(user: User, delay: DelayRecord) -> bool:
    """The officers in scope, and OPDC, who gets a copy of every notice by law."""
    return can_see(user, delay) or any(policy.covers(user, role, delay.agency_path) for role in REGISTER_ROLES)


def notice_letter(user: User, delay_id: int, number: int) -> tuple[str, bytes] | None:
    """The numbered notice's letter as (file name, PDF) for the officers in scope and OPDC, whose copy names no
    applicant; None when there is none to show."""
    delay = db.session.get(DelayRecord, delay_id)
    if delay is None or not can_read_notices(user, delay):
        return None
    notice = db.session.scalar(select(DelayNotice).where(DelayNotice.delay_id == delay.id,
                                                         DelayNotice.number == number))
    if notice is None:
        return None
    letter = delay_letters.letter_of(notice, with_applicant=can_see(user, delay))
    return delay_letters.file_name(notice), letters.build(letter)


def get_for(user: User, delay_id: int) -> DelayRecord | None:
    delay = db.session.get(DelayRecord, delay_id)
    if delay is None or not can_see(user, delay):
        return None
    return delay


def can_record_somewhere(user: User) -> bool:
    return bool(licensing.reporting_points(user))


def open_delays(user: User) -> list[DelayRecord]:
    """The service point's open delays, soonest notice first."""
    paths = _paths(user, {Role.service_point_officer.value})
    if not paths:
        return []
    return list(db.session.scalars(select(DelayRecord).where(
        DelayRecord.status == DelayStatus.open, policy.within(DelayRecord.agency_path, paths))
        .order_by(DelayRecord.next_notice_at, DelayRecord.id)))


def department_delays(user: User, status: str | None = None) -> list[DelayRecord]:
    """Every delay below the central officer's department(s)."""
    paths = _paths(user, DEPARTMENT_ROLES)
    if not paths:
        return []
    query = select(DelayRecord).where(policy.within(DelayRecord.agency_path, paths))
    if status:
        query = query.where(DelayRecord.status == status)
    return list(db.session.scalars(query.order_by(DelayRecord.recorded_at.desc(), DelayRecord.id.desc())))


def can_see_department(user: User) -> bool:
    return bool(_paths(user, DEPARTMENT_ROLES))


def notices_of(delay: DelayRecord) -> list[DelayNotice]:
    return list(db.session.scalars(select(DelayNotice).where(DelayNotice.delay_id == delay.id)
                                   .order_by(DelayNotice.number)))


def can_decide(user: User, delay: DelayRecord) -> bool:
    """The decision form is offered only where ``decide`` would take it."""
    return licensing.can_enter(user, delay.agency) and delay.status == DelayStatus.open and delay.decision is None


# --- notices to print and post ----------------------------------------------------------------------------------


def _to_post_query(paths: list[str]):
    """Notices in scope that could not be e-mailed (no address; the mail failed or no mail server took it) and are
    not marked as posted yet."""
    return (select(DelayNotice).join(DelayRecord, DelayRecord.id == DelayNotice.delay_id)
            .outerjoin(OutboxMessage, OutboxMessage.id == DelayNotice.mail_id)
            .where(policy.within(DelayRecord.agency_path, paths), DelayNotice.posted_at.is_(None),
                   or_(DelayNotice.emailed_to.is_(None),
                       OutboxMessage.status.in_((OutboxStatus.failed, OutboxStatus.skipped)))))


def to_post(user: User) -> list[DelayNotice]:
    """What the service point (or its department) must print and post, oldest first; one query."""
    paths = _paths(user, SEE_ROLES)
    if not paths:
        return []
    return list(db.session.scalars(_to_post_query(paths).order_by(DelayNotice.issued_at, DelayNotice.id)).unique())


def to_post_count(user: User) -> int:
    paths = _paths(user, SEE_ROLES)
    if not paths:
        return 0
    return db.session.scalar(select(func.count()).select_from(_to_post_query(paths).subquery()))


def mark_posted(user: User, notice_id: int) -> DelayNotice:
    """Mark a notice as printed and posted; once only (a conditional UPDATE: two officers at once, one wins)."""
    notice = db.session.get(DelayNotice, notice_id)
    if notice is None or not can_see(user, notice.delay):
        raise DelayError("not_allowed")
    now = utcnow()
    changed = db.session.execute(
        update(DelayNotice).where(DelayNotice.id == notice.id, DelayNotice.posted_at.is_(None))
        .values(posted_at=now, posted_by_id=user.id).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise DelayError("posted")
    record_audit("delay.notice_posted", actor_id=user.id, instance_id=notice.delay.instance_id,
                 object_type=BUSINESS_TYPE, object_id=notice.delay_id, after={"number": notice.number})
    db.session.flush()
    db.session.refresh(notice)
    return notice


# --- the applicant's status lookup (public) -----------------------------------------------------------------


def public_status(reference: str | None, code: str | None) -> DelayRecord | None:
    """The delay named by its reference and the code printed on each letter, or None.

    A wrong code and a missing reference give the same None, so that the page tells nobody whether an
    application exists; codes are compared in constant time.
    """
    reference = " ".join((reference or "").split())[:64]
    code = "".join((code or "").split()).upper()[:16]
    if not reference or not code:
        return None
    # The letter prints the reference in Thai numerals; the officer may have typed it either way.
    spellings = {reference, arabic_digits(reference), thai_digits(reference)}
    found = None
    for delay in db.session.scalars(select(DelayRecord).where(DelayRecord.reference.in_(spellings))):
        if hmac.compare_digest(delay.lookup_code.upper(), code):
            found = delay
    return found


# --- OPDC's register of copies ------------------------------------------------------------------------------


def can_see_register(user: User) -> bool:
    return bool(_paths(user, REGISTER_ROLES))


@dataclass
class RegisterFilter:
    agency_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    kind: str | None = None


def _bangkok_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=BANGKOK)


def _in_register(query, user: User, filters: RegisterFilter, moment):
    """The query narrowed to OPDC's scope and the register's filters on agency and days (``moment``: the column
    dated); None when nothing can match."""
    paths = _paths(user, REGISTER_ROLES)
    if not paths:
        return None
    query = query.where(policy.within(DelayRecord.agency_path, paths))
    if filters.agency_id:
        agency = db.session.get(Agency, filters.agency_id)
        if agency is None:
            return None
        query = query.where(policy.within(DelayRecord.agency_path, [agency.path]))
    if filters.date_from:
        query = query.where(moment >= _bangkok_midnight(filters.date_from))
    if filters.date_to:
        query = query.where(moment < _bangkok_midnight(filters.date_to + timedelta(days=1)))
    return query


def register(user: User, filters: RegisterFilter, limit: int | None = 500) -> list[DelayNotice]:
    """Every copy OPDC received, newest first; one query (the record and its agency come joined)."""
    query = _in_register(select(DelayNotice).join(DelayRecord, DelayRecord.id == DelayNotice.delay_id), user,
                         filters, DelayNotice.issued_at)
    if query is None:
        return []
    if filters.kind in NoticeKind.ALL:
        query = query.where(DelayNotice.kind == filters.kind)
    query = query.order_by(DelayNotice.issued_at.desc(), DelayNotice.id.desc())
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query).unique())


ESCALATION_ACTIONS = ("delay.reminded", "delay.escalated")


def escalations(user: User, filters: RegisterFilter, limit: int = 200) -> list[tuple[AuditEvent, DelayRecord]]:
    """The weekly reminders and their escalations (officer, central officers, OPDC), newest first, as audited;
    one query."""
    query = _in_register(
        select(AuditEvent, DelayRecord)
        .join(DelayRecord, (AuditEvent.object_type == BUSINESS_TYPE) & (AuditEvent.object_id == DelayRecord.id))
        .where(AuditEvent.action.in_(ESCALATION_ACTIONS)), user, filters, AuditEvent.occurred_at)
    if query is None:
        return []
    query = query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)
    return [tuple(row) for row in db.session.execute(query).unique()]


def register_agencies(user: User | None = None) -> list[Agency]:
    """Departments and service points in the user's register scope, for the register's agency filter."""
    query = select(Agency).where(Agency.kind.in_((AgencyKind.department.value, AgencyKind.service_point.value)))
    if user is not None:
        query = query.where(policy.within(Agency.path, _paths(user, REGISTER_ROLES) or ["//none"]))
    return list(db.session.scalars(query.order_by(Agency.path)))


CSV_HEADER = (_l("Issued"), _l("Agency"), _l("Application reference"), _l("Process"), _l("Notice number"),
              _l("Notice kind"), _l("Decision"), _l("Reason"), _l("Expected decision"))
NOTICE_KIND_LABELS = {NoticeKind.first: _l("First notice"), NoticeKind.update: _l("Update"),
                      NoticeKind.final: _l("Final notice")}
DECISION_LABELS = {DelayDecision.approved: _l("Approved"), DelayDecision.refused: _l("Refused"),
                   DelayDecision.withdrawn: _l("Withdrawn")}


def register_csv(notices: list[DelayNotice]) -> str:
    """The register as CSV: Thai headers and labels, Thai dates (``app.core.csv_export``)."""
    return csv_export.write([str(label) for label in CSV_HEADER], (
        [notice.issued_at, notice.delay.agency.name_th, notice.delay.reference, notice.delay.process.name_th,
         notice.number, str(NOTICE_KIND_LABELS.get(notice.kind, notice.kind)),
         str(DECISION_LABELS.get(notice.decision, notice.decision or "")), notice.reason,
         notice.expected_decision_on or ""]
        for notice in notices))
