"""Thai government working days: the one calendar every deadline counts with.

A working day is Monday to Friday, less the official government holidays (วันหยุดราชการ), plus the
administrator's corrections (``SpecialDay`` rows): a row of kind "holiday" takes a day off (a day the
cabinet announces late), a row of kind "working" gives a holiday back (a package holiday cancelled).

Which of the ``holidays`` package's days count (checked against the package's 2026 and 2027 output and
the cabinet's yearly list of official holidays):

* the ``public`` category, **except National Labour Day (1 May) and its substitution day** — the
  package itself notes that it is observed only by the financial and private sectors, and government
  offices stay open (2026-05-01; 2027-05-01 is a Saturday, so the package's Monday 2027-05-03 in lieu
  is a working day too);
* plus the ``government`` category: the Royal Ploughing Ceremony (วันพืชมงคล), a government-only
  holiday (2026-05-13). The package knows its date only up to 2026; later dates are announced each
  year and are added by an administrator as special holidays.
* The public category's substitution days (``ชดเชย…``, e.g. Visakha Bucha on Sunday 2026-05-31 →
  Monday 2026-06-01; Songkran's one in-lieu day) and its cabinet bridge days (2026-01-02) are kept.
  National Children's Day is always a Saturday, so it changes nothing.
* ``armed_forces``, ``bank``, ``school`` and ``workday`` (observances on which offices work) are left out.

Speed: the calendar is precomputed over a span of whole years as a flag per day and a running count
of working days (``_rank[i]`` = working days up to and including day ``i``) plus the sorted ordinals of
the working days, so each function is a couple of list look-ups (about a microsecond); the span grows
when a date outside it is asked for.

Freshness across processes (web and scheduler): the special days are loaded with a version —
``(database, count, max(id), max(created_at))`` of ``special_day``, which every insert or delete
changes, because the administration page only adds and deletes rows. The version is read at most once
per database transaction (the session's current transaction is remembered), i.e. once per web request
or job run: a bulk loop in one transaction pays one small query, and a change committed by another
process is seen by the next transaction, never later — unlike a check every N seconds, which would let
the web process and the scheduler disagree for up to N seconds. A change made in this process calls
``invalidate()`` so that the same transaction sees it at once. Outside an application context (no
database) only the package's holidays count.
"""

from __future__ import annotations

import threading
import weakref
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

BANGKOK = ZoneInfo("Asia/Bangkok")
END_OF_DAY = time(23, 59, 59)

# Names (in the package's Thai) of public-category days that government offices work on.
_NOT_GOVERNMENT_HOLIDAYS_TH = ("วันแรงงานแห่งชาติ",)
_CATEGORIES = ("public", "government")
# The package's Thai history is reliable from here; wider is nonsense input, refused where it is typed (forms.cleaning).
FIRST_YEAR, LAST_YEAR = 1950, 2200


@dataclass(frozen=True)
class PackageHoliday:
    day: date
    name_th: str
    name_en: str


@lru_cache(maxsize=256)
def package_holidays(year: int) -> dict[date, PackageHoliday]:
    """The package's government holidays of ``year`` (see the module's docstring), with Thai and English names."""
    thai = holidays.country_holidays("TH", years=year, categories=_CATEGORIES, language="th")
    english = holidays.country_holidays("TH", years=year, categories=_CATEGORIES, language="en_US")
    result: dict[date, PackageHoliday] = {}
    for day in sorted(thai):
        names_th = thai.get_list(day)
        names_en = english.get_list(day)
        kept = [
            (th, en) for th, en in zip(names_th, names_en, strict=False)
            if not any(excluded in th for excluded in _NOT_GOVERNMENT_HOLIDAYS_TH)
        ]
        if kept:
            result[day] = PackageHoliday(day, "; ".join(th for th, _ in kept), "; ".join(en for _, en in kept))
    return result


# --- the precomputed index ---------------------------------------------------------------------------


