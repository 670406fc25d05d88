"""Satisfaction ratings at scale: a year of ratings at tens of thousands of service points, measured over HTTP.

For PostgreSQL (5,000,000 ratings) and SQLite (2,000,000), each in a throwaway database migrated with the real
Alembic migrations: 30,000 service points under 300 departments in 77 provinces, and a year of ratings written
in bulk (skewed: a busy point gets far more than a quiet one; 30 % name a service, 15 % come from a kiosk, one in
ten has a comment), their tallies recounted with ``app.ratings.services.recount`` (the same SQL as
``flask ratings rebuild-tallies``). Then gunicorn (one sync worker, as deployed) serves the app and a client
measures what people get:

  (a) rating submission p95: the citizen's POST /rate/<code> with the CSRF token of a page they opened, from a
      new phone each time, at a random point (target < 10 ms);
  (b) the national monthly report p95: OPDC's /ratings/ for a month, a different month each time (< 100 ms),
      after the fold job has added the submissions of (a) to the tallies, as it does every minute;
  (c) a department's report p95: a central officer's view of one department for a month, varied (< 100 ms);
  (d) the full export: every rating of the year as CSV, streamed: its time, and the peak RSS of the worker
      while it streams (target < 200 MB).

    .venv/bin/python bench/ratings.py                       # the full run (long: the load is most of it)
    .venv/bin/python bench/ratings.py --db postgresql --ratings 1000000
    .venv/bin/python bench/ratings.py --smoke
"""

from __future__ import annotations

import argparse
import http.client
import random
import re
import secrets
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text

from app.core.extensions import db
from app.ratings.services import fold
from bench.support import (
    PASSWORD,
    Server,
    Stat,
    csrf_of,
    log,
    make_app,
    new_backend,
    run_each_database,
    session_of,
    sign_in,
)

SUBMIT_P95_TARGET_MS = 10.0
REPORT_P95_TARGET_MS = 100.0
EXPORT_RSS_TARGET_MB = 200.0
FULL_RATINGS = {"postgresql": 5_000_000, "sqlite": 2_000_000}
BANGKOK = ZoneInfo("Asia/Bangkok")
PROVINCES = 77
COMMENTS = ["บริการดีมาก รวดเร็ว", "ที่จอดรถไม่พอ", "รอคิวนาน", "เอกสารไม่ตรงกับคู่มือ", "เจ้าหน้าที่สุภาพ",
            "อยากให้มีจองคิวออนไลน์", "ห้องน้ำไม่สะอาด", "ประทับใจ"]
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def code_of(index: int) -> str:
    digits = []
    for _ in range(6):
        index, remainder = divmod(index, len(ALPHABET))
        digits.append(ALPHABET[remainder])
    return "".join(reversed(digits))


# --- the data ----------------------------------------------------------------------------------------------


def _bulk(table: str, columns: list[str], rows) -> int:
    """Write rows fast: COPY on PostgreSQL, executemany on SQLite."""
    count = 0
    if db.engine.dialect.name == "postgresql":
        raw = db.session.connection().connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    statement = text(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})")
    batch = []
    for row in rows:
        batch.append(dict(zip(columns, row, strict=True)))
        if len(batch) == 20_000:
            db.session.execute(statement, batch)
            count += len(batch)
            batch = []
    if batch:
        db.session.execute(statement, batch)
        count += len(batch)
    return count


