"""The suite's clock: every test starts at one known moment, never at the real one.

``RATCHAFLOW_TEST_TODAY=YYYY-MM-DD`` runs the whole suite as if that day were today. The moment is
10:00 in Bangkok (inside office hours, before the close of any working day), kept in UTC so the
machine's own time zone stays as it is.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from app.core.thai_dates import short_date

DEFAULT_TODAY = date(2026, 12, 2)  # a Wednesday and a working day
BANGKOK = ZoneInfo("Asia/Bangkok")


def _today() -> date:
    value = os.environ.get("RATCHAFLOW_TEST_TODAY", "").strip()
    if not value:
        return DEFAULT_TODAY
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SystemExit(f"RATCHAFLOW_TEST_TODAY={value!r}: give a Gregorian day as YYYY-MM-DD") from None


TODAY = _today()
SUITE_START = datetime.combine(TODAY, time(10, 0), tzinfo=BANGKOK).astimezone(UTC)

# A day as pages show it: "29 ม.ค. 2570" (Buddhist era); tests/test_thai_dates.py pins the month names.
thai_short_date = short_date
