"""The offline path by timer: a chat started outside service hours, or one nobody accepts in time, is offered to
leave a question; the question becomes an agent's task due in working time; answered, it reaches the visitor on
the follow-up link and by e-mail; unanswered, it goes to the supervisor; a holiday announced meanwhile moves its
due date (the chat's, the deadline's, the task's and the timer's)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import time_machine
from sqlalchemy import select

from app.chat.models import ChatSession, ChatStatus
from app.chat.services import steps
from app.core.calendar import WorkingDayDeadline
from app.core.extensions import db
from app.core.workflow import AuditEvent, HumanTask, ProcessInstance
from notifications.models import Notification, OutboxMessage
from tasks.jobs import send_outbox
from tests.chat.helpers import latest_chat, start_chat, working_morning
from tests.clock import BANGKOK
from tests.helpers import th
from workflows import engine
from workflows.calendar import end_of_working_day, is_working_day

ANSWER = "ใช้ได้ครับ หนังสือค้ำประกันอิเล็กทรอนิกส์ยื่นผ่านระบบ e-GP ได้ตามหนังสือเวียนที่ กค 0405.4/ว 322"
EMAIL = "somchai@example.com"


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def fire() -> None:
    engine.fire_due_timers()
    db.session.commit()


def evening() -> datetime:
    return datetime.combine(working_morning().date(), time(20, 0), tzinfo=BANGKOK)


def due_after(moment: datetime, days: int = 2) -> datetime:
    """When the desk closes (16:30, its default) on the ``days``-th working day after ``moment``'s day."""
    return end_of_working_day(moment, days).replace(hour=16, minute=30, second=0)


def answer_task(chat: ChatSession) -> HumanTask | None:
    db.session.expire_all()
    return steps.open_answer_task(chat)


def reload(chat: ChatSession) -> ChatSession:
    db.session.expire_all()
    return db.session.get(ChatSession, chat.id)


def leave(visitor, token: str, email: str = EMAIL, question: str = "ขอทราบขั้นตอนการยื่นหลักประกันสัญญา") -> None:
    response = visitor.post(f"/chat/s/{token}/question", data={"question": question, "email": email})
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]


def test_outside_service_hours_a_question_is_left_answered_and_delivered(app, client, login, demo, smtp):
    asked = evening()
    with at(asked):
        visitor = app.test_client()
        page = visitor.get("/chat/").get_data(as_text=True)
        assert 'id="chat-closed-now"' in page
        token, chat = start_chat(visitor, email="")
        assert chat.status == ChatStatus.offered and chat.agent_id is None
        page = visitor.get(f"/chat/s/{token}").get_data(as_text=True)
        assert 'id="chat-offline"' in page and " hidden" not in page.split('id="chat-offline"')[1][:20]
        assert th("The desk is closed now (office hours on working days). You may leave your question and we will "
                  "answer it on this page and by e-mail.") in page
        leave(visitor, token)

    chat = reload(chat)
    assert chat.status == ChatStatus.offline and chat.visitor_email == EMAIL
    due = due_after(asked)
    task = answer_task(chat)
    assert (task.role, task.form_key, task.spec_name) == ("chat_agent", "chat.offline_answer", "answer")
    assert task.due_at == due == chat.offline_due_at
    local = due.astimezone(BANGKOK)
    assert is_working_day(local.date()) and time(8, 30) <= local.time() <= time(16, 30)  # in working time
    deadline = db.session.scalar(select(WorkingDayDeadline).where(WorkingDayDeadline.purpose == steps.ANSWER_PURPOSE,
                                                                  WorkingDayDeadline.object_id == chat.id))
    assert deadline.status == "open" and deadline.due_at == due

    with at(asked + timedelta(hours=14)):  # the next morning
        page = visitor.get(f"/chat/s/{token}").get_data(as_text=True)
        assert 'id="chat-offline-waiting"' in page
        login("chat_agent")
        assert f'data-task-id="{task.id}"' in client.get("/tasks/").get_data(as_text=True)
        shown = client.get(f"/tasks/{task.id}").get_data(as_text=True)
        assert 'id="chat-subject"' in shown and "ขอทราบขั้นตอนการยื่นหลักประกันสัญญา" in shown
        assert chat.number in shown
        refused = client.post(f"/tasks/{task.id}", data={"answer_text": "  "})
        assert refused.status_code == 422 and answer_task(chat).id == task.id
        assert client.post(f"/tasks/{task.id}", data={"answer_text": ANSWER}).status_code == 302

    chat = reload(chat)
    assert chat.status == ChatStatus.answered and chat.offline_answer == ANSWER
    assert chat.answered_by_id == demo.user("chat_agent").id and answer_task(chat) is None
    assert db.session.get(WorkingDayDeadline, deadline.id).status == "closed"
    assert db.session.get(ProcessInstance, chat.instance_id).status == "complete"
    page = visitor.get(f"/chat/s/{token}").get_data(as_text=True)
    assert ANSWER in page and 'id="chat-rate-form"' in page
    [mail] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.dedup_key == f"chat:{chat.id}:answer"))
    assert mail.to_address == EMAIL and chat.number in mail.subject
    assert ANSWER in mail.body and f"/chat/s/{token}" in mail.body
    with at(asked + timedelta(hours=15)):
        assert send_outbox(app)["sent"] >= 1
    [delivered] = [m for m in smtp.handler.messages() if EMAIL in m["To"]]
    assert ANSWER in delivered.get_body(("plain",)).get_content()
    # The answer may be rated like a chat.
    assert visitor.post(f"/chat/s/{token}/rate", data={"rating": "5"}).status_code == 303
    assert reload(chat).rating == 5


