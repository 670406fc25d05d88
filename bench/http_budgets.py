"""Request budgets over a real server: what a person waits for, p50 and p95, on SQLite and PostgreSQL.

(Named so as not to shadow the standard library's ``http``: a script's folder comes first on the path.)

In a throwaway database migrated with the real migrations, loaded in this process before the server starts (a
department with ``--tasks`` submitted manual revisions waiting for its reviewer; another department, with its own
author and reviewer, for the lifecycle; an OPDC officer; API tokens), gunicorn (one sync worker, as deployed)
serves the app and a client times each request on another task, instance or page, never the same input twice;
between the completions, the bare SpiffWorkflow cycle of one completion (``bench/engine.py``'s (a), no
database) is timed in this process, so that both see the same load:

  * reads: the inbox page ``/tasks/``, a task page, the API task list, an instance's status (API and page):
    p50 <= 3 ms, p95 <= 6 ms;
  * a task completion with its domain step (the reviewer approves a submitted revision: form post and API):
    p50 <= 3 x the bare engine cycle on SQLite, <= 4 x on PostgreSQL;
  * the manual-revision lifecycle in seven calls (create, submit, list tasks, approve step 1, list tasks,
    approve step 2, read status), through the manuals API when the app has it, else the editor's form posts:
    p50 <= 20 ms on SQLite;
  * the floor: a static file served by the same worker; a page's floor, the page shell: a signed-in page
    with nothing to show (the reviewer's empty notifications: session, account, navigation and its badges,
    the layout); and a completion's floor, served by another gunicorn worker (``bench/completion_floor.py``):
    the request, the instance read, the bare engine cycle, the state written back, one durable commit.

The database also holds the rest of the country's open work that a request must not read: ``--open-deadlines``
working-day deadlines (reviews, delay notices, unlock requests of other objects; 100,000 by default), open and
closed, as a busy year leaves them.

Then each kind of request once more through the Flask test client, to count the SQL statements it sends.

    .venv/bin/python bench/http_budgets.py                 # both databases, 200 requests of each kind
    .venv/bin/python bench/http_budgets.py --db sqlite --requests 50
    .venv/bin/python bench/http_budgets.py --smoke
    .venv/bin/python bench/http_budgets.py --db sqlite --drop-index ix_working_day_deadline_object   # what-if
"""

from __future__ import annotations

import argparse
import itertools
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select

from app.accounts.models import User
from app.accounts.services import accounts
from app.core.calendar import DeadlineStatus, WorkingDayDeadline
from app.core.extensions import db
from app.core.types import utcnow
from app.org.models import Agency
from app.org.services import agencies
from bench.engine import Org, make_org, spiff_cycle, submit_revision, without_database_operations
from bench.figures import Figure, LoadWatch, print_figures, write_figures
from bench.http_calls import (
    APPROVE,
    LIFECYCLE_STEPS,
    Actor,
    Cast,
    CountedCalls,
    ServerCalls,
    api_token,
    expect,
    lifecycle,
)
from bench.support import PASSWORD, Server, Stat, database_kinds, environment, log, make_app, new_backend, signed_in_client
from tests.helpers import EDITOR_FIELDS

READ_P50_MS, READ_P95_MS = 3.0, 6.0
COMPLETION_TIMES_ENGINE = {"sqlite": 3.0, "postgresql": 4.0}
LIFECYCLE_P50_MS = {"sqlite": 20.0}
READS = ("inbox page /tasks/", "task page /tasks/<id>", "API task list", "API instance status",
         "instance page /instances/<id>")
COMPLETIONS = ("completion: approve, form post", "completion: approve, API")
STATIC = "static file (the floor)"
# The least a page of the back office costs: signed in (session, account, CSRF token), the navigation with its
# badge counts, the layout, and an empty list (the reviewer has no notifications): the floor under every HTML page.
SHELL = "page shell: signed in, nothing to show"
# The least a completion costs (bench/completion_floor.py): the request, the instance read, the bare engine cycle,
# the state written back and one durable commit — none of the account, the task's row, the domain step, the audit.
FLOOR = "completion floor: engine, state, commit"
ENGINE = "bare engine cycle (no database)"
WARMUP = 3