def load(ratings: int, points: int, departments: int, days: int, today: date) -> dict:
    """The agency tree, the two officers, the rating points, the ratings and their tallies."""
    from app.accounts.services import accounts

    rng = random.Random(2569)
    start_id = (db.session.scalar(text("SELECT MAX(id) FROM agency")) or 0) + 1
    ministries = max(1, departments // 15)
    rows, next_id = [], start_id
    ministry_paths = []
    for m in range(ministries):
        rows.append((next_id, None, "ministry", f"bm{m}", f"กระทรวงทดสอบ {m + 1}", f"/{next_id}/", 0, None))
        ministry_paths.append((next_id, f"/{next_id}/"))
        next_id += 1
    department_rows = []
    for d in range(departments):
        parent_id, parent_path = ministry_paths[d % ministries]
        path = f"{parent_path}{next_id}/"
        rows.append((next_id, parent_id, "department", f"bd{d}", f"กรมทดสอบ {d + 1}", path, 1, None))
        department_rows.append((next_id, path))
        next_id += 1
    point_ids = []
    for p in range(points):
        parent_id, parent_path = department_rows[p % departments]
        province = f"จังหวัดทดสอบ {p % PROVINCES + 1:02d}"
        rows.append((next_id, parent_id, "service_point", f"bp{p}", f"จุดบริการทดสอบ {p + 1}",
                     f"{parent_path}{next_id}/", 2, province))
        point_ids.append(next_id)
        next_id += 1
    now = datetime.now(UTC)
    _bulk("agency", ["id", "parent_id", "kind", "code", "name_th", "path", "depth", "province", "created_at",
                     "publicly_visible", "row_version"],
          (row + (now, True, 1) for row in rows))
    _bulk("rating_point", ["agency_id", "code", "created_at"],
          ((point_id, code_of(i), now) for i, point_id in enumerate(point_ids)))
    opdc_office = db.session.scalar(text("SELECT MIN(id) FROM agency WHERE kind = 'ministry'"))
    opdc = accounts.create_user("bench_opdc", "OPDC", PASSWORD)
    accounts.grant(opdc, opdc_office, "opdc_officer")
    central = accounts.create_user("bench_central", "Central", PASSWORD)
    accounts.grant(central, department_rows[0][0], "central_officer")
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('agency', 'id'), (SELECT MAX(id) FROM agency))"))

    # Busy points get far more ratings than quiet ones (a Pareto weight per point).
    weights = [rng.paretovariate(1.3) for _ in point_ids]
    total_weight = sum(weights)
    cumulative, running = [], 0.0
    for weight in weights:
        running += weight / total_weight
        cumulative.append(running)
    first_day = today - timedelta(days=days - 1)

    def answers_for(mood: float) -> str:
        scale = "".join(str(min(5, max(1, round(rng.gauss(mood, 0.9))))) for _ in range(4))
        return scale + rng.choice("1110.") + rng.choice("01234..")

    def generated():
        import bisect

        for number in range(1, ratings + 1):
            point = point_ids[min(bisect.bisect(cumulative, rng.random()), len(point_ids) - 1)]
            day = first_day + timedelta(days=rng.randrange(days))
            moment = datetime.combine(day, day_time(8 + rng.randrange(9), rng.randrange(60)), tzinfo=BANGKOK)
            answers = answers_for(3.2 + (point % 17) / 10)
            comment = None
            if rng.random() < 0.1:
                comment = f"{rng.choice(COMMENTS)} ({number})"
            answers += "c" if comment else "."
            service = f"m{rng.randrange(1, 5000)}" if rng.random() < 0.3 else None
            channel = "kiosk" if rng.random() < 0.15 else "web"
            yield (number, point, 1, service, moment.astimezone(UTC), day, channel, answers, comment, True)
            if number % 500_000 == 0:
                log(f"  {number:,} ratings written")

    # Written as folded: the recount below counts them all at once (marking them would rewrite every row).
    written = _bulk("rating", ["id", "agency_id", "set_id", "service", "created_at", "day", "channel", "answers",
                               "comment", "folded"], generated())
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('rating', 'id'), (SELECT MAX(id) FROM rating))"))
        db.session.commit()
        db.session.execute(text("ANALYZE"))
    log(f"  {written:,} ratings at {len(point_ids):,} points; recounting the tallies")
    started = time.perf_counter()
    from app.ratings.services import recount

    recount.rebuild()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    else:
        db.session.execute(text("ANALYZE"))
    tally_rows = db.session.scalar(text("SELECT COUNT(*) FROM rating_tally"))
    log(f"  tallies: {tally_rows:,} rows in {time.perf_counter() - started:.1f}s")
    return {"points": point_ids, "departments": [d for d, _p in department_rows], "codes": [
        code_of(i) for i in range(len(point_ids))], "tally_rows": tally_rows, "ratings": written}


