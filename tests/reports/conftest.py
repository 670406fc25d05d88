"""Licence figures at three service points of the demo government, this month: two under the Department of
Provincial Administration (a central officer's department), one at the city municipality (outside it)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.core.types import utcnow
from app.licensing.models import LicenceReport
from app.licensing.services import licensing
from app.manuals.models import Process
from app.reports.services import tallies

FORMULA = '=HYPERLINK("http://evil.example/","คลิก")'


@pytest.fixture
def figures(demo):
    """Received per agency this month: sp_muang 24 (the demo's), sp_pakkret 5, nakhon_nont 7 (under a process
    whose name a spreadsheet would take for a formula)."""
    this_month = licensing.period(*licensing.month_of(utcnow()))
    id_card = db.session.scalar(select(Process).where(Process.name_th == "การขอมีบัตรประจำตัวประชาชน"))
    risky = Process(agency_id=demo.agency("nakhon_nont").id, name_th=FORMULA, service_type="licence")
    db.session.add(risky)
    db.session.flush()
    db.session.add_all([
        LicenceReport(period_id=this_month.id, agency_id=demo.agency("sp_pakkret").id, process_id=id_card.id,
                      received=5, approved=3, refused=1, pending=1),
        LicenceReport(period_id=this_month.id, agency_id=demo.agency("nakhon_nont").id, process_id=risky.id,
                      received=7, approved=7, refused=0, pending=0),
    ])
    tallies.refresh()
    db.session.commit()
    return this_month
