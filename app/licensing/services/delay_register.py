"""The lists around delay notices: notices to print and post, the applicant's status lookup, and OPDC's register
of copies with its CSV. The record and its lifecycle are in ``delays`` and ``delay_rounds``."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from app.accounts.models import User
from app.accounts.services import policy
from app.core import csv_export
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import AuditEvent, record_audit
from app.licensing.models import DelayDecision, DelayNotice, DelayRecord, NoticeKind
from app.licensing.services import delays
from app.org.models import Agency, AgencyKind
from notifications.models import OutboxMessage, OutboxStatus
from notifications.thai_text import arabic_digits, thai_digits
from workflows.calendar import BANGKOK

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
    paths = delays.paths_of(user, delays.SEE_ROLES)
    if not paths:
        return []
    return list(db.session.scalars(_to_post_query(paths).order_by(DelayNotice.issued_at, DelayNotice.id)).unique())


def to_post_count(user: User) -> int:
    paths = delays.paths_of(user, delays.SEE_ROLES)
    if not paths:
        return 0
    return db.session.scalar(select(func.count()).select_from(_to_post_query(paths).subquery()))


def mark_posted(user: User, notice_id: int) -> DelayNotice:
    """Mark a notice as printed and posted; once only (a conditional UPDATE: two officers at once, one wins)."""
    notice = db.session.get(DelayNotice, notice_id)
    if notice is None or not delays.can_see(user, notice.delay):
        raise delays.DelayError("not_allowed")
    now = utcnow()
    changed = db.session.execute(
        update(DelayNotice).where(DelayNotice.id == notice.id, DelayNotice.posted_at.is_(None))
        .values(posted_at=now, posted_by_id=user.id).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise delays.DelayError("posted")
    record_audit("delay.notice_posted", actor_id=user.id, instance_id=notice.delay.instance_id,
                 object_type=delays.BUSINESS_TYPE, object_id=notice.delay_id, after={"number": notice.number})
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
    return bool(delays.paths_of(user, delays.REGISTER_ROLES))


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
    paths = delays.paths_of(user, delays.REGISTER_ROLES)
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
        .join(DelayRecord, (AuditEvent.object_type == delays.BUSINESS_TYPE) & (AuditEvent.object_id == DelayRecord.id))
        .where(AuditEvent.action.in_(ESCALATION_ACTIONS)), user, filters, AuditEvent.occurred_at)
    if query is None:
        return []
    query = query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)
    return [tuple(row) for row in db.session.execute(query).unique()]


def register_agencies(user: User | None = None) -> list[Agency]:
    """Departments and service points in the user's register scope, for the register's agency filter."""
    query = select(Agency).where(Agency.kind.in_((AgencyKind.department.value, AgencyKind.service_point.value)))
    if user is not None:
        query = query.where(policy.within(Agency.path, delays.paths_of(user, delays.REGISTER_ROLES) or ["//none"]))
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
