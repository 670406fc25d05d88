"""What people and API clients send, cleaned by one set of rules: every form (``forms.base``) and the API use these.

- Text: control characters (NUL, escape sequences, a line break in a one-line field) are refused; text made only
  of spaces and invisible characters (zero-width space and joiners, byte-order mark, soft hyphen...) counts as
  empty; a field without its own limit gets ``LINE_MAX`` or ``TEXT_MAX`` characters.
- Numbers: an integer must fit a database column (64 bits) before it reaches a query.
- Dates: within the working-day calendar's years; a Buddhist-era year typed into a date (2569-12-04) is
  converted, or refused with a message that says why.
- JSON: nested at most ``JSON_MAX_DEPTH`` levels.

Plain functions of plain values: no request, no database.
"""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l

from app.core.thai_dates import BUDDHIST_ERA_OFFSET
from notifications.thai_text import ARABIC_DIGITS
from workflows.calendar import FIRST_YEAR, LAST_YEAR

# What an INTEGER column holds on every database (PostgreSQL's is 32 bits, SQLite's 64): every id and number
# column here is one. An id in a URL is at least 1.
MAX_INT = 2**31 - 1
MIN_INT = -(2**31)

# The length of a text field that names no limit of its own: one line, several lines, a password.
LINE_MAX = 500
TEXT_MAX = 4000
PASSWORD_MAX = 200

JSON_MAX_DEPTH = 32

# C0 controls except tab, line feed and carriage return; DEL; C1 controls; lone surrogates (no database stores them).
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
_REFUSED_IN_TEXT = re.compile(f"[{_CONTROLS}]")
_REFUSED_IN_LINE = re.compile(f"[{_CONTROLS}\n\r\u2028\u2029]")
# Characters that show nothing: soft hyphen, joiners and zero-width spaces, direction marks, word joiner and
# invisible operators, Hangul fillers, variation selectors, byte-order mark.
INVISIBLE = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
             "\u3164\ufe00-\ufe0f\ufeff\uffa0")
_BLANK = re.compile(f"[\\s{INVISIBLE}]*")

CONTROL_MESSAGE = _l("Remove the control characters from this text (such as NUL, or a line break in a one-line field).")
NUMBER_MESSAGE = _l("The number is out of range.")
LENGTH_MESSAGE = _l("At most %(max)d characters.")


# --- text -------------------------------------------------------------------------------------------------------------


def is_blank(text: str) -> bool:
    """Nothing a reader would see: empty, spaces, or invisible characters only."""
    return _BLANK.fullmatch(text) is not None


def blank_as_empty(value):
    """``""`` for text a reader would see as empty; anything else unchanged."""
    return "" if isinstance(value, str) and value and is_blank(value) else value


def has_control_characters(text: str, *, multi_line: bool) -> bool:
    """NUL and the like; line breaks and tabs are text in a multi-line field, line breaks are not in one line."""
    return (_REFUSED_IN_TEXT if multi_line else _REFUSED_IN_LINE).search(text) is not None


def without_control_characters(text: str) -> str:
    """The text with its control characters (line breaks included) removed: for values that have no field to
    show an error on, such as a search in the address bar."""
    return _REFUSED_IN_LINE.sub("", text)


# --- numbers ----------------------------------------------------------------------------------------------------------


def fits_column(number: int) -> bool:
    return MIN_INT <= number <= MAX_INT


def bounded_int(value) -> int:
    """``int`` for query and form values, refusing (ValueError) a number no database column holds."""
    number = int(value)
    if not fits_column(number):
        raise ValueError("out of range")
    return number


