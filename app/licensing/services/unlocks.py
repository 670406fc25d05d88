"""Unlock requests: a service point asks to reopen a closed period, OPDC decides, the window closes by itself.

The lifecycle is ``workflows/unlock_request.bpmn``. Rules:
- a request needs a reason, and the period must be closed for the service point;
- at most one request per period and service point holds its ``slot`` at a time (pending, approved or
  expired), enforced by a unique column, so two requests at once cannot both pass;
- an approved unlock opens the period for that service point until the end of the 5th working day after
  the approval; a timer locks it again then and tells the requester;
- once a service point has had its approved unlock, it can never ask again for that period;
- a refused request frees the slot: the service point may ask again (with a new reason) as long as it has
  not had an approved unlock for that period. No limit on refused attempts: each one is decided by OPDC.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import Role, User
from app.accounts.services import accounts
from app.core import settings, thai_dates
from app.core.conflicts import savepoint
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import HumanTask, TaskStatus, record_audit, row_of_instance
from app.inbox.services import inbox
from app.licensing.models import ReportPeriod, UnlockRequest, UnlockStatus
from app.licensing.services import licensing
from app.org.models import Agency
from app.org.services import calendar_admin, letter_register
from notifications import letters, notify
from workflows import engine
from workflows.calendar import BANGKOK, add_working_days, end_of_working_day
from workflows.operations import OperationContext, operation

log = logging.getLogger(__name__)

PROCESS_ID = "unlock_request"
BUSINESS_TYPE = "unlock_request"
MAX_REASON = 2000
DECIDE_TASK = "decide"


class UnlockRefused(licensing.LicensingError):
    """``code``: no_reason, not_closed (the period is open anyway), pending, open (the window runs), used,
    not_approved (no letter for a request that was not approved), no_sender (no OPDC agency sends it)."""

    def __init__(self, code: str, unlock: UnlockRequest | None = None):
        super().__init__(code)
        self.code = code
        self.unlock = unlock


def _config(name: str, default: int) -> int:
    return int(settings.value(name, default))


def window_days() -> int:
    return _config("UNLOCK_WINDOW_DAYS", 5)


def _slot(period_id: int, agency_id: int) -> str:
    return f"{period_id}:{agency_id}"


def holder(period_id: int, agency_id: int) -> UnlockRequest | None:
    """The request that holds the period's slot for the service point (pending, approved or expired)."""
    return db.session.scalar(select(UnlockRequest).where(UnlockRequest.slot == _slot(period_id, agency_id))
                             .execution_options(populate_existing=True))


def _refusal_for(existing: UnlockRequest) -> UnlockRefused:
    if existing.status == UnlockStatus.pending:
        return UnlockRefused("pending", existing)
    end = licensing.window_end(existing)
    if existing.status == UnlockStatus.approved and end is not None and end > utcnow():
        return UnlockRefused("open", existing)
    return UnlockRefused("used", existing)


def history(period_id: int, agency_id: int) -> list[UnlockRequest]:
    return list(db.session.scalars(select(UnlockRequest).where(
        UnlockRequest.period_id == period_id, UnlockRequest.agency_id == agency_id)
        .order_by(UnlockRequest.requested_at.desc(), UnlockRequest.id.desc())))


def refusal(report_period: ReportPeriod, agency: Agency) -> UnlockRefused | None:
    """Why a request for the period would be refused now (whatever its reason), or None: the sheet offers the
    form only when this is None, so that it never offers what ``ask`` refuses."""
    existing = holder(report_period.id, agency.id)
    if existing is not None:
        return _refusal_for(existing)
    if not licensing.is_closed(report_period):
        return UnlockRefused("not_closed")
    return None


def ask(user: User, report_period: ReportPeriod, agency: Agency, reason: str) -> UnlockRequest:
    """Start a request; raises UnlockRefused with the reason it cannot be asked."""
    if not licensing.can_enter(user, agency):
        raise licensing.NotAllowed(agency.id)
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise UnlockRefused("no_reason")
    if (refused := refusal(report_period, agency)) is not None:
        raise refused
    unlock = UnlockRequest(period_id=report_period.id, agency_id=agency.id, slot=_slot(report_period.id, agency.id),
                           status=UnlockStatus.pending, reason=reason, requested_by_id=user.id, requested_at=utcnow())
    try:
        with savepoint():
            db.session.add(unlock)
    except IntegrityError:
        # Someone asked for the same period and service point at the same moment, and won.
        existing = holder(report_period.id, agency.id)
        raise _refusal_for(existing) if existing else UnlockRefused("pending") from None
    instance = engine.start(
        PROCESS_ID,
        title=f"ขอปลดล็อกรายงานผลการออกใบอนุญาต {period_label_th(report_period)} · {agency.name_th}",
        business_type=BUSINESS_TYPE,
        business_id=unlock.id,
        agency_id=agency.id,
        agency_path=agency.path,
        data={"unlock_id": unlock.id},
        actor_id=user.id,
    )
    unlock.instance_id = instance.id
    record_audit("unlock.requested", actor_id=user.id, instance_id=instance.id, object_type="unlock_request",
                 object_id=unlock.id, comment=reason,
                 after={"period_id": report_period.id, "agency_id": agency.id})
    db.session.flush()
    return unlock


