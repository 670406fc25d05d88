"""What changed between two revisions' content (``manual_content``'s shape), field by field, ready to show: the
reviewer's "changes since the published version" and the author's own comparison."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from flask_babel import lazy_gettext as _l

from app.manuals.services.manual_content import (
    FIELD_LABELS,
    ID_LIST_KEYS,
    LABELS,
    ROW_FIELDS,
    ROW_LABELS,
    UNIT_LABELS,
    format_duration,
)


@dataclass(frozen=True)
class Change:
    """One difference between two revisions, ready to show: where, what kind, before and after."""

    key: str  # e.g. "steps.2.duration" (row positions from 0)
    label: str  # e.g. "ขั้นตอนที่ 3 · ระยะเวลา"
    kind: str  # added | removed | changed
    old: str
    new: str


FIELD_ORDER = ("common_names", "category_ids", "user_group_ids", "tags", "criteria", "steps", "total_time",
               "documents", "no_fee", "fees", "channels", "complaint_channels", "statistics", "remark")


def diff(old: dict | None, new: dict, names: dict[int, str] | None = None) -> list[Change]:
    """Field by field, rows matched by position; ``names`` turns catalogue ids into labels."""
    old, new = old or {}, new or {}
    texts = _Texts(LABELS.texts(), ROW_LABELS.texts(), FIELD_LABELS.texts(), UNIT_LABELS.texts(), str(_l("Yes")))
    changes: list[Change] = []
    for key in FIELD_ORDER:
        before, after = old.get(key), new.get(key)
        if key in ROW_FIELDS:
            changes.extend(_diff_rows(texts, key, before or [], after or []))
        elif key in ("total_time", "statistics"):
            changes.extend(_diff_mapping(texts, key, before or {}, after or {}))
        else:
            old_text, new_text = _show(texts, key, before, names), _show(texts, key, after, names)
            if old_text != new_text:
                changes.append(Change(key, texts.fields[key], _kind(old_text, new_text), old_text, new_text))
    return changes


class _Texts(NamedTuple):
    """The labels a comparison shows, as text in the request's language (looked up once, not once a row)."""

    fields: dict[str, str]
    rows: dict[str, str]
    row_fields: dict[str, str]
    units: dict[str, str]
    yes: str


def _kind(old_text: str, new_text: str) -> str:
    return "added" if not old_text else "removed" if not new_text else "changed"


def _show(texts: _Texts, key: str, value, names: dict[int, str] | None = None) -> str:
    if value in (None, "", [], {}, False):
        return ""
    if value is True:
        return texts.yes
    if key in ID_LIST_KEYS:
        return ", ".join((names or {}).get(item, f"#{item}") for item in value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if key.endswith("duration_unit") or key.endswith(".unit") and value in UNIT_LABELS:
        return texts.units.get(value, value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _row_text(texts: _Texts, kind: str, row: dict) -> str:
    parts = []
    for name in ROW_FIELDS[kind]:
        if name == "duration_unit":
            continue
        text = _show(texts, name, row.get(name))
        if name == "duration" and text:
            text = format_duration({"value": row.get(name), "unit": row.get("duration_unit")})
        if text:
            parts.append(f"{texts.row_fields[name]}: {text}")
    return "; ".join(parts)


def _diff_rows(texts: _Texts, kind: str, before: list[dict], after: list[dict]) -> list[Change]:
    changes = []
    for index in range(max(len(before), len(after))):
        row_label = texts.rows[kind] % {"number": index + 1}
        if index >= len(before):
            changes.append(Change(f"{kind}.{index}", row_label, "added", "", _row_text(texts, kind, after[index])))
        elif index >= len(after):
            changes.append(Change(f"{kind}.{index}", row_label, "removed", _row_text(texts, kind, before[index]), ""))
        else:
            for name in ROW_FIELDS[kind]:
                key = f"{kind}.{index}.{name}"
                old_text, new_text = _show(texts, key, before[index].get(name)), _show(texts, key, after[index].get(name))
                if old_text != new_text:
                    changes.append(Change(key, f"{row_label} · {texts.row_fields[name]}", _kind(old_text, new_text),
                                          old_text, new_text))
    return changes


def _diff_mapping(texts: _Texts, key: str, before: dict, after: dict) -> list[Change]:
    if key == "total_time":
        old_text, new_text = format_duration(before), format_duration(after)
        return [Change(key, texts.fields[key], _kind(old_text, new_text), old_text, new_text)] \
            if old_text != new_text else []
    changes = []
    for name in ("average", "highest", "lowest"):
        old_text, new_text = _show(texts, name, before.get(name)), _show(texts, name, after.get(name))
        if old_text != new_text:
            changes.append(Change(f"{key}.{name}", f"{texts.fields[key]} · {texts.row_fields[name]}",
                                  _kind(old_text, new_text), old_text, new_text))
    return changes
