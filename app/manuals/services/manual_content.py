"""The content of a manual revision (and of an other service): its shape and validation (compared by
``manual_diff``).

``ManualRevision.content`` is one JSON document with these keys (all optional
in a draft; ``validate_for_submission`` says what a submitted revision needs):

- ``common_names``: [str] — ชื่อเรียกทั่วไป, words citizens use locally; searched
- ``category_ids``: [int] — หมวดหมู่บริการ, ``CatalogueEntry`` ids of kind "category"
- ``user_group_ids``: [int] — กลุ่มผู้ใช้บริการ, ``CatalogueEntry`` ids of kind "user_group"
- ``tags``: [str] — ป้ายคำ, free tags
- ``criteria``: str — หลักเกณฑ์ วิธีการ เงื่อนไข
- ``channels``: [{"place", "address", "hours", "remark"}] — ช่องทางการให้บริการ
- ``steps``: [{"title", "description", "duration", "duration_unit", "unit"}] — ขั้นตอน;
  ``duration`` a number, ``duration_unit`` one of minutes / hours / days, ``unit`` the responsible unit
- ``total_time``: {"value", "unit"} — ระยะเวลาดำเนินการรวม
- ``documents``: [{"name", "issuer", "originals", "copies", "remark"}] — เอกสารหลักฐาน (originals/copies: int)
- ``no_fee``: bool, ``fees``: [{"description", "amount", "remark"}] — ค่าธรรมเนียม (amount: a decimal string, baht)
- ``complaint_channels``: [{"channel", "detail"}] — ช่องทางการร้องเรียน
- ``statistics``: {"average", "highest", "lowest"} — requests per month (ints)
- ``remark``: str — หมายเหตุ
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from app.core.labels import LazyLabels
from app.org.services import catalogue

DURATION_UNITS = ("minutes", "hours", "days")
# A Thai civil-service working day (08:30–16:30 less the lunch hour): "days" in a manual are working days.
MINUTES_PER_UNIT = {"minutes": 1, "hours": 60, "days": 7 * 60}
MAX_TEXT = 4000
MAX_LONG_TEXT = 50_000
MAX_NAME = 200
MAX_ROWS = 100

ROW_FIELDS = {
    "channels": ("place", "address", "hours", "remark"),
    "steps": ("title", "description", "duration", "duration_unit", "unit"),
    "documents": ("name", "issuer", "originals", "copies", "remark"),
    "fees": ("description", "amount", "remark"),
    "complaint_channels": ("channel", "detail"),
}
# The field a non-empty row cannot do without.
ROW_REQUIRED = {"channels": "place", "steps": "title", "documents": "name", "fees": "description",
                "complaint_channels": "channel"}
LIST_KEYS = ("common_names", "tags")
ID_LIST_KEYS = ("category_ids", "user_group_ids")

LABELS = LazyLabels({
    "common_names": _l("Common names"),
    "category_ids": _l("Service categories"),
    "user_group_ids": _l("User groups"),
    "tags": _l("Tags"),
    "criteria": _l("Criteria, method and conditions"),
    "channels": _l("Service channels"),
    "steps": _l("Steps"),
    "total_time": _l("Total processing time"),
    "documents": _l("Required documents"),
    "no_fee": _l("No fee"),
    "fees": _l("Fees"),
    "complaint_channels": _l("Complaint channels"),
    "statistics": _l("Monthly statistics"),
    "remark": _l("Remark"),
})
ROW_LABELS = LazyLabels({
    "channels": _l("Channel %(number)s"),
    "steps": _l("Step %(number)s"),
    "documents": _l("Document %(number)s"),
    "fees": _l("Fee %(number)s"),
    "complaint_channels": _l("Complaint channel %(number)s"),
})
FIELD_LABELS = LazyLabels({
    "place": _l("Place"), "address": _l("Address"), "hours": _l("Opening hours"), "remark": _l("Remark"),
    "title": _l("Step"), "description": _l("Description"), "duration": _l("Duration"),
    "duration_unit": _l("Unit of time"), "unit": _l("Responsible unit"),
    "name": _l("Document"), "issuer": _l("Issued by"), "originals": _l("Originals"), "copies": _l("Copies"),
    "amount": _l("Amount (baht)"), "channel": _l("Channel"), "detail": _l("Contact details"),
    "value": _l("Time"), "average": _l("Average"), "highest": _l("Highest"), "lowest": _l("Lowest"),
})
UNIT_LABELS = LazyLabels({"minutes": _l("minutes"), "hours": _l("hours"), "days": _l("working days")})


# --- cleaning ----------------------------------------------------------------------------------------------


def clean(raw: dict) -> tuple[dict, dict]:
    """Normalise submitted content; return it with the errors keyed like ``"steps.2.duration"``.

    Rows left entirely empty are dropped; error keys use the row's position in ``raw``
    so that a form can show each message next to the field it came from.
    """
    raw = raw or {}
    content: dict = {}
    errors: dict = {}
    for key in LIST_KEYS:
        content[key] = _clean_words(raw.get(key), key, errors)
    for key in ID_LIST_KEYS:
        content[key] = _clean_ids(raw.get(key), key, errors)
    for key in ("criteria", "remark"):
        content[key] = _clean_text(raw.get(key), key, errors, MAX_LONG_TEXT)
    for key in ROW_FIELDS:
        content[key] = _clean_rows(key, raw.get(key), errors)
    content["total_time"] = _clean_total_time(raw.get("total_time"), errors)
    content["no_fee"] = _truthy(raw.get("no_fee"))
    if content["no_fee"] and content["fees"]:
        errors["no_fee"] = _l("Either tick “no fee” or list the fees, not both.")
    content["statistics"] = _clean_statistics(raw.get("statistics"), errors)
    return {key: value for key, value in content.items() if value not in (None, "", [], {})}, errors


def catalogue_errors(content: dict) -> dict:
    """Category and user-group ids must be active entries of their list (``clean`` only checks they are ids)."""
    errors = {}
    for key, kind in (("category_ids", "category"), ("user_group_ids", "user_group")):
        wanted = set((content or {}).get(key) or [])
        if wanted and wanted - {entry_id for entry_id, _label in catalogue.choices(kind)}:
            errors[key] = _l("Choose from the list.")
    return errors


def validate_for_submission(content: dict) -> dict:
    """What a revision needs before it goes to the reviewers (a draft may lack any of it)."""
    content = content or {}
    errors = {}
    if not (content.get("criteria") or "").strip():
        errors["criteria"] = _l("Enter the criteria, method and conditions.")
    if not content.get("steps"):
        errors["steps"] = _l("Add at least one step.")
    if not content.get("channels"):
        errors["channels"] = _l("Add at least one service channel.")
    if not content.get("no_fee") and not content.get("fees"):
        errors["fees"] = _l("List the fees, or tick “no fee”.")
    return errors


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "y", "yes", "on")
    return bool(value)


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _clean_text(value, key: str, errors: dict, limit: int = MAX_TEXT) -> str:
    text = _text(value)
    if len(text) > limit:
        errors[key] = _l("At most %(limit)s characters.", limit=limit)
    return text


def _as_list(value) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return value.splitlines()
    if isinstance(value, dict):  # {"0": {...}, "1": {...}} from some form encodings
        return [value[k] for k in sorted(value, key=lambda k: int(k) if str(k).isdigit() else 0)]
    return list(value)


def _clean_words(value, key: str, errors: dict) -> list[str]:
    words: list[str] = []
    for item in _as_list(value):
        word = " ".join(_text(item).split())
        if not word:
            continue
        if len(word) > MAX_NAME:
            errors[key] = _l("Each entry has at most %(limit)s characters.", limit=MAX_NAME)
            continue
        if word.casefold() not in {w.casefold() for w in words}:
            words.append(word)
    return words


def _clean_ids(value, key: str, errors: dict) -> list[int]:
    ids: list[int] = []
    for item in _as_list(value):
        if item in (None, ""):
            continue
        try:
            number = int(item)
        except (TypeError, ValueError):
            errors[key] = _l("Choose from the list.")
            continue
        if number not in ids:
            ids.append(number)
    return ids


def _clean_int(value, key: str, errors: dict, *, minimum: int = 0, maximum: int = 10_000_000) -> int | None:
    text = _text(value).replace(",", "")
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        errors[key] = _l("Enter a whole number.")
        return None
    if number < minimum or number > maximum:
        errors[key] = _l("Enter a number from %(low)s to %(high)s.", low=minimum, high=maximum)
        return None
    return number


def _clean_duration(value, key: str, errors: dict) -> int | float | None:
    text = _text(value).replace(",", "")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        errors[key] = _l("Enter a number, such as 15 or 1.5.")
        return None
    if not math.isfinite(number) or number < 0 or number > 100_000:
        errors[key] = _l("Enter a number from %(low)s to %(high)s.", low=0, high=100_000)
        return None
    return int(number) if number.is_integer() else round(number, 2)


def _clean_amount(value, key: str, errors: dict) -> str | None:
    text = _text(value).replace(",", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        errors[key] = _l("Enter an amount in baht, such as 100 or 20.50.")
        return None
    if not amount.is_finite() or amount < 0 or amount > Decimal("100000000"):
        errors[key] = _l("Enter an amount from 0 to 100,000,000 baht.")
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors[key] = _l("Use at most two decimal places (satang).")
        return None
    return str(amount.quantize(Decimal("0.01")))


def _clean_unit(value, key: str, errors: dict) -> str:
    unit = _text(value) or "minutes"
    if unit not in DURATION_UNITS:
        errors[key] = _l("Choose minutes, hours or working days.")
        return "minutes"
    return unit


def _clean_rows(kind: str, value, errors: dict) -> list[dict]:
    rows = _as_list(value)
    if len(rows) > MAX_ROWS:
        errors[kind] = _l("At most %(limit)s rows.", limit=MAX_ROWS)
        rows = rows[:MAX_ROWS]
    cleaned = []
    for index, raw_row in enumerate(rows):
        raw_row = raw_row if isinstance(raw_row, dict) else {}
        prefix = f"{kind}.{index}"
        if not any(_text(raw_row.get(name)) for name in ROW_FIELDS[kind] if name != "duration_unit"):
            continue  # an empty row the author added but did not fill
        row = {}
        for name in ROW_FIELDS[kind]:
            key = f"{prefix}.{name}"
            if name in ("originals", "copies"):
                row[name] = _clean_int(raw_row.get(name), key, errors, maximum=100) or 0
            elif name == "duration":
                row[name] = _clean_duration(raw_row.get(name), key, errors)
            elif name == "duration_unit":
                row[name] = _clean_unit(raw_row.get(name), key, errors)
            elif name == "amount":
                row[name] = _clean_amount(raw_row.get(name), key, errors)
            else:
                row[name] = _clean_text(raw_row.get(name), key, errors)
        required = ROW_REQUIRED[kind]
        if not row[required] and f"{prefix}.{required}" not in errors:
            errors[f"{prefix}.{required}"] = _l("Fill this in, or remove the row.")
        if kind == "fees" and row["amount"] is None and f"{prefix}.amount" not in errors:
            errors[f"{prefix}.amount"] = _l("Enter the amount; if there is no fee, tick “no fee”.")
        cleaned.append(row)
    return cleaned


def _clean_total_time(value, errors: dict) -> dict | None:
    value = value if isinstance(value, dict) else {}
    amount = _clean_duration(value.get("value"), "total_time.value", errors)
    if amount is None:
        return None
    return {"value": amount, "unit": _clean_unit(value.get("unit"), "total_time.unit", errors)}


def _clean_statistics(value, errors: dict) -> dict | None:
    value = value if isinstance(value, dict) else {}
    numbers = {name: _clean_int(value.get(name), f"statistics.{name}", errors)
               for name in ("average", "highest", "lowest")}
    if all(number is None for number in numbers.values()):
        return None
    low, mid, high = numbers["lowest"], numbers["average"], numbers["highest"]
    if low is not None and mid is not None and low > mid:
        errors["statistics.lowest"] = _l("The lowest cannot be more than the average.")
    if mid is not None and high is not None and mid > high:
        errors["statistics.average"] = _l("The average cannot be more than the highest.")
    if low is not None and high is not None and low > high and "statistics.lowest" not in errors:
        errors["statistics.lowest"] = _l("The lowest cannot be more than the highest.")
    return {name: number for name, number in numbers.items() if number is not None}


# --- processing time ----------------------------------------------------------------------------------------


def total_minutes(steps: list[dict]) -> int:
    """The steps' durations added up, in minutes (a day is a working day)."""
    total = 0.0
    for step in steps or []:
        duration = step.get("duration")
        if duration in (None, ""):
            continue
        total += float(duration) * MINUTES_PER_UNIT.get(step.get("duration_unit") or "minutes", 1)
    return round(total)


