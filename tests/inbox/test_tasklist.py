"""The inbox as a task list: sort, search, saved filters, and a page whose query count does not grow."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from app.accounts.models import User
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import HumanTask
from app.inbox.models import SavedFilter
from tests.helpers import answer, manual_titled, open_task, submitted_tasks, th
from workflows.engine import saving


def _ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'data-task-id="(\d+)"', page)]


@pytest.fixture
def three_tasks(demo):
    """Three of the reviewer's tasks, each first by one sort: received, due date and priority disagree."""
    early, middle, late = submitted_tasks(demo, "คู่มือเรียงลำดับ ก", "คู่มือเรียงลำดับ ข", "คู่มือเรียงลำดับ ค")
    now = utcnow()
    for task, received_days_ago, due_in_days, priority in ((early, 3, 9, 50), (middle, 2, None, 90),
                                                            (late, 1, 4, 10)):
        task.created_at = now - timedelta(days=received_days_ago)
        task.due_at = now + timedelta(days=due_in_days) if due_in_days else None
        task.priority = priority
    db.session.commit()
    return early.id, middle.id, late.id


@pytest.mark.parametrize(("query", "expected"), [
    ("", ("late", "early", "middle")),  # due soonest first, undated last
    ("&sort=due&order=desc", ("middle", "early", "late")),  # undated (never due) first when latest first
    ("&sort=received", ("late", "middle", "early")),  # newest first
    ("&sort=received&order=asc", ("early", "middle", "late")),
    ("&sort=priority", ("middle", "early", "late")),  # highest first
    ("&sort=priority&order=asc", ("late", "early", "middle")),
])
def test_the_list_sorts_by_due_date_received_and_priority(client, login, three_tasks, query, expected):
    early, middle, late = three_tasks
    by_name = {"early": early, "middle": middle, "late": late}
    login("reviewer")
    page = client.get("/tasks/?q=" + "เรียงลำดับ" + query).get_data(as_text=True)
    assert _ids(page) == [by_name[name] for name in expected]


def test_the_sort_is_in_the_address_and_the_headings_turn_it_around(client, login, three_tasks):
    login("reviewer")
    page = client.get("/tasks/?sort=received&q=เรียงลำดับ").get_data(as_text=True)
    assert '<option value="received" selected>' in page
    # the "received" heading now offers the other direction, keeping the search; the pager keeps both
    assert re.search(r'href="/tasks/\?[^"]*sort=received[^"]*order=asc[^"]*"[^>]*data-sort="received"', page)
    assert "q=%E0%B9%80" in page  # the search text travels in the heading links
    assert client.get("/tasks/?sort=nonsense&order=sideways").status_code == 200  # falls back to the default


def test_search_finds_tasks_by_title_or_subject_within_the_users_own_tasks(client, login, demo):
    submitted_tasks(demo, "คู่มือการขอหนังสือรับรองการเกิด", "คู่มือการจดทะเบียนพาณิชย์")
    login("reviewer")
    by_subject = client.get("/tasks/?q=รับรองการเกิด").get_data(as_text=True)
    assert "คู่มือการขอหนังสือรับรองการเกิด" in by_subject and "จดทะเบียนพาณิชย์" not in by_subject
    task = open_task(manual_titled("คู่มือการจดทะเบียนพาณิชย์"))
    by_title = _ids(client.get("/tasks/?q=" + task.title.split()[0]).get_data(as_text=True))
    assert task.id in by_title  # the task's own title matches too
    both_words = client.get("/tasks/?q=คู่มือการ%20พาณิชย์").get_data(as_text=True)
    assert _ids(both_words) == [task.id]  # every word must match
    assert client.get("/tasks/?q=100%25_").get_data(as_text=True).count("data-task-id=") == 0  # wildcards are text
    login("lg_reviewer")  # another agency's reviewer finds nothing of dopa's
    assert client.get("/tasks/?q=พาณิชย์").get_data(as_text=True).count("data-task-id=") == 0


