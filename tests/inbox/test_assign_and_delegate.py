"""Handing tasks over: assign to a colleague, claim several at once, an acting officer while one is away."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.services import accounts
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import AuditEvent, HumanTask
from app.inbox.models import TaskDelegation
from app.inbox.services import delegations, inbox
from tests.helpers import submitted_tasks, th


def _colleague(demo, username="reviewer2", role="manual_reviewer", agency="dopa"):
    user = accounts.create_user(username, f"สมศรี {username}", demo.password)
    accounts.grant(user, demo.agency(agency).id, role)
    db.session.commit()
    return user


def _flashes(page: str) -> str:
    return " ".join(re.findall(r'class="alert[^"]*"[^>]*>(.*?)<', page, re.S))


# --- assign ------------------------------------------------------------------------------------------------


def test_a_task_is_assigned_only_to_a_colleague_of_its_role_and_agency(client, login, demo):
    colleague = _colleague(demo)
    task = submitted_tasks(demo, "คู่มือมอบงาน")[0]
    login("reviewer")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    offered = re.search(r'<select[^>]*id="assignee".*?</select>', page, re.S).group(0)
    assert colleague.display_name in offered and "ประเสริฐ ตรวจทาน" in offered
    assert "อรุณ เทศบาล" not in offered and "วิภา เขียนคู่มือ" not in offered  # other agency, other role
    # a wrong colleague, posted by hand: refused in Thai, nothing changed
    for wrong in (demo.user("lg_reviewer"), demo.user("author")):
        answer = client.post(f"/tasks/{task.id}/assign", data={"assignee": wrong.id}, follow_redirects=True)
        assert th("This person cannot take the task: only a colleague holding the task's role at its agency can. "
                  "Choose someone from the list.") in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee_id is None
    answer = client.post(f"/tasks/{task.id}/assign", data={"assignee": colleague.id}, follow_redirects=True)
    assert th("The task is now with %(name)s.", name=colleague.display_name) in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee_id == colleague.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "task.assigned",
                                                       AuditEvent.human_task_id == task.id))
    assert event.actor_id == demo.user("reviewer").id and event.after["assignee_id"] == colleague.id
    # now the colleague's: the reviewer can no longer hand it on, the colleague can give it back to the queue
    answer = client.post(f"/tasks/{task.id}/assign", data={"assignee": demo.user("reviewer").id},
                         follow_redirects=True)
    assert th("%(name)s has claimed this task; only they can complete it now.",
              name=colleague.display_name) in answer.get_data(as_text=True)
    login("reviewer2")
    client.post(f"/tasks/{task.id}/unclaim")
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).assignee_id is None


# --- bulk claim ----------------------------------------------------------------------------------------------


def test_bulk_claim_claims_each_free_task_and_says_which_one_someone_else_took(client, login, demo):
    colleague = _colleague(demo)
    first, taken, third = submitted_tasks(demo, "คู่มือรับหลายงาน 1", "คู่มือรับหลายงาน 2", "คู่มือรับหลายงาน 3")
    login("reviewer")
    page = client.get("/tasks/?q=รับหลายงาน").get_data(as_text=True)
    assert page.count('name="task"') == 3 and 'form="bulk-claim"' in page
    # meanwhile the colleague claims the second one
    inbox.claim(colleague, db.session.get(HumanTask, taken.id))
    db.session.commit()
    answer = client.post("/tasks/claim", data={"task": [first.id, taken.id, third.id],
                                               "next": "/tasks/?q=รับหลายงาน"})
    assert answer.status_code == 303 and answer.location.startswith("/tasks/?q=")  # back to the same list
    page = client.get(answer.location).get_data(as_text=True)
    assert th("Claimed %(num)s tasks.", num=2) in page
    assert th("%(name)s has claimed this task; only they can complete it now.", name=colleague.display_name) in page
    assert "คู่มือรับหลายงาน 2" in _flashes(page)
    db.session.expire_all()
    reviewer = demo.user("reviewer")
    assert [db.session.get(HumanTask, task.id).assignee_id for task in (first, taken, third)] == [
        reviewer.id, colleague.id, reviewer.id]
    assert client.post("/tasks/claim", data={}, follow_redirects=True).status_code == 200  # nothing ticked


def test_bulk_claim_leaves_a_task_changed_at_the_same_moment_untouched(app, demo):
    """A colleague's claim lands after the officer's list was read: the optimistic lock keeps it; that task is
    reported, the others are claimed."""
    from app.inbox.services import assignment

    colleague = _colleague(demo)
    first, raced = submitted_tasks(demo, "คู่มือชนกัน 1", "คู่มือชนกัน 2")  # read: their rows are in this session now
    reviewer = demo.user("reviewer")
    with db.engine.begin() as other_connection:  # the colleague's own transaction, committed meanwhile
        other_connection.execute(HumanTask.__table__.update().where(HumanTask.id == raced.id)
                                 .values(assignee_id=colleague.id, row_version=HumanTask.row_version + 1))
    with app.test_request_context():
        outcomes = assignment.bulk_claim(reviewer, [raced.id, first.id])
    db.session.commit()
    assert [outcome.claimed for outcome in outcomes] == [False, True]
    assert outcomes[0].message == th("Someone else acted on this task at the same moment. Reload and check before "
                                     "trying again.")
    db.session.expire_all()
    assert db.session.get(HumanTask, first.id).assignee_id == reviewer.id
    assert db.session.get(HumanTask, raced.id).assignee_id == colleague.id  # the colleague's claim stands


# --- delegation while away ------------------------------------------------------------------------------


def test_an_acting_officer_does_the_absent_officers_tasks_only_during_the_period(client, login, demo):
    colleague = _colleague(demo)
    task = submitted_tasks(demo, "คู่มือระหว่างลา")[0]
    reviewer = demo.user("reviewer")
    login("reviewer")
    client.post(f"/tasks/{task.id}/claim")
    today = delegations.today()
    page = client.get("/tasks/delegations/").get_data(as_text=True)
    assert colleague.display_name in page and 'type="date"' in page
    # a wrong colleague and a backwards period are refused in Thai
    answer = client.post("/tasks/delegations/", data={"acting": demo.user("author").id,
                                                      "starts_on": today.isoformat(), "ends_on": today.isoformat()})
    assert answer.status_code == 422
    assert th("Only a colleague holding one of your roles at your agency can act for you. Choose someone from the "
              "list.") in answer.get_data(as_text=True)
    answer = client.post("/tasks/delegations/", data={"acting": colleague.id, "starts_on": "2026-13-40",
                                                      "ends_on": ""})
    assert answer.status_code == 422
    starts, ends = today + timedelta(days=1), today + timedelta(days=3)
    answer = client.post("/tasks/delegations/", data={"acting": colleague.id, "starts_on": starts.isoformat(),
                                                      "ends_on": ends.isoformat()}, follow_redirects=True)
    assert th("%(name)s will act for you on your tasks for the period you gave.",
              name=colleague.display_name) in answer.get_data(as_text=True)
    delegation = db.session.scalar(select(TaskDelegation))
    db.session.expire_all()
    assert db.session.get(User, colleague.id).acting_until == ends  # what tells their pages to look
    answer = client.post("/tasks/delegations/", data={"acting": colleague.id, "starts_on": ends.isoformat(),
                                                      "ends_on": ends.isoformat()})
    assert answer.status_code == 422  # overlaps the first

    login("reviewer2")
    assert f'data-task-id="{task.id}"' not in client.get("/tasks/?view=claimed").get_data(as_text=True)
    assert client.post(f"/tasks/{task.id}", data={"decision": "approve"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(HumanTask, task.id).status == "open"  # not yet: the period starts tomorrow

    with time_machine.travel(utcnow() + timedelta(days=1), tick=False):
        claimed = client.get("/tasks/?view=claimed").get_data(as_text=True)
        assert f'data-task-id="{task.id}"' in claimed  # the absent officer's claimed task
        page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
        assert th("You are acting for %(name)s, who is away: what you do here is recorded as done for them.",
                  name=reviewer.display_name) in page
        assert client.post(f"/tasks/{task.id}", data={"decision": "approve"}).status_code == 302
    db.session.expire_all()
    done = db.session.get(HumanTask, task.id)
    assert done.status == "completed" and done.completed_by_id == colleague.id
    acting = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "task.acting_for"))
    assert (acting.actor_id, acting.after["acting_for_id"], acting.after["did"]) == (
        colleague.id, reviewer.id, "task.completed")

    other = submitted_tasks(demo, "คู่มือหลังลา")[0]
    with time_machine.travel(utcnow() + timedelta(days=4), tick=False):  # the period has ended by itself
        login("reviewer")
        client.post(f"/tasks/{other.id}/claim")
        login("reviewer2")
        assert f'data-task-id="{other.id}"' not in client.get("/tasks/?view=claimed").get_data(as_text=True)
        assert client.get(f"/tasks/{other.id}").status_code == 200  # the role queue is theirs anyway,
        assert client.post(f"/tasks/{other.id}", data={"decision": "approve"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(HumanTask, other.id).status == "open"  # but not the reviewer's claimed task

    # the delegating officer can end a delegation early; the acting officer cannot
    login("reviewer2")
    client.post(f"/tasks/delegations/{delegation.id}/cancel")
    db.session.expire_all()
    assert db.session.get(TaskDelegation, delegation.id).cancelled_at is None
    login("reviewer")
    client.post(f"/tasks/delegations/{delegation.id}/cancel")
    db.session.expire_all()
    assert db.session.get(TaskDelegation, delegation.id).cancelled_at is not None
    with time_machine.travel(utcnow() + timedelta(days=1), tick=False):  # inside the period it had
        login("reviewer2")
        assert f'data-task-id="{other.id}"' not in client.get("/tasks/?view=claimed").get_data(as_text=True)
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "task_delegation")))
    assert actions == {"delegation.created", "delegation.cancelled"}


def test_the_jobs_page_shows_run_results_as_labelled_values(client, login, demo, app):
    from tasks import jobs
    from tasks.models import JobRun

    db.session.add(JobRun(job="send_outbox", started_at=utcnow(), finished_at=utcnow(), outcome="ok",
                          result=jobs.stored_result({"sent": 3, "skipped": 0, "retry": 1, "failed": 0})))
    db.session.add(JobRun(job="fire_timers", started_at=utcnow(), finished_at=utcnow(), outcome="ok",
                          result="{'old': 1}"))  # a run recorded before as Python's own text
    db.session.commit()
    login("admin")
    page = client.get("/admin/jobs/").get_data(as_text=True)
    assert "{" not in re.sub(r"<script.*?</script>|<style.*?</style>", "", page, flags=re.S)
    assert f"{th('Sent')} 3 · {th('Skipped')} 0 · {th('To be tried again')} 1 · {th('Given up')} 0" in page