def whole_number(value, minimum: int = 0) -> int | None:
    """Digits (0-9 only) as a number from ``minimum`` to ``MAX_INT``; None for anything else (a hidden id, a version)."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_INT)):
        return None
    number = int(text)
    return number if minimum <= number <= MAX_INT else None


def arabic_digits(value):
    """Thai digits as typed on a Thai keyboard (๐–๙) made 0–9, so that a number reads the same either way."""
    return value.translate(ARABIC_DIGITS) if isinstance(value, str) else value


# --- dates ------------------------------------------------------------------------------------------------------------

FIRST_DAY = date(FIRST_YEAR, 1, 1)
LAST_DAY = date(LAST_YEAR, 12, 31)
# Typed years taken as Buddhist era: no Gregorian year this application meets is that large (2400 B.E. is 1857).
BUDDHIST_ERA_YEARS = range(2400, 2701)


# What a date input posts (ISO), and a day as Thai people write it (วว/ดด/ปปปป, Buddhist era or not).
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class DateRefused(ValueError):
    """A date that cannot be taken; ``message`` says why, for the person who typed it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def from_buddhist_era(day: date, typed: str | None = None) -> date:
    """The Gregorian date of a day typed with a Buddhist-era year (2569-12-04 → 2026-12-04); other days unchanged."""
    if day.year not in BUDDHIST_ERA_YEARS:
        return day
    try:
        return day.replace(year=day.year - BUDDHIST_ERA_OFFSET)
    except ValueError:  # 29 February of a B.E. leap year whose Gregorian year is not one
        raise _no_29_february(typed or day.isoformat(), day.year) from None


def _no_29_february(typed: str, buddhist_year: int) -> DateRefused:
    return DateRefused(_l("%(typed)s looks like a Buddhist-era date, but %(year)s B.E. (%(ce)s) has no 29 February. "
                          "Check the date.", typed=typed, year=buddhist_year, ce=buddhist_year - BUDDHIST_ERA_OFFSET))


# A day as a date input posts it (ISO) or as Thai people write it (วว/ดด/ปปปป), its digits Thai or Arabic.
_DAY_FORMS = (re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"),
              re.compile(r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})"))


def read_day(text: str) -> date | None:
    """The Gregorian date of a day written as ``DATE_FORMATS`` say, its year Gregorian or Buddhist-era; None when it
    is no day at all. The year is made Gregorian before the day is: 29/02/2571 is 29 February 2028, where reading
    the date as written first refused it (2571 itself is no leap year). DateRefused for the 29 February of a
    Buddhist-era year whose Gregorian year has none."""
    for form in _DAY_FORMS:
        if found := form.fullmatch(text.strip()):
            break
    else:
        return None
    year, month, day = int(found["year"]), int(found["month"]), int(found["day"])
    gregorian_year = year - BUDDHIST_ERA_OFFSET if year in BUDDHIST_ERA_YEARS else year
    try:
        return date(gregorian_year, month, day)
    except ValueError:
        if year != gregorian_year and (month, day) == (2, 29):
            raise _no_29_february(text.strip(), year) from None
        return None


def check_date_range(day: date, first: date = FIRST_DAY, last: date = LAST_DAY) -> None:
    if not first <= day <= last:
        from app.core.i18n import format_date

        raise DateRefused(_l("Enter a date from %(start)s to %(end)s.", start=format_date(first),
                             end=format_date(last)))


def clean_date(day: date, typed: str | None = None, first: date = FIRST_DAY, last: date = LAST_DAY) -> date:
    """A typed date made Gregorian and checked against the calendar's years (DateRefused when it cannot be)."""
    day = from_buddhist_era(day, typed)
    check_date_range(day, first, last)
    return day


def parse_day(value: str | None) -> date | None:
    """A day as ``read_day`` reads it, checked against the calendar's years (``clean_date``); None when empty."""
    text = (value or "").strip()
    if not text:
        return None
    day = read_day(text)
    if day is None:
        raise DateRefused(_l("Enter the date as day/month/year, for example 04/12/2569."))
    return clean_date(day, text)


# --- JSON -------------------------------------------------------------------------------------------------------------


def json_depth_exceeds(value, limit: int = JSON_MAX_DEPTH) -> bool:
    """Whether a parsed JSON document nests arrays and objects deeper than ``limit`` (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
