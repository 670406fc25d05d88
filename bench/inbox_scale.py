"""The inbox page at scale: ``.venv/bin/python bench/inbox_scale.py`` (``--scale 0.05`` for a twentieth).

For SQLite and (when reachable) PostgreSQL, each in a throwaway database migrated with the real Alembic
migrations, ``bench/generate.load`` writes 1,000,000 process instances over 2,000+ agencies, 100,000 of them
with an open task, and the history their approvals left: about ten finished tasks per instance (some
10,000,000 ``human_task`` rows at full scale). Then the inbox page as a user gets it: ``GET /tasks/``
through the Flask test client, signed in (session, user, navigation badges, filters, template), as a
department reviewer and as a nationwide OPDC officer. Every request has a query string of its own (tab,
page, process filter, agency filter, drawn with a fixed seed), so no figure is a repeat of a warmed answer.
PostgreSQL is measured after ANALYZE and again after VACUUM (as autovacuum would leave the table).

The EXPLAIN plan of the process list (the process filter's choices) is printed too.

Target: inbox page p95 <= 20 ms on PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text

from app.accounts.models import User
from app.accounts.services import accounts
from app.core.extensions import db
from app.inbox.services import task_lists
from app.manuals.services import manual_revisions
from bench import generate
from bench.http_calls import server_timing
from bench.support import (
    FULL_INSTANCES,
    FULL_TASKS,
    INBOX_P95_TARGET_MS,
    PASSWORD,
    PG_ADMIN_URL,
    Backend,
    capture_statements,
    database_kinds,
    environment,
    log,
    run_loop,
    signed_in_client,
    throwaway_app,
)
from workflows import engine

WARMUP = 5
SPLIT = ("SQL", "template", "Python")  # where a page's time went inside the app (its Server-Timing header)
# How often each tab is opened; the process filter offers a process with no tasks here as well.
TABS = {"available": 6, "claimed": 1, "completed": 2, "started": 1}
PROCESSES = (None, "manual_revision", "unlock_request")
# The sort and the search text (subjects are "คู่มือสำหรับประชาชน ฉบับที่ <n>"): mostly the default order, some other
# sorts; a search now and then, from a word every task has to a number no task has (the whole scope is read).
SORTS = ((None, None), ("received", "desc"), ("received", "asc"), ("priority", "desc"), ("due", "desc"))
SEARCHES = (None, "ฉบับที่ 12", "คู่มือ", "ตรวจสอบ", "ฉบับที่ 99999999")


# --- data ----------------------------------------------------------------------------------------------------


def load_scale(app, backend: Backend, scale: float) -> generate.Loaded:
    """``scale`` of the full data set (at least 1,000 instances and 100 open tasks), loaded and analyzed."""
    instances = max(1000, int(FULL_INSTANCES * scale))
    tasks = max(100, int(FULL_TASKS * scale))
    log(f"  loading {instances:,} instances, {tasks:,} open tasks and their history")
    with app.app_context():
        spec_key = engine.current_spec_key(manual_revisions.PROCESS_ID)
        db.session.commit()
        started = time.perf_counter()
        conn = db.session.connection()
        synchronous = None
        if backend.kind == "sqlite":  # the load only: fsync once at the end
            synchronous = conn.exec_driver_sql("PRAGMA synchronous").scalar()
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
        loaded = generate.load(conn, spec_key=spec_key, serializer_version=engine.SERIALIZER_VERSION,
                               instances=instances, tasks=tasks, progress=log)
        db.session.commit()
        if synchronous is not None:
            db.session.connection().exec_driver_sql(f"PRAGMA synchronous={int(synchronous)}")
            db.session.commit()
        log(f"  loaded in {time.perf_counter() - started:.1f}s; ANALYZE")
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        log(f"  load + ANALYZE done in {time.perf_counter() - started:.1f}s")
    return loaded


def vacuum(backend: Backend) -> None:
    if backend.kind == "postgresql":
        import psycopg

        with psycopg.connect(re.sub(r"/[^/]*$", f"/{backend.pg_name}", PG_ADMIN_URL), autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE) human_task")


# --- the page ------------------------------------------------------------------------------------------------


def page_urls(app, user_id: int, count: int, seed: str) -> list[str]:
    """``count`` different inbox addresses as the user would open them: mostly early pages, some filtered."""
    with app.app_context():
        agencies = [None] + [agency.id for agency in task_lists.filter_agencies(db.session.get(User, user_id))]
    rng = random.Random(seed)
    seen = set()
    urls: list[str] = []
    for _ in range(count * 100):
        if len(urls) == count:
            break
        key = (rng.choices(list(TABS), weights=list(TABS.values()))[0], min(1 + int(rng.expovariate(0.4)), 50),
               rng.choices(PROCESSES, weights=(6, 3, 1))[0], rng.choice(agencies) if rng.random() < 0.3 else None,
               rng.choices(SORTS, weights=(5, 2, 1, 1, 1))[0], rng.choices(SEARCHES, weights=(12, 1, 1, 1, 1))[0])
        if key not in seen:
            seen.add(key)
            view, page, process, agency, (sort, order), search = key
            query = {"view": view, "page": page, "process": process, "agency": agency, "sort": sort, "order": order,
                     "q": search}
            urls.append("/tasks/?" + urlencode({k: v for k, v in query.items() if v is not None}))
    return urls


def sign_in(app, user_id: int):
    """A test client signed in as the generated user (who is given a password for it)."""
    with app.app_context():
        user = db.session.get(User, user_id)
        user.password_hash = accounts.hash_password(PASSWORD)
        db.session.commit()
        username = user.username
    return signed_in_client(app, username)


def bench_inbox(app, client, label: str, user_id: int, iterations: int, max_seconds: float, seed: str = ""):
    """Time ``GET /tasks/`` with ``iterations`` different query strings; returns the SQL of the slowest one."""
    with app.app_context():
        user = db.session.get(User, user_id)
        first = task_lists.list_tasks(user, "available", page=1, per_page=1)
        available = f"{first.total:,}{'+' if first.more else ''}"  # counted as the page counts them
        badge = task_lists.counts(user)
    log(f"  {label}: {available} available, badge {badge}")
    urls = page_urls(app, user_id, iterations + WARMUP, seed or label)
    turn = iter(range(len(urls)))
    slowest = (0.0, "/tasks/")

    def step() -> dict[str, float]:
        nonlocal slowest
        number = next(turn)
        url = urls[number]
        started = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        if number >= WARMUP:
            slowest = max(slowest, (seconds, url))
        query = parse_qs(urlsplit(url).query)
        spent = server_timing(response.headers.get("Server-Timing"))
        timings = {"page": seconds, f"tab {query['view'][0]}": seconds, "SQL": spent.get("sql", 0.0),
                   "template": spent.get("render", 0.0),
                   "Python": spent.get("app", 0.0) - spent.get("sql", 0.0) - spent.get("render", 0.0)}
        timings.update({f"{name} filter": seconds for name in ("process", "agency") if name in query})
        timings.update({part: seconds for part, name in (("sorted", "sort"), ("search", "q")) if name in query})
        return timings

    stats = run_loop(f"inbox page, {label}", step, iterations=iterations, max_seconds=max_seconds, warmup=WARMUP)
    with capture_statements() as statements:
        client.get(slowest[1])
    log(f"  slowest: {slowest[1]} {slowest[0] * 1000:.1f} ms, {len(statements)} statements")
    return stats, {"available_total": available, "badge": badge, "slowest": slowest[1]}, statements


def explain(app, backend: Backend, statements, table: str = "human_task") -> list[str]:
    """The plans of the captured SELECTs that read ``table`` (PostgreSQL: run, with buffers)."""
    out = []
    with app.app_context():
        conn = db.session.connection()
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith(("SELECT", "WITH")) or table not in statement:
                continue
            prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " if backend.kind == "postgresql" else "EXPLAIN QUERY PLAN "
            rows = conn.exec_driver_sql(prefix + statement, parameters).all()
            out.append("    SQL: " + " ".join(statement.split())[:600])
            out.append("    params: " + repr(parameters)[:300])
            if backend.kind == "postgresql":
                out.extend("      " + row[0] for row in rows)
            else:
                out.extend("      " + " ".join(str(c) for c in row[1:]) for row in rows)
        db.session.rollback()
    return out


def process_list_plan(app, backend: Backend) -> list[str]:
    """What the process filter's choices cost: the query ``task_lists.process_choices`` sends, explained."""
    with app.app_context(), capture_statements() as statements:
        choices = task_lists.process_choices()
        started = time.perf_counter()
        task_lists.process_choices()
        seconds = time.perf_counter() - started
    return [f"  process list {choices}: {seconds * 1000:.2f} ms (second call)"] + explain(
        app, backend, statements[:1], table="")