def test_saved_filters_are_listed_applied_made_default_and_deleted(client, login, demo, three_tasks):
    login("reviewer")
    reviewer = demo.user("reviewer")
    answer = client.post("/tasks/filters", data={"name": "เรียงตามรับล่าสุด", "view": "available", "sort": "received",
                                                 "q": "เรียงลำดับ"})
    assert answer.status_code == 303
    saved = db.session.scalar(select(SavedFilter).where(SavedFilter.user_id == reviewer.id))
    assert saved.params == {"sort": "received", "q": "เรียงลำดับ"} and not saved.is_default
    assert db.session.get(User, reviewer.id, populate_existing=True).has_saved_filters  # the page reads them now
    page = client.get("/tasks/").get_data(as_text=True)
    assert "เรียงตามรับล่าสุด" in page
    applied = client.get("/tasks/?sort=received&q=เรียงลำดับ").get_data(as_text=True)
    assert _ids(applied) == [three_tasks[2], three_tasks[1], three_tasks[0]]
    # the default opens when "Tasks" is asked for without parameters, at an address of its own
    client.post(f"/tasks/filters/{saved.id}/default")
    opened = client.get("/tasks/")
    assert opened.status_code == 302 and "sort=received" in opened.location and "view=available" in opened.location
    assert client.get("/tasks/?view=claimed").status_code == 200  # any other address is left alone
    # nameless: refused in Thai, nothing saved
    page = client.post("/tasks/filters", data={"name": "  ", "view": "claimed"}, follow_redirects=True)
    assert th("Give the filter a name of at most 120 characters.") in page.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(SavedFilter)) == 1
    # another officer cannot touch it
    login("lg_reviewer")
    assert client.post(f"/tasks/filters/{saved.id}/delete").status_code == 404
    login("reviewer")
    client.post(f"/tasks/filters/{saved.id}/delete")
    assert db.session.scalar(select(db.func.count()).select_from(SavedFilter)) == 0
    assert not db.session.get(User, reviewer.id, populate_existing=True).has_saved_filters  # nothing to read
    page = client.get("/tasks/")
    assert page.status_code == 200 and "เรียงตามรับล่าสุด" not in page.get_data(as_text=True)


def test_the_inbox_page_query_count_is_the_same_for_5_and_50_tasks(client, login, demo, count_queries):
    already = db.session.scalar(select(db.func.count()).select_from(HumanTask).where(
        HumanTask.status == "open", HumanTask.role == "manual_reviewer", HumanTask.agency_id == demo.agency("dopa").id))
    submitted_tasks(demo, *(f"คู่มือนับ {number}" for number in range(5 - already)))
    login("reviewer")
    address = "/tasks/?sort=priority&q=คู่มือ"
    db.session.expire_all()  # both pages load what they need themselves
    with count_queries() as few:
        page = client.get(address).get_data(as_text=True)
    assert page.count("data-task-id=") == 5
    submitted_tasks(demo, *(f"คู่มือนับเพิ่ม {number}" for number in range(45)))
    db.session.expire_all()
    with count_queries() as many:
        page = client.get(address + "&page=2").get_data(as_text=True)
    assert page.count("data-task-id=") == 20
    assert len(many) == len(few), "\n\n".join(s[:150] for s in few) + "\n======\n" + "\n\n".join(s[:150] for s in many)


def test_a_diagram_gives_a_task_its_priority():
    assert saving.task_priority(None, {}) == 50
    assert saving.task_priority("80", {}) == 80
    assert saving.task_priority("90 if ticket['urgent'] else 40", {"ticket": {"urgent": False}}) == 40
    assert saving.task_priority("500", {}) == 100 and saving.task_priority("-3", {}) == 0
    assert saving.task_priority("'soon'", {}) == 50  # not a number: the default


