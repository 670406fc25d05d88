"""Timers at scale: many due timers fired by two scheduler processes at once, each exactly once.

In a throwaway database migrated with the real migrations: ``--timers`` manual revisions submitted in the past, so
that each review's reminder timer (3 working days) is due now and its escalation timer (5 working days) is not.
Then two ``flask scheduler run`` processes start side by side, as deployed (the timer job every second), and the
benchmark watches the database until no timer is due:

  * the time from the first timer fired to the last (target: 10,000 timers within 20 s on PostgreSQL), and with
    the processes' start-up;
  * that every reminder fired exactly once (one audit event per instance), none twice, and no escalation early;
  * the floor: the bare engine cycle of one reminder (its state read, the timer fired, the diagram run on, the
    state written; no database, the reminder's operation answering that nobody was told), against what each
    timer cost a scheduler process (processes x seconds / timers).

    .venv/bin/python bench/timers.py                     # 10,000 timers on PostgreSQL
    .venv/bin/python bench/timers.py --db sqlite --timers 2000
    .venv/bin/python bench/timers.py --smoke             # 20 timers: does it run

The tests run it small at the suite's moment (``tests/engine/test_timer_processes.py``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import time_machine
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import AuditEvent, InstanceStatus, ProcessInstance
from bench.engine import make_org, stand_in_for, submit_revision, without_database_operations
from bench.figures import Figure, LoadWatch, write_figures
from bench.support import Backend, Stat, database_kinds, environment, log, make_app, new_backend
from workflows import engine
from workflows.calendar import add_working_days

TARGET_SECONDS = 20.0
TARGET_TIMERS = 10_000
REMINDER, ESCALATION = "notify_agency_reminder", "notify_agency_escalation"


@dataclass
class Outcome:
    timers: int
    seconds_from_first: float  # from the first timer fired to the last
    seconds_with_start: float  # from starting the processes to the last timer fired
    fired_once: int
    fired_twice: int
    escalated_early: int
    processes: int = 2
    cycle_ms: float = 0.0  # the bare engine cycle of one reminder, p50

    @property
    def ms_per_timer(self) -> float:
        """What one timer cost a scheduler process, start-up left out."""
        return 1000 * self.seconds_from_first * self.processes / max(self.timers, 1)

    @property
    def exactly_once(self) -> bool:
        return self.fired_once == self.timers and self.fired_twice == 0 and self.escalated_early == 0


def submitted_at(now: datetime) -> datetime:
    """A moment whose reminder (3 working days on) is due by ``now`` and whose escalation (5) is not."""
    for days_back in range(3, 30):
        moment = now - timedelta(days=days_back)
        if add_working_days(moment, 3) <= now < add_working_days(moment, 5):
            return moment
    raise RuntimeError("no moment with only the reminder due")


def load(app, timers: int) -> None:
    """``timers`` revisions in review, submitted so that only their reminders are due now."""
    with app.app_context():
        org = make_org(app)
        moment = submitted_at(utcnow())
        with time_machine.travel(moment, tick=False):
            for number in range(timers):
                submit_revision(org)
                if number % 500 == 499:
                    log(f"  {number + 1:,} revisions submitted")
        db.session.remove()


def reminder_cycle(app, cycles: int = 200) -> float:
    """The bare engine cycle of one due reminder, p50 in ms, on one loaded instance's state again and again."""
    with app.app_context():
        instance = db.session.scalars(select(ProcessInstance).where(ProcessInstance.next_timer_at <= utcnow())
                                      .limit(1)).one()
        state, spec_key, stand_in = instance.state, instance.spec_key, stand_in_for(instance)
        db.session.remove()

    def cycle():
        started = time.perf_counter()
        workflow = engine.deserialize(state, spec_key)
        with engine.running(stand_in, None):
            workflow.refresh_timers()
            workflow.do_engine_steps()
        engine.serialize(workflow)
        return time.perf_counter() - started, workflow

    with app.app_context(), without_database_operations():
        _seconds, workflow = cycle()
        done = {getattr(task.task_spec, "bpmn_id", None) for task in workflow.get_tasks(state=TaskState.COMPLETED)}
        assert REMINDER in done, "the reminder did not fire"
        stat = Stat([cycle()[0] for _ in range(cycles)])
        db.session.remove()
    return stat.p50


