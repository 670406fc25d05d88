"""Benchmarks of the workflow engine and the inbox: ``make bench``.

For SQLite and (when reachable) PostgreSQL, each in a throwaway database migrated with the
real Alembic migrations:

  (a) bare SpiffWorkflow, no database: ``engine.deserialize`` of the state an instance has right
      after a revision is submitted, complete ``review_agency`` (set data, ``task.run()``,
      ``do_engine_steps()`` under ``engine.running``), ``engine.serialize``;
  (b) the same completion through the service layer: ``inbox.complete`` + ``db.session.commit()``;
  (c) the same completion over HTTP: ``POST /tasks/<id>`` with the Flask test client, signed in;

then the inbox page at scale (``bench/inbox_scale.py``): 1,000,000 process instances, 100,000 open tasks
and about ten finished tasks per instance over 2,000+ agencies (``--scale`` shrinks them), ``GET /tasks/``
signed in, each request another tab, page or filter, for a department reviewer and a nationwide OPDC officer.

Targets: (c)/(a) <= 3; inbox page p95 <= 20 ms on PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.accounts.models import User
from app.accounts.services import accounts
from app.core.extensions import db
from app.core.workflow import HumanTask, ProcessInstance, TaskStatus
from app.inbox.services import inbox
from app.manuals.services import manual_revisions, manuals
from app.org.services import agencies
from bench.figures import Figure, LoadWatch, write_figures
from bench.inbox_scale import load_scale, measure, print_scale
from bench.support import (
    APPROVE,
    CONTENT,
    INBOX_P95_TARGET_MS,
    PASSWORD,
    RATIO_TARGET,
    ROOT,
    Stat,
    capture_statements,
    database_kinds,
    environment,
    log,
    ms,
    run_loop,
    signed_in_client,
    throwaway_app,
)
from forms import form_for
from workflows import engine, operations

# --- a small organisation for the completion benchmarks -------------------------------------------------


@dataclass
class Org:
    unit_id: int
    author_id: int
    reviewer_id: int
    reviewer_username: str
    seq: list[int] = field(default_factory=lambda: [0])


def make_org(app) -> Org:
    with app.app_context():
        ministry = agencies.create(kind="ministry", name_th="กระทรวงทดสอบสมรรถนะ")
        department = agencies.create(kind="department", name_th="กรมทดสอบสมรรถนะ", parent=ministry)
        unit = agencies.create(kind="division", name_th="สำนักทดสอบสมรรถนะ", parent=department)
        author = accounts.create_user("bench_author", "ผู้จัดทำ (bench)", None)
        accounts.grant(author, department.id, "manual_author")
        reviewer = accounts.create_user("bench_reviewer", "ผู้ตรวจสอบ (bench)", PASSWORD)
        accounts.grant(reviewer, department.id, "manual_reviewer")
        db.session.commit()
        return Org(unit.id, author.id, reviewer.id, reviewer.username)


def submit_revision(org: Org) -> tuple[int, int]:
    """A new manual with a submitted revision: (instance id, open review_agency task id). Commits."""
    org.seq[0] += 1
    author = db.session.get(User, org.author_id)
    manual = manuals.create_manual(author, title=f"คู่มือทดสอบ {org.seq[0]}", agency_id=org.unit_id)
    revision = manual_revisions.submit(author, manual, title=manual.title, content=CONTENT, change_note="bench")
    db.session.commit()
    task_id = db.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == revision.instance_id,
                                                           HumanTask.status == TaskStatus.open))
    return revision.instance_id, task_id


@contextmanager
def without_database_operations():
    """Service-task operations that would touch the database answer as they would, without it.

    On the approve path ``record_review`` reads and writes rows: it answers with the decision alone;
    ``review_deadlines`` runs for real (the working-day arithmetic) but does not write the deadlines it tracks.
    A reminder's ``remind_reviewers`` (whom to tell, the notifications) answers that nobody was told.
    """
    from app.org.services import calendar_admin

    real_get, real_track = operations.get, calendar_admin.track_deadlines
    answers = {
        "record_review": lambda ctx, step, revision_id, decision, comment="": {"decision": decision},
        "remind_reviewers": lambda ctx, step, revision_id: {"notified": 0},
    }

    def get(name):
        return answers.get(name) or real_get(name)

    operations.get = get
    calendar_admin.track_deadlines = lambda *deadlines: []
    try:
        yield
    finally:
        operations.get, calendar_admin.track_deadlines = real_get, real_track


# --- (a) bare SpiffWorkflow ---------------------------------------------------------------------------


def stand_in_for(instance: ProcessInstance) -> ProcessInstance:
    """A detached copy of what the operations read of an instance through engine.running (not its state)."""
    return ProcessInstance(id=instance.id, spec_key=instance.spec_key, process_id=instance.process_id,
                           title=instance.title, business_type=instance.business_type,
                           business_id=instance.business_id, agency_id=instance.agency_id,
                           agency_path=instance.agency_path)


def spiff_cycle(app, org: Org):
    """One bare completion cycle, to be called again and again on the same state (run it under
    ``without_database_operations()``): returns the step, which returns its timings, and the state's size.
    Checks first that the completion really moves the process on to the OPDC review."""
    with app.app_context():
        instance_id, task_id = submit_revision(org)
        instance = db.session.get(ProcessInstance, instance_id)
        task = db.session.get(HumanTask, task_id)
        state, spec_key, guid = instance.state, instance.spec_key, uuid.UUID(task.task_guid)
        stand_in = stand_in_for(instance)
        data = {task.spec_name: dict(APPROVE)}
        db.session.remove()

    def step() -> dict[str, float]:
        t0 = time.perf_counter()
        workflow = engine.deserialize(state, spec_key)
        t1 = time.perf_counter()
        spiff_task = workflow.get_task_from_id(guid)
        spiff_task.set_data(**data)
        with engine.running(stand_in, org.reviewer_id):
            spiff_task.run()
            workflow.do_engine_steps()
        t2 = time.perf_counter()
        engine.serialize(workflow)
        t3 = time.perf_counter()
        return {"total": t3 - t0, "deserialize": t1 - t0, "complete": t2 - t1, "serialize": t3 - t2}

    with app.app_context(), without_database_operations():
        workflow = engine.deserialize(state, spec_key)
        spiff_task = workflow.get_task_from_id(guid)
        assert spiff_task is not None and spiff_task.state == TaskState.READY, "review_agency not ready"
        spiff_task.set_data(**data)
        with engine.running(stand_in, org.reviewer_id):
            spiff_task.run()
            workflow.do_engine_steps()
        ready = [t.task_spec.name for t in workflow.get_tasks(state=TaskState.READY, manual=True)]
        assert ready == ["review_opdc"], ready
    return step, len(state)


def bench_spiff(app, org: Org, iterations: int, max_seconds: float) -> tuple[dict[str, Stat], int]:
    step, state_bytes = spiff_cycle(app, org)
    with app.app_context(), without_database_operations():
        stats = run_loop("(a) bare SpiffWorkflow", step, iterations=iterations, max_seconds=max_seconds)
    return stats, state_bytes


# --- (b) service layer + database -----------------------------------------------------------------------


def bench_service(app, org: Org, iterations: int, max_seconds: float) -> tuple[dict[str, Stat], int]:
    def step() -> dict[str, float]:
        with app.test_request_context(base_url="http://localhost"):
            _, task_id = submit_revision(org)
            db.session.remove()  # what a request sees: a fresh session with the user and the task loaded
            user = db.session.get(User, org.reviewer_id)
            [m.agency.path for m in user.memberships]
            task = db.session.get(HumanTask, task_id)
            form = form_for(task.form_key)(formdata=MultiDict(APPROVE), meta={"csrf": False})
            assert form.validate(), form.errors
            with capture_statements() if counting else nullcontext() as statements:
                t0 = time.perf_counter()
                inbox.complete(user, task, form.answer())
                db.session.commit()
                t1 = time.perf_counter()
            if statements is not None:
                queries.append(len(statements))
            assert task.status == TaskStatus.completed
            return {"total": t1 - t0}

    counting, queries = False, []
    stats = run_loop("(b) inbox.complete + commit", step, iterations=iterations, max_seconds=max_seconds)
    counting = True
    step()
    return stats, queries[0]


# --- (c) HTTP ---------------------------------------------------------------------------------------------


def bench_http(app, org: Org, iterations: int, max_seconds: float) -> tuple[dict[str, Stat], int]:
    client = signed_in_client(app, org.reviewer_username)
    last = [0]

    def step() -> dict[str, float]:
        with app.app_context():
            _, task_id = submit_revision(org)
        with capture_statements() if counting else nullcontext() as statements:
            t0 = time.perf_counter()
            response = client.post(f"/tasks/{task_id}", data=APPROVE)
            t1 = time.perf_counter()
        if statements is not None:
            queries.append(len(statements))
        assert response.status_code == 302 and response.location.rstrip("/").endswith("/tasks"), (
            response.status_code, response.location)
        last[0] = task_id
        return {"total": t1 - t0}

    counting, queries = False, []
    stats = run_loop("(c) POST /tasks/<id>", step, iterations=iterations, max_seconds=max_seconds)
    counting = True
    step()
    with app.app_context():
        assert db.session.get(HumanTask, last[0]).status == TaskStatus.completed
    return stats, queries[0]



# --- the run ------------------------------------------------------------------------------------------------


def run_backend(kind: str, args, results: dict) -> None:
    res = results.setdefault(kind, {})
    with throwaway_app(kind, tuple(args.drop_index)) as (app, backend):
        if args.drop_index:
            log(f"  dropped after migrating (what-if): {', '.join(args.drop_index)}")
        log(f"  {backend.uri.split('@')[-1] if kind == 'postgresql' else backend.uri}")
        org = make_org(app)
        stats_a, state_len = bench_spiff(app, org, args.iterations * 2, args.max_seconds)
        res["a"] = {k: v.as_dict() for k, v in stats_a.items()}
        res["state_bytes"] = state_len
        stats_b, res["queries_b"] = bench_service(app, org, args.iterations, args.max_seconds)
        res["b"] = {k: v.as_dict() for k, v in stats_b.items()}
        stats_c, res["queries_c"] = bench_http(app, org, args.iterations, args.max_seconds)
        res["c"] = {k: v.as_dict() for k, v in stats_c.items()}
        a, b, c = stats_a["total"].p50, stats_b["total"].p50, stats_c["total"].p50
        res["ratios"] = {"b/a": round(b / a, 2), "c/a": round(c / a, 2), "c/b": round(c / b, 2)}
        log(f"  medians: (a) {a:.2f} ms, (b) {b:.2f} ms, (c) {c:.2f} ms; (b)/(a) {b / a:.2f}, (c)/(a) {c / a:.2f}")

        if args.skip_scale or (kind == "sqlite" and args.skip_sqlite_scale):
            return
        loaded = load_scale(app, backend, args.scale)
        res["inbox"] = measure(app, backend, loaded, iterations=args.inbox_iterations, max_seconds=args.max_seconds,
                               plans=args.explain, vacuum_too=not args.no_vacuum)


def print_report(results: dict, env: dict, load_before: tuple, load_after: tuple) -> None:
    print()
    print("=" * 100)
    print("RatchaFlow engine benchmark — one task completion (review_agency, approve); times in ms")
    print("  " + ", ".join(f"{k} {v}" for k, v in env.items() if k != "dropped_indexes"))
    print(f"  load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min) — "
          "other work on this machine skews the figures")
    if env.get("dropped_indexes"):
        print(f"  WHAT-IF RUN: dropped after migrating: {', '.join(env['dropped_indexes'])}")
    print("=" * 100)
    header = f"{'scenario':44} {'db':10} {'n':>5} {'p50':>8} {'p95':>8} {'mean':>8}"
    print(header)
    print("-" * len(header))
    names = {"a": "(a) bare Spiff: deserialize+complete+serialize", "b": "(b) inbox.complete + commit",
             "c": "(c) HTTP POST /tasks/<id> (test client)"}
    for key in ("a", "b", "c"):
        for kind, res in results.items():
            if key not in res:
                continue
            s = res[key]["total"]
            queries = f"  [{res['queries_' + key]} SQL statements]" if "queries_" + key in res else ""
            print(f"{names[key]:44} {kind:10} {s['n']:5d} {ms(s['p50_ms'])} {ms(s['p95_ms'])} {ms(s['mean_ms'])}"
                  f"{queries}")
        if key == "a":
            for kind, res in results.items():
                if "a" in res:
                    parts = ", ".join(f"{p} {res['a'][p]['p50_ms']:.2f}" for p in ("deserialize", "complete",
                                                                                   "serialize"))
                    print(f"{'    of which (p50)':44} {kind:10} {parts}  [state {res['state_bytes']:,} bytes]")
    print()
    print(f"{'ratios of medians':44} {'db':10} {'(b)/(a)':>8} {'(c)/(a)':>8} {'(c)/(b)':>8}  "
          f"target (c)/(a) <= {RATIO_TARGET:g}")
    for kind, res in results.items():
        if "ratios" in res:
            r = res["ratios"]
            verdict = "PASS" if r["c/a"] <= RATIO_TARGET else "FAIL"
            print(f"{'':44} {kind:10} {r['b/a']:8.2f} {r['c/a']:8.2f} {r['c/b']:8.2f}  {verdict}")
    for kind, res in results.items():
        if res.get("inbox"):
            print_scale(kind, res["inbox"])
    print("=" * 100, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of the full inbox data set (1.0 = 1,000,000 instances, 100,000 open tasks)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--iterations", type=int, default=100, help="iterations for (b) and (c); (a) runs twice as many")
    parser.add_argument("--inbox-iterations", type=int, default=200)
    parser.add_argument("--max-seconds", type=float, default=60.0, help="time limit of each timing loop")
    parser.add_argument("--skip-scale", action="store_true", help="only the completion benchmarks")
    parser.add_argument("--skip-sqlite-scale", action="store_true")
    parser.add_argument("--no-vacuum", action="store_true", help="PostgreSQL: measure only after ANALYZE")
    parser.add_argument("--explain", action="store_true", help="print the inbox query plans")
    parser.add_argument("--drop-index", action="append", default=[], metavar="NAME",
                        help="drop this index after migrating, to compare with the schema without it (repeatable)")
    parser.add_argument("--smoke", action="store_true", help="the smallest data and a few iterations: does it run")
    parser.add_argument("--json", type=Path, help="also write the detailed results here")
    args = parser.parse_args(argv)
    if args.smoke:  # the inbox at scale on SQLite too is inbox_scale.py's smoke run
        args.scale, args.iterations, args.inbox_iterations, args.max_seconds = 0.0, 5, 5, 5.0
        args.skip_sqlite_scale = True

    kinds = database_kinds(args.db)
    results: dict = {}
    env = {**environment(), "dropped_indexes": args.drop_index}
    load_before = os.getloadavg()
    log(f"load average {load_before[0]:.2f}; {env}")
    with LoadWatch() as load:
        for kind in kinds:
            run_backend(kind, args, results)
    load_after = os.getloadavg()
    results["environment"] = {**env, "loadavg_before": load_before[0], "loadavg_after": load_after[0],
                              "dropped_indexes": args.drop_index, "scale": args.scale}
    by_kind = {k: v for k, v in results.items() if k != "environment"}
    print_report(by_kind, env, load_before, load_after)
    path = write_figures("engine", figures_of(by_kind), load, args.smoke, {"details": results})
    log(f"results written to {path}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


def figures_of(results: dict) -> list[Figure]:
    """The report's figures for ``make bench``'s table: the three completions and their ratio, the inbox at
    scale."""
    figures = []
    for kind, res in results.items():
        a, b, c = (res[key]["total"]["p50_ms"] for key in ("a", "b", "c"))
        figures += [Figure.at_most("engine (a) bare SpiffWorkflow cycle p50", a, "ms", None, kind),
                    Figure.at_most("engine (b) inbox.complete + commit p50", b, "ms", None, kind,
                                   f"{res['queries_b']} SQL statements"),
                    Figure.at_most("engine (c) POST /tasks/<id>, test client p50", c, "ms", None, kind,
                                   f"{res['queries_c']} SQL statements"),
                    Figure.at_most("engine (c)/(a)", res["ratios"]["c/a"], "×", RATIO_TARGET, kind)]
        for tag in ("after ANALYZE", "after VACUUM"):
            for label, row in (res.get("inbox") or {}).get(tag, {}).items():
                target = INBOX_P95_TARGET_MS if kind == "postgresql" else None
                figures.append(Figure.at_most(f"inbox at scale, {label}, {tag} p95", row["page"]["p95_ms"], "ms",
                                              target, kind, f"{res['inbox']['instances']:,} instances"))
    return figures


if __name__ == "__main__":
    sys.exit(main())
