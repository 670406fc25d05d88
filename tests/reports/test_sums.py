"""The delays, the desk and the manuals reports read sums kept by the reports' job: for a varied set of rows their
figures are those counted from the rows themselves, with and without filters, and a row saved after the sums shows
once the job has run."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime, time, timedelta

import time_machine
from sqlalchemy import select

from app.core.extensions import db
from app.core.types import utcnow
from app.helpdesk.models import Ticket, TicketCategory
from app.licensing.models import DelayNotice, DelayRecord
from app.manuals.models import Manual, ManualUserGroup, Process
from app.org.models import CatalogueEntry
from app.reports.services import sums
from tests.clock import TODAY  # the suite's day: the report counts the ageing from it
from tests.helpers import editor_post, manual_titled, th
from workflows.calendar import BANGKOK

# The delays' and the desk's sets are laid out as on 2 December 2026, in fiscal year 2570; on another day, in the last fiscal year
# whose 2 December is not after today, so that nothing in it is yet to come.
_YEARS_ON = TODAY.year - 2026 - ((TODAY.month, TODAY.day) < (12, 2))


def _day(year: int, month: int, day: int) -> date:
    return date(year + _YEARS_ON, month, day)


FIRST, LAST = _day(2026, 10, 1), _day(2027, 9, 30)
FISCAL_YEAR = 2570 + _YEARS_ON


def _csv(client, path: str) -> list[list[str]]:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _row(rows, label: str) -> list[str]:
    return next(row for row in rows if row and row[0] == label)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=BANGKOK)


def _delays(demo) -> list[DelayRecord]:
    processes = db.session.scalars(select(Process).order_by(Process.id).limit(2)).all()
    recorder = demo.user("spoint").id
    records = []
    plan = [("sp_muang", 0, _day(2026, 10, 3), "open", (7, 10)), ("sp_muang", 1, _day(2026, 11, 10), "decided", (9,)),
            ("sp_pakkret", 0, _day(2026, 11, 25), "open", ()), ("nakhon_nont", 1, _day(2026, 8, 20), "open", (7, 10)),
            ("nakhon_nont", 0, _day(2026, 10, 20), "decided", (8, 7)), ("sp_pakkret", 1, _day(2026, 9, 1), "decided",
                                                                         (7,))]
    for n, (code, process, received, status, gaps) in enumerate(plan):
        agency = demo.agency(code)
        record = DelayRecord(agency_id=agency.id, agency_path=agency.path, reference=f"นบ 09{n}/2570",
                             lookup_code=f"LK{n:06d}", applicant_name="ผู้ยื่นทดสอบ", process_id=processes[process].id,
                             promised_days=15, received_on=received, reason="รอเอกสาร",
                             expected_decision_on=received + timedelta(days=60), status=status,
                             recorded_by_id=recorder, recorded_at=_at(received))
        db.session.add(record)
        db.session.flush()
        issued, kinds = _at(received), ["first"]
        db.session.add(DelayNotice(delay_id=record.id, number=1, kind="first", reason="รอ", issued_at=issued))
        for number, gap in enumerate(gaps, start=2):
            issued += timedelta(days=gap)
            kind = "final" if status == "decided" and number == len(gaps) + 1 else "update"
            kinds.append(kind)
            db.session.add(DelayNotice(delay_id=record.id, number=number, kind=kind, reason="รอ", issued_at=issued))
        records.append(record)
    db.session.flush()
    return records


def _raw_delays(province: str | None = None) -> dict:
    records = [r for r in db.session.scalars(select(DelayRecord)) if province in (None, r.agency.province)]
    in_year = [r for r in records if FIRST <= r.received_on <= LAST]
    on_time = late = 0
    for record in records:
        for notice in db.session.scalars(select(DelayNotice).where(DelayNotice.delay_id == record.id)):
            if not FIRST <= notice.issued_at.astimezone(BANGKOK).date() <= LAST:
                continue
            due = record.recorded_at + timedelta(days=7 * (notice.number - 1), hours=24)
            is_late = notice.kind == "update" and notice.issued_at > due
            late, on_time = late + is_late, on_time + (not is_late)
    ageing = Counter()
    for record in (r for r in records if r.status == "open"):
        waited = (TODAY - record.received_on).days
        ageing[next((i for i, limit in enumerate((15, 30, 60, 90)) if waited <= limit), 4)] += 1
    return {"recorded": len(in_year), "open": sum(r.status == "open" for r in in_year), "on_time": on_time,
            "late": late, "ageing": [ageing[i] for i in range(5)]}


def _reported_delays(client, query: str = "") -> dict:
    rows = _csv(client, f"/reports/delays/export.csv?fy={FISCAL_YEAR}{query}")
    ageing = [int(_row(rows, th(label))[1]) for label in ("Up to 15 days", "16–30 days", "31–60 days",
                                                          "61–90 days", "Over 90 days")]
    return {"recorded": int(_row(rows, th("Recorded"))[1]), "open": int(_row(rows, th("Open"))[1]),
            "on_time": int(_row(rows, th("Notices on time"))[1]), "late": int(_row(rows, th("Late notices"))[1]),
            "ageing": ageing}


def test_the_delays_figures_from_sums_are_those_of_the_rows(client, login, demo):
    records = _delays(demo)
    sums.rebuild()
    db.session.commit()
    login("opdc")
    expected = _raw_delays()
    assert expected["recorded"] == 4 and expected["late"] >= 1  # the set has each case
    assert _reported_delays(client) == expected
    province = demo.agency("sp_muang").province
    assert _reported_delays(client, f"&province={province}") == _raw_delays(province)

    # A delay recorded after the sums shows once the job has run (within its five minutes).
    later = DelayRecord(**{c: getattr(records[0], c) for c in ("agency_id", "agency_path", "applicant_name",
                                                               "process_id", "promised_days", "reason",
                                                               "expected_decision_on", "recorded_by_id")},
                        reference="นบ 0999/2570", lookup_code="LATER001", received_on=_day(2026, 12, 1),
                        status="open", recorded_at=utcnow().replace(microsecond=0))
    db.session.add(later)
    db.session.commit()
    assert _reported_delays(client)["recorded"] == 4  # not yet summed
    assert "delays" in sums.refresh()
    db.session.commit()
    assert _reported_delays(client) == _raw_delays() and _raw_delays()["recorded"] == 5
    with time_machine.travel(utcnow() + timedelta(minutes=10), tick=False):
        sums.refresh()  # once more for what changed just before the last run
        assert sums.refresh() == []  # then nothing is redone until something changes


def test_the_desk_figures_from_sums_are_those_of_the_rows(client, login, demo):
    categories = [TicketCategory(name_th=name, position=n) for n, name in enumerate(("การลงทะเบียน", "ราคากลาง"))]
    db.session.add_all(categories)
    db.session.flush()
    for n in range(14):
        created = _at(_day(2026, 10, 1) + timedelta(days=5 * n), 8 + n % 9) if n < 13 else _at(_day(2026, 9, 29))
        db.session.add(Ticket(
            number=f"IR{n:06d}", follow_nonce=f"f{n}", reporter_type=("agency", "vendor", "public")[n % 3],
            category_id=categories[n % 3 % 2].id, subject="ทดสอบ", description="ทดสอบ", status="closed",
            priority="normal", paused_minutes=0, created_at=created, updated_at=created,
            first_responded_at=created + timedelta(hours=2) if n % 4 else None, first_response_breached=n % 5 == 0,
            resolved_at=created + timedelta(days=1) if n % 3 else None, resolution_breached=n % 7 == 0,
            rating=(n % 5) + 1 if n % 2 else None))
    db.session.flush()
    sums.rebuild()
    db.session.commit()
    login("hd_super")
    start, end = _at(FIRST, 0), _at(LAST + timedelta(days=1), 0)
    for query, wanted in (("", lambda t: True), ("&reporter=vendor", lambda t: t.reporter_type == "vendor")):
        rows = _csv(client, f"/reports/desk/export.csv?fy={FISCAL_YEAR}{query}")
        tickets = [t for t in db.session.scalars(select(Ticket)) if start <= t.created_at < end and wanted(t)]
        for category in categories:
            mine = [t for t in tickets if t.category_id == category.id]
            if not mine:
                assert not any(row and row[0] == category.name_th for row in rows)
                continue
            rated = [t.rating for t in mine if t.rating]
            expected = [len(mine), sum(t.first_responded_at is not None and not t.first_response_breached for t in mine),
                        sum(t.first_response_breached for t in mine),
                        sum(t.resolved_at is not None and not t.resolution_breached for t in mine),
                        sum(t.resolution_breached for t in mine), 0]
            row = _row(rows, category.name_th)
            assert [int(v) for v in row[1:7]] == expected, (query, category.name_th)
            assert row[7] == (str(round(sum(rated) / len(rated), 2)) if rated else "")
        assert int(_row(rows, th("IR Online reports"))[1]) == len(tickets)
        stars = Counter(t.rating for t in tickets if t.rating)
        assert [int(_row(rows, str(n))[1]) for n in range(5, 0, -1)] == [stars[n] for n in range(5, 0, -1)]


def test_the_manuals_figures_from_sums_are_those_of_the_rows(client, login, demo):
    category = db.session.scalar(select(CatalogueEntry).where(CatalogueEntry.kind == "category").limit(1))
    process = Process(agency_id=demo.agency("dopa").id, name_th="ใบอนุญาตทดสอบ", service_type="licence",
                      category_id=category.id)
    db.session.add(process)
    db.session.flush()
    for n, status in enumerate(("draft", "published", "published", "returned", "in_review")):
        db.session.add(Manual(title=f"คู่มือทดสอบ {n}", agency_id=demo.agency(("dopa", "nakhon_nont")[n % 2]).id,
                              process_id=process.id if n % 3 else None, status=status))
    db.session.flush()
    sums.rebuild()
    db.session.commit()
    login("opdc")
    rows = _csv(client, "/reports/manuals/export.csv?fy=2570")
    manuals = db.session.scalars(select(Manual)).all()
    labels = {"draft": "Draft", "in_review": "In review", "returned": "Returned", "published": "Published"}
    for status, label in labels.items():
        assert int(_row(rows, th(label))[1]) == sum(m.status == status for m in manuals)
    filed = [m for m in manuals if m.process_id and db.session.get(Process, m.process_id).category_id == category.id]
    assert [int(v) for v in _row(rows, category.name_th)[1:]] == [sum(m.status == s for m in filed) for s in labels]
    published = _csv(client, "/reports/manuals/export.csv?fy=2570&status=published")
    assert [int(v) for v in _row(published, category.name_th)[1:]] == [0, 0, 0, sum(m.status == "published"
                                                                                    for m in filed)]


def test_manuals_are_counted_per_user_group_their_author_chose(client, login, demo):
    groups = [CatalogueEntry(kind="user_group", code=f"test-group-{n}", name_th=name, active=True)
              for n, name in enumerate(("ผู้สูงอายุ (ทดสอบ)", "ผู้ประกอบการ (ทดสอบ)"))]
    db.session.add_all(groups)
    db.session.commit()
    login("author")
    for title, chosen in (("คู่มือกลุ่มหนึ่ง", groups[:1]), ("คู่มือสองกลุ่ม", groups)):
        client.post("/manuals/new", data={"title": title, "agency_id": demo.agency("dopa").id})
        manual = manual_titled(title)
        assert editor_post(client, manual, user_group_ids=[str(g.id) for g in chosen]).status_code == 302
    assert {(row.manual_id, row.user_group_id) for row in db.session.scalars(select(ManualUserGroup))} == {
        (manual_titled("คู่มือกลุ่มหนึ่ง").id, groups[0].id), (manual.id, groups[0].id), (manual.id, groups[1].id)}
    sums.rebuild()
    db.session.commit()
    login("opdc")
    rows = _csv(client, "/reports/manuals/export.csv?fy=2570")
    assert _row(rows, "ผู้สูงอายุ (ทดสอบ)")[1:] == ["2", "0", "0", "0"]  # two drafts
    assert _row(rows, "ผู้ประกอบการ (ทดสอบ)")[1:] == ["1", "0", "0", "0"]
    only = _csv(client, f"/reports/manuals/export.csv?fy=2570&user_group={groups[1].id}")
    assert _row(only, th("Draft"))[1] == "1"
    listed = _csv(client, f"/reports/manuals/rows.csv?user_group={groups[1].id}")
    assert [row[0] for row in listed[1:]] == ["คู่มือสองกลุ่ม"]
