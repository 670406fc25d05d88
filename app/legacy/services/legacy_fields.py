"""Reading one field of a legacy record: text, references, numbers, yes/no flags, choices and dates.

Each parser raises ``RecordRejected`` with a reason the person running the import can act on.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from workflows.calendar import BANGKOK

YES = {"1", "true", "yes", "y", "show", "แสดง"}
NO = {"0", "false", "no", "n", "hide", "ไม่แสดง", "ซ่อน"}


class RecordRejected(Exception):
    """A record that cannot be imported; ``reason`` is shown to the person running the import."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


def clean_text(value) -> str:
    return "" if value is None else str(value).strip()


def required_ref(data: dict) -> str:
    ref = clean_text(data.get("ref"))
    if not ref:
        raise RecordRejected(_l("The record has no ref."))
    if len(ref) > 64:
        raise RecordRejected(_l("The ref is longer than 64 characters."))
    return ref


def parse_number(value, name: str) -> float | None:
    text = clean_text(value).replace(",", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise RecordRejected(_l("%(field)s must be a number, not “%(value)s”.", field=name, value=text)) from None


def parse_flag(value, name: str, *, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    text = clean_text(value).lower()
    if not text:
        return default
    if text in YES:
        return True
    if text in NO:
        return False
    raise RecordRejected(_l("%(field)s must be yes or no, not “%(value)s”.", field=name, value=text))


def parse_choice(value, allowed: tuple[str, ...], name: str) -> str | None:
    text = clean_text(value)
    if not text:
        return None
    if text not in allowed:
        raise RecordRejected(_l("%(field)s must be one of %(allowed)s, not “%(value)s”.", field=name,
                                allowed=", ".join(allowed), value=text))
    return text


def parse_date(value) -> datetime | None:
    text = clean_text(value)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RecordRejected(_l("published_at must be a date such as 2024-03-01, not “%(value)s”.",
                                value=text)) from None
    if moment.tzinfo is None:  # legacy dates are Bangkok local time
        moment = moment.replace(tzinfo=BANGKOK)
    return moment
