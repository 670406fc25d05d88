"""The inbox lists, pages and filters tasks in a fixed number of queries, never loading a workflow."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts.services import accounts
from app.core import capabilities
from app.core.extensions import db
from app.core.workflow import HumanTask
from app.inbox.services import inbox, task_lists
from app.manuals.services import manual_revisions, manuals
from tests.helpers import complete_content, manual_titled, open_task, th
from workflows.engine import specs


def _submit_many(demo, count):
    author = demo.user("author")
    for number in range(count):
        manual = manuals.create_manual(author, title=f"คู่มือ {number}", agency_id=demo.agency("dopa").id)
        manual_revisions.submit(author, manual, title=manual.title, content=complete_content())
    db.session.commit()


def test_the_inbox_page_query_count_does_not_grow_with_rows(client, login, demo, count_queries, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the inbox must not deserialize workflows")

    login("reviewer")
    monkeypatch.setattr(specs, "deserialize", forbidden)
    with count_queries() as few:
        assert client.get("/tasks/").status_code == 200
    monkeypatch.undo()
    _submit_many(demo, 15)
    monkeypatch.setattr(specs, "deserialize", forbidden)
    with count_queries() as many:
        page = client.get("/tasks/").get_data(as_text=True)
    assert page.count("data-task-id=") == 16
    assert len(many) == len(few), (len(few), len(many))


def test_paging_and_counts(client, login, demo, app):
    _submit_many(demo, 25)
    login("reviewer")
    first = client.get("/tasks/").get_data(as_text=True)
    assert first.count("data-task-id=") == app.config["INBOX_PAGE_SIZE"]
    assert 'data-count="available">26<' in first
    second = client.get("/tasks/?page=2").get_data(as_text=True)
    assert second.count("data-task-id=") == 6


def test_views_claimed_completed_started(client, login, demo):
    reviewer = demo.user("reviewer")
    login("reviewer")
    task = task_lists.list_tasks(reviewer, "available").rows[0].task
    client.post(f"/tasks/{task.id}/claim")
    assert f'data-task-id="{task.id}"' in client.get("/tasks/?view=claimed").get_data(as_text=True)
    client.post(f"/tasks/{task.id}", data={"decision": "approve"})
    assert f'data-task-id="{task.id}"' in client.get("/tasks/?view=completed").get_data(as_text=True)
    assert f'data-task-id="{task.id}"' not in client.get("/tasks/?view=claimed").get_data(as_text=True)
    login("author")
    started = client.get("/tasks/?view=started").get_data(as_text=True)
    assert started.count("data-task-id=") >= 2  # the demo author's manuals waiting for others
    waiting = open_task(manual_titled("การแจ้งย้ายที่อยู่"))
    assert f'href="/instances/{waiting.instance_id}"' in started  # followed on the process page,
    assert client.get(f"/instances/{waiting.instance_id}").status_code == 200  # which the author may see


def test_filter_by_process_and_agency(client, login, demo):
    login("opdc")
    everything = client.get("/tasks/").get_data(as_text=True).count("data-task-id=")
    assert everything >= 1
    assert client.get("/tasks/?process=manual_revision").get_data(as_text=True).count("data-task-id=") == everything
    assert client.get("/tasks/?process=other").get_data(as_text=True).count("data-task-id=") == 0
    municipality = demo.agency("nakhon_nont").id
    assert client.get(f"/tasks/?agency={municipality}").get_data(as_text=True).count("data-task-id=") == 0
    assert client.get(f"/tasks/?agency={demo.agency('moi').id}").get_data(as_text=True).count("data-task-id=") == everything


def test_manual_list_query_count_does_not_grow(client, login, demo, count_queries):
    login("author")
    with count_queries() as few:
        client.get("/manuals/")
    _submit_many(demo, 10)
    with count_queries() as many:
        page = client.get("/manuals/").get_data(as_text=True)
    assert "คู่มือ 9" in page
    assert len(many) == len(few)


def test_a_long_list_is_counted_only_a_little_past_its_page(app, client, login, demo, monkeypatch):
    """A year's history is too long to count on every page: the count stops COUNT_AHEAD tasks past the page."""
    _submit_many(demo, 7)  # with the demo's own, 8 for the reviewer
    monkeypatch.setattr(task_lists, "COUNT_AHEAD", 5)
    monkeypatch.setitem(app.config, "INBOX_PAGE_SIZE", 3)
    reviewer = demo.user("reviewer")
    first = task_lists.list_tasks(reviewer, page=1, per_page=3)
    assert (len(first.rows), first.total, first.more) == (3, 5, True)
    last = task_lists.list_tasks(reviewer, page=3, per_page=3)
    assert (len(last.rows), last.total, last.more) == (2, 8, False)
    login("reviewer")
    page = client.get("/tasks/").get_data(as_text=True)
    assert th("Page %(page)s of %(pages)s", page=1, pages="2+") in page
    assert re.search(r'<li class="page-item"><a class="page-link" href="/tasks/\?page=2', page)  # Next is open