def _due(now: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.next_timer_at <= now, ProcessInstance.status.in_(InstanceStatus.OPEN))) or 0


def start_scheduler(backend: Backend, number: int, moment: datetime | None) -> subprocess.Popen:
    """``flask scheduler run`` on the database, the timer job every second; at ``moment`` (the clock ticking on)
    when given, else on the real clock."""
    settings = os.environ | {"DATABASE_URL": backend.uri, "SECRET_KEY": "bench-secret", "SCHEDULER_IN_PROCESS": "0",
                             "SCHEDULER_TIMER_INTERVAL_SECONDS": "1", "SCHEDULER_OUTBOX_INTERVAL_SECONDS": "3600",
                             "FLASK_APP": "wsgi.py"}
    settings.pop("REDIS_URL", None)
    settings.pop("MAIL_SERVER", None)
    clock = (f"import time_machine; time_machine.travel({moment.isoformat()!r}, tick=True).start(); "
             if moment else "")
    code = clock + "import sys; from flask.cli import main; sys.argv = ['flask', 'scheduler', 'run']; main()"
    log_file = open(backend.workdir / f"scheduler-{number}.log", "w")
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=settings, stdout=log_file,
                            stderr=subprocess.STDOUT)


def fire(app, backend: Backend, timers: int, moment: datetime | None = None, processes: int = 2,
         give_up_seconds: float = 300) -> Outcome:
    """Start the schedulers, wait until no timer is due, stop them, and check what fired."""
    with app.app_context():
        now = utcnow() if moment is None else moment
        assert _due(now) == timers, (_due(now), timers)
        db.session.remove()
    started = time.perf_counter()
    schedulers = [start_scheduler(backend, number, moment) for number in range(processes)]
    first = None
    try:
        with app.app_context():
            while True:
                due = _due(utcnow() if moment is None else moment + timedelta(seconds=time.perf_counter() - started))
                db.session.remove()
                if first is None and due < timers:
                    first = time.perf_counter()
                if due == 0:
                    break
                if time.perf_counter() - started > give_up_seconds:
                    raise RuntimeError(f"{due} timers still due after {give_up_seconds:.0f} s: see {backend.workdir}")
                if any(s.poll() is not None for s in schedulers):
                    raise RuntimeError(f"a scheduler stopped: see {backend.workdir}")
                time.sleep(0.05)
        finished = time.perf_counter()
    finally:
        for scheduler in schedulers:
            scheduler.terminate()
        for scheduler in schedulers:
            try:
                scheduler.wait(30)
            except subprocess.TimeoutExpired:
                scheduler.kill()
    with app.app_context():
        fired = db.session.execute(select(AuditEvent.instance_id, AuditEvent.task_name, func.count())
                                   .where(AuditEvent.action == "step.completed",
                                          AuditEvent.task_name.in_((REMINDER, ESCALATION)))
                                   .group_by(AuditEvent.instance_id, AuditEvent.task_name)).all()
        db.session.remove()
    return Outcome(
        timers=timers, seconds_from_first=finished - (first or finished), seconds_with_start=finished - started,
        fired_once=sum(1 for _i, name, count in fired if name == REMINDER and count == 1),
        fired_twice=sum(1 for _i, _name, count in fired if count > 1),
        escalated_early=sum(1 for _i, name, _count in fired if name == ESCALATION))


