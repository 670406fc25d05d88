"""Where a task completion's time goes: each stage of a review approval over the API, timed as it runs.

In a throwaway database migrated with the real migrations (the organisation and the submitted revisions of
``bench/http_budgets.py``), the department's reviewer approves ``--requests`` revisions, each another one, through
the Flask test client with an API token (``POST /api/v1/tasks/<id>/complete``), while the stages below are timed
by wrapping the functions that do them (real time, not a profiler's, which doubles what Python costs):

  * the caller's token and account (one query with the account's memberships);
  * the task's row with its instance's columns, and the policy's check;
  * the instance's state read and deserialized (the part of it that is the engine's: deserialize);
  * the engine's run: the task completed and the process run on, with the service tasks the review calls (the
    review's record and its deadlines: their statements included) shown apart;
  * the save: serializing the workflow, then the ORM's flush of the instance, the revision, the completed task
    and the next one (what SQLite or PostgreSQL itself spends on those statements shown apart);
  * the held rows (audit events, deadlines) written in one INSERT per table;
  * the commit (durable: on SQLite ``synchronous=FULL``, the WAL on disk before the answer);
  * the answer's JSON; and the rest (Flask, the request's JSON and the form's checks of it, the savepoint).

Mean ms per completion (means add up to the total; the total's p50 is shown too), beside the bare engine cycle of
``bench/engine.py``'s (a), measured in the same run, and the target a completion is held to: 3 x that cycle on
SQLite, 4 x on PostgreSQL (over HTTP, ``bench/http_budgets.py``; here without the HTTP server).

    .venv/bin/python bench/completion_stages.py                  # both databases, 300 completions
    .venv/bin/python bench/completion_stages.py --db sqlite --requests 100
    .venv/bin/python bench/completion_stages.py --smoke
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event

from bench.engine import spiff_cycle, without_database_operations
from bench.figures import Figure, LoadWatch, print_figures, write_figures
from bench.http_budgets import COMPLETION_TIMES_ENGINE, prepare
from bench.http_calls import APPROVE
from bench.support import Stat, database_kinds, environment, log, make_app, new_backend, signed_in_client

WARMUP = 20


class Stages:
    """Inclusive real time spent in each wrapped function during one request, and the database's own time."""

    def __init__(self):
        self.now: dict[str, float] = defaultdict(float)
        self.runs: list[dict[str, float]] = []

    def timed(self, owner, attribute: str, stage: str):
        real = getattr(owner, attribute)

        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                self.now[stage] += time.perf_counter() - started

        setattr(owner, attribute, wrapper)
        return real

    @contextmanager
    def request(self):
        self.now.clear()
        started = time.perf_counter()
        yield
        self.now["total"] = time.perf_counter() - started
        self.runs.append(dict(self.now))