def test_nobody_accepts_in_time_the_question_waits_and_overdue_goes_to_the_supervisor(app, client, login, demo):
    start = working_morning()
    with at(start):
        visitor = app.test_client()
        token, chat = start_chat(visitor, email="")
        assert chat.status == ChatStatus.queued
    with at(start + timedelta(minutes=4)):
        fire()
        assert reload(chat).status == ChatStatus.queued  # not yet: five minutes by default
    with at(start + timedelta(minutes=5, seconds=1)):
        fire()
        chat = reload(chat)
        assert chat.status == ChatStatus.offered
        page = visitor.get(f"/chat/s/{token}").get_data(as_text=True)
        assert 'id="chat-leave-question"' in page
        assert th("All our agents are busy. You may leave your question and we will answer it on this page and by "
                  "e-mail.") in page
        leave(visitor, token, email="")
    chat = reload(chat)
    asked = chat.offline_at
    due = due_after(asked)
    task = answer_task(chat)
    assert task.role == "chat_agent" and task.due_at == due

    with at(due - timedelta(minutes=1)):
        fire()
        assert reload(chat).escalated_at is None and answer_task(chat).id == task.id
    with at(due + timedelta(minutes=1)):
        fire()
    chat = reload(chat)
    assert chat.escalated_at is not None and chat.status == ChatStatus.offline
    escalated = answer_task(chat)
    assert (escalated.spec_name, escalated.role, escalated.form_key) == (
        "answer_escalated", "chat_supervisor", "chat.offline_answer")
    assert db.session.get(HumanTask, task.id).status != "open"
    told = db.session.scalar(select(Notification).where(Notification.user_id == demo.user("chat_super").id))
    assert told is not None and chat.number in told.subject
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "chat.escalated",
                                                      AuditEvent.object_id == chat.id)) is not None

    with at(due + timedelta(hours=1)):
        login("chat_agent")
        assert client.post(f"/tasks/{escalated.id}", data={"answer_text": ANSWER}).status_code in (403, 404)
        login("chat_super")
        assert client.post(f"/tasks/{escalated.id}", data={"answer_text": ANSWER}).status_code == 302
    chat = reload(chat)
    assert chat.status == ChatStatus.answered and chat.answered_by_id == demo.user("chat_super").id
    assert ANSWER in visitor.get(f"/chat/s/{token}").get_data(as_text=True)
    # No address was given: nothing is mailed.
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.dedup_key == f"chat:{chat.id}:answer")) is None


def test_a_holiday_announced_inside_the_due_date_moves_it(app, client, login, demo):
    asked = evening()
    with at(asked):
        visitor = app.test_client()
        token, chat = start_chat(visitor)
        leave(visitor, token)
    chat = latest_chat()
    due = due_after(asked)
    assert answer_task(chat).due_at == due
    holiday = due.astimezone(BANGKOK).date()  # the due day itself becomes a holiday

    with at(asked + timedelta(hours=14)):
        login("admin")
        response = client.post("/admin/calendar/holidays", data={"day": holiday.isoformat(),
                                                                 "name_th": "วันหยุดราชการเพิ่มเป็นกรณีพิเศษ",
                                                                 "name_en": "Special holiday"})
        assert response.status_code == 302
    moved = due_after(asked)  # by today's calendar
    assert moved > due and moved.astimezone(BANGKOK).date() != holiday
    chat = reload(chat)
    assert chat.offline_due_at == moved
    assert answer_task(chat).due_at == moved
    deadline = db.session.scalar(select(WorkingDayDeadline).where(WorkingDayDeadline.purpose == steps.ANSWER_PURPOSE,
                                                                  WorkingDayDeadline.object_id == chat.id))
    assert deadline.due_at == moved
    assert db.session.get(ProcessInstance, chat.instance_id).next_timer_at == moved
    page = visitor.get(f"/chat/s/{token}").get_data(as_text=True)
    assert 'id="chat-offline-waiting"' in page

    # The old due date passes: nothing happens; the new one passes: the supervisor has it.
    with at(due + timedelta(minutes=1)):
        fire()
        assert reload(chat).escalated_at is None
    with at(moved + timedelta(minutes=1)):
        fire()
        assert reload(chat).escalated_at is not None
        assert answer_task(chat).role == "chat_supervisor"