def test_the_process_filter_offers_the_processes_that_have_tasks(app, demo):
    specs.current_spec_key("token_issuance")  # a stored process whose diagram has no user task
    db.session.commit()
    choices = dict(task_lists.process_choices())
    assert choices["manual_revision"] == "อนุมัติฉบับปรับปรุงคู่มือสำหรับประชาชน"  # the diagram's own name
    assert "token_issuance" not in choices
    assert list(choices) == sorted(set(db.session.scalars(select(HumanTask.process_id))))


def test_a_long_queue_shows_a_capped_badge(client, login, demo, monkeypatch):
    _submit_many(demo, 7)
    monkeypatch.setattr(capabilities, "BADGE_CAP", 5)
    login("reviewer")
    page = client.get("/tasks/").get_data(as_text=True)
    assert 'data-count="available">5+<' in page
    assert page.count("data-task-id=") == 8  # the list itself is not capped


def test_the_lists_and_badges_are_each_persons_own_when_their_statements_are_shared(client, login, demo):
    """Two reviewers of one department share the menu's and the list's statements (built once a scope): each still
    counts their own claimed tasks; a role granted to one of them counts at once, in the badge and in the list."""
    reviewer = demo.user("reviewer")
    twin = accounts.create_user("reviewer_twin", "ผู้ตรวจสอบคนที่สอง", "secret-pass")
    for membership in reviewer.memberships:
        accounts.grant(twin, membership.agency_id, membership.role)
    _submit_many(demo, 3)
    inbox.claim(reviewer, db.session.get(HumanTask, task_lists.list_tasks(reviewer).rows[0].task.id))
    db.session.commit()
    mine, theirs = task_lists.counts(reviewer), task_lists.counts(twin)
    assert (mine["claimed"], theirs["claimed"]) == (1, 0) and mine["available"] == theirs["available"]
    assert task_lists.list_tasks(twin, "claimed").total == 0 and task_lists.list_tasks(reviewer, "claimed").total == 1

    lg_author = demo.user("lg_author")
    local = manuals.create_manual(lg_author, title="คู่มือเทศบาลนคร", agency_id=demo.agency("nakhon_nont").id)
    manual_revisions.submit(lg_author, local, title=local.title, content=complete_content())
    accounts.grant(twin, demo.agency("nakhon_nont").id, "manual_reviewer")
    db.session.commit()
    db.session.expire_all()  # the twin's memberships as the next request reads them
    assert task_lists.counts(twin)["available"] == theirs["available"] + 1
    assert task_lists.counts(reviewer)["available"] == mine["available"]
    login("reviewer_twin")
    page = client.get("/tasks/").get_data(as_text=True)
    assert "คู่มือเทศบาลนคร" in page and f'data-count="available">{theirs["available"] + 1}<' in page
