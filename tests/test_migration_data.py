"""Migrations that fill a new column from the rows already there: run from the revision before, on rows written
then, as an existing installation upgrades."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flask_migrate import upgrade

MIGRATIONS = str(Path(__file__).resolve().parents[1] / "migrations")


def _app(another_app, tmp_path):
    """An app on a new SQLite file (the suite's other settings, its rate limits' store among them)."""
    database = tmp_path / "upgraded.sqlite"
    return another_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}"), database


def test_the_inbox_search_text_is_filled_for_the_tasks_already_there(another_app, tmp_path):
    app, database = _app(another_app, tmp_path)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="8e5d2c4b7a10")
    with sqlite3.connect(database) as conn:  # the rows as the version before wrote them (no instance needed here)
        conn.executemany(
            "INSERT INTO human_task (instance_id, task_guid, spec_name, process_id, title, title_en, subject, "
            "agency_id, agency_path, status, created_at, row_version, priority) "
            "VALUES (1, ?, 'review', 'manual_revision', ?, ?, ?, 1, '/1/', 'open', '2026-12-01 00:00:00', 1, 50)",
            [("guid-1", "ตรวจสอบคู่มือ", "Review Manual", "คู่มือ Passport"),
             ("guid-2", "ตรวจสอบคู่มือ", None, "คู่มือ ฉบับที่ 2")])
    with app.app_context():
        upgrade(directory=MIGRATIONS)
    with sqlite3.connect(database) as conn:
        filled = dict(conn.execute("SELECT task_guid, search_text FROM human_task ORDER BY task_guid").fetchall())
    assert filled == {"guid-1": "ตรวจสอบคู่มือ\nreview manual\nคู่มือ passport",
                      "guid-2": "ตรวจสอบคู่มือ\n\nคู่มือ ฉบับที่ 2"}


def test_the_last_day_each_officer_acts_for_another_is_filled_from_the_delegations(another_app, tmp_path):
    app, database = _app(another_app, tmp_path)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="4d7b9e2c6a18")
    with sqlite3.connect(database) as conn:
        conn.executemany("INSERT INTO user_account (id, username, display_name, locale, active, created_at) "
                         "VALUES (?, ?, ?, 'th', 1, '2026-12-01 00:00:00')",
                         [(1, "away", "ผู้ลา"), (2, "acting", "ผู้รักษาการ"), (3, "nobody", "ไม่มีใครฝาก")])
        conn.executemany("INSERT INTO task_delegation (delegator_id, acting_id, starts_on, ends_on, created_at, "
                         "cancelled_at) VALUES (1, 2, ?, ?, '2026-12-01 00:00:00', ?)",
                         [("2026-12-01", "2026-12-10", None), ("2027-01-05", "2027-01-09", None),
                          ("2026-12-01", "2027-03-01", "2026-12-02 00:00:00")])  # the longest was cancelled
    with app.app_context():
        upgrade(directory=MIGRATIONS)
    with sqlite3.connect(database) as conn:
        filled = dict(conn.execute("SELECT username, acting_until FROM user_account").fetchall())
    assert filled == {"away": None, "acting": "2027-01-09", "nobody": None}