def prepare(app, tasks: int) -> tuple[Org, list[tuple[int, int]], dict[str, Actor], int]:
    """The organisation, ``tasks`` submitted revisions (instance id, open task id), the actors, the lifecycle's
    department."""
    org = make_org(app)
    with app.app_context():
        ministry_id = db.session.scalar(select(Agency.id).where(Agency.kind == "ministry"))
        department = agencies.create(kind="department", name_th="กรมวงจรชีวิตคู่มือ", parent=db.session.get(
            Agency, ministry_id))
        writer = accounts.create_user("bench_writer", "ผู้จัดทำ (lifecycle)", PASSWORD)
        accounts.grant(writer, department.id, "manual_author")
        checker = accounts.create_user("bench_checker", "ผู้ตรวจสอบ (lifecycle)", PASSWORD)
        accounts.grant(checker, department.id, "manual_reviewer")
        opdc = accounts.create_user("bench_opdc", "เจ้าหน้าที่ สำนักงาน ก.พ.ร.", PASSWORD)
        accounts.grant(opdc, ministry_id, "opdc_officer")
        department_id = department.id
        reviewer = db.session.get(User, org.reviewer_id)
        actors = {user.username: Actor(user.username, api_token(app, user)) for user in (reviewer, writer, checker, opdc)}
        db.session.commit()
        pairs = []
        for number in range(tasks):
            pairs.append(submit_revision(org))
            if number % 200 == 199:
                log(f"  {number + 1} revisions submitted")
        db.session.remove()
        return org, pairs, actors, department_id


def seed_other_deadlines(app, count: int) -> None:
    """``count`` working-day deadlines of other objects, a third of them still open: what every review, delay
    notice and unlock request of the country leaves in the table. Commits."""
    purposes = ("review.agency.remind", "review.agency.escalate", "review.opdc.remind", "review.opdc.escalate",
                "delay.notice", "unlock.decide")
    object_types = ("manual", "licence_report", "unlock_request")
    now = utcnow()
    with app.app_context():
        for start in range(0, count, 10_000):
            rows = [{"purpose": purposes[n % len(purposes)], "object_type": object_types[n % len(object_types)],
                     "object_id": 10_000_000 + n // 4, "instance_id": None, "timer_variable": None,
                     "starts_at": now - timedelta(days=n % 365), "working_days": 5 + n % 10,
                     "due_at": now + timedelta(days=n % 30 - 10),
                     "status": DeadlineStatus.open if n % 3 == 0 else DeadlineStatus.closed, "updated_at": now}
                    for n in range(start, min(count, start + 10_000))]
            db.session.execute(insert(WorkingDayDeadline), rows)
        db.session.commit()
        db.session.remove()
    log(f"  {count:,} deadlines of other objects")


def measure(app, calls: ServerCalls, floor: ServerCalls, pairs: list[tuple[int, int]], actors: dict[str, Actor],
            cast: Cast, engine_cycle, requests: int, pages: int, reviewer_id: int) -> None:
    reviewer = actors["bench_reviewer"]
    floor.times = calls.times
    log(f"  the lifecycle, {requests} times ({'manuals API' if cast.over_api else 'form posts'})")
    for number in range(requests + WARMUP):
        lifecycle(calls, cast, f"คู่มือวงจรชีวิต {number}", EDITOR_FIELDS)
    fresh = iter(pairs)
    page_numbers = itertools.cycle(range(1, pages + 1))
    log(f"  reads and completions, {requests} of each kind")
    for _ in range(requests + WARMUP):
        expect(calls(STATIC, reviewer, "GET", "/static/css/app.css"), 200, STATIC)
        expect(calls(SHELL, reviewer, "GET", "/notifications/"), 200, SHELL)
        expect(calls(READS[0], reviewer, "GET", f"/tasks/?page={next(page_numbers)}"), 200, READS[0])
        instance_id, task_id = next(fresh)
        expect(calls(READS[1], reviewer, "GET", f"/tasks/{task_id}"), 200, READS[1])
        expect(calls(READS[2], reviewer, "GET", f"/api/v1/tasks?page={next(page_numbers)}", api=True), 200, READS[2])
        expect(calls(READS[3], reviewer, "GET", f"/api/v1/instances/{instance_id}", api=True), 200, READS[3])
        expect(calls(READS[4], reviewer, "GET", f"/instances/{instance_id}"), 200, READS[4])
        _instance, task_id = next(fresh)
        expect(calls(COMPLETIONS[0], reviewer, "POST", f"/tasks/{task_id}", form=APPROVE), 302, COMPLETIONS[0])
        _instance, task_id = next(fresh)
        expect(calls(COMPLETIONS[1], reviewer, "POST", f"/api/v1/tasks/{task_id}/complete", payload=APPROVE,
                     api=True), 200, COMPLETIONS[1])
        _instance, task_id = next(fresh)
        expect(floor(FLOOR, reviewer, "POST", f"/{task_id}/{reviewer_id}"), 200, FLOOR)
        # The bare cycle between the completions, so that both see the same load on this shared machine.
        with app.app_context(), without_database_operations():
            calls.times.setdefault(ENGINE, []).extend(engine_cycle()["total"] for _ in range(2))
    # The lifecycle's total: the sum of its seven calls, each round.
    rounds = zip(*(calls.times[step] for step in LIFECYCLE_STEPS), strict=True)
    calls.times["lifecycle: 7 calls"] = [sum(round_) for round_ in rounds]