def period_label_th(report_period: ReportPeriod) -> str:
    return thai_dates.month_year(report_period.year, report_period.month)


# --- who sees a request ------------------------------------------------------------------------------------


def get_for(user: User, unlock_id: int) -> UnlockRequest | None:
    unlock = db.session.get(UnlockRequest, unlock_id)
    if unlock is None or not licensing.can_view(user, unlock.agency):
        return None
    return unlock


def open_decide_task(unlock: UnlockRequest) -> HumanTask | None:
    if unlock.instance_id is None:
        return None
    return db.session.scalar(select(HumanTask).where(HumanTask.instance_id == unlock.instance_id,
                                                     HumanTask.spec_name == DECIDE_TASK,
                                                     HumanTask.status == TaskStatus.open))


# --- the inbox: what the OPDC officer sees in the decision form ---------------------------------------------


def _unlock_of(task: HumanTask) -> UnlockRequest | None:
    return row_of_instance(UnlockRequest, task.instance_id)


@inbox.prefill("unlock_request.decide")
def _decide_prefill(task: HumanTask) -> dict:
    unlock = _unlock_of(task)
    return {"reason": unlock.reason} if unlock else {}


@inbox.subject_provider(BUSINESS_TYPE)
def _subject(instance) -> dict:
    return {"unlock": row_of_instance(UnlockRequest, instance.id)}


# --- operations called by the diagram's service tasks -------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(BANGKOK).isoformat()


@operation("unlock.review_deadline")
def review_deadline(ctx: OperationContext, kind: str) -> str:
    """When to remind OPDC (2 working days) and when to escalate (2 more), tracked so a holiday moves them."""
    now = utcnow().replace(microsecond=0)
    remind = _config("UNLOCK_REMIND_AFTER_DAYS", 2)
    days = remind if kind == "remind" else remind + _config("UNLOCK_ESCALATE_AFTER_DAYS", 2)
    due_at = add_working_days(now, days)
    calendar_admin.track_deadline(purpose=f"unlock.{kind}", starts_at=now, working_days=days, due_at=due_at,
                                  object_type=BUSINESS_TYPE, object_id=ctx.business_id,
                                  instance_id=ctx.instance_id, timer_variable=f"{kind}_at")
    return _iso(due_at)


def _requester(unlock: UnlockRequest) -> list[User]:
    user = db.session.get(User, unlock.requested_by_id)
    return [user] if user is not None and user.active else []



def _sheet_link(unlock: UnlockRequest) -> str:
    return settings.external_url("licensing.sheet", year=unlock.period.year, month=unlock.period.month, agency_id=unlock.agency_id)


@operation("unlock.remind")
def remind(ctx: OperationContext, unlock_id: int) -> dict:
    unlock = db.session.get(UnlockRequest, unlock_id)
    task = open_decide_task(unlock)
    people = [db.session.get(User, task.assignee_id)] if task is not None and task.assignee_id else accounts.opdc_officers()
    sent = notify(people, subject=_l("Reminder: an unlock request is waiting for your decision: %(agency)s",
                                     agency=unlock.agency.name_th),
                  body=_l("Please approve or refuse it."),
                  link=settings.external_url("inbox.task", task_id=task.id) if task else None,
                  dedup_key=f"unlock:{unlock.id}:remind")
    return {"notified": sent}


