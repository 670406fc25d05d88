"""The working-day calendar's administration, and the deadlines a calendar change moves.

Administrators add special holidays (days the cabinet announces), cancel a holiday of the ``holidays``
package (it becomes a working day) and remove their own corrections. Each change recomputes every open
``WorkingDayDeadline`` whose window holds the day, moves the BPMN timer that reads it and audits both,
all in the caller's transaction (this module flushes, the view commits).

Changes of the calendar are serialised: on PostgreSQL a transaction-scoped advisory lock is taken
first and the calendar is read afresh after it, so two administrators adding holidays at the same time
each recompute the deadlines with the other's day counted; SQLite has a single writer anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import Role, User
from app.accounts.services import policy
from app.core.calendar import DeadlineStatus, SpecialDay, SpecialDayKind, WorkingDayDeadline
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from workflows import calendar, engine
from workflows.calendar import BANGKOK

# Arbitrary, fixed: the key of the advisory lock that serialises calendar changes on PostgreSQL.
_CALENDAR_LOCK_KEY = 5_202_601
# Corrections are for the current and coming years; older ones would rewrite closed history.
PAST_LIMIT = timedelta(days=366)
FUTURE_LIMIT_YEARS = 5
NAME_MAX = 255


class CalendarRefused(Exception):
    """The change is not allowed; ``message`` (lazy, translated) says why."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class NotFound(Exception):
    pass


@dataclass(frozen=True)
class CalendarChange:
    day: date
    deadlines_moved: int


def can_manage(user: User) -> bool:
    return bool(user and user.is_authenticated and policy.scopes(user, {Role.admin.value}))


# --- the year's view ---------------------------------------------------------------------------------------


@dataclass
class CalendarDay:
    day: date
    name_th: str
    name_en: str | None
    source: str  # "package" | "special"
    kind: str  # "holiday" | "working" (a cancelled package holiday)
    special_id: int | None = None
    package_name_th: str | None = None  # for a cancelled package holiday: the holiday it was

    @property
    def is_weekend(self) -> bool:
        return self.day.weekday() >= 5


def year_days(year: int) -> list[CalendarDay]:
    """The package's holidays of ``year`` and the special days, by date; a cancelled holiday shows once."""
    package = calendar.package_holidays(year)
    specials = {row.day: row for row in db.session.scalars(
        select(SpecialDay).where(SpecialDay.day >= date(year, 1, 1), SpecialDay.day <= date(year, 12, 31)))}
    days: list[CalendarDay] = []
    for day, holiday in package.items():
        if day not in specials:
            days.append(CalendarDay(day, holiday.name_th, holiday.name_en, "package", SpecialDayKind.holiday))
    for day, row in specials.items():
        days.append(CalendarDay(day, row.name_th, row.name_en, "special", row.kind, special_id=row.id,
                                package_name_th=package[day].name_th if day in package else None))
    return sorted(days, key=lambda d: d.day)


def working_day_count(year: int) -> int:
    return len(calendar.working_days_in(date(year, 1, 1), date(year, 12, 31)))


# --- changes -----------------------------------------------------------------------------------------------


def _serialise_changes() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CALENDAR_LOCK_KEY})
    calendar.invalidate()  # read the special days afresh, after whoever held the lock committed


def _check_date_range(day: date) -> None:
    today = utcnow().astimezone(BANGKOK).date()
    if day < today - PAST_LIMIT:
        raise CalendarRefused(_l("The date is more than a year in the past; past calendars are not changed."))
    if day.year > today.year + FUTURE_LIMIT_YEARS:
        raise CalendarRefused(_l("The date is too far in the future (at most %(years)s years ahead).",
                                 years=FUTURE_LIMIT_YEARS))


def _check_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise CalendarRefused(_l("Enter the name of the day."))
    if len(name) > NAME_MAX:
        raise CalendarRefused(_l("The name is too long (at most %(n)s characters).", n=NAME_MAX))
    return name


