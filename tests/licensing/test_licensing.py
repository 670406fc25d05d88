"""Licence-issuance reports through HTTP: entering figures, validation, roll-ups, period locking and the jobs page."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import pytest
import time_machine
from sqlalchemy import delete, func, select

from app.accounts.services import accounts
from app.core import capabilities
from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.licensing.models import LicenceReport, ReportPeriod
from app.licensing.services import licensing
from tasks import jobs
from tasks.models import JobRun
from workflows.calendar import BANGKOK


def bkk(*parts) -> datetime:
    return datetime(*parts, tzinfo=BANGKOK)


def _row(process, received="10", approved="6", refused="2", pending="2", within="7", over="1") -> dict:
    return {f"r-{process.id}-received": received, f"r-{process.id}-approved": approved,
            f"r-{process.id}-refused": refused, f"r-{process.id}-pending": pending,
            f"r-{process.id}-within_limit": within, f"r-{process.id}-over_limit": over}


@pytest.fixture
def no_figures(demo):
    """The demo government without its figures for the current month, which may be any month of any year."""
    db.session.execute(delete(LicenceReport))
    db.session.commit()
    return demo


IN_2027 = LicenceReport.period_id.in_(select(ReportPeriod.id).where(ReportPeriod.year == 2027))


def _reports() -> int:
    return db.session.scalar(select(func.count()).select_from(LicenceReport).where(IN_2027))


def test_a_period_locks_on_its_close_day_once_even_with_two_schedulers(app, client, login, demo, no_figures):
    point = demo.agency("sp_muang")
    process = licensing.processes_for(point)[0]
    url = f"/licensing/2027/1/points/{point.id}"
    # January 2027 may be reported until the end of 10 February 2027, Bangkok time.
    with time_machine.travel(bkk(2027, 2, 10, 23, 59)):
        jobs.run(app, "lock_periods")  # the demo's earlier months are due by now
        assert jobs.run(app, "lock_periods") == 0  # and January is not, on its last day
        login("spoint")
        assert client.post(url, data=_row(process)).status_code == 302
        assert _reports() == 1
    with time_machine.travel(bkk(2027, 2, 11, 0, 5)):
        assert jobs.run(app, "lock_periods") == 1
        assert jobs.run(app, "lock_periods") == 0  # a second scheduler process finds nothing left to lock
        period = db.session.scalar(select(ReportPeriod).where(ReportPeriod.year == 2027, ReportPeriod.month == 1)
                                   .execution_options(populate_existing=True))
        assert bkk(2027, 2, 11, 0, 5) <= period.locked_at < bkk(2027, 2, 11, 0, 6)
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "report_period.locked", AuditEvent.object_id == period.id)) == 1
        login("spoint")
        page = client.get(url).get_data(as_text=True)
        assert 'id="locked-notice"' in page and 'id="unlock-form"' in page and f"r-{process.id}-received" not in page
        refused = client.post(url, data=_row(process, received="11", approved="7", within="8"))
        assert refused.status_code == 409 and "งวดนี้ถูกล็อกแล้ว" in refused.get_data(as_text=True)
        assert db.session.scalar(select(LicenceReport.received).where(IN_2027)) == 10


def test_figures_are_validated_with_thai_messages_and_saved_all_or_nothing(app, client, login, demo, no_figures):
    point = demo.agency("sp_muang")
    first, second = licensing.processes_for(point)[:2]
    url = f"/licensing/2027/3/points/{point.id}"
    with time_machine.travel(bkk(2027, 3, 15, 10, 0)):
        login("spoint")
        bad = client.post(url, data=_row(first) | _row(second, received="-1"))
        text = bad.get_data(as_text=True)
        assert bad.status_code == 422 and "กรอกเป็นจำนวนเต็มตั้งแต่ศูนย์ขึ้นไป" in text and "ยังไม่ได้บันทึก" in text
        assert 'value="-1"' in text  # what was typed comes back
        assert _reports() == 0  # the good row was not saved either
        bad = client.post(url, data=_row(first, received="9"))
        assert bad.status_code == 422 and "ต้องเท่ากับจำนวนคำขอที่รับ" in bad.get_data(as_text=True)
        bad = client.post(url, data=_row(first, within="1"))
        assert bad.status_code == 422 and "ภายในกำหนด + เกินกำหนด" in bad.get_data(as_text=True)
        bad = client.post(url, data=_row(first, received="1.5"))
        assert bad.status_code == 422
        assert _reports() == 0
        assert client.post(url, data=_row(first) | _row(second, "3", "1", "1", "1", "2", "0")).status_code == 302
        assert _reports() == 2
        # Correcting a figure is audited with before and after.
        assert client.post(url, data=_row(first, "12", "8", within="9")).status_code == 302
        assert db.session.scalar(select(LicenceReport.received).where(LicenceReport.process_id == first.id, IN_2027)) == 12
        audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "licence_report.saved")
                                  .order_by(AuditEvent.id.desc()).limit(1))
        assert audit.after["changes"][0]["before"]["received"] == 10
        # A central officer sees the sheet but cannot change it.
        login("central")
        assert client.get(url).status_code == 200
        assert client.post(url, data=_row(first)).status_code == 403


def test_the_department_roll_up_is_one_query_and_scoped(app, client, login, demo, no_figures, count_queries):
    muang, pakkret = demo.agency("sp_muang"), demo.agency("sp_pakkret")
    other = accounts.create_user("spoint2", "ผู้ทดสอบ ปากเกร็ด", "secret-pass")
    accounts.grant(other, pakkret.id, "service_point_officer")
    db.session.commit()
    processes = licensing.processes_for(muang)
    with time_machine.travel(bkk(2027, 3, 15, 10, 0)):
        login("spoint")
        client.post(f"/licensing/2027/3/points/{muang.id}", data=_row(processes[0]) | _row(processes[1]))
        login("spoint2")
        client.post(f"/licensing/2027/3/points/{pakkret.id}", data=_row(processes[0], "4", "4", "0", "0", "3", "1"))
        # Another service point's sheet is not this officer's.
        assert client.get(f"/licensing/2027/3/points/{muang.id}").status_code == 404
        assert client.get(f"/licensing/2027/3/rollup/{demo.agency('dopa').id}").status_code == 404
        central = demo.user("central")
        period = licensing.period(2027, 3)
        dopa = demo.agency("dopa")
        assert licensing.can_see_rollups(central)  # loads the person's memberships before counting
        with count_queries() as statements:
            result = licensing.rollup(central, period, dopa)
        assert len(statements) == 1
        assert len(result.rows) == 3 and result.grand["received"] == 24 and result.grand["over_limit"] == 3
        first_total = next(t for t in result.totals if t["process_id"] == processes[0].id)
        assert first_total["received"] == 14
        login("central")
        page = client.get(f"/licensing/2027/3/rollup/{demo.agency('dopa').id}").get_data(as_text=True)
        assert "ที่ว่าการอำเภอปากเกร็ด" in page and 'data-field="received">24<' in page
        assert client.get(f"/licensing/2027/3/rollup/{demo.agency('nakhon_nont').id}").status_code == 404
        login("opdc")  # OPDC sees everything
        assert client.get(f"/licensing/2027/3/rollup/{demo.agency('dopa').id}").status_code == 200
        assert "กรมการปกครอง" in client.get("/licensing/").get_data(as_text=True)


def test_a_sheet_reads_its_processes_once_however_many_rows(app, client, login, demo, no_figures, count_queries):
    """The sheet is drawn before its reading is committed (an unlock window may close as it is read): after the
    commit, each row's process would be read again, one query a row."""
    point = demo.agency("sp_muang")
    first, second = licensing.processes_for(point)[:2]
    url = f"/licensing/2027/3/points/{point.id}"
    with time_machine.travel(bkk(2027, 3, 15, 10, 0)):
        login("spoint")
        assert client.post(url, data=_row(first) | _row(second, "3", "1", "1", "1", "2", "0")).status_code == 302
        rows = len(licensing.processes_for(point))
        db.session.commit()
        db.session.expunge_all()  # as a server's new request starts
        with count_queries() as sent:
            page = client.get(url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and rows >= 2 and 'value="10"' in text  # the first row's figures, as saved
    process_reads = [statement for statement in sent if statement.startswith("SELECT process.id")]
    assert len(process_reads) == 1, process_reads
    assert len(sent) <= 10, sent


def test_the_licensing_home_reads_each_period_once(app, client, login, demo, no_figures, count_queries):
    """The home page lists the recent periods for each of the officer's points, drawn before the commit of the
    periods it creates on first use: after the commit each period and point would be read again, one query each."""
    with time_machine.travel(bkk(2027, 3, 15, 10, 0)):
        login("spoint")
        assert client.get("/licensing/").status_code == 200  # this month's period made
        db.session.expunge_all()  # as a server's new request starts
        with count_queries() as sent:
            page = client.get("/licensing/")
    assert page.status_code == 200 and "ที่ว่าการอำเภอเมืองนนทบุรี" in page.get_data(as_text=True)
    one_by_one = [statement for statement in sent if re.search(r"FROM (report_period|agency)\s+WHERE \w+\.id = ", statement)]
    assert not one_by_one, one_by_one


def test_the_jobs_page_lists_runs_and_failures_for_administrators_only(app, client, login, demo, monkeypatch):
    jobs.run(app, "lock_periods")

    def broken(_app):
        raise RuntimeError("database went away")

    declared = capabilities.of(app).jobs
    monkeypatch.setitem(declared, "send_outbox", replace(declared["send_outbox"], run=broken))  # a failing job
    with pytest.raises(RuntimeError):
        jobs.run(app, "send_outbox")
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == 2
    login("admin")
    page = client.get("/admin/jobs/").get_data(as_text=True)
    assert 'data-job="lock_periods"' in page and "สำเร็จ" in page
    assert "ล้มเหลว" in page and "database went away" in page
    login("spoint")
    assert client.get("/admin/jobs/").status_code == 403


def test_scheduler_tick_runs_every_job_once_and_records_each_run(app, demo, monkeypatch):
    runner = app.test_cli_runner()
    with time_machine.travel(bkk(2027, 2, 11, 0, 5)):
        result = runner.invoke(args=["scheduler", "tick"])
    assert result.exit_code == 0, result.output
    assert [line.split(":")[0] for line in result.output.splitlines()] == jobs.names(app)
    assert "lock_periods: 0" not in result.output  # January 2027 (and the demo's months before it) locked
    assert db.session.scalar(select(ReportPeriod.locked_at).where(ReportPeriod.year == 2027,
                                                                  ReportPeriod.month == 1)) is not None
    recorded = db.session.scalars(select(JobRun.job).where(JobRun.outcome == "ok")).all()
    assert sorted(recorded) == sorted(jobs.names(app))

    def broken(_app):
        raise RuntimeError("database went away")

    declared = capabilities.of(app).jobs
    monkeypatch.setitem(declared, "fire_timers", replace(declared["fire_timers"], run=broken))  # the others still run
    with time_machine.travel(bkk(2027, 2, 11, 0, 10)):
        result = runner.invoke(args=["scheduler", "tick"])
    assert result.exit_code == 1 and "fire_timers" in result.output and "database went away" in result.output
    outcomes = db.session.execute(select(JobRun.job, JobRun.outcome).order_by(JobRun.id)).all()[len(jobs.names(app)):]
    assert outcomes[:3] == [("fire_timers", "failed"), ("send_outbox", "ok"), ("lock_periods", "ok")]


def test_figures_typed_in_thai_digits_are_read(client, login, demo, no_figures):
    point = demo.agency("sp_muang")
    process = licensing.processes_for(point)[0]
    with time_machine.travel(bkk(2027, 2, 5, 10, 0)):
        login("spoint")
        typed = _row(process, received="๑๐", approved="๖", refused="๒", pending="๒", within="๗", over="๑")
        assert client.post(f"/licensing/2027/1/points/{point.id}", data=typed).status_code == 302
    report = db.session.scalar(select(LicenceReport).where(IN_2027))
    assert (report.received, report.approved, report.within_limit) == (10, 6, 7)