@operation("unlock.escalate")
def escalate(ctx: OperationContext, unlock_id: int) -> dict:
    """Overdue: every OPDC officer and the department's central officers hear of it."""
    unlock = db.session.get(UnlockRequest, unlock_id)
    sent = notify(accounts.opdc_officers() + accounts.central_officers_of(unlock.agency),
                  subject=_l("Overdue unlock request: %(agency)s", agency=unlock.agency.name_th),
                  body=_l("An unlock request has waited for a decision past its time."),
                  link=settings.external_url("instances.show", instance_id=ctx.instance_id),
                  dedup_key=f"unlock:{unlock.id}:escalate")
    record_audit("unlock.escalated", instance_id=ctx.instance_id, object_type="unlock_request", object_id=unlock.id,
                 after={"notified": sent})
    return {"notified": sent}


@operation("unlock.record_decision")
def record_decision(ctx: OperationContext, unlock_id: int, decision: str, comment: str = "") -> str:
    unlock = db.session.get(UnlockRequest, unlock_id)
    now = utcnow()
    unlock.decided_by_id = ctx.actor_id
    unlock.decided_at = now
    unlock.decision_comment = comment or None
    for kind in ("remind", "escalate"):
        calendar_admin.close_deadline(f"unlock.{kind}", BUSINESS_TYPE, unlock.id)
    if decision == "approve":
        unlock.status = UnlockStatus.approved
        unlock.opens_until = end_of_working_day(now, window_days())
    else:
        unlock.status = UnlockStatus.refused
        unlock.slot = None  # free: the service point may ask again while it has not had an approved unlock
    record_audit(f"unlock.{'approved' if decision == 'approve' else 'refused'}", actor_id=ctx.actor_id,
                 instance_id=ctx.instance_id, object_type="unlock_request", object_id=unlock.id,
                 comment=comment or None, after={"status": unlock.status,
                                                 "opens_until": unlock.opens_until.isoformat()
                                                 if unlock.opens_until else None})
    if decision == "approve":
        register_letter(unlock)  # the approval letter's number, from OPDC's outgoing-letter register
        notify(_requester(unlock), subject=_l("Unlock approved: you may report until %(until)s",
                                              until=_thai_datetime(unlock.opens_until)),
               body=comment, link=_sheet_link(unlock), dedup_key=f"unlock:{unlock.id}:approved")
    else:
        notify(_requester(unlock), subject=_l("Unlock refused"), body=comment, link=_sheet_link(unlock),
               dedup_key=f"unlock:{unlock.id}:refused")
    db.session.flush()
    return decision


def _thai_datetime(moment: datetime) -> str:
    return f"{thai_dates.long_date(moment)} {moment.astimezone(BANGKOK):%H:%M}"


@operation("unlock.open_window")
def open_window(ctx: OperationContext, unlock_id: int) -> str:
    """The window's end as the timer reads it, tracked so that a holiday announced meanwhile moves it."""
    unlock = db.session.get(UnlockRequest, unlock_id)
    calendar_admin.track_deadline(purpose="unlock.window", starts_at=unlock.decided_at, working_days=window_days(),
                                  due_at=unlock.opens_until, object_type=BUSINESS_TYPE, object_id=unlock.id,
                                  instance_id=ctx.instance_id, timer_variable="opens_until", end_of_day=True)
    return _iso(unlock.opens_until)


@calendar_admin.on_moved("unlock.window")
def _window_moved(deadline, before: datetime, after: datetime, actor) -> None:
    """A holiday announced meanwhile moved the window's end: the request keeps the one date every page, letter
    and notification reads, and the service point is told its new last day."""
    unlock = db.session.get(UnlockRequest, deadline.object_id)
    if unlock is None or unlock.status != UnlockStatus.approved:
        return
    unlock.opens_until = after
    notify(_requester(unlock), subject=_l("Unlock window moved: you may now report until %(until)s",
                                          until=_thai_datetime(after)),
           body=_l("A holiday was announced, so the last day of your unlock window moved from %(before)s to "
                   "%(after)s.", before=_thai_datetime(before), after=_thai_datetime(after)),
           link=_sheet_link(unlock), dedup_key=f"unlock:{unlock.id}:window:{after.isoformat()}")