def _existing(day: date) -> SpecialDay | None:
    return db.session.scalar(select(SpecialDay).where(SpecialDay.day == day))


def _insert(actor: User, day: date, kind: str, name_th: str, name_en: str | None) -> SpecialDay:
    row = SpecialDay(day=day, kind=kind, name_th=name_th, name_en=(name_en or "").strip() or None,
                     created_by_id=actor.id, created_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise CalendarRefused(_l("This date already has a special entry in the calendar.")) from None
    return row


def add_holiday(actor: User, day: date, name_th: str, name_en: str | None = None) -> CalendarChange:
    """A special holiday on a working weekday; open deadlines it falls within move a working day later."""
    name_th = _check_name(name_th)
    if day is None:
        raise CalendarRefused(_l("Enter a date."))
    _check_date_range(day)
    if day.weekday() >= 5:
        raise CalendarRefused(_l("The date is a Saturday or Sunday, which is already a day off."))
    _serialise_changes()
    if _existing(day) is not None:
        raise CalendarRefused(_l("This date already has a special entry in the calendar."))
    if day in calendar.package_holidays(day.year):
        raise CalendarRefused(_l("The date is already a public holiday."))
    row = _insert(actor, day, SpecialDayKind.holiday, name_th, name_en)
    _audit_special("calendar.holiday_added", actor, row)
    return CalendarChange(day, _recompute(row, "added", actor))


def cancel_holiday(actor: User, day: date, name_th: str | None = None) -> CalendarChange:
    """A package holiday on a weekday becomes a working day."""
    if day is None:
        raise CalendarRefused(_l("Enter a date."))
    _check_date_range(day)
    holiday = calendar.package_holidays(day.year).get(day)
    if holiday is None:
        raise CalendarRefused(_l("The date is not a public holiday, so there is nothing to cancel."))
    if day.weekday() >= 5:
        raise CalendarRefused(_l("The date is a Saturday or Sunday, which is already a day off."))
    _serialise_changes()
    if _existing(day) is not None:
        raise CalendarRefused(_l("This date already has a special entry in the calendar."))
    name = (name_th or "").strip() or f"ยกเลิกวันหยุด: {holiday.name_th}"
    row = _insert(actor, day, SpecialDayKind.working, _check_name(name), f"Cancelled: {holiday.name_en}")
    _audit_special("calendar.holiday_cancelled", actor, row)
    return CalendarChange(day, _recompute(row, "added", actor))


def remove_special_day(actor: User, special_day_id: int) -> CalendarChange:
    """Undo an administrator's correction: the day is what the package says again."""
    _serialise_changes()
    row = db.session.get(SpecialDay, special_day_id, with_for_update=True)
    if row is None:
        raise NotFound(special_day_id)
    _check_date_range(row.day)
    removed = {"day": row.day.isoformat(), "kind": row.kind, "name_th": row.name_th, "id": row.id}
    db.session.delete(row)
    db.session.flush()
    record_audit("calendar.special_day_removed", actor_id=actor.id, object_type="special_day", object_id=removed["id"],
                 before=removed)
    return CalendarChange(row.day, _recompute(row, "removed", actor))


def _audit_special(action: str, actor: User, row: SpecialDay) -> None:
    record_audit(action, actor_id=actor.id, object_type="special_day", object_id=row.id,
                 after={"day": row.day.isoformat(), "kind": row.kind, "name_th": row.name_th, "name_en": row.name_en})


# --- deadlines ---------------------------------------------------------------------------------------------


def track_deadline(*, purpose: str, starts_at: datetime, working_days: int, due_at: datetime,
                   object_type: str | None = None, object_id: int | None = None, instance_id: int | None = None,
                   timer_variable: str | None = None, end_of_day: bool = False) -> int:
    """Remember a deadline counted in working days, so that a later calendar change moves it; returns its id.

    ``due_at`` is what the caller computed with ``add_working_days`` (same time of day as ``starts_at``)
    or, with ``end_of_day``, ``end_of_working_day`` (23:59:59). A recomputation keeps ``due_at``'s Bangkok
    time of day and moves only its date, which gives the same result for both functions. A deadline
    tracked again for the same purpose and object replaces the open one.
    """
    [row] = _replacing(dict(purpose=purpose, starts_at=starts_at, working_days=working_days, due_at=due_at,
                            object_type=object_type, object_id=object_id, instance_id=instance_id,
                            timer_variable=timer_variable, end_of_day=end_of_day))
    return db.session.scalar(insert(WorkingDayDeadline).values(**row).returning(WorkingDayDeadline.id))


def track_deadlines(*deadlines: dict) -> None:
    """Several deadlines at once (each as ``track_deadline``'s arguments): the open ones they replace closed in
    one statement per object, the new ones written in one."""
    rows = _replacing(*deadlines)
    if rows:
        db.session.execute(insert(WorkingDayDeadline), rows, execution_options={"autoflush": False})


def _replacing(*deadlines: dict) -> list[dict]:
    """The deadlines' rows, once the open ones they replace are closed."""
    rows, replaced = [], {}
    for given in deadlines:
        given = dict(given)
        if given["working_days"] < 0:
            raise ValueError("working_days must not be negative")
        if given.pop("end_of_day", False):
            given["due_at"] = given["due_at"].astimezone(BANGKOK).replace(hour=23, minute=59, second=59,
                                                                          microsecond=0)
        if given.get("object_type") is not None and given.get("object_id") is not None:
            replaced.setdefault((given["object_type"], given["object_id"]), []).append(given["purpose"])
        rows.append(dict.fromkeys(_DEADLINE_FIELDS) | given | {"status": DeadlineStatus.open})
    for (object_type, object_id), purposes in replaced.items():
        close_deadlines(purposes, object_type, object_id)
    return rows


_DEADLINE_FIELDS = ("object_type", "object_id", "instance_id", "timer_variable")  # given as None when unused


def close_deadline(purpose: str, object_type: str | None, object_id: int | None) -> int:
    """Close the open deadlines of ``purpose`` for the object (it was met or is no longer wanted)."""
    return close_deadlines([purpose], object_type, object_id)


def close_deadlines(purposes, object_type: str | None, object_id: int | None) -> int:
    """Close the open deadlines of any of ``purposes`` for the object: one statement. Deadlines the session holds
    read their status again when next used."""
    if object_type is None or object_id is None:  # no object: "IS NULL", which the statement built once cannot say
        statement = _CLOSE.where(WorkingDayDeadline.object_type == object_type,
                                 WorkingDayDeadline.object_id == object_id)
    else:
        statement = _CLOSE_FOR_OBJECT
    # Deadlines are written by statements, never held pending: nothing the session holds need go out first.
    closed = db.session.execute(statement, {"purposes": list(purposes), "of_type": object_type, "of_id": object_id,
                                            "now": utcnow()}, execution_options={"autoflush": False})
    for held in list(db.session.identity_map.values()):
        if isinstance(held, WorkingDayDeadline):
            db.session.expire(held, ["status", "updated_at"])
    return closed.rowcount


# Built once (a completion closes a step's deadlines and those its next step replaces): an UPDATE built anew cost
# SQLAlchemy its cache key each time, and the session its search, in Python, of the deadlines it holds (expired
# instead).
_CLOSE = (update(WorkingDayDeadline)
          .where(WorkingDayDeadline.purpose.in_(bindparam("purposes", expanding=True)),
                 WorkingDayDeadline.status == DeadlineStatus.open)
          .values(status=DeadlineStatus.closed,
                  updated_at=bindparam("now", type_=WorkingDayDeadline.__table__.c.updated_at.type))
          .execution_options(synchronize_session=False))
_CLOSE_FOR_OBJECT = _CLOSE.where(WorkingDayDeadline.object_type == bindparam("of_type"),
                                 WorkingDayDeadline.object_id == bindparam("of_id"))


def open_deadline(purpose: str, object_type: str, object_id: int) -> WorkingDayDeadline | None:
    return db.session.scalar(select(WorkingDayDeadline).where(
        WorkingDayDeadline.purpose == purpose, WorkingDayDeadline.object_type == object_type,
        WorkingDayDeadline.object_id == object_id, WorkingDayDeadline.status == DeadlineStatus.open)
        .order_by(WorkingDayDeadline.id.desc()).limit(1))


def recomputed_due_at(deadline: WorkingDayDeadline) -> datetime:
    """The deadline's due time by today's calendar: the same Bangkok time of day, on the N-th working day."""
    due_local = deadline.due_at.astimezone(BANGKOK)
    day = calendar.add_working_days(deadline.starts_at, deadline.working_days).date()
    return datetime.combine(day, due_local.timetz())


# Deadlines that are not counted in whole working days (a helpdesk SLA counts office minutes) follow a calendar
# change through a listener: ``listener(day, actor) -> how many it moved``.
_change_listeners: list[Callable[[date, User], int]] = []
# What a capability keeps in step when one of its tracked deadlines moves (the date stored on its own row, the
# people who were told the old date): ``handler(deadline, before, after, actor)``, by the deadline's purpose.
_moved_handlers: dict[str, Callable[[WorkingDayDeadline, datetime, datetime, User], None]] = {}


def on_moved(*purposes: str):
    """Register what follows a moved deadline of these purposes, in the calendar change's own transaction."""
    def register(handler):
        for purpose in purposes:
            _moved_handlers[purpose] = handler
        return handler
    return register


def on_change(listener: Callable[[date, User], int]) -> Callable[[date, User], int]:
    _change_listeners.append(listener)
    return listener


def _recompute(row: SpecialDay, change: str, actor: User) -> int:
    moved = len(_recompute_deadlines(row, change, actor))
    return moved + sum(listener(row.day, actor) for listener in _change_listeners)


def _recompute_deadlines(row: SpecialDay, change: str, actor: User) -> list[WorkingDayDeadline]:
    """Every open deadline whose window (after its start's date, up to its due date) holds the day."""
    calendar.invalidate()  # this transaction's own change
    day_starts = datetime.combine(row.day, datetime.min.time(), tzinfo=BANGKOK)
    deadlines = db.session.scalars(
        select(WorkingDayDeadline)
        .where(WorkingDayDeadline.status == DeadlineStatus.open, WorkingDayDeadline.starts_at < day_starts,
               WorkingDayDeadline.due_at >= day_starts)
        .order_by(WorkingDayDeadline.id)
        .with_for_update()
    ).all()
    cause = {"day": row.day.isoformat(), "kind": row.kind, "name_th": row.name_th, "change": change}
    moved = []
    for deadline in deadlines:
        before = deadline.due_at
        after = recomputed_due_at(deadline)
        if after == before:
            continue
        deadline.due_at = after
        timers = 0
        if deadline.instance_id and deadline.timer_variable:
            with engine.working_on(deadline.instance_id, actor_id=actor.id) as work:
                work.move_timers({deadline.timer_variable: after})
            timers = work.timers_moved
        record_audit(
            "deadline.moved", actor_id=actor.id, instance_id=deadline.instance_id,
            object_type=deadline.object_type or "working_day_deadline",
            object_id=deadline.object_id if deadline.object_type else deadline.id,
            comment=f"{row.day.isoformat()} {row.name_th}",
            before={"deadline_id": deadline.id, "purpose": deadline.purpose,
                    "due_at": before.astimezone(BANGKOK).isoformat()},
            after={"deadline_id": deadline.id, "purpose": deadline.purpose,
                   "due_at": after.astimezone(BANGKOK).isoformat(), "timers_moved": timers, "special_day": cause},
        )
        if handler := _moved_handlers.get(deadline.purpose):
            handler(deadline, before, after, actor)
        moved.append(deadline)
    db.session.flush()
    return moved
