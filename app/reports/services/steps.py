"""The approval steps of citizen manuals, summed per month and agency of the tree (``report_step_tally``).

A step's hours go into a histogram (``BUCKET_HOURS``: the upper edges), so that the median and the 90th
percentile of any scope and period come from a few summed rows: the report gives the upper edge of the bucket the
percentile falls in ("at most N hours"). Returns come from each review's recorded decision. The job recomputes the
current and the previous month; ``rebuild`` every month.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, func, insert, select

from app.core.extensions import db
from app.core.thai_dates import bangkok_day
from app.core.types import utcnow
from app.core.workflow import AuditEvent, HumanTask, ProcessInstance, TaskStatus
from app.reports.models import StepTally
from workflows.calendar import BANGKOK

PROCESS_ID = "manual_revision"
STEPS = ("review_agency", "review_opdc", "revise")
REVIEWS = ("review_agency", "review_opdc")
BUCKET_HOURS = (1, 2, 4, 8, 12, 24, 36, 48, 72, 96, 120, 168, 240, 336, 504, 720, 1440, 2880, 10**6)
RETURNS = -1  # the bucket of the returns' row
BATCH = 20_000


def bucket_of(hours: float) -> int:
    return min(bisect_left(BUCKET_HOURS, hours), len(BUCKET_HOURS) - 1)


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (datetime.combine(month, time.min, tzinfo=BANGKOK), datetime.combine(following, time.min, tzinfo=BANGKOK))


def _ancestors(path: str):
    return (None, *(int(part) for part in path.strip("/").split("/") if part))


def _month_of(moment: datetime) -> date:
    return bangkok_day(moment).replace(day=1)


def recompute(month: date, last: date | None = None) -> None:
    """The tallies of the months from ``month`` to ``last`` (the same by default), from the tasks completed in them,
    in one pass over the tasks whatever the number of months; flushes."""
    last = last or month
    start, end = _month_bounds(month)[0], _month_bounds(last)[1]
    counts: dict[tuple[date, int | None, str, int], int] = defaultdict(int)
    for step, path, created_at, completed_at in db.session.execute(
            select(HumanTask.spec_name, HumanTask.agency_path, HumanTask.created_at, HumanTask.completed_at)
            .where(HumanTask.process_id == PROCESS_ID, HumanTask.status == TaskStatus.completed,
                   HumanTask.spec_name.in_(STEPS), HumanTask.completed_at >= start, HumanTask.completed_at < end)
            .execution_options(yield_per=BATCH)):
        bucket = bucket_of((completed_at - created_at).total_seconds() / 3600)
        for agency_id in _ancestors(path):
            counts[(_month_of(completed_at), agency_id, step, bucket)] += 1
    for step, path, after, occurred_at in db.session.execute(
            select(AuditEvent.task_name, ProcessInstance.agency_path, AuditEvent.after, AuditEvent.occurred_at)
            .join(ProcessInstance, ProcessInstance.id == AuditEvent.instance_id)
            .where(AuditEvent.action == "task.completed", AuditEvent.task_name.in_(REVIEWS),
                   AuditEvent.occurred_at >= start, AuditEvent.occurred_at < end,
                   ProcessInstance.process_id == PROCESS_ID).execution_options(yield_per=BATCH)):
        decided = after.get(step) if isinstance(after, dict) else None  # the task's data, under its step's name
        if isinstance(decided, dict) and decided.get("decision") == "return":
            for agency_id in _ancestors(path):
                counts[(_month_of(occurred_at), agency_id, step, RETURNS)] += 1
    db.session.execute(delete(StepTally).where(StepTally.month >= month, StepTally.month <= last))
    now = utcnow()
    rows = [{"month": when, "agency_id": agency_id, "step": step, "bucket": bucket, "tasks": tasks,
             "computed_at": now} for (when, agency_id, step, bucket), tasks in counts.items()]
    for first in range(0, len(rows), BATCH):
        db.session.execute(insert(StepTally), rows[first:first + BATCH])
    db.session.flush()


def refresh() -> int:
    """The current and the previous month (a task completed just before midnight is counted by the next run)."""
    this_month = bangkok_day(utcnow()).replace(day=1)
    previous = (this_month - timedelta(days=1)).replace(day=1)
    recompute(previous, this_month)
    return 2


def rebuild() -> int:
    first = db.session.scalar(select(func.min(HumanTask.completed_at)).where(HumanTask.process_id == PROCESS_ID))
    if first is None:
        return 0
    month, last = _month_of(first), bangkok_day(utcnow()).replace(day=1)
    recompute(month, last)
    return (last.year - month.year) * 12 + last.month - month.month + 1


def percentile_hours(histogram: dict[int, int], fraction: float) -> int | None:
    """The upper edge (hours) of the bucket the percentile falls in; None when no task was counted."""
    total = sum(histogram.values())
    if not total:
        return None
    rank, seen = fraction * total, 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return BUCKET_HOURS[bucket]
    return BUCKET_HOURS[-1]
