"""Delayed applications (Licensing Facilitation Act s.10): the record, the 7-day notice cycle, the lists.

The lifecycle is ``workflows/delay_notice.bpmn``. Rules:
- recording a delay issues the first notice at once;
- while the application is undecided, a new notice is due every 7 days counted from the recording: the
  officer is asked for the current reason (a task due in 1 working day; late, the department's central
  officers hear of it) and the notice goes out when the task is done;
- recording the decision (approved, refused, withdrawn) issues the final notice and ends the cycle;
- every notice goes to the applicant by e-mail when an address was given (always printable for post) and a
  copy goes to every OPDC officer.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import Role, User
from app.accounts.services import accounts, policy
from app.core import csv_export, settings
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import HumanTask, TaskStatus, record_audit
from app.inbox.services import inbox
from app.licensing.models import DelayDecision, DelayNotice, DelayRecord, DelayStatus, NoticeKind
from app.licensing.services import delay_letters, licensing
from app.manuals.models import Process
from app.org.models import Agency, AgencyKind
from app.org.services import calendar_admin
from notifications import letters, notify, queue_mail
from notifications.thai_text import arabic_digits, thai_digits
from workflows import engine
from workflows.calendar import BANGKOK, add_working_days
from workflows.operations import OperationContext, operation

PROCESS_ID = "delay_notice"
BUSINESS_TYPE = "delay"
MESSAGE_DECIDED = "delay_decided"
UPDATE_TASK = "update_reason"
NOTICE_INTERVAL = timedelta(days=7)
LOOKUP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud and typed from paper
LOOKUP_LENGTH = 8

SEE_ROLES = {Role.service_point_officer.value, Role.central_officer.value, Role.admin.value}
DEPARTMENT_ROLES = {Role.central_officer.value, Role.admin.value}
REGISTER_ROLES = {Role.opdc_officer.value, Role.admin.value}


class DelayError(inbox.InboxError):
    """``code``: not_allowed, duplicate, bad_process, decided, bad_decision, conflict.

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
        with db.session.begin_nested():
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
    """Answering the update task with a decision records it, exactly as the decision form does."""
    data = answer.data
    if data["outcome"] != "pending":
        delay = db.session.scalar(select(DelayRecord).where(DelayRecord.instance_id == task.instance_id))
        _mark_decided(delay.id, data["outcome"], data.get("reason") or None, user.id)
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


@operation("delay.issue_notice")
def issue_notice(ctx: OperationContext, delay_id: int, kind: str, reason: str = "", expected: str = "") -> dict:
    """Write the next numbered notice, e-mail it to the applicant and copy it to every OPDC officer."""
    delay = db.session.get(DelayRecord, delay_id, populate_existing=True)
    if reason and reason.strip():
        delay.reason = reason.strip()
    if expected:
        delay.expected_decision_on = date.fromisoformat(expected)
    number = (db.session.scalar(select(func.max(DelayNotice.number)).where(DelayNotice.delay_id == delay.id))
              or 0) + 1
    notice = DelayNotice(delay_id=delay.id, number=number, kind=kind, reason=delay.reason,
                         decision=delay.decision if kind == NoticeKind.final else None,
                         expected_decision_on=None if kind == NoticeKind.final else delay.expected_decision_on,
                         issued_at=utcnow(), emailed_to=delay.applicant_email)
    db.session.add(notice)
    db.session.flush()
    delay_letters.registered(notice)  # its number in the service point's outgoing-letter register
    subject, body = delay_letters.email_text(delay, notice)
    copy_body = delay_letters.email_text(delay, notice, with_applicant=False)[1]
    if delay.applicant_email:
        # The official letter goes with the e-mail, as it reads on the day it was issued.
        queue_mail(dedup_key=f"delay:{delay.id}:notice:{number}:applicant", to_address=delay.applicant_email,
                   subject=subject, body=body,
                   attachment=(delay_letters.file_name(notice), "application/pdf",
                               letters.build(delay_letters.letter_of(notice))))
    notice.opdc_copied = notify(
        accounts.opdc_officers(),
        subject=_l("Copy of a delay notice: %(reference)s (%(agency)s)", reference=delay.reference,
                   agency=delay.agency.name_th),
        body=copy_body, link=settings.external_url("delays.register"),
        dedup_key=f"delay:{delay.id}:notice:{number}:opdc")
    calendar_admin.close_deadline("delay.update", BUSINESS_TYPE, delay.id)
    if kind == NoticeKind.final:
        delay.status = DelayStatus.decided
        delay.next_notice_at = None
    record_audit(f"delay.notice_{kind}", actor_id=ctx.actor_id, instance_id=ctx.instance_id,
                 object_type=BUSINESS_TYPE, object_id=delay.id,
                 after={"number": number, "emailed": bool(delay.applicant_email), "opdc": notice.opdc_copied})
    db.session.flush()
    return {"number": number}


