"""Bulk data for the inbox scale benchmark, loaded with set-based SQL.

The agency tree is one ministry with ``DEPARTMENTS`` departments of ``UNITS_PER_DEPARTMENT``
units each, plus OPDC. Each department has a manual reviewer and a manual author (both at
department scope); OPDC has a few officers (nationwide). Process instances are spread evenly
over the departments and units; the newest ``tasks`` of them are still open and each has one
open ``human_task`` (50 % step-1 review, 30 % OPDC review, 20 % revise; 5 % already claimed).
The rest are complete and have no open task. Every instance also has the history its approval
left: 6 to 14 finished tasks (10 on average) before its open task or its end — step-1 review,
OPDC review (returned) and revise in turn, two days apart, each finished by the department's
reviewer or author or one of the OPDC officers within 40 hours, one in 29 cancelled instead.
Instance ``state`` is a placeholder: the inbox never reads it.

Rows are written with explicit ids above whatever the database already holds, so the loader
can run after the engine benchmarks have used the same database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, text
from sqlalchemy.engine import Connection

from app.accounts.models import Membership, User
from app.core.extensions import db
from app.core.workflow import task_search_text
from app.org.models import Agency

DEPARTMENTS = 50
UNITS_PER_DEPARTMENT = 40
OPDC_OFFICERS = 5
SPAN_SECONDS = 2 * 365 * 24 * 3600  # instances were started over the last two years
MAX_HISTORY = 14  # finished tasks per instance: 6 + g % 9

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
    history_tasks: int
    agencies: int
    ministry_id: int
    opdc_id: int
    department_ids: list[int]
    reviewer_ids: list[int]  # index k: the reviewer of department_ids[k]
    author_ids: list[int]
    opdc_officer_ids: list[int]


def next_id(conn: Connection, table: str) -> int:
    return (conn.execute(text(f"SELECT max(id) FROM {table}")).scalar() or 0) + 1


def _drop_indexes(conn: Connection, tables: tuple[str, ...]) -> list:
    """Drop the secondary indexes of these tables (unique constraints stay); returns them for ``_create_indexes``."""
    dropped = [index for name in tables for index in db.metadata.tables[name].indexes if not index.unique]
    for index in dropped:
        index.drop(conn)
    return dropped


def _create_indexes(conn: Connection, indexes: list) -> None:
    for index in indexes:
        index.create(conn)


def load(conn: Connection, *, spec_key: str, serializer_version: str, instances: int, tasks: int,
         now: datetime | None = None, progress=print) -> Loaded:
    """Load everything in the connection's transaction; the caller commits and analyzes."""
    dialect = conn.dialect.name
    now = now or datetime.now(UTC)
    tasks = min(tasks, instances)

    # --- agencies, users, memberships: a few thousand rows, plain executemany ---------------------------
    a0 = next_id(conn, "agency")
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

    u0 = next_id(conn, "user_account")
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

    # Millions of rows go in faster with the secondary indexes built once afterwards than kept up row by row.
    deferred = _drop_indexes(conn, ("process_instance", "human_task"))

    # --- process instances and open tasks: set-based ------------------------------------------------------
    p0 = next_id(conn, "process_instance") - 1  # instance g (1..n) gets id p0 + g
    h0 = next_id(conn, "human_task") - 1
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

        def plus_seconds(expr: str, seconds: str) -> str:
            return f"({expr} + make_interval(secs => {seconds}))"
    else:
        params["now"] = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        series = "FROM s"
        prefix = "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < :n) "
        started = "(strftime('%Y-%m-%d %H:%M:%S', :now, '-' || CAST((:n - g) * :step AS INTEGER) || ' seconds') " \
                  "|| '.000000')"

        def plus_days(expr: str, days: int) -> str:
            return f"(strftime('%Y-%m-%d %H:%M:%S', {expr}, '+{days} days') || '.000000')"

        def plus_seconds(expr: str, seconds: str) -> str:
            return f"(strftime('%Y-%m-%d %H:%M:%S', {expr}, ({seconds}) || ' seconds') || '.000000')"

    is_open = "(g > :n - :t)"
    history = "(6 + g % 9)"  # finished tasks of instance g, two days apart, the last two days before `started`
    first_task = plus_seconds(started, f"-{history} * 2 * 86400")
    conn.execute(text(sql(
        prefix +
        "INSERT INTO process_instance (id, spec_key, process_id, title, business_type, business_id, agency_id, "
        "agency_path, state, serializer_version, status, error, next_timer_at, lock_version, created_at, "
        "created_by_id, updated_at, updated_by_id, completed_at) "
        f"SELECT :p0 + g, :spec, 'manual_revision', 'คู่มือสำหรับประชาชน ฉบับที่ ' || g, 'manual', g, a.id, "
        f"a.path, '{{}}', :ver, CASE WHEN {is_open} THEN 'running' ELSE 'complete' END, NULL, "
        f"CASE WHEN {is_open} THEN {plus_days(started, 3)} END, 1, {first_task}, :aut0 + {dept_of}, "
        f"{started}, :aut0 + {dept_of}, CASE WHEN {is_open} THEN NULL ELSE {started} END "
        f"{series} JOIN agency a ON a.id = :a1 + {idx}"
    )), params)
    progress(f"    process_instance {instances:,} rows")

    # A step's values in SQL; ``agency`` and ``opdc`` are the conditions that pick review_agency, review_opdc.
    def per_step(agency: str, opdc: str, values: dict[str, str]) -> str:
        return (f"(CASE WHEN {agency} THEN {values['review_agency']} WHEN {opdc} THEN {values['review_opdc']} "
                f"ELSE {values['revise']} END)")

    def step_columns(agency: str, opdc: str) -> str:
        """spec_name, title, title_en, lane, role, form_key, search_text (of the instance ``p``'s title, the subject)."""
        def column(i: int) -> str:
            return per_step(agency, opdc, {name: f"'{spec[i]}'" for name, spec in STEPS.items()})
        # what a search reads, written with the row as the app writes it (app.core.workflow.task_search_text): an
        # UPDATE afterwards left every row's first version dead in the table, twice its size until a VACUUM
        search_text = f"lower({column(1)} || :line || coalesce({column(2)}, '') || :line || p.title)"
        return ", ".join([per_step(agency, opdc, {name: f"'{name}'" for name in STEPS}), column(1), column(2),
                          column(0), column(0), column(3), search_text])

    def person(agency: str, opdc: str, officer: str) -> str:
        """Who does the step: the department's reviewer or author, or OPDC officer ``officer`` (mod their number)."""
        return per_step(agency, opdc, {"review_agency": f":rev0 + {dept_of}", "review_opdc": f":opdc0 + {officer} % :nopdc",
                                       "revise": f":aut0 + {dept_of}"})

    # --- the history: finished tasks, set-based over (instance, k) -------------------------------------
    k_agency, k_opdc = "(k % 3 = 1)", "(k % 3 = 2)"  # k = 1, 2, 3: step-1 review, OPDC review (returned), revise
    created = plus_seconds(started, f"-({history} - k + 1) * 2 * 86400")
    finished = plus_seconds(created, "(1 + (g * 7 + k) % 40) * 3600")
    cancelled = "((g + k) % 29 = 0)"
    doer = f"(CASE WHEN {cancelled} THEN NULL ELSE {person(k_agency, k_opdc, '(g + k)')} END)"
    if dialect == "postgresql":
        k_prefix, k_join = "", f"JOIN generate_series(1, {MAX_HISTORY}) AS ks(k) ON k <= {history}"
    else:
        k_prefix = f"WITH RECURSIVE ks(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM ks WHERE k < {MAX_HISTORY}) "
        k_join = f"JOIN ks ON k <= {history}"
    params["returned"] = "ส่งกลับให้แก้ไขขั้นตอนและเอกสารหลักฐานให้ครบถ้วน"
    params["line"] = "\n"
    first_history_id = next_id(conn, "human_task")
    conn.execute(text(sql(
        k_prefix +
        "INSERT INTO human_task (instance_id, task_guid, spec_name, title, title_en, lane, role, form_key, "
        "search_text, process_id, subject, agency_id, agency_path, assignee_id, due_at, status, created_at, claimed_at, "
        "completed_at, completed_by_id, comment, row_version) "
        f"SELECT p.id, 'bench-' || g || '-' || k, {step_columns(k_agency, k_opdc)}, 'manual_revision', p.title, "
        f"p.agency_id, p.agency_path, {doer}, CASE WHEN k % 3 > 0 THEN {plus_days(created, 3)} END, "
        f"CASE WHEN {cancelled} THEN 'cancelled' ELSE 'completed' END, {created}, NULL, {finished}, {doer}, "
        f"CASE WHEN {k_opdc} AND NOT {cancelled} THEN :returned END, 2 "
        f"FROM (SELECT p.business_id AS g, p.* FROM process_instance p WHERE p.id > :p0) AS p {k_join}"
    )), params)
    ints["h0"] = next_id(conn, "human_task") - 1  # the history took ids one after another
    history_rows = ints["h0"] + 1 - first_history_id
    progress(f"    human_task (history) {history_rows:,} rows")

    # --- open tasks: step by g, kind = (g / 7) % 10, independent of the agency (a function of g % na) --------
    kind = "((g / 7) % 10)"
    o_agency, o_opdc = f"({kind} < 5)", f"({kind} < 8)"
    claimed = "((g / 3) % 20 = 0)"
    assignee = f"(CASE WHEN {claimed} THEN {person(o_agency, o_opdc, 'g')} END)"
    task_created = started
    due = f"(CASE WHEN {o_opdc} THEN {plus_days(started, 3)} END)"
    priority = "(CASE WHEN g % 10 = 0 THEN 80 WHEN g % 10 = 1 THEN 30 ELSE 50 END)"  # a few high, a few low
    g_of_p = "p.business_id"
    conn.execute(text(sql(
        "INSERT INTO human_task (id, instance_id, task_guid, spec_name, title, title_en, lane, role, form_key, "
        "search_text, process_id, subject, agency_id, agency_path, assignee_id, due_at, priority, status, created_at, claimed_at, "
        "completed_at, completed_by_id, comment, row_version) "
        f"SELECT :h0 + g - (:n - :t), p.id, 'bench-' || g, {step_columns(o_agency, o_opdc)}, 'manual_revision', "
        f"p.title, p.agency_id, p.agency_path, {assignee}, "
        f"{due}, {priority}, 'open', {task_created}, CASE WHEN {claimed} THEN {task_created} END, NULL, NULL, NULL, 1 "
        f"FROM (SELECT {g_of_p} AS g, p.* FROM process_instance p WHERE p.id > :p0 + :n - :t) AS p"
    )), params)
    progress(f"    human_task (open) {tasks:,} rows")
    _check_search_text(conn)
    _create_indexes(conn, deferred)
    progress(f"    {len(deferred)} indexes built")

    if dialect == "postgresql":
        for table in ("agency", "user_account", "membership", "process_instance", "human_task"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT max(id) FROM {table}))"))
    return Loaded(instances=instances, open_tasks=tasks, history_tasks=history_rows, agencies=len(agencies), ministry_id=ministry_id,
                  opdc_id=opdc_id, department_ids=department_ids, reviewer_ids=reviewer_ids, author_ids=author_ids,
                  opdc_officer_ids=opdc_officer_ids)


def _check_search_text(conn: Connection) -> None:
    """The first and last task's search text is what the app would have written (a search reads nothing else)."""
    for row in conn.execute(text("SELECT title, title_en, subject, search_text FROM human_task "
                                 "WHERE id IN ((SELECT min(id) FROM human_task), (SELECT max(id) FROM human_task))")):
        if row.search_text != task_search_text(row.title, row.title_en, row.subject):
            raise AssertionError(f"search text {row.search_text!r} is not the app's for {row.title!r}")