# --- the server and a client -------------------------------------------------------------------------------


def timed(server: Server, method: str, path: str, body=None, cookies=None, expect=200) -> float:
    started = time.perf_counter()
    status, data, _cookie, _location = server.request(method, path, body, cookies)
    elapsed = time.perf_counter() - started
    assert status == expect, (status, path, data[:300])
    return elapsed


# --- the measurements --------------------------------------------------------------------------------------


def bench_submissions(server: Server, codes: list[str], iterations: int) -> Stat:
    rng = random.Random(7)
    status, page, cookie, _location = server.request("GET", f"/rate/{codes[0]}")
    session, token = session_of(cookie), csrf_of(page)
    set_id = re.search(rb'name="set_id" value="(\d+)"', page).group(1).decode()
    samples = []
    for number in range(iterations + 5):
        body = urlencode({"csrf_token": token, "set_id": set_id, **{f"q{i}": str(rng.randint(1, 5)) for i in range(1, 5)},
                          "q5": rng.choice("01"), "q6": str(rng.randrange(5)),
                          "comment": "บริการดี" if rng.random() < 0.1 else ""})
        elapsed = timed(server, "POST", f"/rate/{rng.choice(codes)}", body,
                        {"session": session, "rf_rater": secrets.token_urlsafe(16)}, expect=303)
        if number >= 5:  # the first few warm the worker up
            samples.append(elapsed)
    return Stat(samples)


