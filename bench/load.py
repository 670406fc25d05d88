"""Throughput that grows with processes: a bounded, realistic mix against gunicorn with 1, 2 and 4 workers.

The way the app scales out is more gunicorn workers (and scheduler processes) over one PostgreSQL. For each
worker count, in a fresh throwaway database loaded in this process (submitted revisions waiting for a department's
reviewer, drafts waiting to be submitted), gunicorn serves the app with that many sync workers while a separate
``flask scheduler run`` process fires timers, and ``--clients`` concurrent clients (threads, each with its own
signed-in session and its own share of the tasks and drafts, so that no two ever act on the same one) send a fixed
number of requests:

  * 70 % reads: the inbox page, a task page, the API task list, an instance's status over the API;
  * 20 % task completions: the reviewer approves a revision (the form post);
  * 10 % starts: an author submits a draft, which starts its review process;

and prints requests/s, completions/s, p95 per kind and the errors (any answer but the expected one; target 0).
Threads with a fixed request count rather than a load tool: the figures are comparable from run to run, and
the client needs nothing beyond the standard library (the sync workers close each connection anyway).

    .venv/bin/python bench/load.py                          # PostgreSQL, 1, 2 and 4 workers
    .venv/bin/python bench/load.py --workers 1,2 --requests 600
    .venv/bin/python bench/load.py --smoke                  # SQLite, one worker, a few requests
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.accounts.models import User
from app.accounts.services import accounts
from app.core.extensions import db
from app.manuals.services import manual_revisions
from app.org.models import Agency
from bench.engine import make_org, submit_revision
from bench.figures import Figure, LoadWatch, print_figures, write_figures
from bench.http_calls import APPROVE, Actor, ServerCalls, api_token
from bench.support import PASSWORD, Server, Stat, database_kinds, environment, log, make_app, new_backend
from bench.timers import start_scheduler
from tests.helpers import EDITOR_FIELDS

MIX = (("read", 0.7), ("completion", 0.2), ("start", 0.1))
READ_PATHS = ("inbox page", "task page", "API task list", "API instance status")


@dataclass
class Share:
    """What one client works on: its own tasks to read and complete, its own drafts to submit."""

    reads: list[tuple[int, int]] = field(default_factory=list)  # (instance id, task id)
    completions: list[int] = field(default_factory=list)
    drafts: list[int] = field(default_factory=list)  # manual ids


def plan(requests: int, clients: int, seed: int = 2569) -> list[list[str]]:
    """Each client's sequence of request kinds: the mix, shuffled, ``requests`` in all."""
    rng = random.Random(seed)
    per_client = requests // clients
    plans = []
    for _ in range(clients):
        kinds = [kind for kind, share in MIX for _ in range(round(per_client * share))]
        rng.shuffle(kinds)
        plans.append(kinds)
    return plans


