"""Thai dates come from one module (CLDR's month names through Babel, plus the Buddhist-era year): pages,
letters, messages and the tests' own clock all use it. The names are pinned here, written out, so that a
Babel upgrade that changed CLDR's Thai months would show."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask_babel import force_locale

from app.core import i18n, thai_dates
from notifications import thai_text

SHORT = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
WIDE = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม",
        "พฤศจิกายน", "ธันวาคม")
ENGLISH = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def test_cldr_month_names_are_the_ones_thai_readers_know():
    assert thai_dates.month_names("abbreviated") == SHORT
    assert thai_dates.month_names("wide") == WIDE
    assert thai_dates.month_names("abbreviated", "en") == ENGLISH


def test_one_day_in_every_place_it_is_written(app):
    day = date(2026, 12, 2)
    late_evening = datetime(2026, 12, 1, 18, 30, tzinfo=UTC)  # already 2 December in Bangkok
    assert thai_dates.short_date(day) == thai_dates.short_date(late_evening) == "2 ธ.ค. 2569"
    assert thai_dates.long_date(late_evening) == "2 ธันวาคม 2569"
    assert thai_dates.month_year(2027, 1) == "มกราคม 2570"
    assert thai_text.thai_date(late_evening) == "๒\u00a0ธันวาคม\u00a0๒๕๖๙"
    assert thai_text.thai_month(2027, 1) == "มกราคม\u00a0๒๕๗๐"
    with force_locale("th"):
        assert i18n.format_date(late_evening) == "2 ธ.ค. 2569"
        assert i18n.format_datetime(late_evening) == "2 ธ.ค. 2569 01:30"
    with force_locale("en"):
        assert i18n.format_date(day) == "2 Dec 2569 BE"
    for month in range(1, 13):
        assert thai_dates.short_date(date(2026, month, 1)) == f"1 {SHORT[month - 1]} 2569"
        assert thai_dates.long_date(date(2026, month, 1)) == f"1 {WIDE[month - 1]} 2569"
