"""Thai government working days.

Monday to Friday, less Thailand's public holidays from the ``holidays`` package.
(Administrator-added special holidays come with the calendar issue.)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

BANGKOK = ZoneInfo("Asia/Bangkok")


@lru_cache(maxsize=32)
def _thai_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("TH", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _thai_holidays(day.year)


def add_working_days(start: datetime, days: int) -> datetime:
    """The same Bangkok wall-clock time ``days`` working days after ``start``."""
    if days < 0:
        raise ValueError("days must not be negative")
    local = start.astimezone(BANGKOK)
    day = local.date()
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return datetime.combine(day, local.timetz())