def as_duration(minutes: int) -> dict:
    """Minutes in the largest unit that expresses them exactly: {"value", "unit"}."""
    if minutes and minutes % MINUTES_PER_UNIT["days"] == 0:
        return {"value": minutes // MINUTES_PER_UNIT["days"], "unit": "days"}
    if minutes and minutes % 60 == 0:
        return {"value": minutes // 60, "unit": "hours"}
    return {"value": minutes, "unit": "minutes"}


def total_time(content: dict) -> dict:
    """The total processing time shown: the author's override, else the steps' sum."""
    return (content or {}).get("total_time") or as_duration(total_minutes((content or {}).get("steps") or []))


def format_duration(value: dict | None) -> str:
    """"3 ชั่วโมง 15 นาที" rather than "195 นาที": minutes are broken into working days, hours and minutes."""
    if not value or value.get("value") in (None, ""):
        return ""
    amount, unit = value["value"], value.get("unit")
    units = UNIT_LABELS.texts()
    if unit != "minutes" or amount != int(amount) or amount < 60:
        return f"{amount:g} {units.get(unit, unit)}"
    days, rest = divmod(int(amount), MINUTES_PER_UNIT["days"])
    hours, minutes = divmod(rest, 60)
    return " ".join(f"{number} {units[name]}" for number, name in
                    ((days, "days"), (hours, "hours"), (minutes, "minutes")) if number)