def count_statements(app, pairs: list[tuple[int, int]], actors: dict[str, Actor], cast: Cast) -> dict[str, int]:
    """Each kind of request once through the test client, its SQL statements counted."""
    counted = CountedCalls()
    for actor in actors.values():
        actor.client = signed_in_client(app, actor.username)
        # Its token's last use recorded now, as a busy minute leaves it: the counts are of a call that writes none.
        actor.client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {actor.token}"})
    reviewer = actors["bench_reviewer"]
    (instance_id, task_id), (_i, form_task), (_j, api_task) = pairs[:3]
    counted(SHELL, reviewer, "GET", "/notifications/")
    counted(READS[0], reviewer, "GET", "/tasks/?page=2")
    counted(READS[1], reviewer, "GET", f"/tasks/{task_id}")
    counted(READS[2], reviewer, "GET", "/api/v1/tasks?page=2", api=True)
    counted(READS[3], reviewer, "GET", f"/api/v1/instances/{instance_id}", api=True)
    counted(READS[4], reviewer, "GET", f"/instances/{instance_id}")
    expect(counted(COMPLETIONS[0], reviewer, "POST", f"/tasks/{form_task}", form=APPROVE), 302, "count")
    expect(counted(COMPLETIONS[1], reviewer, "POST", f"/api/v1/tasks/{api_task}/complete", payload=APPROVE,
                   api=True), 200, "count")
    lifecycle(counted, cast, "คู่มือนับคำสั่ง SQL", EDITOR_FIELDS)
    counted.statements["lifecycle: 7 calls"] = sum(counted.statements[step] for step in LIFECYCLE_STEPS)
    return counted.statements