@operation("unlock.relock")
def relock(ctx: OperationContext, unlock_id: int) -> dict:
    """The window is over: the period is locked again for the service point, for good."""
    now = utcnow()
    unlock = db.session.get(UnlockRequest, unlock_id)
    # The tracked deadline is the truth about the window's end (a holiday may have moved it): keep the row in step.
    end = licensing.window_end(unlock) or now
    changed = db.session.execute(
        update(UnlockRequest).where(UnlockRequest.id == unlock_id, UnlockRequest.status == UnlockStatus.approved)
        .values(status=UnlockStatus.expired, relocked_at=now, opens_until=end)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        return {"relocked": False}
    db.session.refresh(unlock)
    calendar_admin.close_deadline("unlock.window", BUSINESS_TYPE, unlock.id)
    record_audit("unlock.relocked", instance_id=ctx.instance_id, object_type="unlock_request", object_id=unlock.id,
                 before={"status": UnlockStatus.approved}, after={"status": UnlockStatus.expired})
    notify(_requester(unlock), subject=_l("The reporting period is locked again: %(period)s",
                                          period=period_label_th(unlock.period)),
           body=_l("The unlock window has ended. This period cannot be unlocked again."),
           link=_sheet_link(unlock), dedup_key=f"unlock:{unlock.id}:relocked")
    return {"relocked": True}



# --- the approval letter ------------------------------------------------------------------------------------


LETTER_KIND = "unlock_approval"
letter_register.declare_kind(LETTER_KIND, _l("Unlock approval"))


def _letter_sender(unlock: UnlockRequest) -> Agency:
    """OPDC's unit of the officer who decided (numbered in OPDC's register), else the configured OPDC agency."""
    decider = db.session.get(User, unlock.decided_by_id) if unlock.decided_by_id else None
    for membership in (decider.memberships if decider else []):
        if membership.active and membership.role == Role.opdc_officer.value:
            return membership.agency
    code = settings.value("OPDC_AGENCY_CODE", "opdc")
    opdc = db.session.scalar(select(Agency).where(Agency.code == code))
    if opdc is None:
        raise UnlockRefused("no_sender", unlock)
    return opdc


def _month_th(unlock: UnlockRequest) -> str:
    return letters.thai_month(unlock.period.year, unlock.period.month)


def register_letter(unlock: UnlockRequest):
    """The approval letter's entry in the sender's outgoing-letter register (its number), made once."""
    return letter_register.issue(
        sender=_letter_sender(unlock), kind=LETTER_KIND, object_id=unlock.id,
        subject=f"อนุมัติการปลดล็อกรายงานผลการออกใบอนุญาต ประจำเดือน{_month_th(unlock)}",
        addressee=f"หัวหน้า{unlock.agency.name_th}", issued_at=unlock.decided_at, issued_by_id=unlock.decided_by_id)


def approval_letter(unlock: UnlockRequest) -> bytes:
    """The official letter that tells the service point its period is unlocked and until when, numbered in the
    register of OPDC (the number taken at the approval is the one every print shows)."""
    if unlock.status not in (UnlockStatus.approved, UnlockStatus.expired) or unlock.decided_at is None:
        raise UnlockRefused("not_approved", unlock)
    until = licensing.window_end(unlock)
    decided_by = db.session.get(User, unlock.decided_by_id) if unlock.decided_by_id else None
    month = _month_th(unlock)
    reason = " ".join(unlock.reason.split())
    entry = register_letter(unlock)
    letter = letters.Letter(
        reference=letter_register.reference(entry),
        sender_address=letter_register.sender_address(entry.sender),
        date=entry.issued_at,
        subject=entry.subject,
        addressee=entry.addressee,
        refers_to=f"คำขอปลดล็อกรายงานของ{unlock.agency.name_th} ลงวันที่ {letters.thai_date(unlock.requested_at)}",
        paragraphs=[
            f"ตามที่ {unlock.agency.name_th} ได้ขอปลดล็อกรายงานผลการออกใบอนุญาต ประจำเดือน{month} "
            f"ด้วยเหตุผลว่า {reason} ความละเอียดแจ้งแล้ว นั้น",
            f"สำนักงาน ก.พ.ร. พิจารณาแล้ว อนุมัติให้ปลดล็อกรายงานดังกล่าว เป็นเวลา {window_days()} วันทำการ "
            f"นับแต่วันที่อนุมัติ โปรดรายงานผลให้แล้วเสร็จภายในวันที่ {letters.thai_date(until)} "
            f"เวลา {until.astimezone(BANGKOK):%H.%M} น. เมื่อพ้นกำหนดแล้ว ระบบจะล็อกรายงานอีกครั้งโดยอัตโนมัติ "
            "และจะขอปลดล็อกรายงานของเดือนนี้อีกไม่ได้",
            "จึงเรียนมาเพื่อโปรดทราบและดำเนินการ",
        ],
        signer_name=decided_by.display_name if decided_by else "",
        signer_position=f"เจ้าหน้าที่{entry.sender.name_th}",
        footer=letter_register.contact_lines(entry.sender),
    )
    return letters.build(letter)
