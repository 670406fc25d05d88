"""The rows behind a report, for an export of every one of them (the licence report: each service point's figures
per process and month). Read a batch at a time, each batch after the last row of the previous one (by id), so that
memory stays flat however many rows and the background job may commit its progress between two batches."""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core.extensions import db
from app.licensing.models import LicenceReport, ReportPeriod
from app.manuals.models import Process
from app.org.models import Agency
from app.reports.services.base import Filters, Scope, month_label

BATCH = 5000
ROW_REPORTS = ("licences",)  # the reports whose every row can be exported
LICENCE_HEADER = (_l("Month"), _l("Service point"), _l("Province"), _l("Process"), _l("Applications received"),
                  _l("Applications approved"), _l("Applications refused"), _l("Applications pending"))


def _licence_where(filters: Filters, scope: Scope) -> list:
    clauses = [ReportPeriod.starts_on >= filters.first, ReportPeriod.starts_on <= filters.last,
               scope.clause(Agency.path)]
    if filters.province:
        clauses.append(Agency.province == filters.province)
    if filters.dim_int("process"):
        clauses.append(LicenceReport.process_id == filters.dim_int("process"))
    return clauses


def licence_count(filters: Filters, scope: Scope) -> int:
    return db.session.scalar(
        select(func.count()).select_from(LicenceReport).join(ReportPeriod, ReportPeriod.id == LicenceReport.period_id)
        .join(Agency, Agency.id == LicenceReport.agency_id).where(*_licence_where(filters, scope))) or 0


def licence_rows(filters: Filters, scope: Scope, locale: str = "th") -> Iterator[list]:
    processes = dict(db.session.execute(select(Process.id, Process.name_th)).all())
    query = (select(LicenceReport.id, ReportPeriod.year, ReportPeriod.month, Agency.name_th, Agency.province,
                    LicenceReport.process_id, LicenceReport.received, LicenceReport.approved, LicenceReport.refused,
                    LicenceReport.pending)
             .join(ReportPeriod, ReportPeriod.id == LicenceReport.period_id)
             .join(Agency, Agency.id == LicenceReport.agency_id)
             .where(*_licence_where(filters, scope)).order_by(LicenceReport.id).limit(BATCH))
    last = 0
    while True:
        batch = db.session.execute(query.where(LicenceReport.id > last)).all()
        for row_id, year, month, name, province, process_id, *figures in batch:
            yield [month_label(year, month, locale), name, province or "", processes.get(process_id, ""), *figures]
            last = row_id
        if len(batch) < BATCH:
            return


def header() -> list[str]:
    return [str(label) for label in LICENCE_HEADER]
