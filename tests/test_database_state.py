"""The suite's own machinery: the demo a test gets back from the saved rows is the demo a fresh load makes."""

from __future__ import annotations

import re

import time_machine
from sqlalchemy import select

from app import demo as demo_data
from app.accounts.services import accounts
from app.core.extensions import db
from app.org.services import agencies
from tests import database_state
from tests.clock import SUITE_START

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RANDOM_EACH_LOAD = {("user_account", "password_hash")}  # salted


def _every_row() -> dict[str, list[tuple]]:
    """Every row of every table; the workflow engine's task ids (random) numbered by first appearance."""
    guids: dict[str, str] = {}

    def plain(value):
        if isinstance(value, str):
            return UUID.sub(lambda m: guids.setdefault(m.group(0), f"guid-{len(guids)}"), value)
        return value

    rows = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if (table.name, c.name) not in RANDOM_EACH_LOAD]
        ordered = select(*columns).order_by(*table.primary_key.columns)
        rows[table.name] = [tuple(plain(v) for v in row) for row in db.session.execute(ordered)]
    return rows


def test_the_restored_demo_is_a_fresh_load(app, demo):
    restored = _every_row()
    assert restored["user_account"] and restored["process_instance"] and restored["human_task"]
    database_state.reset()
    assert not _every_row()["user_account"]
    with time_machine.travel(SUITE_START, tick=False):
        demo_data.load("secret-pass")
        db.session.commit()
    assert _every_row() == restored
    assert accounts.authenticate("author", "secret-pass") is not None


def test_saved_rows_come_back_with_their_id_counters(app, demo):
    saved = database_state.save()
    next_id = _new_agency_id()
    database_state.reset()
    database_state.restore(saved)
    assert _new_agency_id() == next_id
    db.session.rollback()


def _new_agency_id() -> int:
    agency = agencies.create(kind="department", name_th="กรมทดสอบลำดับเลข")
    db.session.flush()
    return agency.id