@operation("delay.next_notice_at")
def next_notice_at(ctx: OperationContext, delay_id: int) -> str:
    """The next notice falls 7 days after the previous due date (counted from the recording, not from when the
    officer answered), so a late answer never stretches the law's cycle."""
    delay = db.session.get(DelayRecord, delay_id)
    base = delay.next_notice_at or delay.recorded_at
    delay.next_notice_at = base + NOTICE_INTERVAL
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
    """The officer has not given the current reason in time: the department's central officers hear of it."""
    delay = db.session.get(DelayRecord, delay_id)
    cycle = db.session.scalar(select(func.count()).select_from(DelayNotice).where(DelayNotice.delay_id == delay.id))
    sent = notify(accounts.central_officers_of(delay.agency),
                  subject=_l("Late delay notice: %(reference)s (%(agency)s)", reference=delay.reference,
                             agency=delay.agency.name_th),
                  body=_l("The service point has not given the current reason for the delay in time."),
                  link=settings.external_url("delays.show", delay_id=delay.id),
                  dedup_key=f"delay:{delay.id}:late:{cycle}")
    record_audit("delay.update_late", instance_id=ctx.instance_id, object_type=BUSINESS_TYPE, object_id=delay.id,
                 after={"notified": sent})
    return {"notified": sent}


# --- who sees what ---------------------------------------------------------------------------------------------


def _paths(user: User, roles: set[str]) -> list[str]:
    return [path for paths in policy.scopes(user, roles).values() for path in paths]


def can_see(user: User, delay: DelayRecord) -> bool:
    return any(policy.covers(user, role, delay.agency_path) for role in SEE_ROLES)


def can_read_notices(user: User, delay: DelayRecord) -> bool:
    """The officers in scope, and OPDC, who gets a copy of every notice by law."""
    return can_see(user, delay) or can_see_register(user)


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


def register(user: User, filters: RegisterFilter, limit: int | None = 500) -> list[DelayNotice]:
    """Every copy OPDC received, newest first; one query (the record and its agency come joined)."""
    paths = _paths(user, REGISTER_ROLES)
    if not paths:
        return []
    query = select(DelayNotice).join(DelayRecord, DelayRecord.id == DelayNotice.delay_id).where(
        policy.within(DelayRecord.agency_path, paths))
    if filters.agency_id:
        agency = db.session.get(Agency, filters.agency_id)
        if agency is None:
            return []
        query = query.where(policy.within(DelayRecord.agency_path, [agency.path]))
    if filters.date_from:
        query = query.where(DelayNotice.issued_at >= _bangkok_midnight(filters.date_from))
    if filters.date_to:
        query = query.where(DelayNotice.issued_at < _bangkok_midnight(filters.date_to + timedelta(days=1)))
    if filters.kind in NoticeKind.ALL:
        query = query.where(DelayNotice.kind == filters.kind)
    query = query.order_by(DelayNotice.issued_at.desc(), DelayNotice.id.desc())
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query).unique())


def register_agencies() -> list[Agency]:
    """Departments and service points, for the register's agency filter."""
    return list(db.session.scalars(select(Agency).where(Agency.kind.in_(
        (AgencyKind.department.value, AgencyKind.service_point.value))).order_by(Agency.path)))


CSV_HEADER = ("issued_at", "agency", "reference", "process", "number", "kind", "decision", "reason",
              "expected_decision_on")


def register_csv(notices: list[DelayNotice]) -> str:
    return csv_export.write(CSV_HEADER, (
        [notice.issued_at.astimezone(BANGKOK).isoformat(), notice.delay.agency.name_th, notice.delay.reference,
         notice.delay.process.name_th, notice.number, notice.kind, notice.decision or "", notice.reason,
         notice.expected_decision_on.isoformat() if notice.expected_decision_on else ""]
        for notice in notices))
