"""Thai dates, one way for pages, letters, e-mails and tests: CLDR's month names (through Babel) with the
Buddhist-era year.

Babel writes the Gregorian year even for Thai, so the names come from CLDR and the year (+543) is added here:
2 December 2026 is "2 ธ.ค. 2569" on a page, "2 ธันวาคม 2569" in a letter (which also uses Thai numerals).
Plain functions of plain values: no request, no database.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import get_month_names

BANGKOK = ZoneInfo("Asia/Bangkok")
BUDDHIST_ERA_OFFSET = 543


def buddhist_year(year: int) -> int:
    return year + BUDDHIST_ERA_OFFSET


@lru_cache(maxsize=8)
def month_names(width: str = "wide", locale: str = "th") -> tuple[str, ...]:
    """The twelve month names, January first: ``width`` "wide" (มกราคม) or "abbreviated" (ม.ค.)."""
    names = get_month_names(width, locale=locale)
    return tuple(names[month] for month in range(1, 13))


def bangkok_day(value: date | datetime) -> date:
    """The day in Bangkok of a moment; a day stays itself."""
    return value.astimezone(BANGKOK).date() if isinstance(value, datetime) else value


def day_month_year(value: date | datetime, width: str = "abbreviated", locale: str = "th", sep: str = " ") -> str:
    day = bangkok_day(value)
    return f"{day.day}{sep}{month_names(width, locale)[day.month - 1]}{sep}{buddhist_year(day.year)}"


def short_date(value: date | datetime) -> str:
    """2 ธ.ค. 2569: how pages show a day."""
    return day_month_year(value, "abbreviated")


def long_date(value: date | datetime, sep: str = " ") -> str:
    """2 ธันวาคม 2569: how letters and messages write a day."""
    return day_month_year(value, "wide", sep=sep)


def month_year(year: int, month: int, sep: str = " ") -> str:
    """ธันวาคม 2569: a month of a Gregorian year."""
    return f"{month_names('wide')[month - 1]}{sep}{buddhist_year(year)}"
