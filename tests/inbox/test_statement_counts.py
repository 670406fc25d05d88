"""What the requests a reviewer makes all day cost in SQL statements, pinned so that none creeps back: the pages
(the person, their memberships and the menu's counts ride along), a task's completion (the engine's unit of work
with its domain step) and a review reminder fired by the timer job.

Each request is counted from an empty session, as a server's new request starts."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from app.accounts.services import accounts
from app.core.api import scopes_of
from app.core.extensions import db
from app.core.workflow import AuditEvent
from notifications.models import Notification
from tests.clock import SUITE_START
from tests.helpers import submitted_tasks
from workflows import engine
from workflows.calendar import add_working_days

APPROVE = {"decision": "approve", "comment": ""}
# The most each may send (SQLite and PostgreSQL differ where PostgreSQL writes several rows in one INSERT).
INBOX_PAGE = 4  # the person and memberships, the list's rows with their count, the filters' choices, the menu (no
# saved filters: nothing to read)
TASK_PAGE = 9  # and the task with its instance, what it is about (the manual, its revision, lists, returns), who could take it
API_TASK_LIST = 2  # the token with its person and memberships, the rows with their count (nobody to act for)
INSTANCE_API = 4  # the token, the instance, its tasks, its history (with who did each thing)
INSTANCE_PAGE = 5  # the person, the instance, its tasks, its history, the menu
COMPLETION = {"sqlite": 15, "postgresql": 15}
REMINDER = 11  # one due review reminder fired, the batch's own query included
# Each more in the batch: whether its reviewers were told, its state. The rest, once a batch (their revisions' titles
# and open tasks too).
REMINDER_EACH_MORE = 2


def _counted(count_queries, send):
    db.session.expunge_all()
    with count_queries() as statements:
        response = send()
    return response, statements


def _database(app) -> str:
    return "postgresql" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "sqlite"


def _available_badge(page: str) -> int:
    return int(re.search(r'data-count="available">(\d+)<', page).group(1))


def test_a_reviewers_pages_and_completion_cost_a_fixed_few_statements(app, client, login, demo, count_queries):
    shown, done = (task.id for task in submitted_tasks(demo, "คู่มือนับคำสั่ง 1", "คู่มือนับคำสั่ง 2"))
    login("reviewer")
    page, sent = _counted(count_queries, lambda: client.get("/tasks/?page=1"))
    assert page.status_code == 200 and len(sent) <= INBOX_PAGE, sent
    before = _available_badge(page.get_data(as_text=True))
    response, sent = _counted(count_queries, lambda: client.get(f"/tasks/{shown}"))
    assert response.status_code == 200 and len(sent) <= TASK_PAGE, sent
    response, sent = _counted(count_queries, lambda: client.post(f"/tasks/{done}", data=APPROVE))
    assert response.status_code == 302 and len(sent) <= COMPLETION[_database(app)], sent
    # The menu's count is read afresh: the reviewer sees their own completion at once.
    assert _available_badge(client.get("/tasks/?page=1").get_data(as_text=True)) == before - 1


def test_the_api_lists_and_completes_in_as_few(app, client, login, demo, count_queries):
    listed, done = (task.id for task in submitted_tasks(demo, "คู่มือนับคำสั่ง API 1", "คู่มือนับคำสั่ง API 2"))
    _row, plain = accounts.create_api_token(demo.user("reviewer"), "นับคำสั่ง", scopes=tuple(scopes_of(app)))
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    client.get("/api/v1/tasks", headers=headers)  # the token's first use is written (once a minute at most)
    response, sent = _counted(count_queries, lambda: client.get("/api/v1/tasks", headers=headers))
    assert response.status_code == 200 and len(sent) <= API_TASK_LIST, sent
    assert listed in [item["id"] for item in response.get_json()["items"]]
    # From a browser signed in as the same person: the token brought the person, the session reads them no more.
    login("reviewer")
    response, sent = _counted(count_queries, lambda: client.get("/api/v1/tasks", headers=headers))
    assert response.status_code == 200 and len(sent) <= API_TASK_LIST, sent
    response, sent = _counted(count_queries, lambda: client.post(f"/api/v1/tasks/{done}/complete",
                                                                 json=APPROVE, headers=headers))
    assert response.status_code == 200 and len(sent) <= COMPLETION[_database(app)], sent
    assert response.get_json()["task"]["status"] == "completed"


def test_an_instances_status_reads_its_tasks_once(app, client, login, demo, count_queries):
    instance_id = submitted_tasks(demo, "คู่มือนับคำสั่งสถานะ")[0].instance_id
    _row, plain = accounts.create_api_token(demo.user("reviewer"), "นับคำสั่งสถานะ", scopes=tuple(scopes_of(app)))
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    client.get(f"/api/v1/instances/{instance_id}", headers=headers)  # the token's first use is written
    response, sent = _counted(count_queries, lambda: client.get(f"/api/v1/instances/{instance_id}", headers=headers))
    assert response.status_code == 200 and len(sent) <= INSTANCE_API, sent
    assert [task["title"] for task in response.get_json()["tasks"]] == ["ตรวจสอบคู่มือ (ขั้นที่ 1)"]
    login("reviewer")
    page, sent = _counted(count_queries, lambda: client.get(f"/instances/{instance_id}"))
    assert page.status_code == 200 and len(sent) <= INSTANCE_PAGE, sent
    assert "ตรวจสอบคู่มือ (ขั้นที่ 1)" in page.get_data(as_text=True)


def test_a_review_reminder_costs_a_fixed_few_statements(app, demo, count_queries):
    # Submitted two weeks before the demo's own reviews, so that this reminder is the first one due whatever the
    # day (a day before a weekend gives both the same deadline, and the demo's may fire first).
    submitted = SUITE_START - timedelta(days=14)
    with time_machine.travel(submitted, tick=False):
        instance_id = submitted_tasks(demo, "คู่มือนับคำสั่งเตือน")[0].instance_id
    with time_machine.travel(add_working_days(submitted, 3) + timedelta(minutes=1), tick=False):
        fired, sent = _counted(count_queries, lambda: engine.fire_due_timers(batch_size=1))
        db.session.commit()
    assert fired == 1 and len(sent) <= REMINDER, sent
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.instance_id == instance_id,
                                                         AuditEvent.task_name == "notify_agency_reminder")) is not None


def test_a_batch_of_reminders_reads_whom_to_tell_once_and_tells_each_of_them(app, demo, count_queries):
    # The timer job fires a batch in one transaction, in one savepoint: the reviewers of the department are read
    # for the first reminder and kept until the batch commits.
    submitted = SUITE_START - timedelta(days=14)
    titles = ("คู่มือเตือนชุดหนึ่ง", "คู่มือเตือนชุดสอง", "คู่มือเตือนชุดสาม")
    with time_machine.travel(submitted, tick=False):
        instance_ids = [task.instance_id for task in submitted_tasks(demo, *titles)]
    reviewers = accounts_with_role(demo, "manual_reviewer")
    with time_machine.travel(add_working_days(submitted, 3) + timedelta(minutes=1), tick=False):
        fired, sent = _counted(count_queries, lambda: engine.fire_due_timers(batch_size=3))
        db.session.commit()
    assert fired == 3
    assert len([statement for statement in sent if re.search(r"FROM user_account JOIN membership", statement)]) == 1
    assert len([statement for statement in sent if re.search(r"FROM manual_revision", statement)]) == 1
    # The batch's audit rows in one INSERT; nobody's task came or went, so the open task rows are not read again.
    assert len([statement for statement in sent if statement.startswith("INSERT INTO audit_event")]) == 1
    assert len([statement for statement in sent if statement.startswith("SAVEPOINT")]) == 1  # not one each
    for table in ("notification", "outbox"):
        assert len([statement for statement in sent if statement.startswith(f"INSERT INTO {table} ")]) == 1, table
    assert len(sent) <= REMINDER + 2 * REMINDER_EACH_MORE, sent
    assert not [statement for statement in sent if re.search(r"SELECT human_task\.id, human_task\.instance_id", statement)]
    for title in titles:
        told = db.session.scalars(select(Notification.user_id).where(Notification.subject.contains(title))).all()
        assert sorted(told) == reviewers, title
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.instance_id.in_(instance_ids), AuditEvent.task_name == "notify_agency_reminder")) == 3


def accounts_with_role(demo, role: str) -> list[int]:
    """The active users holding ``role`` at the demo department or above it."""
    from app.accounts.models import Membership

    return sorted(set(db.session.scalars(select(Membership.user_id).where(
        Membership.role == role, Membership.active,
        Membership.agency_id.in_(demo.agency("dopa").ancestor_ids())))))