@contextmanager
def wrapped(stages: Stages, engine):
    """The stage functions wrapped for the run, put back after."""
    import app.core.api as api
    import app.core.held_rows as held_rows
    import app.inbox.views.api as inbox_api
    from app.core.extensions import db
    from workflows.engine import specs, work
    from workflows.engine.scripting import _ScriptEngine

    targets = [(api, "_authenticate", "token and account"), (inbox_api, "_task_or_404", "task row"),
               (work, "load", "load"), (specs, "deserialize", "deserialize"),
               (work.Work, "_finish", "unit of work"), (_ScriptEngine, "call_service", "service tasks"),
               (work, "save", "save"), (specs, "serialize", "serialize"), (held_rows, "write", "held rows"),
               (type(db.session), "commit", "commit"), (inbox_api, "task_json", "answer JSON")]
    originals = [(owner, attribute, stages.timed(owner, attribute, stage)) for owner, attribute, stage in targets]

    in_flush = [False]

    def flush_began(session, context, instances):
        in_flush[0] = True

    def flush_ended(session, context):
        in_flush[0] = False

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["stage_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        spent = time.perf_counter() - conn.info.pop("stage_started", time.perf_counter())
        stages.now["database in flush" if in_flush[0] else "database elsewhere"] += spent

    from sqlalchemy.orm import Session

    listeners = [(Session, "before_flush", flush_began), (Session, "after_flush_postexec", flush_ended),
                 (engine, "before_cursor_execute", before), (engine, "after_cursor_execute", after)]
    for target, name, function in listeners:
        event.listen(target, name, function)
    try:
        yield
    finally:
        for target, name, function in listeners:
            event.remove(target, name, function)
        for owner, attribute, real in originals:
            setattr(owner, attribute, real)


def breakdown(run: dict[str, float]) -> dict[str, float]:
    """One request's disjoint parts, in seconds."""
    get = run.get
    engine_run = get("unit of work", 0) - get("load", 0) - get("save", 0)
    parts = {
        "the caller's token and account": get("token and account", 0),
        "the task's row, the policy's check": get("task row", 0),
        "the state read": get("load", 0) - get("deserialize", 0),
        "the state deserialized": get("deserialize", 0),
        "the engine's run, less its service tasks": engine_run - get("service tasks", 0),
        "the service tasks (review record, deadlines)": get("service tasks", 0),
        "the state serialized": get("serialize", 0),
        "the save's flush (instance, revision, tasks)": get("save", 0) - get("serialize", 0),
        "the held rows (audit, deadlines): one INSERT each": get("held rows", 0),
        "the commit": get("commit", 0),
        "the answer's JSON": get("answer JSON", 0),
    }
    parts["the rest: Flask, the request's JSON, the form"] = run["total"] - sum(parts.values())
    return parts


def run(kind: str, args) -> tuple[list[Figure], dict]:
    log(f"=== {kind}")
    backend = new_backend(kind)
    try:
        app = make_app(backend)
        org, pairs, actors, _department = prepare(app, args.requests + WARMUP)
        engine_cycle, _state_bytes = spiff_cycle(app, org)
        reviewer = actors["bench_reviewer"]
        client = signed_in_client(app, reviewer.username)
        headers = {"Authorization": f"Bearer {reviewer.token}"}
        stages, engine_times = Stages(), []
        with app.app_context():
            from app.core.extensions import db

            database = db.engine
        log(f"  {args.requests} approvals over the API, each stage timed")
        with wrapped(stages, database):
            for number, (_instance, task_id) in enumerate(pairs):
                with stages.request():
                    response = client.post(f"/api/v1/tasks/{task_id}/complete", json=APPROVE, headers=headers)
                assert response.status_code == 200, response.get_data(as_text=True)[:300]
                with app.app_context(), without_database_operations():
                    engine_times.append(engine_cycle()["total"])
                if number < WARMUP:
                    stages.runs.clear()
                    engine_times.clear()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        backend.drop()
    return figures_of(kind, stages.runs, Stat(engine_times).p50), {"requests": len(stages.runs)}


def figures_of(kind: str, runs: list[dict[str, float]], engine_p50: float) -> list[Figure]:
    parts = [breakdown(run) for run in runs]
    mean = {name: 1000 * sum(part[name] for part in parts) / len(parts) for name in parts[0]}
    total = Stat([run["total"] for run in runs])
    in_flush = 1000 * sum(run.get("database in flush", 0) for run in runs) / len(runs)
    elsewhere = 1000 * sum(run.get("database elsewhere", 0) for run in runs) / len(runs)
    times = COMPLETION_TIMES_ENGINE[kind]
    figures = [
        Figure.at_most("bare engine cycle (no database) p50", engine_p50, "ms", None, kind),
        Figure.at_most("completion over the API, test client p50", total.p50, "ms", round(times * engine_p50, 2),
                       kind, f"{times:g} × engine, without HTTP; {total.p50 / engine_p50:.1f} ×; "
                             f"mean {total.mean:.2f} ms, the stages below"),
    ]
    for name, value in mean.items():
        note = {"the save's flush (instance, revision, tasks)": f"of it the database itself {in_flush:.2f}",
                "the rest: Flask, the request's JSON, the form": "what no stage above holds"}.get(name, "")
        figures.append(Figure.at_most(f"  {name}", value, "ms", None, kind, note))
    figures.append(Figure.at_most("  the database itself, outside the flush (all statements)", elsewhere, "ms",
                                  None, kind, "inside the stages above"))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--requests", type=int, default=300, help="timed completions (after a warm-up)")
    parser.add_argument("--smoke", action="store_true", help="SQLite, a few completions: does it run")
    args = parser.parse_args(argv)
    if args.smoke:
        args.db, args.requests = "sqlite", 10
    figures, details = [], {}
    with LoadWatch() as load:
        for kind in database_kinds(args.db):
            kind_figures, details[kind] = run(kind, args)
            figures += kind_figures
    print_figures(f"Where a completion's time goes: {args.requests} review approvals over the API (test client); "
                  "mean ms of each stage", figures, load)
    path = write_figures("completion_stages", figures, load, args.smoke, {"environment": environment(),
                                                                          "details": details})
    log(f"results written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
