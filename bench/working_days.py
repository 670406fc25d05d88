"""Benchmark of the working-day calendar: ``.venv/bin/python bench/working_days.py``.

100,000 ``add_working_days(start, 5)`` calls with start times spread over 2026-2028 (every 37 minutes,
so every weekday, weekend and holiday of those years is a start), 100,000 ``is_working_day`` calls and
100,000 ``working_days_between``, and as many office-minute calls for the helpdesk's SLAs
(``add_working_minutes``, ``working_minutes_between``), each timed:

  * with no database (outside an application context: the package's holidays only);
  * for SQLite and (when reachable) PostgreSQL, in a throwaway migrated database, inside one
    transaction (the special days' version is read once), without special days and with 40 of them
    (special holidays and cancelled package holidays);
  * the first call after a special day changed (reload of the special days and rebuild of the index).

Target: 100,000 "add 5 working days" under one second.
"""

from __future__ import annotations

import sys

# Run as a script, this file's folder comes first on the path, and its name would hide the standard
# library's ``calendar`` (which ``email`` imports): drop the folder before anything else is imported.
sys.path[:] = [p for p in sys.path if p not in ("", __file__.rsplit("/", 1)[0]) and not p.endswith("/bench")]

import argparse  # noqa: E402
import time  # noqa: E402
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.core.calendar import SpecialDay
from app.core.extensions import db
from bench.support import database_kinds, environment, log, make_app, new_backend
from workflows import calendar

TARGET_SECONDS = 1.0
B = calendar.BANGKOK


def starts(n: int) -> list[datetime]:
    first = datetime(2026, 1, 1, 8, 30, tzinfo=B)
    return [first + timedelta(minutes=37 * i) for i in range(n)]


def timed(label: str, fn, values) -> float:
    started = time.perf_counter()
    for value in values:
        fn(value)
    elapsed = time.perf_counter() - started
    per_call = elapsed / len(values) * 1e6
    flag = ""
    if label.startswith("add_working_days"):  # the target is for 100,000 calls, whatever --calls says
        projected = elapsed * 100_000 / len(values)
        flag = f"  (target: 100,000 in < 1 s; {projected:.2f} s: {'met' if projected < TARGET_SECONDS else 'NOT met'})"
    log(f"    {label:<34} {len(values):>7,} calls {elapsed:7.3f} s  {per_call:6.2f} µs/call{flag}")
    return elapsed


def run_all(n: int) -> dict[str, float]:
    times = starts(n)
    days = [t.date() for t in times]
    pairs = [(d, d + timedelta(days=(i % 60))) for i, d in enumerate(days)]
    return {
        "add_working_days": timed("add_working_days(start, 5)", lambda s: calendar.add_working_days(s, 5), times),
        "end_of_working_day": timed("end_of_working_day(start, 5)", lambda s: calendar.end_of_working_day(s, 5),
                                    times),
        "is_working_day": timed("is_working_day(day)", calendar.is_working_day, days),
        "working_days_between": timed("working_days_between(a, b)",
                                      lambda p: calendar.working_days_between(*p), pairs),
        # Office minutes (08:30-16:30) for the helpdesk's SLAs: up to ten office days ahead, and back.
        "add_working_minutes": timed("add_working_minutes(start, m)",
                                     lambda s: calendar.add_working_minutes(s, s.minute * 83 % 4800), times),
        "working_minutes_between": timed("working_minutes_between(a, b)",
                                         lambda s: calendar.working_minutes_between(s, s + timedelta(hours=s.hour * 7)),
                                         times),
    }


def special_days() -> list[SpecialDay]:
    rows = []
    day = date(2026, 1, 5)
    while len(rows) < 30:  # special holidays on weekdays that are working days
        if calendar.is_working_day(day):
            rows.append(SpecialDay(day=day, kind="holiday", name_th=f"วันหยุดพิเศษ {len(rows) + 1}"))
        day += timedelta(days=23)
    for year in (2026, 2027, 2028):  # cancelled package holidays
        for holiday in list(calendar.package_holidays(year).values())[:4]:
            if holiday.day.weekday() < 5 and holiday.day not in {r.day for r in rows} and len(rows) < 40:
                rows.append(SpecialDay(day=holiday.day, kind="working", name_th="ยกเลิกวันหยุด"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="a few thousand calls: does it run")
    args = parser.parse_args()
    transactions = 1000
    if args.smoke:
        args.calls, transactions = 2_000, 50
    log(f"environment: {environment()}")

    log("no database (package holidays only)")
    calendar.invalidate()
    calendar.add_working_days(datetime(2026, 1, 1, tzinfo=B), 5)  # first build, outside the timing
    run_all(args.calls)

    kinds = database_kinds("sqlite" if args.sqlite_only else "both")
    for kind in kinds:
        backend = new_backend(kind)
        try:
            app = make_app(backend)
            with app.app_context():
                log(f"{kind}: no special days (one transaction)")
                calendar.add_working_days(datetime(2026, 1, 1, tzinfo=B), 5)
                run_all(args.calls)
                db.session.commit()

                rows = special_days()
                db.session.add_all(rows)
                db.session.commit()
                calendar.invalidate()
                started = time.perf_counter()
                calendar.add_working_days(datetime(2026, 1, 1, tzinfo=B), 5)
                log(f"{kind}: reload after a change (query + rebuild of 2025-2028): "
                    f"{(time.perf_counter() - started) * 1000:.2f} ms")
                log(f"{kind}: with {len(rows)} special days (one transaction)")
                run_all(args.calls)
                db.session.commit()

                # A web request or a job run is one transaction: the version is read again in each.
                started = time.perf_counter()
                for _ in range(transactions):
                    calendar.is_working_day(date(2026, 5, 4))
                    db.session.commit()
                log(f"{kind}: version check, first call of a transaction: "
                    f"{(time.perf_counter() - started) / transactions * 1e6:.1f} µs ({transactions:,} transactions)")
            with app.app_context():
                db.engine.dispose()
        finally:
            backend.drop()


if __name__ == "__main__":
    main()