def prepare(app, plans: list[list[str]]) -> tuple[list[Share], int]:
    """The organisation and each client's share; returns the shares and the reviewer's id."""
    org = make_org(app)
    shares = []
    with app.app_context():
        department_id = db.session.get(Agency, org.unit_id).parent_id
        writer = accounts.create_user("bench_writer", "ผู้จัดทำ (load)", PASSWORD)
        accounts.grant(writer, department_id, "manual_author")
        db.session.commit()
        for number, kinds in enumerate(plans):
            share = Share()
            share.reads = [submit_revision(org) for _ in range(max(1, kinds.count("read") // 4))]
            share.completions = [submit_revision(org)[1] for _ in range(kinds.count("completion"))]
            for draft in range(kinds.count("start")):
                share.drafts.append(manual_revisions.start_manual(
                    writer, title=f"คู่มือรอส่ง {number}-{draft}", agency_id=org.unit_id).manual_id)
            db.session.commit()
            shares.append(share)
            log(f"  client {number + 1}: {len(share.completions)} tasks to complete, {len(share.drafts)} drafts")
        db.session.remove()
    return shares, org.reviewer_id


def client_run(calls: ServerCalls, reviewer: Actor, writer: Actor, kinds: list[str], share: Share,
               errors: list[str]) -> None:
    reads, completions, drafts = 0, iter(share.completions), iter(share.drafts)
    for kind in kinds:
        try:
            if kind == "read":
                instance_id, task_id = share.reads[reads % len(share.reads)]
                path = (f"/tasks/?page={reads % 3 + 1}", f"/tasks/{task_id}", f"/api/v1/tasks?page={reads % 3 + 1}",
                        f"/api/v1/instances/{instance_id}")[reads % 4]
                reply = calls(READ_PATHS[reads % 4], reviewer, "GET", path, api="/api/" in path)
                reads += 1
                expected = 200
            elif kind == "completion":
                reply = calls("completion", reviewer, "POST", f"/tasks/{next(completions)}", form=APPROVE)
                expected = 302
            else:
                manual_id = next(drafts)
                reply = calls("start", writer, "POST", f"/manuals/{manual_id}/draft", form={
                    **EDITOR_FIELDS, "title": f"คู่มือ {manual_id}", "row_version": "", "action": "submit"})
                expected = 302
            if reply.status != expected:
                errors.append(f"{kind}: {reply.status} {reply.body[:200]!r}")
        except Exception as exc:  # noqa: BLE001 -- every failure is an error of the run, counted and shown
            errors.append(f"{kind}: {type(exc).__name__}: {exc}")


@dataclass
class Outcome:
    workers: int
    seconds: float
    stats: dict[str, Stat]
    errors: list[str]

    def per_second(self, kind: str | None = None) -> float:
        count = sum(s.n for name, s in self.stats.items() if kind is None or name == kind)
        return count / self.seconds


def run(kind: str, workers: int, args) -> Outcome:
    log(f"=== {kind}, {workers} gunicorn worker(s), {args.clients} clients, {args.requests} requests")
    backend = new_backend(kind)
    server, scheduler = None, None
    try:
        app = make_app(backend)
        plans = plan(args.requests, args.clients)
        shares, _reviewer_id = prepare(app, plans)
        with app.app_context():
            reviewer_user = db.session.scalar(db.select(User).where(User.username == "bench_reviewer"))
            token = api_token(app, reviewer_user)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        scheduler = start_scheduler(backend, 0, None)
        server = Server(backend.uri, backend.workdir, worker=("-w", str(workers)))
        calls = ServerCalls(server)
        pairs = []
        for _ in plans:  # each client a browser of its own
            reviewer, writer = Actor("bench_reviewer", token), Actor("bench_writer", "")
            calls.sign_in(reviewer)
            calls.sign_in(writer)
            pairs.append((reviewer, writer))
        calls.times.clear()
        errors: list[str] = []
        threads = [threading.Thread(target=client_run, args=(calls, reviewer, writer, kinds, share, errors))
                   for (reviewer, writer), kinds, share in zip(pairs, plans, shares, strict=True)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        if scheduler.poll() is not None:
            errors.append(f"the scheduler stopped: see {backend.workdir}")
    finally:
        if server is not None:
            server.stop()
        if scheduler is not None:
            scheduler.terminate()
            scheduler.wait(30)
        backend.drop()
    return Outcome(workers, seconds, {name: Stat(samples) for name, samples in calls.times.items()}, errors)


def figures_of(kind: str, outcomes: list[Outcome]) -> list[Figure]:
    figures = []
    for outcome in outcomes:
        label = f"load, {outcome.workers} worker{'s' if outcome.workers > 1 else ''}:"
        figures.append(Figure.at_most(f"{label} requests/s", outcome.per_second(), "/s", None, kind))
        figures.append(Figure.at_most(f"{label} completions/s", outcome.per_second("completion"), "/s", None,
                                      kind))
        for name in (*READ_PATHS, "completion", "start"):
            if name in outcome.stats:
                figures.append(Figure.at_most(f"{label} {name} p95", outcome.stats[name].p95, "ms", None, kind))
        figures.append(Figure.at_most(f"{label} errors", len(outcome.errors), "", 0, kind))
    base = next((o for o in outcomes if o.workers == 1), None)
    for outcome in outcomes:
        if base is not None and outcome.workers > 1:
            growth = outcome.per_second("completion") / max(base.per_second("completion"), 1e-9)
            figures.append(Figure.at_least(f"load: completions/s, {outcome.workers} workers over 1", growth, "×",
                                           1.0, kind, "must grow"))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="postgresql")
    parser.add_argument("--workers", default="1,2,4", help="gunicorn worker counts, comma-separated")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--requests", type=int, default=1000, help="requests in each run, all clients together")
    parser.add_argument("--smoke", action="store_true", help="SQLite, one worker, a few requests: does it run")
    args = parser.parse_args(argv)
    if args.smoke:
        args.db, args.workers, args.clients, args.requests = "sqlite", "1", 2, 40
    env = environment()
    log(f"{env}")
    figures, failed = [], False
    with LoadWatch() as load:
        for kind in database_kinds(args.db):
            outcomes = [run(kind, int(workers), args) for workers in args.workers.split(",")]
            for outcome in outcomes:
                for error in outcome.errors[:5]:
                    log(f"  error ({outcome.workers} workers): {error}")
                failed = failed or bool(outcome.errors)
            figures += figures_of(kind, outcomes)
    print_figures(f"Load: {args.clients} clients, {args.requests} requests per run (70 % reads, 20 % completions, "
                  "10 % starts), a scheduler process alongside; ms", figures, load)
    path = write_figures("load", figures, load, args.smoke, {"environment": env, "clients": args.clients,
                                                            "requests": args.requests})
    log(f"results written to {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