@dataclass
class _Index:
    special: dict[date, str] = field(default_factory=dict)  # day -> SpecialDay kind
    first_year: int = 0
    last_year: int = -1
    base: int = 0  # ordinal of 1 January of first_year
    flags: bytearray = field(default_factory=bytearray)  # 1 = working day, per day from base
    rank: list[int] = field(default_factory=list)  # working days up to and including each day
    working: list[int] = field(default_factory=list)  # ordinals of the working days, ascending

    def build(self, first_year: int, last_year: int) -> None:
        base = date(first_year, 1, 1).toordinal()
        end = date(last_year, 12, 31).toordinal()
        off: set[int] = set()
        for year in range(first_year, last_year + 1):
            off.update(day.toordinal() for day in package_holidays(year))
        extra_on: set[int] = set()
        for day, kind in self.special.items():
            if kind == "holiday":
                off.add(day.toordinal())
            elif kind == "working":
                off.discard(day.toordinal())
                extra_on.add(day.toordinal())
        flags = bytearray(end - base + 1)
        rank: list[int] = [0] * len(flags)
        working: list[int] = []
        count = 0
        for i in range(len(flags)):
            ordinal = base + i
            # date.fromordinal(1) is a Monday, so (ordinal - 1) % 7 is the weekday.
            if ordinal in extra_on or ((ordinal - 1) % 7 < 5 and ordinal not in off):
                flags[i] = 1
                count += 1
                working.append(ordinal)
            rank[i] = count
        self.first_year, self.last_year, self.base = first_year, last_year, base
        self.flags, self.rank, self.working = flags, rank, working

    def covering(self, year: int) -> _Index:
        """This index if it spans ``year``, else a wider copy, which replaces the shared one.

        An index is never changed once in use (another thread may be reading it): widening builds a new one.
        """
        if self.first_year <= year <= self.last_year:
            return self
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(f"year {year} is outside the calendar ({FIRST_YEAR}-{LAST_YEAR})")
        global _index
        wider = _Index(special=self.special)
        if self.last_year < self.first_year:
            wider.build(year - 1, year + 2)
        else:
            wider.build(min(self.first_year, year), max(self.last_year, year))
        with _lock:
            if _index is self:
                _index = wider
        return wider


_lock = threading.RLock()
_index = _Index()
_version: tuple | None = None
_checked_in: weakref.ref | None = None  # the transaction in which the version was last read


def invalidate() -> None:
    """Forget the special days: the next call reloads them (after this process changed one)."""
    global _version, _checked_in
    with _lock:
        _version = None
        _checked_in = None


def _current() -> _Index:
    """The index, refreshed if the special days changed; the version is read once per transaction."""
    global _index, _version, _checked_in
    try:
        from flask import has_app_context
    except ImportError:  # pragma: no cover - flask is always installed with the app
        return _index
    if not has_app_context():
        if _version is not None:  # an index built with some database's special days: not ours
            with _lock:
                _index, _version, _checked_in = _Index(), None, None
        return _index
    from app.core.extensions import db

    session = db.session()
    transaction = session.get_transaction()
    if transaction is not None and _checked_in is not None and _checked_in() is transaction and _version is not None:
        return _index
    version = _read_version(session)
    transaction = session.get_transaction()
    with _lock:
        if version != _version:
            index = _Index(special=_read_special_days(session))
            if _index.last_year >= _index.first_year:
                index.build(_index.first_year, _index.last_year)
            _index, _version = index, version
        _checked_in = weakref.ref(transaction) if transaction is not None else None
    return _index


def _read_version(session) -> tuple:
    # Without flushing what the session holds (the calendar's own changes are flushed where they are made): the
    # changes of the unit of work around it go out together, in its save.
    row = session.execute(_version_query(), execution_options={"autoflush": False}).one()
    return (str(session.get_bind().url), *row)


@lru_cache(maxsize=1)
def _version_query():
    """Built once (a statement built anew costs SQLAlchemy its cache key again); here, not at import: the models
    import this module."""
    from sqlalchemy import func, select

    from app.core.calendar import SpecialDay

    return select(func.count(SpecialDay.id), func.max(SpecialDay.id), func.max(SpecialDay.created_at))


def _read_special_days(session) -> dict[date, str]:
    from sqlalchemy import select

    from app.core.calendar import SpecialDay

    return {day: kind for day, kind in session.execute(select(SpecialDay.day, SpecialDay.kind))}


# --- the API -------------------------------------------------------------------------------------------


def is_working_day(day: date) -> bool:
    index = _current()
    i = day.toordinal() - index.base
    if i < 0 or i >= len(index.flags):
        index = index.covering(day.year)
        i = day.toordinal() - index.base
    return index.flags[i] == 1


def _rank(index: _Index, ordinal: int) -> int:
    """Working days up to and including the day; ``index`` must span it (see ``covering``)."""
    return index.rank[ordinal - index.base]


