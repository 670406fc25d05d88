"""Licence-issuance reports: monthly periods, the figures a service point enters, roll-ups, period locking.

A period (one month) is open to every service point until its close day of the following month
(``REPORT_CLOSE_DAY``, default the 10th): figures may be entered until the end of that day, Bangkok
time, and from then on the period is closed; the locking job records it (``locked_at``) with a
conditional update, so two scheduler processes lock and audit it once. A closed period opens again
for one service point only through an approved unlock request (``app.licensing.services.unlocks``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import Role, User
from app.accounts.services import policy
from app.core import settings
from app.core.conflicts import flush_or_conflict
from app.core.extensions import db
from app.core.types import utcnow
from app.core.unit_memo import memo
from app.core.workflow import record_audit
from app.licensing.models import FIGURE_FIELDS, LicenceReport, ReportPeriod, UnlockRequest, UnlockStatus
from app.manuals.models import Process, ServiceLink
from app.org.models import Agency, AgencyKind
from app.org.services.agencies import owning_department
from notifications.thai_text import ARABIC_DIGITS
from workflows.calendar import BANGKOK

MAX_FIGURE = 10_000_000
VIEW_ROLES = {Role.service_point_officer.value, Role.central_officer.value, Role.opdc_officer.value,
              Role.admin.value}
ROLLUP_ROLES = {Role.central_officer.value, Role.opdc_officer.value, Role.admin.value}


class LicensingError(Exception):
    code = "error"


class NotAllowed(LicensingError):
    code = "not_allowed"


class PeriodClosed(LicensingError):
    code = "closed"


class FiguresChangedMeanwhile(LicensingError):
    code = "conflict"


class FiguresInvalid(LicensingError):
    """``errors``: process id → messages; ``values``: what was typed, to show again."""

    code = "invalid"

    def __init__(self, errors: dict[int, list], values: dict[int, dict[str, str]]):
        super().__init__(errors)
        self.errors = errors
        self.values = values


# --- periods -----------------------------------------------------------------------------------------------


def close_day() -> int:
    return int(settings.value("REPORT_CLOSE_DAY", 10))


def closes_at_for(year: int, month: int) -> datetime:
    """The end of the close day of the following month, Bangkok time (as the next midnight)."""
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    day = date(next_year, next_month, min(close_day(), 28))
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=BANGKOK)


def month_of(moment: datetime) -> tuple[int, int]:
    local = moment.astimezone(BANGKOK)
    return local.year, local.month


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def period(year: int, month: int) -> ReportPeriod:
    """The month's period, created on first use (two creators at once end with the same row)."""
    if not (1 <= month <= 12 and 2000 <= year <= 2200):
        raise LookupError((year, month))
    found = db.session.scalar(select(ReportPeriod).where(ReportPeriod.year == year, ReportPeriod.month == month))
    if found is not None:
        return found
    next_first = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    row = ReportPeriod(year=year, month=month, starts_on=date(year, month, 1),
                       ends_on=next_first - timedelta(days=1), closes_at=closes_at_for(year, month))
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        row = db.session.scalar(select(ReportPeriod).where(ReportPeriod.year == year, ReportPeriod.month == month))
    return row


def recent_periods(now: datetime | None = None, count: int = 12) -> list[ReportPeriod]:
    """The current month and the ones before it, newest first."""
    year, month = month_of(now or utcnow())
    result = []
    for _i in range(count):
        result.append(period(year, month))
        year, month = previous_month(year, month)
    return result


def is_closed(report_period: ReportPeriod, now: datetime | None = None) -> bool:
    return report_period.locked_at is not None or (now or utcnow()) >= report_period.closes_at


def window_end(unlock: UnlockRequest) -> datetime | None:
    """When an unlock's window ends (a holiday announced meanwhile moves it, in the same transaction)."""
    return unlock.opens_until


def open_unlock(report_period: ReportPeriod, agency_id: int, now: datetime | None = None) -> UnlockRequest | None:
    """The approved unlock that keeps the period open for this service point right now, if any (the approved one
    read once a unit of work: whether the sheet is open and until when both ask)."""
    unlock = memo(("approved unlock", report_period.id, agency_id), lambda: db.session.scalar(select(UnlockRequest).where(
        UnlockRequest.period_id == report_period.id, UnlockRequest.agency_id == agency_id,
        UnlockRequest.status == UnlockStatus.approved)), depends_on=(UnlockRequest,))
    if unlock is None:
        return None
    end = window_end(unlock)
    return unlock if end is not None and end > (now or utcnow()) else None


