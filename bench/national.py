"""A national year for the reports' benchmark, written in bulk: the agency tree (ministries, departments, service
points in 77 provinces), a licence process per department and its figures for 12 monthly periods at every point
(summed per agency of the tree as the reports' job does), citizen manuals in every state, IR Online reports over
the year with their SLA outcomes and ratings, delays under s.10, and the engine's process instances with their
task history (``bench.generate.load``). The full size is the issue's: 80,000 agencies, 100,000 manuals,
1,000,000 process instances, 100,000 IR reports; ``scale`` shrinks every count.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, text

from app.core.extensions import db
from bench import generate
from bench.support import PASSWORD, log

FULL = {"agencies": 80_000, "manuals": 100_000, "instances": 1_000_000, "tickets": 100_000, "delays": 20_000}
MINISTRIES = 20
POINTS_PER_DEPARTMENT = 200
PROVINCES = 77
BATCH = 20_000
MANUAL_STATES = ("published",) * 6 + ("in_review", "returned", "draft")


@dataclass
class National:
    fiscal_year: int  # Buddhist era: the year the licence figures fill
    agencies: int
    departments: list[int]
    points: int
    licence_rows: int
    manuals: int
    tickets: int
    instances: int


def _insert(table, rows) -> int:
    """Core inserts, a batch at a time (Python-side defaults filled in)."""
    count, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            db.session.execute(insert(table), batch)
            count += len(batch)
            batch = []
    if batch:
        db.session.execute(insert(table), batch)
        count += len(batch)
    return count


def _next_id(table: str) -> int:
    return (db.session.scalar(text(f"SELECT MAX(id) FROM {table}")) or 0) + 1


def load(scale: float, today: date) -> National:
    from app.accounts.services import accounts
    from app.core.workflow import WorkflowSpec  # noqa: F401  (the engine's tables are known to the metadata)
    from app.helpdesk.models import Ticket, TicketCategory
    from app.licensing.models import DelayRecord, LicenceReport
    from app.licensing.services import licensing
    from app.manuals.models import Manual, Process
    from app.org.models import Agency
    from app.reports.services import snapshot, steps, sums, tallies
    from workflows import engine

    rng = random.Random(2570)
    counts = {name: max(1, int(value * scale)) for name, value in FULL.items()}
    now = datetime.now(UTC)

    # --- the tree ----------------------------------------------------------------------------------------
    departments_wanted = max(2, counts["agencies"] // (POINTS_PER_DEPARTMENT + 1))
    next_id = _next_id("agency")
    agencies, ministries, departments, points = [], [], [], []
    for m in range(MINISTRIES):
        agencies.append({"id": next_id, "parent_id": None, "kind": "ministry", "code": f"nm{m}",
                         "name_th": f"กระทรวงทดสอบ {m + 1}", "path": f"/{next_id}/", "depth": 0})
        ministries.append((next_id, f"/{next_id}/"))
        next_id += 1
    for d in range(departments_wanted):
        parent, parent_path = ministries[d % MINISTRIES]
        agencies.append({"id": next_id, "parent_id": parent, "kind": "department", "code": f"nd{d}",
                         "name_th": f"กรมทดสอบ {d + 1}", "path": f"{parent_path}{next_id}/", "depth": 1})
        departments.append((next_id, f"{parent_path}{next_id}/"))
        next_id += 1
    for p in range(max(1, counts["agencies"] - MINISTRIES - departments_wanted)):
        parent, parent_path = departments[p % len(departments)]
        agencies.append({"id": next_id, "parent_id": parent, "kind": "service_point", "code": f"np{p}",
                         "name_th": f"จุดบริการทดสอบ {p + 1}", "path": f"{parent_path}{next_id}/", "depth": 2,
                         "province": f"จังหวัดทดสอบ {p % PROVINCES + 1:02d}"})
        points.append((next_id, parent))
        next_id += 1
    _insert(Agency.__table__, ({**row, "created_at": now, "publicly_visible": True, "row_version": 1}
                               for row in agencies))
    log(f"  agencies: {len(agencies):,} ({len(departments):,} departments, {len(points):,} points)")

    # --- people ------------------------------------------------------------------------------------------
    for username, role, agency_id in (("bench_opdc", "opdc_officer", ministries[0][0]),
                                      ("bench_central", "central_officer", departments[0][0]),
                                      ("bench_admin", "admin", ministries[0][0]),
                                      ("bench_desk", "helpdesk_supervisor", ministries[0][0])):
        user = accounts.create_user(username, username, PASSWORD)
        accounts.grant(user, agency_id, role)
    db.session.commit()

    # --- licences: one process per department, 12 periods at every point ------------------------------------
    first_process = _next_id("process")
    _insert(Process.__table__, ({"id": first_process + k, "agency_id": dept, "name_th": f"ใบอนุญาตทดสอบ {k + 1}",
                                 "service_type": "licence", "active": True, "created_at": now, "updated_at": now,
                                 "lock_version": 1} for k, (dept, _path) in enumerate(departments)))
    process_of = {dept: first_process + k for k, (dept, _path) in enumerate(departments)}
    # The 12 months of the last complete fiscal year (October to September), so that one report shows them all.
    last_year = today.year - 1 if today.month >= 10 else today.year - 2
    periods = [licensing.period(last_year + (month < 10), month).id for month in (10, 11, 12, *range(1, 10))]

    def figures():
        for period_id in periods:
            for point, dept in points:
                received = rng.randrange(0, 40)
                approved = rng.randrange(0, received + 1)
                refused = rng.randrange(0, received - approved + 1)
                yield {"period_id": period_id, "agency_id": point, "process_id": process_of[dept],
                       "received": received, "approved": approved, "refused": refused,
                       "pending": received - approved - refused, "within_limit": approved, "over_limit": 0,
                       "updated_at": now, "lock_version": 1}

    licence_rows = _insert(LicenceReport.__table__, figures())
    db.session.commit()
    log(f"  licence figures: {licence_rows:,} rows; summing them per agency")
    tallies.rebuild()
    db.session.commit()

    # --- manuals, delays, IR reports -----------------------------------------------------------------------
    manuals = _insert(Manual.__table__, ({"title": f"คู่มือทดสอบ {n + 1}", "agency_id": departments[n % len(departments)][0],
                                          "process_id": None, "status": MANUAL_STATES[n % len(MANUAL_STATES)],
                                          "created_at": now, "updated_at": now, "lock_version": 1}
                                         for n in range(counts["manuals"])))
    recorder = db.session.scalar(text("SELECT id FROM user_account WHERE username = 'bench_central'"))
    agency_paths = {row["id"]: row["path"] for row in agencies}
    delays = _insert(DelayRecord.__table__, (
        {"agency_id": point, "agency_path": agency_paths[point], "reference": f"D{n}", "lookup_code": f"C{n:07d}",
         "applicant_name": "ผู้ยื่นคำขอทดสอบ", "process_id": process_of[dept], "promised_days": 30,
         "received_on": today - timedelta(days=rng.randrange(365)), "reason": "รอเอกสาร",
         "expected_decision_on": today + timedelta(days=30), "status": "open" if n % 3 else "decided",
         "recorded_by_id": recorder, "recorded_at": now}
        for n, (point, dept) in enumerate(points[n % len(points)] for n in range(counts["delays"]))))
    category_ids = []
    for position, name in enumerate(("การลงทะเบียน", "e-bidding", "ราคากลาง", "หลักประกันสัญญา", "e-market")):
        category = TicketCategory(name_th=name, position=position)
        db.session.add(category)
        db.session.flush()
        category_ids.append(category.id)
    start = datetime.combine(today - timedelta(days=365), datetime.min.time(), tzinfo=UTC)
    tickets = _insert(Ticket.__table__, (
        {"number": f"IR{n:09d}", "follow_nonce": f"n{n}", "reporter_type": ("agency", "vendor", "public")[n % 3],
         "category_id": category_ids[n % len(category_ids)], "subject": "ทดสอบ", "description": "ทดสอบ",
         "status": "closed" if n % 4 else "open", "priority": "normal", "paused_minutes": 0,
         "first_responded_at": start + timedelta(minutes=n % 525_600 + 30),
         "first_response_breached": n % 11 == 0, "resolution_breached": n % 13 == 0,
         "resolved_at": start + timedelta(minutes=n % 525_600 + 600) if n % 4 else None,
         "reopened_from_id": None, "rating": (n % 5) + 1 if n % 2 else None, "lock_version": 1,
         "created_at": start + timedelta(minutes=n % 525_600), "updated_at": now}
        for n in range(counts["tickets"])))
    db.session.commit()
    log(f"  manuals {manuals:,}, delays {delays:,}, IR reports {tickets:,}")

    # --- the engine's instances and their task history (the inbox benchmark's generator) ---------------------
    spec_key = engine.current_spec_key("manual_revision")
    db.session.commit()
    loaded = generate.load(db.session.connection(), spec_key=spec_key, serializer_version=engine.SERIALIZER_VERSION,
                           instances=counts["instances"], tasks=max(1, counts["instances"] // 20), progress=log)
    db.session.commit()
    log("  summing the delays, the desk, the manuals and the approval steps, counting the engine's state (the "
        "reports' job)")
    sums.rebuild()
    steps.rebuild()
    snapshot.count()
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return National(last_year + 1 + 543, len(agencies), [d for d, _p in departments], len(points), licence_rows, manuals, tickets,
                    loaded.instances)
