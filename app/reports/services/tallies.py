"""The licence figures summed per agency of the tree, per period (``report_licence_tally``).

A service point's row counts at the point, at each of its ancestors (read off its materialized path) and in the
nation's row (``agency_id`` NULL), so a report of any subtree reads the rows of the agencies it shows. Each is kept
at four grains, so that a view reads only the rows its filters need: by province and process, by province alone
(``process_id`` 0), by process alone (``province`` "*") and in all (both). The job rebuilds a period's sums when a figure of
that period changed after they were computed; ``rebuild`` does every period (after agencies moved).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import delete, func, insert, select

from app.core.extensions import db
from app.core.types import utcnow
from app.licensing.models import LicenceReport
from app.org.models import Agency
from app.ratings.services import report_choices
from app.reports.models import LicenceTally

BATCH = 20_000
ALL_PROVINCES = "*"
ALL_PROCESSES = 0
FIGURES = ("received", "approved", "refused", "pending")


def provinces() -> list[str]:
    """Every province a tally row may name: the agencies' (as ``_recompute`` writes them) and none ("")."""
    return sorted({"", *((name or "").strip()[:100] for name in report_choices.provinces())})


def stale_periods() -> list[int]:
    """Periods with a figure changed since their sums were computed (or never summed)."""
    changed = dict(db.session.execute(select(LicenceReport.period_id, func.max(LicenceReport.updated_at))
                                      .group_by(LicenceReport.period_id)).all())
    computed = dict(db.session.execute(select(LicenceTally.period_id, func.min(LicenceTally.computed_at))
                                       .group_by(LicenceTally.period_id)).all())
    return sorted(period for period, moment in changed.items()
                  if period not in computed or moment > computed[period])


def refresh(period_ids: Iterable[int] | None = None) -> int:
    """Recompute the sums of these periods (the stale ones by default); flushes. Returns the periods redone."""
    periods = sorted(stale_periods() if period_ids is None else set(period_ids))
    for period_id in periods:
        _recompute(period_id)
    return len(periods)


def rebuild() -> int:
    return refresh(db.session.scalars(select(LicenceReport.period_id).distinct()).all())


def _recompute(period_id: int) -> None:
    now = utcnow()
    sums: dict[tuple[int | None, str, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    query = (select(Agency.path, Agency.province, LicenceReport.process_id,
                    *(getattr(LicenceReport, name) for name in FIGURES))
             .join(Agency, Agency.id == LicenceReport.agency_id).where(LicenceReport.period_id == period_id))
    for path, province, process_id, *figures in db.session.execute(query.execution_options(yield_per=BATCH)):
        province = (province or "").strip()[:100]
        for ancestor in (None, *(int(part) for part in path.strip("/").split("/") if part)):
            for grain in ((province, process_id), (province, ALL_PROCESSES), (ALL_PROVINCES, process_id),
                          (ALL_PROVINCES, ALL_PROCESSES)):
                tally = sums[(ancestor, *grain)]
                for index, value in enumerate(figures):
                    tally[index] += value or 0
    db.session.execute(delete(LicenceTally).where(LicenceTally.period_id == period_id))
    rows = [{"period_id": period_id, "agency_id": agency_id, "province": province, "process_id": process_id,
             "computed_at": now, **dict(zip(FIGURES, figures, strict=True))}
            for (agency_id, province, process_id), figures in sums.items()]
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(LicenceTally), rows[start:start + BATCH])
    db.session.flush()
