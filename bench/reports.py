"""The summary reports at national scale: p95 of each report for the national view and for a department, and a
licence export of every row (about 1,000,000 at full size) streamed: its time and the worker's peak RSS.

For each database, a throwaway database migrated with the real migrations holds a national year
(``bench/national.py``: 80,000 agencies, 100,000 manuals, 1,000,000 process instances with their task history,
12 licence periods at every point, 100,000 IR reports at full size; ``--scale`` shrinks it). gunicorn serves the
app (one sync worker, as deployed) and a client measures, over HTTP:

  (a) each report's p95, nationally (OPDC; the desk's and the operations report: their own roles), target < 200 ms;
  (b) each agency report's p95 for a department (its central officer), target < 200 ms;
  (c) the export of every licence row of the year as CSV, streamed: time and worker peak RSS (target < 200 MB).

    .venv/bin/python bench/reports.py                      # full size, both databases (long)
    .venv/bin/python bench/reports.py --scale 0.05 --db sqlite
    .venv/bin/python bench/reports.py --smoke
    .venv/bin/python bench/reports.py --db sqlite --keep          # then, after a change, without loading again:
    .venv/bin/python bench/reports.py --db sqlite --reuse sqlite:////tmp/ratchaflow-bench-sqlite-…/bench.sqlite
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.core.extensions import db
from bench import national
from bench.support import Backend, Server, Stat, log, make_app, new_backend, run_each_database, sign_in

REPORT_P95_TARGET_MS = 200.0
EXPORT_RSS_TARGET_MB = 200.0
# report: the user who opens it nationally
NATIONAL = {"licences": "bench_opdc", "delays": "bench_opdc", "manuals": "bench_opdc", "desk": "bench_desk",
            "operations": "bench_admin"}
DEPARTMENT = ("licences", "delays", "manuals")


def timed(server: Server, path: str, cookies: dict) -> float:
    started = time.perf_counter()
    status, data, _cookie, _location = server.request("GET", path, None, cookies)
    elapsed = time.perf_counter() - started
    assert status == 200, (status, path, data[:500])
    return elapsed


def bench_report(server: Server, cookies: dict, key: str, fiscal_year: int, iterations: int) -> Stat:
    samples = []
    months = ["", *(f"&month={m}" for m in range(1, 13))]
    for number in range(iterations + 2):
        query = f"?fy={fiscal_year}{months[number % len(months)]}"  # the whole fiscal year, then each month
        elapsed = timed(server, f"/reports/{key}{query}", cookies)
        if number >= 2:  # the first two warm the worker up
            samples.append(elapsed)
    return Stat(samples)


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def bench_export(server: Server, cookies: dict, fiscal_year: int) -> dict:
    worker = server.worker_pid()
    Path(f"/proc/{worker}/clear_refs").write_text("5")  # the peak RSS counts from here
    before = _status_kb(worker, "VmRSS")
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=3600)
    started = time.perf_counter()
    connection.request("GET", f"/reports/licences/rows.csv?fy={fiscal_year}", headers={"Cookie": f"session={cookies['session']}"})
    response = connection.getresponse()
    assert response.status == 200, response.status
    size = lines = 0
    while chunk := response.read(1 << 20):
        size += len(chunk)
        lines += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    connection.close()
    return {"seconds": elapsed, "bytes": size, "rows": lines - 1, "rss_before_mb": before / 1024,
            "peak_rss_mb": _status_kb(worker, "VmHWM") / 1024}


KEPT = "national.json"  # beside a kept database: what was loaded, for --reuse


def _loaded(kind: str) -> tuple[Backend, national.National, float | None]:
    """A database holding a national year: the one ``--reuse`` names (loaded by an earlier ``--keep`` run, migrated
    to the current schema), or a new one loaded now."""
    if ARGS.reuse:
        workdir = (Path(ARGS.reuse.removeprefix("sqlite:///")).parent if kind == "sqlite"
                   else Path(tempfile.mkdtemp(prefix="ratchaflow-bench-postgresql-")))
        backend = Backend(kind, ARGS.reuse, workdir)
        make_app(backend)  # migrates it
        sidecar = workdir / KEPT if kind == "sqlite" else Path(ARGS.reuse_info)
        return backend, national.National(**json.loads(sidecar.read_text())), None
    backend = new_backend(kind)
    app = make_app(backend)
    with app.app_context():
        log(f"=== {kind}: loading a national year at scale {ARGS.scale}")
        started = time.perf_counter()
        data = national.load(ARGS.scale, date.today())
        seconds = round(time.perf_counter() - started, 1)
        db.session.remove()
        db.engine.dispose()
    if ARGS.keep:
        (backend.workdir / KEPT).write_text(json.dumps(dataclasses.asdict(data)))
        log(f"kept: --reuse {backend.uri} (its load: {backend.workdir / KEPT})")
    return backend, data, seconds


def run(kind: str) -> dict:
    backend, data, load_seconds = _loaded(kind)
    result: dict = {"database": kind, "load_seconds": load_seconds, **{
        name: getattr(data, name) for name in ("agencies", "points", "licence_rows", "manuals", "tickets",
                                               "instances")}}
    server = None
    try:
        # Every row streams (no background job here: the streaming is what is measured).
        server = Server(backend.uri, backend.workdir, env={"REPORT_EXPORT_STREAM_LIMIT": "100000000"})
        people = {name: sign_in(server, name) for name in {*NATIONAL.values(), "bench_central"}}
        print(f"\n{kind}: {data.agencies:,} agencies, {data.licence_rows:,} licence rows, {data.manuals:,} manuals, "
              f"{data.instances:,} instances, {data.tickets:,} IR reports")
        for key, user in NATIONAL.items():
            stat = bench_report(server, people[user], key, data.fiscal_year, ARGS.iterations)
            result[f"national_{key}"] = stat.as_dict()
            print(f"  (a) {key:<10} national     p50 {stat.p50:8.2f} ms  p95 {stat.p95:8.2f} ms "
                  f"(target < {REPORT_P95_TARGET_MS:.0f} ms, n={stat.n})", flush=True)
        for key in DEPARTMENT:
            stat = bench_report(server, people["bench_central"], key, data.fiscal_year, ARGS.iterations)
            result[f"department_{key}"] = stat.as_dict()
            print(f"  (b) {key:<10} department   p50 {stat.p50:8.2f} ms  p95 {stat.p95:8.2f} ms "
                  f"(target < {REPORT_P95_TARGET_MS:.0f} ms, n={stat.n})", flush=True)
        export = bench_export(server, people["bench_opdc"], data.fiscal_year)
        result["export"] = export
        print(f"  (c) licence rows export  {export['seconds']:.2f} s for {export['rows']:,} rows "
              f"({export['bytes'] / 1e6:.1f} MB); worker peak RSS {export['peak_rss_mb']:.1f} MB "
              f"(target < {EXPORT_RSS_TARGET_MB:.0f} MB; {export['rss_before_mb']:.1f} MB before)", flush=True)
        assert export["rows"] == data.licence_rows, "the export lost rows"
    finally:
        if server is not None:
            server.stop()
        if not (ARGS.keep or ARGS.reuse):
            backend.drop()
    return result


def main() -> int:
    run_each_database(ARGS, run)
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--scale", type=float, default=1.0, help="of the national year (1.0: the issue's sizes)")
    parser.add_argument("--iterations", type=int, default=40, help="timed requests per report and view")
    parser.add_argument("--smoke", action="store_true", help="the smallest data and a few iterations: does it run")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "reports-latest.json")
    parser.add_argument("--keep", action="store_true", help="keep the loaded database (loading takes half an hour)")
    parser.add_argument("--reuse", metavar="URI", help="measure a database kept by --keep (one --db) instead of loading")
    parser.add_argument("--reuse-info", metavar="FILE", help="PostgreSQL: the national.json written by --keep")
    args = parser.parse_args()
    if args.reuse and (args.db == "both" or (args.db == "postgresql") != bool(args.reuse_info)):
        parser.error("--reuse measures one database (--db sqlite, or --db postgresql with --reuse-info)")
    if args.smoke:
        args.scale, args.iterations = 0.001, 3
        args.db = "sqlite" if args.db == "both" else args.db  # does it run: one database is enough
        args.json = args.json.with_name("reports-smoke.json")
    return args


ARGS: argparse.Namespace

if __name__ == "__main__":
    ARGS = parse_args()
    sys.exit(main())