def test_a_search_reads_a_bounded_part_of_the_list(client, login, three_tasks, monkeypatch):
    from app.inbox.services import task_lists

    monkeypatch.setattr(task_lists, "SEARCH_WINDOW", 1)
    login("reviewer")
    page = client.get("/tasks/?q=เรียงลำดับ&sort=received&order=asc").get_data(as_text=True)
    assert _ids(page) == [three_tasks[0]]  # the oldest is first in this order; the two others are past the window
    assert th("The search looks at the first %(num)s tasks of this list in its order: choose a process or an "
              "agency, or another order, to search further.", num="1") in page


def test_a_search_ignores_letter_case_and_never_matches_across_title_and_subject(client, login, demo):
    task = submitted_tasks(demo, "คู่มือค้นคำ Passport")[0]
    login("reviewer")
    for words in ("passport", "PASSPORT", "review passPort", task.title_en.split()[0].upper()):
        assert task.id in _ids(client.get("/tasks/?q=" + words).get_data(as_text=True)), words
    # the title ends and the subject begins: a "word" made of both is found in neither
    joined = task.title[-2:] + task.subject[:2]
    assert task.id not in _ids(client.get("/tasks/?q=" + joined).get_data(as_text=True))
    assert db.session.get(HumanTask, task.id).search_text == "\n".join(
        (task.title, task.title_en, task.subject)).lower()


def test_a_searched_page_past_the_last_still_counts_the_hits(app, demo, count_queries):
    from app.inbox.services import task_lists
    from app.inbox.services.task_query import TaskQuery

    submitted_tasks(demo, "คู่มือนับผลค้น 1", "คู่มือนับผลค้น 2", "คู่มือนับผลค้น 3")
    reviewer, query = demo.user("reviewer"), TaskQuery(search="นับผลค้น")
    task_lists.list_tasks(reviewer, query=query)  # their memberships, read once a request, are not the list's own
    with count_queries() as statements:
        second = task_lists.list_tasks(reviewer, page=2, per_page=2, query=query)
    assert len(second.rows) == 1 and second.total == 3 and not second.more
    with count_queries() as past_the_end:
        past = task_lists.list_tasks(reviewer, page=5, per_page=2, query=query)
    assert past.rows == [] and past.total == 3
    # The hits are counted in the page's own statement, even when it has no row to show.
    assert len(statements) == len(past_the_end) == 1, past_the_end
    assert task_lists.list_tasks(reviewer, query=TaskQuery(search="ไม่มีงานนี้")).total == 0


def test_the_agency_filter_names_each_agency_in_the_pages_language(client, login, demo):
    dopa = demo.agency("dopa")
    option = re.compile(rf'<option value="{dopa.id}"[^>]*>([^<]*)</option>')
    login("reviewer")
    assert option.search(client.get("/tasks/").get_data(as_text=True)).group(1) == dopa.name_th
    client.get("/lang/en?next=/tasks/")
    assert option.search(client.get("/tasks/").get_data(as_text=True)).group(1) == (dopa.name_en or dopa.name_th)
    client.get("/lang/th")


def test_completed_by_me_lists_the_latest_first_and_tasks_of_one_instant_newest_first(app, demo):
    from app.inbox.services import task_lists

    first, second, third = submitted_tasks(demo, "คู่มือเสร็จก่อน", "คู่มือเสร็จพร้อมกัน 1", "คู่มือเสร็จพร้อมกัน 2")
    reviewer = demo.user("reviewer")
    with time_machine.travel(utcnow(), tick=False):
        answer(first, reviewer, decision="approve")
    with time_machine.travel(utcnow() + timedelta(minutes=5), tick=False):  # two approved in the same instant
        answer(second, reviewer, decision="approve")
        answer(third, reviewer, decision="approve")
    db.session.commit()
    listed = [row.task.id for row in task_lists.list_tasks(reviewer, "completed", per_page=3).rows]
    assert listed == [third.id, second.id, first.id]
