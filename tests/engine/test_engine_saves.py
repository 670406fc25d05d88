"""One request, one save: every help-desk action and every task completion loads its workflow once and writes it
back in one UPDATE of ``process_instance``, with the audit rows of that save in one INSERT."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import time_machine
from sqlalchemy import event, select

from app.accounts.models import RoleToken
from app.core.extensions import db
from app.core.workflow import HumanTask, ProcessInstance, TaskStatus
from app.helpdesk.services import helpdesk_desk, helpdesk_intake
from app.licensing.models import DelayRecord, UnlockRequest
from app.licensing.services import licensing
from tasks import jobs
from tests.helpdesk.test_helpdesk_lifecycle import _act, _triage
from tests.helpdesk.test_helpdesk_services import bkk, reload, report_input, staff
from tests.helpers import editor_post, open_task
from tests.manuals.test_manual_approval_http import _create_and_submit
from workflows import engine


@dataclass
class Writes:
    saves: Counter = field(default_factory=Counter)  # instance id → UPDATE statements of its row
    audit_inserts: int = 0  # INSERT statements into audit_event


@contextmanager
def counting_writes():
    """What one request writes: the UPDATEs of each workflow instance, and the INSERT statements of audit rows."""
    writes = Writes()

    def before(conn, cursor, statement, parameters, context, executemany):
        text = statement.lstrip().upper()
        if text.startswith("UPDATE PROCESS_INSTANCE"):
            for params in context.compiled_parameters:
                writes.saves[params["process_instance_id"]] += 1
        elif text.startswith("INSERT INTO AUDIT_EVENT"):
            writes.audit_inserts += 1

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield writes
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _saved_once(writes: Writes, *instance_ids: int) -> None:
    assert dict(writes.saves) == dict.fromkeys(instance_ids, 1)


def _report() -> tuple:
    ticket, token = helpdesk_intake.report(report_input(), None)
    db.session.commit()
    return ticket, token


def test_every_help_desk_action_saves_the_workflow_once_with_its_audit_in_one_insert(client, login):
    people = staff()
    with time_machine.travel(bkk(2027, 3, 1, 9, 0), tick=False):
        ticket, token = _report()
        duplicate, _ = _report()
        early, _ = _report()
        target, _ = _report()
        instance, number = ticket.instance_id, ticket.number
        with counting_writes() as writes:
            _triage(client, login, ticket, people, priority="high")  # a new priority moves all four SLA timers
        _saved_once(writes, instance)
        assert writes.audit_inserts == 1
        login("hd_super")
        _triage(client, login, duplicate, people)

    def agent(action, body):
        login("hd_agent")
        return _act(client, number, action, body)

    def reporter(path, **data):
        client.post("/logout", data={})
        return client.post(f"/ir/follow/{token}/{path}", data=data)

    # Actions that change the workflow: each one load and one save, however many timers and messages it takes.
    workflow_actions = [
        ("priority", lambda: client.post(f"/helpdesk/tickets/{number}/priority", data={"priority": "urgent"})),
        ("ask", lambda: agent("ask", "ขอภาพหน้าจอ")),
        ("resolve while waiting", lambda: agent("resolve", "แก้ไขแล้ว")),  # resume, answered, pause, resolve
        ("reopen", lambda: reporter("reopen", reason="ยังใช้ไม่ได้")),
        ("ask again", lambda: agent("ask", "ขอข้อมูลเพิ่ม")),
        ("reporter reply", lambda: reporter("reply", body="แนบแล้ว")),
        ("resolve", lambda: agent("resolve", "เรียบร้อย")),
        ("confirm", lambda: reporter("confirm")),
        ("merge", lambda: client.post(f"/helpdesk/tickets/{duplicate.number}/merge", data={"target": target.number})),
        ("merge before triage", lambda: client.post(f"/helpdesk/tickets/{early.number}/merge",
                                                    data={"target": target.number})),
    ]
    # Actions that leave the workflow as it is: no load, no save.
    ticket_only = [
        ("note", lambda: agent("note", "บันทึกภายใน")),
        ("reply", lambda: agent("reply", "กำลังตรวจสอบ")),
        ("assign", lambda: client.post(f"/helpdesk/tickets/{number}/assign",
                                       data={"assignee_id": str(people["hd_agent2"].id), "team_id": "0"})),
    ]
    with time_machine.travel(bkk(2027, 3, 1, 10, 0), tick=False):
        login("hd_agent")
        for name, action in ticket_only + workflow_actions:
            if name.startswith("merge"):
                login("hd_agent")
            with counting_writes() as writes:
                response = action()
            assert response.status_code in (302, 303), (name, response.get_data(as_text=True)[:500])
            acted_on = {"merge": duplicate, "merge before triage": early}.get(name, ticket)
            if name in {"note", "reply", "assign"}:
                assert not writes.saves, name
            else:
                assert dict(writes.saves) == {acted_on.instance_id: 1}, name
            assert writes.audit_inserts == 1, name
    assert reload(ticket).status == "closed"
    assert reload(duplicate).status == reload(early).status == "merged"
    assert helpdesk_desk.triage_task(early) is None


def test_manual_review_approve_and_return_save_once(client, login, demo):
    manual = _create_and_submit(client, login, demo)
    login("reviewer")
    task = open_task(manual)
    with counting_writes() as returned:
        assert client.post(f"/tasks/{task.id}", data={"decision": "return", "comment": "เพิ่มเอกสาร"}).status_code == 302
    login("author")
    client.post(f"/manuals/{manual.id}/revisions")
    assert editor_post(client, manual, action="submit", criteria="แก้แล้ว").status_code == 302
    login("reviewer")
    with counting_writes() as approved:
        assert client.post(f"/tasks/{open_task(manual).id}", data={"decision": "approve"}).status_code == 302
    _saved_once(returned, task.instance_id)
    _saved_once(approved, task.instance_id)
    assert returned.audit_inserts == approved.audit_inserts == 1


def test_an_unlock_decision_saves_once(app, client, login, demo):
    point = demo.agency("sp_muang")
    with time_machine.travel(bkk(2027, 3, 11, 0, 30)):
        jobs.run(app, "lock_periods")
    with time_machine.travel(bkk(2027, 4, 7, 10, 0)):
        login("spoint")
        assert client.post(f"/licensing/2027/2/points/{point.id}/unlock",
                           data={"reason": "ระบบเครือข่ายขัดข้อง"}).status_code == 302
    unlock = db.session.scalar(select(UnlockRequest).order_by(UnlockRequest.id.desc()).limit(1))
    task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == unlock.instance_id,
                                                     HumanTask.status == TaskStatus.open))
    with time_machine.travel(bkk(2027, 4, 8, 10, 0)):
        login("opdc")
        with counting_writes() as writes:
            assert client.post(f"/tasks/{task.id}", data={"decision": "approve", "comment": "อนุมัติ"}).status_code == 302
    _saved_once(writes, unlock.instance_id)
    assert writes.audit_inserts == 1


def test_a_delay_update_and_a_decision_save_once(client, login, demo):
    point = demo.agency("sp_muang")
    start = bkk(2027, 2, 1, 10, 0)
    form = {"reference": "นบ 0001/2570", "applicant_name": "นายสมปอง รอคอย", "applicant_email": "s@example.org",
            "process_id": str(licensing.processes_for(point)[0].id), "promised_days": "15",
            "received_on": "2027-01-15", "reason": "รอความเห็น", "expected_decision_on": "2027-03-31"}
    with time_machine.travel(start):
        login("spoint")
        assert client.post(f"/delays/points/{point.id}/new", data=form).status_code == 302
    delay = db.session.scalar(select(DelayRecord).order_by(DelayRecord.id.desc()).limit(1))
    with time_machine.travel(start + timedelta(days=7, minutes=30)):
        engine.fire_due_timers()
        db.session.commit()
        task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == delay.instance_id,
                                                         HumanTask.status == TaskStatus.open))
        with counting_writes() as update:
            assert client.post(f"/tasks/{task.id}", data={"outcome": "pending", "reason": "ยังรอ",
                                                           "expected": ""}).status_code == 302
    with time_machine.travel(start + timedelta(days=9)), counting_writes() as decision:
        assert client.post(f"/delays/{delay.id}/decision", data={"decision": "approved"}).status_code == 302
    _saved_once(update, delay.instance_id)
    _saved_once(decision, delay.instance_id)
    assert update.audit_inserts == 1
    assert decision.audit_inserts == 2  # the decision's own row (a conditional UPDATE first), then the save's


def test_issuing_and_refreshing_a_token_save_each_instance_once(client, login, demo):
    login("central")
    with counting_writes() as issued:
        assert client.post("/admin/tokens", data={"role": "manual_author", "agency_id": str(demo.agency("dopa").id),
                                                  "service_point_id": ""}).status_code == 302
    old = db.session.scalar(select(RoleToken).order_by(RoleToken.id.desc()).limit(1))
    with counting_writes() as refreshed:
        assert client.post(f"/admin/tokens/{old.id}/refresh").status_code == 302
    new = db.session.scalar(select(RoleToken).order_by(RoleToken.id.desc()).limit(1))
    _saved_once(issued, old.instance_id)  # inserted, then saved once after its first engine steps
    _saved_once(refreshed, old.instance_id, new.instance_id)  # the new one starts, the old one is told
    assert db.session.get(ProcessInstance, old.instance_id).status == "complete"