def run(kind: str, args) -> tuple[list[Figure], dict]:
    log(f"=== {kind}")
    backend = new_backend(kind)
    server = floor_server = None
    try:
        app = make_app(backend, tuple(args.drop_index))
        if args.drop_index:
            log(f"  dropped after migrating (what-if): {', '.join(args.drop_index)}")
        seed_other_deadlines(app, args.open_deadlines)
        per_round = 4  # a task page read, a form completion, an API completion, the floor's completion
        org, pairs, actors, department_id = prepare(app, per_round * (args.requests + WARMUP) + 3)
        engine_cycle, _state_bytes = spiff_cycle(app, org)
        with app.app_context():
            over_api = any(rule.rule == "/api/v1/manuals" for rule in app.url_map.iter_rules())
        cast = Cast(actors["bench_writer"], actors["bench_checker"], actors["bench_opdc"], department_id, over_api)
        server = Server(backend.uri, backend.workdir, env={"SERVER_TIMING": "1"})
        floor_server = Server(backend.uri, backend.workdir, name="gunicorn-floor",
                              target="bench.completion_floor:app", ready_path="/")
        calls, floor = ServerCalls(server), ServerCalls(floor_server)
        for actor in actors.values():
            calls.sign_in(actor)
        pages = max(1, min(10, len(pairs) // 20))
        measure(app, calls, floor, pairs[3:], actors, cast, engine_cycle, args.requests, pages, org.reviewer_id)
        server.stop()
        floor_server.stop()
        server = floor_server = None
        statements = count_statements(app, pairs[:3], actors, cast)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        for running in (server, floor_server):
            if running is not None:
                running.stop()
        backend.drop()
    stats = {name: Stat(samples[WARMUP:]) for name, samples in calls.times.items()}
    engine_p50 = stats[ENGINE].p50
    spent = {name: where_the_time_went(calls.times[name][WARMUP:], timings[WARMUP:])
             for name, timings in calls.spent.items()}
    spent["lifecycle: 7 calls"] = {part: round(sum(spent[step][part] for step in LIFECYCLE_STEPS), 3)
                                   for part in spent[LIFECYCLE_STEPS[0]]}
    return figures_of(kind, stats, engine_p50, statements, spent), {
        "engine_p50_ms": round(engine_p50, 3), "lifecycle_over_api": over_api,
        "requests": {name: {**stat.as_dict(), "statements": statements.get(name), "spent_p50_ms": spent.get(name)}
                     for name, stat in stats.items()}}


def where_the_time_went(totals: list[float], timings: list[dict[str, float]]) -> dict[str, float]:
    """p50 of each part of a kind of request, in ms: the SQL statements, the templates (their SQL left out), the
    rest of the app's Python, and what lies outside the app (gunicorn, HTTP, the client), from the server's
    ``Server-Timing`` header and the client's own time of each request."""
    def p50(values) -> float:
        return round(Stat(list(values)).p50, 3)

    return {"sql": p50(t.get("sql", 0) for t in timings), "render": p50(t.get("render", 0) for t in timings),
            "python": p50(t["app"] - t.get("sql", 0) - t.get("render", 0) for t in timings),
            "outside": p50(total - t["app"] for total, t in zip(totals, timings, strict=True))}


def figures_of(kind: str, stats: dict[str, Stat], engine_p50: float, statements: dict[str, int],
               spent: dict[str, dict[str, float]] | None = None) -> list[Figure]:
    spent = spent or {}

    def sql(name: str) -> str:
        counted = f"{statements[name]} SQL statements" if name in statements else ""
        if name not in spent:
            return counted
        part = spent[name]
        return "; ".join(filter(None, (counted, (
            f"p50 in ms: SQL {part['sql']:.2f}, templates {part['render']:.2f}, other Python {part['python']:.2f}, "
            f"outside the app {part['outside']:.2f}"))))

    figures = [Figure.at_most(f"{STATIC} p50", stats[STATIC].p50, "ms", None, kind, sql(STATIC)),
               Figure.at_most(f"{SHELL} p50", stats[SHELL].p50, "ms", None, kind, sql(SHELL)),
               Figure.at_most(f"{ENGINE} p50", engine_p50, "ms", None, kind,
                              "the machine's speed: 1.65-1.99 ms when these budgets were set"),
               Figure.at_most(f"{FLOOR} p50", stats[FLOOR].p50, "ms", None, kind,
                              f"{stats[FLOOR].p50 / engine_p50:.1f} × engine; another gunicorn worker, "
                              "bench/completion_floor.py")]
    for name in READS:
        figures.append(Figure.at_most(f"{name} p50", stats[name].p50, "ms", READ_P50_MS, kind, sql(name)))
        figures.append(Figure.at_most(f"{name} p95", stats[name].p95, "ms", READ_P95_MS, kind))
    times = COMPLETION_TIMES_ENGINE[kind]
    for name in COMPLETIONS:
        figures.append(Figure.at_most(f"{name} p50", stats[name].p50, "ms", round(times * engine_p50, 2), kind,
                                      f"{times:g} × engine; {stats[name].p50 / engine_p50:.1f} ×, "
                                      f"{stats[name].p50 - stats[FLOOR].p50:.2f} over the floor; {sql(name)}"))
        figures.append(Figure.at_most(f"{name} p95", stats[name].p95, "ms", None, kind))
    total = "lifecycle: 7 calls"
    figures.append(Figure.at_most(f"{total} p50", stats[total].p50, "ms", LIFECYCLE_P50_MS.get(kind), kind,
                                  sql(total)))
    figures.append(Figure.at_most(f"{total} p95", stats[total].p95, "ms", None, kind))
    for step in LIFECYCLE_STEPS:
        figures.append(Figure.at_most(f"  lifecycle {step} p50", stats[step].p50, "ms", None, kind, sql(step)))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--requests", type=int, default=200, help="timed requests of each kind (after a warm-up)")
    parser.add_argument("--open-deadlines", type=int, default=100_000,
                        help="working-day deadlines of other objects in the table (a third open)")
    parser.add_argument("--drop-index", action="append", default=[], metavar="NAME",
                        help="what-if: drop this index after migrating (repeatable)")
    parser.add_argument("--smoke", action="store_true", help="SQLite, a few requests of each kind: does it run")
    args = parser.parse_args(argv)
    if args.smoke:
        args.db, args.requests, args.open_deadlines = "sqlite", 5, 1_000
    env = {**environment(), "open_deadlines": args.open_deadlines, "dropped_indexes": args.drop_index}
    log(f"{env}")
    figures, details = [], {}
    with LoadWatch() as load:
        for kind in database_kinds(args.db):
            kind_figures, details[kind] = run(kind, args)
            figures += kind_figures
    print_figures(f"Request budgets over gunicorn (one sync worker), {args.requests} requests of each kind; ms",
                  figures, load)
    path = write_figures("http_budgets", figures, load, args.smoke, {"environment": env, "details": details})
    log(f"results written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