def months_back(today: date, count: int) -> list[tuple[date, date]]:
    periods = []
    for back in range(count):
        index = today.year * 12 + today.month - 1 - back
        first = date(index // 12, index % 12 + 1, 1)
        following = date((index + 1) // 12, (index + 1) % 12 + 1, 1)
        periods.append((first, min(following - timedelta(days=1), today)))
    return periods


def bench_reports(server: Server, cookies: dict, periods, departments: list[int] | None, iterations: int) -> Stat:
    rng = random.Random(11)
    samples = []
    for number in range(iterations + 3):
        first, last = rng.choice(periods)
        query = {"first": first.isoformat(), "last": last.isoformat()}
        if departments:
            query["agency"] = str(rng.choice(departments))
        elapsed = timed(server, "GET", f"/ratings/?{urlencode(query)}", cookies=cookies)
        if number >= 3:
            samples.append(elapsed)
    return Stat(samples)


def bench_export(server: Server, cookies: dict, first: date, last: date) -> dict:
    worker = server.worker_pid()
    Path(f"/proc/{worker}/clear_refs").write_text("5")  # the peak RSS counts from here
    rss_before = _status_kb(worker, "VmRSS")
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=3600)
    started = time.perf_counter()
    connection.request("GET", f"/ratings/export/ratings.csv?first={first.isoformat()}&last={last.isoformat()}",
                       headers={"Cookie": f"session={cookies['session']}"})
    response = connection.getresponse()
    assert response.status == 200, response.status
    size = lines = 0
    while chunk := response.read(1 << 20):
        size += len(chunk)
        lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    connection.close()
    return {"seconds": elapsed, "bytes": size, "lines": lines, "rss_before_mb": rss_before / 1024,
            "peak_rss_mb": _status_kb(worker, "VmHWM") / 1024}


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def run(kind: str) -> dict:
    backend = new_backend(kind)
    result: dict = {"database": kind}
    server = None
    try:
        app = make_app(backend)
        ratings = ARGS.ratings or FULL_RATINGS[kind]
        today = datetime.now(BANGKOK).date()  # the ratings' day is Bangkok's (ahead of UTC from 17:00)
        with app.app_context():
            log(f"=== {kind}: loading {ratings:,} ratings over {ARGS.days} days at {ARGS.points:,} points")
            started = time.perf_counter()
            data = load(ratings, ARGS.points, ARGS.departments, ARGS.days, today)
            result |= {"load_seconds": round(time.perf_counter() - started, 1), "ratings": data["ratings"],
                       "points": len(data["points"]), "tally_rows": data["tally_rows"]}
            db.session.remove()
            db.engine.dispose()
        server = Server(backend.uri, backend.workdir, env={
            "RATELIMIT_RATING_DEVICE": "1000000 per minute", "RATELIMIT_RATING_ADDRESS": "1000000 per minute",
            "RATELIMIT_RATING_KIOSK": "1000000 per minute"})
        baseline = Stat([timed(server, "GET", "/static/css/rate.css") for _ in range(ARGS.iterations)][5:])
        log("  (a) rating submissions over HTTP")
        submit = bench_submissions(server, data["codes"], ARGS.iterations)
        with app.app_context():  # as the scheduler's fold job does within the minute (RATING_FOLD_SECONDS)
            folded = fold.fold_all(commit_each=db.session.commit)["ratings"]
            db.session.remove()
        log(f"  {folded:,} new ratings folded, as the fold job does every minute")
        opdc = sign_in(server, "bench_opdc")
        log("  (b) the national monthly report")
        national = bench_reports(server, opdc, months_back(today, 12), None, ARGS.report_iterations)
        log("  (c) a department's monthly report")
        department = bench_reports(server, opdc, months_back(today, 12), data["departments"], ARGS.report_iterations)
        log("  (d) the full export of the year")
        export = bench_export(server, opdc, today - timedelta(days=ARGS.days - 1), today)
        result |= {"static_file": baseline.as_dict(), "submission": submit.as_dict(), "national_month": national.as_dict(),
                   "department_month": department.as_dict(), "export": export}
        print(f"\n{kind}: {data['ratings']:,} ratings, {len(data['points']):,} points, {data['tally_rows']:,} tally rows")
        print(f"  (0) a static file over HTTP  p50 {baseline.p50:.2f} ms  p95 {baseline.p95:.2f} ms (no target: the "
              f"machine's own floor)")
        print(f"  (a) submission over HTTP       p50 {submit.p50:.2f} ms  p95 {submit.p95:.2f} ms "
              f"(target < {SUBMIT_P95_TARGET_MS:.0f} ms, n={submit.n})")
        print(f"  (b) national monthly report    p50 {national.p50:.2f} ms  p95 {national.p95:.2f} ms "
              f"(target < {REPORT_P95_TARGET_MS:.0f} ms, n={national.n})")
        print(f"  (c) a department's report      p50 {department.p50:.2f} ms  p95 {department.p95:.2f} ms "
              f"(target < {REPORT_P95_TARGET_MS:.0f} ms, n={department.n})")
        print(f"  (d) full export                {export['seconds']:.2f} s for {export['lines'] - 1:,} ratings "
              f"({export['bytes'] / 1e6:.1f} MB); worker peak RSS {export['peak_rss_mb']:.1f} MB "
              f"(target < {EXPORT_RSS_TARGET_MB:.0f} MB; {export['rss_before_mb']:.1f} MB before)", flush=True)
        # Every rating of the year: those loaded and those the submissions added.
        assert export["lines"] - 1 == data["ratings"] + ARGS.iterations + 5, "the export lost ratings"
    finally:
        if server is not None:
            server.stop()
        backend.drop()
    return result


def main() -> int:
    run_each_database(ARGS, run)
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--ratings", type=int, default=None, help="default: 5,000,000 (PostgreSQL), 2,000,000 (SQLite)")
    parser.add_argument("--points", type=int, default=30_000)
    parser.add_argument("--departments", type=int, default=300)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--iterations", type=int, default=500, help="rating submissions timed")
    parser.add_argument("--report-iterations", type=int, default=100)
    parser.add_argument("--smoke", action="store_true", help="the smallest data and a few iterations: does it run")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "ratings-latest.json")
    args = parser.parse_args()
    if args.smoke:
        args.ratings, args.points, args.departments, args.days = 3_000, 60, 6, 60
        args.iterations, args.report_iterations = 20, 5
        args.db = "sqlite" if args.db == "both" else args.db  # does it run: one database is enough
        args.json = args.json.with_name("ratings-smoke.json")
    return args


ARGS: argparse.Namespace

if __name__ == "__main__":
    ARGS = parse_args()
    sys.exit(main())