def measure(app, backend: Backend, loaded: generate.Loaded, *, iterations: int, max_seconds: float,
            plans: bool = False, vacuum_too: bool = True) -> dict:
    """The page for both users after ANALYZE and, on PostgreSQL, after VACUUM; plans when asked or over target."""
    users = (("department reviewer", loaded.reviewer_ids[0]), ("OPDC officer (nationwide)", loaded.opdc_officer_ids[0]))
    figures: dict = {"instances": loaded.instances, "open_tasks": loaded.open_tasks,
                     "history_tasks": loaded.history_tasks, "agencies": loaded.agencies}
    tags = ["after ANALYZE"] + (["after VACUUM"] if backend.kind == "postgresql" and vacuum_too else [])
    clients = {label: sign_in(app, user_id) for label, user_id in users}
    for tag in tags:
        if tag == "after VACUUM":
            log("  VACUUM (ANALYZE) human_task (sets the visibility map, as autovacuum would in production)")
            vacuum(backend)
        for label, user_id in users:
            stats, info, statements = bench_inbox(app, clients[label], label, user_id, iterations, max_seconds,
                                                  seed=f"{tag} {label}")
            figures.setdefault(tag, {})[label] = {**{k: v.as_dict() for k, v in stats.items()}, **info}
            if plans or (stats["page"].p95 > INBOX_P95_TARGET_MS and backend.kind == "postgresql"):
                log(f"  plans of the slowest page for {label} ({tag}):")
                print("\n".join(explain(app, backend, statements)), flush=True)
    figures["process_list_plan"] = process_list_plan(app, backend)
    return figures


