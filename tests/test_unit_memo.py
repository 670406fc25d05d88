"""Values read once per unit of work (``app.core.unit_memo``): kept through the unit, never past what changed it."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.core.extensions import db
from app.core.unit_memo import memo


def _counter():
    calls = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    return compute


def test_a_value_outlives_a_released_savepoint_but_not_a_rolled_back_one_nor_the_transaction(app, demo):
    compute = _counter()
    assert memo("value", compute) == 1
    with db.session.begin_nested():  # the engine's unit of work on one instance, the timer job's per instance
        assert memo("value", compute) == 1
    assert memo("value", compute) == 1
    savepoint = db.session.begin_nested()
    savepoint.rollback()  # what was read inside may have been undone
    assert memo("value", compute) == 2
    db.session.commit()
    assert memo("value", compute) == 3
    db.session.execute(select(1))  # the next transaction
    db.session.rollback()
    assert memo("value", compute) == 4


def test_a_flush_writing_what_a_value_depends_on_reads_it_again(app, demo):
    compute = _counter()
    assert memo("people", compute, depends_on=(User,)) == 1
    demo.user("reviewer").display_name = "ผู้ตรวจสอบ (เปลี่ยนชื่อ)"
    db.session.flush()
    assert memo("people", compute, depends_on=(User,)) == 2
    db.session.rollback()
