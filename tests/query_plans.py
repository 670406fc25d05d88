"""Whether the app's statements find their rows by an index: SQLite's plan of each statement a test makes the app
send, checked for reading a growing table whole (or by its status alone, which a busy year makes nearly whole).

Every test that uses the app is checked (``tests/conftest.py``); the statements a test's own code sends (to set up
or check) are not the app's and are not looked at, nor is the demo's loading. PostgreSQL plans by its statistics,
which a test's few rows do not have: the check runs on SQLite only. A read that must take a whole table says why
in ``ALLOWED``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from sqlalchemy import event

from app.core.extensions import db

# Tables that grow with the country's work, year after year.
GROWING = frozenset({
    "audit_event", "chat_message", "chat_session", "delay_notice", "delay_record", "human_task", "licence_report",
    "manual", "manual_revision", "notification", "outbox", "process_instance", "rating", "ticket", "ticket_message",
    "unlock_request", "user_account", "working_day_deadline",
})
# Of these, the open rows too are a country's worth (every open task, deadline, instance): found by status alone,
# they are read nearly whole.
OPEN_ROWS_GROW = frozenset({"human_task", "process_instance", "working_day_deadline"})
# Reads that may take a whole table (by the app's file and function, or a whole folder), and why.
ALLOWED = {
    "app/reports/services/": "summary reports: their facts are summed whole into tallies, by jobs and on export",
    "app/org/services/calendar_admin.py _recompute_deadlines":
        "a holiday added or cancelled (an administrator's rare change): every open deadline over that day",
    "app/helpdesk/services/helpdesk_sla.py _calendar_changed": "the same for the IR reports' clocks",
    "app/org/services/org.py rehang": "an agency moved (an administrator's rare change): the work it holds",
    "app/org/services/agency_admin.py held": "an agency closed or merged (rare): the work it still holds",
    "app/org/services/agency_admin.py merge": "the same, handed to the agency it merges into",
    "app/public/services/public_index.py rebuild_all": "the public index rebuilt whole (a command)",
    "app/ratings/services/fold.py fold_batch": "the ratings not yet folded, off their partial index only",
    "app/ratings/services/fold.py tail": "the same",
    "app/ratings/services/recount.py rebuild": "an administrator's recount of every rating",
    "app/ratings/services/recount.py _scopes": "the same",
    "app/core/conflicts.py flush_or_conflict": "a question set deleted (rare): SQLite checks no rating refers to it",
    "app/helpdesk/services/helpdesk_desk.py queue_counts":
        "a queue the officer has no team for counts WHERE 0 = 1, which SQLite plans as a scan and never runs",
    "app/helpdesk/services/helpdesk_desk.py list_tickets": "the desk's 'all' queue and text search read every report",
    "app/licensing/services/delay_register.py register": "OPDC's register exported whole (a page reads in order)",
    "app/licensing/services/delays.py department_delays":
        "a nationwide officer's department view is every delay in the country (not yet paged)",
    "app/manuals/services/manuals.py list_manuals":
        "a nationwide officer's list counts every manual (bench/manuals_scale.py: at national size)",
    "app/inbox/services/task_lists.py list_tasks":
        "an officer with a nationwide role and an agency's: SQLite reads the open tasks off one index, where "
        "PostgreSQL joins the roles' index ranges (bench/inbox_scale.py: at national size)",
    "app/inbox/services/task_lists.py counts": "the same, for the menu's counts",
}
_WHOLE = re.compile(r"^SCAN (\w+)(?: AS \w+)?(?P<in_order> USING (?:COVERING )?INDEX)?(?! USING INTEGER PRIMARY KEY)")
_BY_STATUS_ALONE = re.compile(r"^SEARCH (\w+)(?: AS \w+)? USING (?:COVERING )?INDEX \w+ \((?:status|state)=\?\)$")
ROOT = Path(__file__).resolve().parents[1]
_APP_CODE = tuple(str(ROOT / part) for part in ("app", "workflows", "notifications", "forms", "tasks"))


def _sent_by_the_app() -> str | None:
    """The innermost frame of the project's code that sent the statement, if it is the app's (not a test's)."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(str(ROOT)) and "/.venv/" not in filename:
            if filename.startswith(_APP_CODE) and not filename.endswith("app/demo.py"):  # the demo: a test's setup
                return f"{Path(filename).relative_to(ROOT)} {frame.f_code.co_name}"
            return None
        frame = frame.f_back
    return None


def unindexed_reads(statement: str, plan: list[str]) -> list[str]:
    """The plan's steps that read a growing table whole (in an index's order is a page when the statement has a
    LIMIT), or the open rows of one by their status alone."""
    paged = " LIMIT " in statement
    found = []
    for step in plan:
        if (whole := _WHOLE.match(step)) and whole.group(1) in GROWING and not (whole.group("in_order") and paged):
            found.append(step)
        elif (by_status := _BY_STATUS_ALONE.match(step)) and by_status.group(1) in OPEN_ROWS_GROW:
            found.append(step)
    return found


@pytest.fixture
def indexed_reads(app):
    if db.engine.dialect.name != "sqlite":
        yield
        return
    planned: set[str] = set()
    found: dict[str, tuple[str, list[str]]] = {}

    def before(conn, cursor, statement, parameters, context, executemany):
        if executemany or statement in planned or not statement.lstrip()[:6].upper().startswith(
                ("SELECT", "UPDATE", "DELETE", "WITH")):
            return
        planned.add(statement)
        origin = _sent_by_the_app()
        if origin is None or origin in ALLOWED or origin.rsplit("/", 1)[0] + "/" in ALLOWED:
            return
        plan = [row[3] for row in cursor.connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters or ())]
        if steps := unindexed_reads(statement, plan):
            found[statement] = (origin, steps)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert not found, "statements that read a growing table without an index:\n" + "\n".join(
        f"  {origin}: {'; '.join(steps)}\n    {' '.join(statement.split())[:300]}"
        for statement, (origin, steps) in found.items())