def is_open_for(report_period: ReportPeriod, agency_id: int, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return not is_closed(report_period, now) or open_unlock(report_period, agency_id, now) is not None


def lock_due_periods(now: datetime | None = None) -> list[int]:
    """Lock every period whose close day has passed; returns the ids this call locked (idempotent)."""
    now = now or utcnow()
    year, month = month_of(now)
    period(year, month)  # so that this month's period exists before anyone asks
    period(*previous_month(year, month))
    due = db.session.scalars(select(ReportPeriod.id).where(ReportPeriod.locked_at.is_(None),
                                                           ReportPeriod.closes_at <= now)).all()
    locked = []
    for period_id in due:
        # Conditional: of two scheduler processes only one changes the row, and only that one audits it.
        result = db.session.execute(
            update(ReportPeriod).where(ReportPeriod.id == period_id, ReportPeriod.locked_at.is_(None))
            .values(locked_at=now).execution_options(synchronize_session=False))
        if result.rowcount == 1:
            locked.append(period_id)
            record_audit("report_period.locked", object_type="report_period", object_id=period_id,
                         after={"locked_at": now.isoformat()})
    db.session.flush()
    return locked


# --- who reports where -------------------------------------------------------------------------------------


def _paths(user: User, roles: set[str]) -> list[str]:
    return [path for paths in policy.scopes(user, roles).values() for path in paths]


def reporting_points(user: User) -> list[Agency]:
    """The service points the person enters figures for."""
    paths = _paths(user, {Role.service_point_officer.value})
    if not paths:
        return []
    return list(db.session.scalars(select(Agency).where(Agency.kind == AgencyKind.service_point.value,
                                                        policy.within(Agency.path, paths)).order_by(Agency.path)))


def can_enter(user: User, agency: Agency) -> bool:
    return agency.kind == AgencyKind.service_point.value and policy.covers(
        user, Role.service_point_officer.value, agency.path)


def can_view(user: User, agency: Agency) -> bool:
    return any(policy.covers(user, role, agency.path) for role in VIEW_ROLES)


def can_see_rollups(user: User) -> bool:
    return bool(_paths(user, ROLLUP_ROLES))


def rollup_agencies(user: User) -> list[Agency]:
    """Agencies whose roll-up the person may open: their own scopes (OPDC and administrators: every department)."""
    paths = _paths(user, ROLLUP_ROLES)
    if not paths:
        return []
    if policy.EVERYWHERE in paths:
        query = select(Agency).where(Agency.kind == AgencyKind.department.value)
    else:
        query = select(Agency).where(or_(*[Agency.path == path for path in paths]))
    return list(db.session.scalars(query.order_by(Agency.path)))


def processes_for(agency: Agency) -> list[Process]:
    """What a service point reports on: the processes linked to it and those its department owns. Read once a unit
    of work (a form offers them and checks its answer against them)."""
    if agency.id is None:
        return _processes_for(agency)
    return memo(("processes for", agency.id), lambda: _processes_for(agency),
                depends_on=(Process, ServiceLink, Agency))  # its department is the agency tree's


def _processes_for(agency: Agency) -> list[Process]:
    department = owning_department(agency)
    linked = select(ServiceLink.process_id).where(ServiceLink.agency_id == agency.id,
                                                  ServiceLink.process_id.is_not(None))
    return list(db.session.scalars(select(Process).where(
        Process.active.is_(True), or_(Process.agency_id == department.id, Process.id.in_(linked)))
        .order_by(Process.name_th, Process.id)))


# --- the sheet ---------------------------------------------------------------------------------------------


@dataclass
class SheetRow:
    process: Process
    report: LicenceReport | None
    values: dict[str, str] = field(default_factory=dict)
    errors: list = field(default_factory=list)


def sheet(report_period: ReportPeriod, agency: Agency) -> list[SheetRow]:
    processes = processes_for(agency)
    reports = {r.process_id: r for r in db.session.scalars(select(LicenceReport).where(
        LicenceReport.period_id == report_period.id, LicenceReport.agency_id == agency.id))}
    rows = []
    for process in processes:
        report = reports.get(process.id)
        values = {name: str(getattr(report, name)) if report else "" for name in FIGURE_FIELDS}
        rows.append(SheetRow(process, report, values))
    return rows


def _validate(values: dict[str, str]) -> tuple[dict[str, int] | None, list]:
    errors: list = []
    numbers: dict[str, int] = {}
    for name in FIGURE_FIELDS:
        text = (values.get(name) or "").strip().replace(",", "").translate(ARABIC_DIGITS)  # ๑๒ is 12
        if text == "":
            text = "0"
        if not text.isdigit() or not text.isascii():
            errors.append(_l("Enter whole numbers of zero or more in every box."))
            return None, errors
        number = int(text)
        if number > MAX_FIGURE:
            errors.append(_l("A figure is too large."))
            return None, errors
        numbers[name] = number
    if numbers["approved"] + numbers["refused"] + numbers["pending"] != numbers["received"]:
        errors.append(_l("Approved + refused + pending must equal received."))
    if numbers["within_limit"] + numbers["over_limit"] != numbers["approved"] + numbers["refused"]:
        errors.append(_l("Decided within + over the time limit must equal approved + refused."))
    return (None if errors else numbers), errors


def save_figures(user: User, report_period: ReportPeriod, agency: Agency, typed: dict[int, dict[str, str]],
                 now: datetime | None = None) -> int:
    """Check every row, then write them all (or nothing); returns how many rows changed."""
    now = now or utcnow()
    if not can_enter(user, agency):
        raise NotAllowed(agency.id)
    if not is_open_for(report_period, agency.id, now):
        raise PeriodClosed(report_period.id)
    known = {row.process.id: row for row in sheet(report_period, agency)}
    errors: dict[int, list] = {}
    clean: dict[int, dict[str, int]] = {}
    for process_id, values in typed.items():
        if process_id not in known:
            continue
        numbers, row_errors = _validate(values)
        if row_errors:
            errors[process_id] = row_errors
        else:
            clean[process_id] = numbers
    if errors:
        raise FiguresInvalid(errors, typed)
    changes = []
    for process_id, numbers in clean.items():
        report = known[process_id].report
        if report is None:
            if not any(numbers.values()):
                continue  # an untouched row stays absent
            report = LicenceReport(period_id=report_period.id, agency_id=agency.id, process_id=process_id)
            db.session.add(report)
            before = None
        else:
            before = {name: getattr(report, name) for name in FIGURE_FIELDS}
            if before == numbers:
                continue
        for name, value in numbers.items():
            setattr(report, name, value)
        report.updated_at = now
        report.updated_by_id = user.id
        changes.append({"process_id": process_id, "before": before, "after": numbers})
    flush_or_conflict(FiguresChangedMeanwhile, IntegrityError)
    if changes:
        unlock = open_unlock(report_period, agency.id, now) if is_closed(report_period, now) else None
        record_audit("licence_report.saved", actor_id=user.id, object_type="agency", object_id=agency.id,
                     after={"period": f"{report_period.year}-{report_period.month:02d}", "changes": changes,
                            "unlock_id": unlock.id if unlock else None})
    return len(changes)


# --- roll-ups ----------------------------------------------------------------------------------------------


@dataclass
class Rollup:
    agency: Agency
    rows: list[dict]  # per service point and process
    totals: list[dict]  # per process, over every service point
    grand: dict[str, int]


def rollup(user: User, report_period: ReportPeriod, agency: Agency) -> Rollup:
    """Every service point's figures under ``agency``, in one query, and the totals per process."""
    if not any(policy.covers(user, role, agency.path) for role in ROLLUP_ROLES):
        raise NotAllowed(agency.id)
    sums = [func.sum(getattr(LicenceReport, name)).label(name) for name in FIGURE_FIELDS]
    query = (
        select(Agency.id, Agency.name_th, Agency.name_en, Process.id, Process.name_th, Process.name_en, *sums)
        .select_from(LicenceReport)
        .join(Agency, Agency.id == LicenceReport.agency_id)
        .join(Process, Process.id == LicenceReport.process_id)
        .where(LicenceReport.period_id == report_period.id, policy.within(Agency.path, [agency.path]))
        .group_by(Agency.id, Agency.name_th, Agency.name_en, Agency.path, Process.id, Process.name_th,
                  Process.name_en)
        .order_by(Agency.path, Process.name_th, Process.id)
    )
    rows, totals = [], {}
    grand = dict.fromkeys(FIGURE_FIELDS, 0)
    for point_id, point_th, point_en, process_id, process_th, process_en, *figures in db.session.execute(query):
        numbers = {name: int(value or 0) for name, value in zip(FIGURE_FIELDS, figures, strict=True)}
        rows.append({"agency_id": point_id, "agency_th": point_th, "agency_en": point_en,
                     "process_id": process_id, "process_th": process_th, "process_en": process_en, **numbers})
        total = totals.setdefault(process_id, {"process_id": process_id, "process_th": process_th,
                                               "process_en": process_en, **dict.fromkeys(FIGURE_FIELDS, 0)})
        for name, value in numbers.items():
            total[name] += value
            grand[name] += value
    return Rollup(agency, rows, sorted(totals.values(), key=lambda t: (t["process_th"], t["process_id"])), grand)
