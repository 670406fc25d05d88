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

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import Role, User
from app.accounts.services import policy
from app.core.conflicts import savepoint
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import HumanTask, TaskStatus, record_audit, row_of_instance
from app.inbox.services import inbox
from app.licensing.models import DelayDecision, DelayNotice, DelayRecord, DelayStatus
from app.licensing.services import delay_letters, licensing
from app.manuals.models import Process
from app.org.models import Agency
from app.org.services import calendar_admin
from notifications import letters
from workflows import engine

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
    delay = row_of_instance(DelayRecord, task.instance_id)
    if data["outcome"] != "pending":
        _mark_decided(delay.id, data["outcome"], data.get("reason") or None, user.id)
        return {}
    before = {"reason": delay.reason, "expected": delay.expected_decision_on.isoformat()}
    if (data.get("reason") or "").strip():
        delay.reason = data["reason"].strip()
    if data.get("expected"):
        delay.expected_decision_on = date.fromisoformat(data["expected"])
    delay.reason_updated_at = utcnow()
    close_round_deadlines(delay.id)
    record_audit("delay.reason_updated", actor_id=user.id, instance_id=task.instance_id, object_type=BUSINESS_TYPE,
                 object_id=delay.id, before=before,
                 after={"reason": delay.reason, "expected": delay.expected_decision_on.isoformat()})
    db.session.flush()
    return {}


@inbox.prefill("delay_notice.update_reason")
def _update_prefill(task: HumanTask) -> dict:
    delay = row_of_instance(DelayRecord, task.instance_id)
    return {"reason": delay.reason, "expected": delay.expected_decision_on} if delay else {}


@inbox.subject_provider(BUSINESS_TYPE)
def _subject(instance) -> dict:
    return {"delay": row_of_instance(DelayRecord, instance.id)}


# --- who sees what ---------------------------------------------------------------------------------------------


def close_round_deadlines(delay_id: int) -> None:
    """The week's tracked dates (the update's due day, the escalation) end with the round or the decision."""
    calendar_admin.close_deadlines(ROUND_DEADLINES, BUSINESS_TYPE, delay_id)


def paths_of(user: User, roles: set[str]) -> list[str]:
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
    paths = paths_of(user, {Role.service_point_officer.value})
    if not paths:
        return []
    return list(db.session.scalars(select(DelayRecord).where(
        DelayRecord.status == DelayStatus.open, policy.within(DelayRecord.agency_path, paths))
        .order_by(DelayRecord.next_notice_at, DelayRecord.id)))


def department_delays(user: User, status: str | None = None) -> list[DelayRecord]:
    """Every delay below the central officer's department(s)."""
    paths = paths_of(user, DEPARTMENT_ROLES)
    if not paths:
        return []
    query = select(DelayRecord).where(policy.within(DelayRecord.agency_path, paths))
    if status:
        query = query.where(DelayRecord.status == status)
    return list(db.session.scalars(query.order_by(DelayRecord.recorded_at.desc(), DelayRecord.id.desc())))


def can_see_department(user: User) -> bool:
    return bool(paths_of(user, DEPARTMENT_ROLES))


def notices_of(delay: DelayRecord) -> list[DelayNotice]:
    return list(db.session.scalars(select(DelayNotice).where(DelayNotice.delay_id == delay.id)
                                   .order_by(DelayNotice.number)))


def can_decide(user: User, delay: DelayRecord) -> bool:
    """The decision form is offered only where ``decide`` would take it."""
    return licensing.can_enter(user, delay.agency) and delay.status == DelayStatus.open and delay.decision is None
