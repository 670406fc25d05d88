"""The delay notice diagram's service tasks (``workflows/delay_notice.bpmn``): each week's round, its reminders and
escalations, the notices it issues, the dates its timers wait for. The record, the decision and the lists are in
``delays``."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.services import accounts
from app.core import settings, thai_dates
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.licensing.models import DelayNotice, DelayRecord, DelayStatus, NoticeKind
from app.licensing.services import delay_letters, delays
from app.org.services import calendar_admin
from notifications import MadeLater, notify, queue_mail
from workflows.calendar import BANGKOK, add_working_days
from workflows.operations import OperationContext, operation

# --- operations called by the diagram's service tasks -------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(BANGKOK).isoformat()


def _round_days() -> tuple[int, int]:
    """Working days after a round opens: the officer's answer is due, then OPDC hears of a missing one."""
    update = int(settings.value("DELAY_UPDATE_DAYS", 2))
    return update, max(update, int(settings.value("DELAY_ESCALATE_DAYS", 4)))


def _notice_count(delay_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(DelayNotice).where(DelayNotice.delay_id == delay_id))


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
    notice_at = (delay.next_notice_at or delay.recorded_at) + delays.NOTICE_INTERVAL
    while notice_at <= now:  # the job did not run for a while: the next notice is the next one still ahead
        notice_at += delays.NOTICE_INTERVAL
    delay.next_notice_at = notice_at
    update_days, escalate_days = _round_days()
    due = {}
    deadlines = []
    for purpose, days, variable in (("delay.update", update_days, "update_due_at"),
                                    ("delay.escalate", escalate_days, "escalate_at")):
        due[variable] = add_working_days(now, days)
        deadlines.append(dict(purpose=purpose, starts_at=now, working_days=days, due_at=due[variable],
                              object_type=delays.BUSINESS_TYPE, object_id=delay.id, instance_id=ctx.instance_id,
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
    record_audit("delay.reminded", instance_id=ctx.instance_id, object_type=delays.BUSINESS_TYPE, object_id=delay.id,
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
    calendar_admin.close_deadline("delay.escalate" if step == "opdc" else "delay.update", delays.BUSINESS_TYPE, delay.id)
    sent = notify(people, subject=subject,
                  body=_l("The service point has not given the current reason for the delay in time."),
                  link=link, dedup_key=f"delay:{delay.id}:round:{number}:{step}")
    record_audit("delay.escalated", instance_id=ctx.instance_id, object_type=delays.BUSINESS_TYPE, object_id=delay.id,
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
    delays.close_round_deadlines(delay.id)
    if kind == NoticeKind.final:
        delay.status = DelayStatus.decided
        delay.next_notice_at = None
    record_audit(f"delay.notice_{kind}", actor_id=ctx.actor_id, instance_id=ctx.instance_id,
                 object_type=delays.BUSINESS_TYPE, object_id=delay.id,
                 after={"number": number, "emailed": bool(delay.applicant_email), "opdc": notice.opdc_copied,
                        "restated": notice.restated})
    db.session.flush()
    return {"number": number}


@calendar_admin.on_moved(*delays.ROUND_DEADLINES)
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
    delay.next_notice_at = (delay.next_notice_at or delay.recorded_at) + delays.NOTICE_INTERVAL
    db.session.flush()
    return _iso(delay.next_notice_at)


@operation("delay.update_due")
def update_due(ctx: OperationContext, delay_id: int) -> str:
    now = utcnow().replace(microsecond=0)
    due_at = add_working_days(now, 1)
    calendar_admin.track_deadline(purpose="delay.update", starts_at=now, working_days=1, due_at=due_at,
                                  object_type=delays.BUSINESS_TYPE, object_id=delay_id, instance_id=ctx.instance_id,
                                  timer_variable="update_due_at")
    return _iso(due_at)


@operation("delay.notify_late")
def notify_late(ctx: OperationContext, delay_id: int) -> dict:
    return escalate(ctx, delay_id, "central")