def print_scale(kind: str, figures: dict) -> None:
    print()
    print(f"Inbox page at scale on {kind}: {figures['instances']:,} process instances, {figures['open_tasks']:,} "
          f"open tasks, {figures['history_tasks']:,} finished tasks, {figures['agencies']:,} agencies; "
          "GET /tasks/ signed in, each request another tab/page/filter/sort/search; ms")
    parts = [f"tab {tab}" for tab in TABS] + ["process filter", "agency filter", "sorted", "search"]
    header = (f"{'user':26} {'data':13} {'n':>4} {'p50':>7} {'p95':>7} "
              + " ".join(f"{part.removeprefix('tab ') + ' p95':>13}" for part in parts)
              + f" {'available':>9} {'verdict':>7}   p50 of the page's SQL, template (its SQL left out), rest")
    print(header)
    print("-" * len(header))
    for tag in ("after ANALYZE", "after VACUUM"):
        for label, row in figures.get(tag, {}).items():
            page = row["page"]
            verdict = "PASS" if page["p95_ms"] <= INBOX_P95_TARGET_MS else "FAIL"
            verdict = verdict if kind == "postgresql" else f"({verdict.lower()})"
            by_part = " ".join(f"{row[part]['p95_ms']:13.2f}" if part in row else f"{'–':>13}" for part in parts)
            print(f"{label:26} {tag:13} {page['n']:4d} {page['p50_ms']:7.2f} {page['p95_ms']:7.2f} {by_part} "
                  f"{row['available_total']:>9} {verdict:>7}   "
                  + " ".join(f"{row[part]['p50_ms']:.2f}" if part in row else "–" for part in SPLIT))
    print(f"target: inbox page p95 <= {INBOX_P95_TARGET_MS:g} ms on PostgreSQL")
    print("\n".join(figures["process_list_plan"]), flush=True)


# --- the run ---------------------------------------------------------------------------------------------------


def run_backend(kind: str, args) -> dict:
    with throwaway_app(kind, SERVER_TIMING=True) as (app, backend):
        loaded = load_scale(app, backend, args.scale)
        return measure(app, backend, loaded, iterations=args.iterations, max_seconds=args.max_seconds,
                       plans=args.explain, vacuum_too=not args.no_vacuum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of the full data set (1.0 = 1,000,000 instances, 100,000 open tasks)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--iterations", type=int, default=200, help="requests per user (each a different page)")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="time limit of each timing loop")
    parser.add_argument("--no-vacuum", action="store_true", help="PostgreSQL: measure only after ANALYZE")
    parser.add_argument("--explain", action="store_true", help="print the plans of the page's task queries")
    parser.add_argument("--smoke", action="store_true", help="the smallest data and a few requests: does it run")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "inbox-latest.json")
    args = parser.parse_args(argv)
    if args.smoke:
        args.scale, args.iterations, args.max_seconds = 0.0, 5, 5.0
        args.json = args.json.with_name("inbox-smoke.json")

    results = {kind: run_backend(kind, args) for kind in database_kinds(args.db)}
    for kind, figures in results.items():
        print_scale(kind, figures)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"scale": args.scale, "environment": environment(), "results": results},
                                    ensure_ascii=False, indent=2))
    log(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