def _nth_working_day_after(day: date, days: int) -> date:
    """The ``days``-th working day after ``day`` (``day`` itself when ``days`` is 0)."""
    if days < 0:
        raise ValueError("days must not be negative")
    if days == 0:
        return day
    index = _current()
    ordinal = day.toordinal()
    if not 0 <= ordinal - index.base < len(index.rank):
        index = index.covering(day.year)
    position = _rank(index, ordinal) + days - 1
    while position >= len(index.working):  # past the span's end: widen it by a year
        index = index.covering(index.last_year + 1)
        position = _rank(index, ordinal) + days - 1
    return date.fromordinal(index.working[position])


def add_working_days(start: datetime, days: int) -> datetime:
    """The same Bangkok wall-clock time ``days`` working days after ``start``."""
    local = start.astimezone(BANGKOK)
    return datetime.combine(_nth_working_day_after(local.date(), days), local.timetz())


def end_of_working_day(start: datetime, days: int) -> datetime:
    """The end (23:59:59 Bangkok) of the ``days``-th working day after ``start``'s Bangkok date."""
    local = start.astimezone(BANGKOK)
    return datetime.combine(_nth_working_day_after(local.date(), days), END_OF_DAY, tzinfo=BANGKOK)


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``; 0 when ``end`` is not after ``start``."""
    if end <= start:
        return 0
    index = _current().covering(start.year).covering(end.year)
    return _rank(index, end.toordinal()) - _rank(index, start.toordinal())


def working_days_in(first: date, last: date) -> list[date]:
    """The working days from ``first`` to ``last``, both included."""
    if last < first:
        return []
    index = _current().covering(first.year).covering(last.year)
    lo = bisect_right(index.working, first.toordinal() - 1)
    hi = bisect_right(index.working, last.toordinal())
    return [date.fromordinal(o) for o in index.working[lo:hi]]


def next_working_day(day: date) -> date:
    """The first working day after ``day``."""
    return _nth_working_day_after(day, 1)


# --- working minutes (office hours) ---------------------------------------------------------------------

WORK_START = time(8, 30)
WORK_END = time(16, 30)
_WORK_SECONDS = 8 * 60 * 60  # 08:30-16:30


def _seconds_into_work(local: datetime) -> int:
    """Seconds of the Bangkok working window already past at ``local`` (0 before 08:30, all of it after 16:30)."""
    since_midnight = local.hour * 3600 + local.minute * 60 + local.second
    return min(max(since_midnight - (WORK_START.hour * 3600 + WORK_START.minute * 60), 0), _WORK_SECONDS)


def add_working_minutes(start: datetime, minutes: int) -> datetime:
    """The moment ``minutes`` office minutes (08:30-16:30 Bangkok on working days) after ``start``.

    A start outside office hours counts from the next opening; a target that ends exactly at a closing time
    is that closing time (16:30), not the next morning's opening.
    """
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    local = start.astimezone(BANGKOK).replace(microsecond=0)
    day = local.date()
    if is_working_day(day):
        offset = _seconds_into_work(local)
    else:
        day, offset = next_working_day(day), 0
    days_ahead, rest = divmod(offset + minutes * 60, _WORK_SECONDS)
    if rest == 0 and days_ahead > 0:
        days_ahead, rest = days_ahead - 1, _WORK_SECONDS
    opening = datetime.combine(_nth_working_day_after(day, days_ahead), WORK_START, tzinfo=BANGKOK)
    return opening + timedelta(seconds=rest)


def working_minutes_between(start: datetime, end: datetime) -> int:
    """Whole office minutes from ``start`` to ``end``; 0 when ``end`` is not after ``start``."""
    if end <= start:
        return 0
    first, last = start.astimezone(BANGKOK), end.astimezone(BANGKOK)
    first_day, last_day = first.date(), last.date()
    first_working, last_working = is_working_day(first_day), is_working_day(last_day)
    # Working days in [first_day, last_day): each is a whole window between the two days' own offsets.
    days = working_days_between(first_day, last_day) - last_working + first_working
    seconds = (days * _WORK_SECONDS + (_seconds_into_work(last) if last_working else 0)
               - (_seconds_into_work(first) if first_working else 0))
    return max(seconds, 0) // 60


def special_day_kind(day: date) -> str | None:
    """The administrator's correction for ``day`` ("holiday"/"working"), if any."""
    return _current().special.get(day)


__all__ = [
    "BANGKOK",
    "PackageHoliday",
    "add_working_days",
    "add_working_minutes",
    "end_of_working_day",
    "invalidate",
    "is_working_day",
    "next_working_day",
    "package_holidays",
    "special_day_kind",
    "working_days_between",
    "working_days_in",
    "working_minutes_between",
]
