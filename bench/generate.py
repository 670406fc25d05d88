"""Bulk data for the inbox scale benchmark, loaded with set-based SQL.

The agency tree is one ministry with ``DEPARTMENTS`` departments of ``UNITS_PER_DEPARTMENT``
units each, plus OPDC. Each department has a manual reviewer and a manual author (both at
department scope); OPDC has a few officers (nationwide). Process instances are spread evenly
over the departments and units; the newest ``tasks`` of them are still open and each has one
open ``human_task`` (50 % step-1 review, 30 % OPDC review, 20 % revise; 5 % already claimed).
The rest are complete and have no open task. Instance ``state`` is a placeholder: the inbox
never reads it.

Rows are written with explicit ids above whatever the database already holds, so the loader
can run after the engine benchmarks have used the same database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, text
from sqlalchemy.engine import Connection

from app.models import Agency, Membership, User

DEPARTMENTS = 50
UNITS_PER_DEPARTMENT = 40
OPDC_OFFICERS = 5
SPAN_SECONDS = 2 * 365 * 24 * 3600  # instances were started over the last two years

# spec_name: (role, title, title_en, form_key, due after days)
STEPS = {
    "review_agency": ("manual_reviewer", "ตรวจสอบคู่มือ (ขั้นที่ 1)", "Review manual (step 1)",
                      "manual_revision.review", 3),
    "review_opdc": ("opdc_officer", "ตรวจสอบคู่มือ (ขั้นที่ 2 สำนักงาน ก.พ.ร.)", "Review manual (step 2, OPDC)",
                    "manual_revision.review", 3),
    "revise": ("manual_author", "แก้ไขคู่มือตามที่ส่งกลับ", "Revise the manual", "manual_revision.revise", None),
}


@dataclass
class Loaded:
    instances: int
    open_tasks: int
    agencies: int
    ministry_id: int
    opdc_id: int
    department_ids: list[int]
    reviewer_ids: list[int]  # index k: the reviewer of department_ids[k]
    author_ids: list[int]
    opdc_officer_ids: list[int]


def _next_id(conn: Connection, table: str) -> int:
    return (conn.execute(text(f"SELECT max(id) FROM {table}")).scalar() or 0) + 1


def load(conn: Connection, *, spec_key: str, serializer_version: str, instances: int, tasks: int,
         now: datetime | None = None, progress=print) -> Loaded:
    """Load everything in the connection's transaction; the caller commits and analyzes."""
    dialect = conn.dialect.name
    now = now or datetime.now(UTC)
    tasks = min(tasks, instances)

    # --- agencies, users, memberships: a few thousand rows, plain executemany ---------------------------
    a0 = _next_id(conn, "agency")
    ministry_id = a0
    department_ids = [a0 + k for k in range(1, DEPARTMENTS + 1)]
    unit_base = a0 + DEPARTMENTS  # unit u (0-based) has id unit_base + 1 + u
    units = DEPARTMENTS * UNITS_PER_DEPARTMENT
    opdc_id = unit_base + units + 1
    stamp = now  # UTCDateTime converts for SQLite itself
    agencies = [{"id": ministry_id, "parent_id": None, "kind": "ministry", "code": f"bench-{ministry_id}",
                     "name_th": "กระทรวงทดสอบ", "name_en": "Bench ministry", "path": f"/{ministry_id}/", "depth": 0,
                     "created_at": stamp}]
    for k, dept_id in enumerate(department_ids, start=1):
        agencies.append({"id": dept_id, "parent_id": ministry_id, "kind": "department", "code": f"bench-{dept_id}",
                             "name_th": f"กรมทดสอบที่ {k}", "name_en": f"Bench department {k}",
                             "path": f"/{ministry_id}/{dept_id}/", "depth": 1, "created_at": stamp})
    for u in range(units):
        dept_id = department_ids[u // UNITS_PER_DEPARTMENT]
        unit_id = unit_base + 1 + u
        agencies.append({"id": unit_id, "parent_id": dept_id, "kind": "division", "code": f"bench-{unit_id}",
                             "name_th": f"สำนักทดสอบที่ {u + 1}", "name_en": f"Bench unit {u + 1}",
                             "path": f"/{ministry_id}/{dept_id}/{unit_id}/", "depth": 2, "created_at": stamp})
    agencies.append({"id": opdc_id, "parent_id": None, "kind": "office", "code": f"bench-opdc-{opdc_id}",
                         "name_th": "สำนักงาน ก.พ.ร. (ทดสอบ)", "name_en": "OPDC (bench)", "path": f"/{opdc_id}/", "depth": 0,
                         "created_at": stamp})
    conn.execute(insert(Agency.__table__), agencies)

    u0 = _next_id(conn, "user_account")
    reviewer_ids = [u0 + k for k in range(1, DEPARTMENTS + 1)]
    author_ids = [u0 + DEPARTMENTS + k for k in range(1, DEPARTMENTS + 1)]
    opdc_officer_ids = [u0 + 2 * DEPARTMENTS + i for i in range(1, OPDC_OFFICERS + 1)]
    users, memberships = [], []
    for k in range(DEPARTMENTS):
        users.append({"id": reviewer_ids[k], "username": f"bench_reviewer_{reviewer_ids[k]}",
                          "display_name": f"ผู้ตรวจสอบ กรมที่ {k + 1}", "locale": "th", "active": True, "created_at": stamp})
        users.append({"id": author_ids[k], "username": f"bench_author_{author_ids[k]}",
                          "display_name": f"ผู้จัดทำ กรมที่ {k + 1}", "locale": "th", "active": True, "created_at": stamp})
        memberships.append({"user_id": reviewer_ids[k], "agency_id": department_ids[k], "role": "manual_reviewer",
                                "source": "admin", "active": True, "created_at": stamp})
        memberships.append({"user_id": author_ids[k], "agency_id": department_ids[k], "role": "manual_author",
                                "source": "admin", "active": True, "created_at": stamp})
    for i, officer_id in enumerate(opdc_officer_ids, start=1):
        users.append({"id": officer_id, "username": f"bench_opdc_{officer_id}", "display_name": f"เจ้าหน้าที่ ก.พ.ร. {i}",
                          "locale": "th", "active": True, "created_at": stamp})
        memberships.append({"user_id": officer_id, "agency_id": opdc_id, "role": "opdc_officer", "source": "admin",
                                "active": True, "created_at": stamp})
    conn.execute(insert(User.__table__), users)
    conn.execute(insert(Membership.__table__), memberships)
    progress(f"    agencies {len(agencies):,}, users {len(users):,}, memberships {len(memberships):,}")

    # --- process instances and open tasks: set-based ------------------------------------------------------
    p0 = _next_id(conn, "process_instance") - 1  # instance g (1..n) gets id p0 + g
    h0 = _next_id(conn, "human_task") - 1
    n_agencies = DEPARTMENTS + units  # instances live in departments and units, not the ministry or OPDC
    step = SPAN_SECONDS / instances
    # Integers go into the text as literals (they are ours, and integer division must stay integer).
    ints = {"n": instances, "t": tasks, "p0": p0, "h0": h0, "a1": a0 + 1, "na": n_agencies, "nd": DEPARTMENTS,
                "upd": UNITS_PER_DEPARTMENT, "rev0": reviewer_ids[0] - 1, "aut0": author_ids[0] - 1,
                "opdc0": opdc_officer_ids[0], "nopdc": OPDC_OFFICERS}
    params = {"spec": spec_key, "ver": serializer_version, "step": step}

    def sql(statement: str) -> str:
        return re.sub(r":(n|t|p0|h0|a1|na|nd|upd|rev0|aut0|opdc0|nopdc)\b", lambda m: str(int(ints[m.group(1)])),
                      statement)
    # Which department an instance's agency belongs to (1-based), from g alone.
    # The agency index (0-based over departments then units) of instance g: g * 1769 mod na, a permutation
    # of the residues that scatters neighbouring g (so that a small --scale still reaches every department).
    idx = "((g % :na) * 1769 % :na)"
    dept_of = f"(CASE WHEN {idx} < :nd THEN {idx} + 1 ELSE ({idx} - :nd) / :upd + 1 END)"
    if dialect == "postgresql":
        params["now"] = now
        series = "FROM generate_series(1, :n) AS s(g)"
        prefix = ""
        started = "(CAST(:now AS timestamptz) - make_interval(secs => (:n - g) * CAST(:step AS float8)))"

        def plus_days(expr: str, days: int) -> str:
            return f"({expr} + interval '{days} days')"
    else:
        params["now"] = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        series = "FROM s"
        prefix = "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :n) "
        started = "(strftime('%Y-%m-%d %H:%M:%S', :now, '-' || CAST((:n - g) * :step AS INTEGER) || ' seconds') " \
                  "|| '.000000')"

        def plus_days(expr: str, days: int) -> str:
            return f"(strftime('%Y-%m-%d %H:%M:%S', {expr}, '+{days} days') || '.000000')"

    is_open = "(g > :n - :t)"
    conn.execute(text(sql(
        prefix +
        "INSERT INTO process_instance (id, spec_key, process_id, title, business_type, business_id, agency_id, "
        "agency_path, state, serializer_version, status, error, next_timer_at, lock_version, created_at, "
        "created_by_id, updated_at, updated_by_id, completed_at) "
        f"SELECT :p0 + g, :spec, 'manual_revision', 'คู่มือสำหรับประชาชน ฉบับที่ ' || g, 'manual', g, a.id, "
        f"a.path, '{{}}', :ver, CASE WHEN {is_open} THEN 'running' ELSE 'complete' END, NULL, "
        f"CASE WHEN {is_open} THEN {plus_days(started, 3)} END, 1, {started}, :aut0 + {dept_of}, "
        f"{started}, :aut0 + {dept_of}, CASE WHEN {is_open} THEN NULL ELSE {plus_days(started, 5)} END "
        f"{series} JOIN agency a ON a.id = :a1 + {idx}"
    )), params)
    progress(f"    process_instance {instances:,} rows")

    # Step by g: kind = (g / 7) % 10, independent of the agency (which is a function of g % na).
    kind = "((g / 7) % 10)"
    step_name = f"(CASE WHEN {kind} < 5 THEN 'review_agency' WHEN {kind} < 8 THEN 'review_opdc' ELSE 'revise' END)"

    def by_step(column: int) -> str:
        values = {name: spec[column] for name, spec in STEPS.items()}
        return (f"(CASE WHEN {kind} < 5 THEN '{values['review_agency']}' WHEN {kind} < 8 "
                f"THEN '{values['review_opdc']}' ELSE '{values['revise']}' END)")

    claimed = "((g / 3) % 20 = 0)"
    assignee = (f"(CASE WHEN NOT {claimed} THEN NULL WHEN {kind} < 5 THEN :rev0 + {dept_of} "
                f"WHEN {kind} < 8 THEN :opdc0 + g % :nopdc ELSE :aut0 + {dept_of} END)")
    task_created = started
    due = f"(CASE WHEN {kind} < 8 THEN {plus_days(started, 3)} END)"
    g_of_p = "p.business_id"
    conn.execute(text(sql(
        "INSERT INTO human_task (id, instance_id, task_guid, spec_name, process_id, title, title_en, subject, lane, "
        "role, agency_id, agency_path, form_key, assignee_id, due_at, status, created_at, claimed_at, "
        "completed_at, completed_by_id, comment, row_version) "
        f"SELECT :h0 + g - (:n - :t), p.id, 'bench-' || g, {step_name}, 'manual_revision', {by_step(1)}, "
        f"{by_step(2)}, p.title, {by_step(0)}, {by_step(0)}, p.agency_id, p.agency_path, {by_step(3)}, {assignee}, "
        f"{due}, 'open', {task_created}, CASE WHEN {claimed} THEN {task_created} END, NULL, NULL, NULL, 1 "
        f"FROM (SELECT {g_of_p} AS g, p.* FROM process_instance p WHERE p.id > :p0 + :n - :t) AS p"
    )), params)
    progress(f"    human_task (open) {tasks:,} rows")

    if dialect == "postgresql":
        for table in ("agency", "user_account", "membership", "process_instance", "human_task"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT max(id) FROM {table}))"))
    return Loaded(instances=instances, open_tasks=tasks, agencies=len(agencies), ministry_id=ministry_id,
                  opdc_id=opdc_id, department_ids=department_ids, reviewer_ids=reviewer_ids, author_ids=author_ids,
                  opdc_officer_ids=opdc_officer_ids)