def run(kind: str, timers: int) -> Outcome:
    backend = new_backend(kind)
    try:
        app = make_app(backend)
        log(f"=== {kind}: {timers:,} review reminders due")
        load(app, timers)
        cycle_ms = reminder_cycle(app, cycles=min(200, timers))  # a smoke run's 20 are enough to see it run
        outcome = fire(app, backend, timers)
        outcome.cycle_ms = cycle_ms
        with app.app_context():
            db.engine.dispose()
        return outcome
    finally:
        backend.drop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="postgresql")
    parser.add_argument("--timers", type=int, default=TARGET_TIMERS)
    parser.add_argument("--smoke", action="store_true", help="20 timers on SQLite: does it run")
    args = parser.parse_args()
    kinds = ["sqlite"] if args.smoke else database_kinds(args.db)
    timers = 20 if args.smoke else args.timers
    env = environment()
    ok = True
    figures = []
    with LoadWatch() as load:
        for kind in kinds:
            load_before = os.getloadavg()[0]
            outcome = run(kind, timers)
            figures += figures_of(kind, outcome)
            met = outcome.seconds_from_first <= TARGET_SECONDS * timers / TARGET_TIMERS
            ok = ok and outcome.exactly_once
            print(f"\n{kind}: {timers:,} due timers, two scheduler processes (load average {load_before:.1f} before)")
            print(f"  fired in {outcome.seconds_from_first:.1f} s from the first to the last "
                  f"({outcome.seconds_with_start:.1f} s with the processes' start-up); "
                  f"{timers / max(outcome.seconds_from_first, 1e-6):,.0f} timers/s; target {TARGET_SECONDS:.0f} s for "
                  f"{TARGET_TIMERS:,}: {'met' if met else 'NOT met'}")
            print(f"  exactly once: {outcome.fired_once:,} reminders once, {outcome.fired_twice} twice, "
                  f"{outcome.escalated_early} escalations early: {'yes' if outcome.exactly_once else 'NO'}")
            print(f"  each timer cost a scheduler process {outcome.ms_per_timer:.2f} ms; the bare engine cycle of one "
                  f"reminder {outcome.cycle_ms:.2f} ms ({outcome.ms_per_timer / outcome.cycle_ms:.1f} x); the cycles "
                  f"alone, {outcome.processes} processes: {timers * outcome.cycle_ms / outcome.processes / 1000:.1f} s")
    print(f"\n{env['cpus']} cores, Python {env['python']}, PostgreSQL {env['postgresql']}, SQLite {env['sqlite']}")
    write_figures("timers", figures, load, args.smoke, {"environment": env})
    return 0 if ok else 1


def figures_of(kind: str, outcome: Outcome) -> list[Figure]:
    """The run's figures for ``make bench``'s table: the time target scaled to the number of timers, from a
    thousand on (below that the scheduler's one-second tick is most of it)."""
    timers = outcome.timers
    target = round(TARGET_SECONDS * timers / TARGET_TIMERS, 2) if timers >= 1000 else None
    return [
        Figure.at_most(f"timers: {timers:,} due, two schedulers, first to last", outcome.seconds_from_first, "s",
                       target, kind,
                       f"{timers / max(outcome.seconds_from_first, 1e-6):,.0f} timers/s"),
        Figure.at_most(f"timers: {timers:,} due, with the processes' start-up", outcome.seconds_with_start, "s",
                       None, kind),
        Figure.at_most("timers: fired twice, or escalated early", outcome.fired_twice + outcome.escalated_early, "",
                       0, kind),
        Figure.at_least("timers: reminders fired exactly once", outcome.fired_once, "", timers, kind),
        Figure.at_most("timers: each timer in a scheduler process", outcome.ms_per_timer, "ms", None, kind,
                       f"{outcome.ms_per_timer / outcome.cycle_ms:.1f} × the bare engine cycle"),
        Figure.at_most("timers: bare engine cycle of one reminder p50", outcome.cycle_ms, "ms", None, kind,
                       f"{outcome.processes} processes' floor for {timers:,}: "
                       f"{timers * outcome.cycle_ms / outcome.processes / 1000:.1f} s"),
    ]


if __name__ == "__main__":
    sys.exit(main())
