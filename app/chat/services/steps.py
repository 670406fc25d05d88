"""The chat diagram's service tasks (``workflows/chat_session.bpmn``), the offline answer's task, and what
follows a holiday announced while an offline question waits.

Timers: ``queue["accept_by"]`` (nobody accepted within the desk's ``accept_minutes``: the visitor is offered to
leave a question), ``queue["offer_until"]`` (the offer lapses), ``idle["check_at"]`` (the visitor's silence is
looked at: a reminder first, then the chat is closed), ``rating_until`` (the rating window) and
``offline_due_at`` (the offline answer is due, in working days, tracked with ``calendar_admin.track_deadline``
so that a holiday announced meanwhile moves it; overdue, the question goes to the supervisor).
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.chat.models import ChatSession, ChatStatus
from app.chat.services import chat_closing, chat_messages, chat_queue, chats, desk_admin, events
from app.chat.services.errors import ChatNotFound, InvalidInput
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import HumanTask, record_audit
from app.inbox.services import inbox
from app.org.services import calendar_admin
from notifications import notify, queue_mail
from workflows.calendar import BANGKOK, end_of_working_day
from workflows.operations import OperationContext, operation

OFFER_HOURS = 24
RATING_DAYS = 7
ANSWER_PURPOSE = "chat.offline_answer"
ANSWER_MAX = 10000


def _chat(chat_id: int) -> ChatSession:
    chat = db.session.get(ChatSession, chat_id)
    if chat is None:
        raise ChatNotFound()
    return chat


def _iso(moment) -> str:
    return moment.astimezone(BANGKOK).isoformat()


@operation("chat.queued")
def queued(ctx: OperationContext, chat_id: int) -> dict:
    """Inside service hours the chat waits ``accept_minutes`` for an agent; outside them it is offered at once."""
    now = utcnow()
    row = desk_admin.current()
    return {"in_hours": desk_admin.in_service_hours(now, row),
            "accept_by": _iso(now + timedelta(minutes=row.accept_minutes)),
            "offer_until": _iso(now + timedelta(hours=OFFER_HOURS))}


@operation("chat.offer_offline")
def offer_offline(ctx: OperationContext, chat_id: int) -> bool:
    chat = _chat(chat_id)
    if chat.status != ChatStatus.queued:
        return False
    chat.status = ChatStatus.offered
    in_hours = desk_admin.in_service_hours(utcnow())
    chat_messages.system_message(chat, _l("All our agents are busy. You may leave your question and we will answer it on "
                                  "this page and by e-mail.") if in_hours else
                         _l("The desk is closed now (office hours on working days). You may leave your question "
                            "and we will answer it on this page and by e-mail."))
    events.publish(db.session, events.chat_room(chat.id), "status", chat_queue.status_payload(chat))
    events.publish(db.session, events.DESK, "desk_changed", {})
    record_audit("chat.offered", instance_id=ctx.instance_id, object_type=chats.BUSINESS_TYPE, object_id=chat.id,
                 after={"in_hours": in_hours})
    return True


@operation("chat.abandon")
def abandon(ctx: OperationContext, chat_id: int) -> bool:
    chat = _chat(chat_id)
    if chat.status in (ChatStatus.queued, ChatStatus.offered):
        chat.status, chat.closed_at, chat.closed_by = ChatStatus.abandoned, utcnow(), "timeout"
        events.publish(db.session, events.chat_room(chat.id), "status", chat_queue.status_payload(chat))
        events.publish(db.session, events.DESK, "desk_changed", {})
    return True


@operation("chat.idle_times")
def idle_times(ctx: OperationContext, chat_id: int) -> dict:
    chat = _chat(chat_id)
    row = desk_admin.current()
    if chat.reminded_at is not None:
        check = chat.reminded_at + timedelta(minutes=row.idle_close_minutes)
    else:
        check = (chat.last_visitor_at or chat.accepted_at or utcnow()) + timedelta(minutes=row.idle_remind_minutes)
    return {"check_at": _iso(max(check, utcnow()))}


@operation("chat.check_idle")
def check_idle(ctx: OperationContext, chat_id: int) -> str:
    """``"closed"`` (ended after the reminder, or by someone meanwhile), or ``"active"`` (the loop goes on)."""
    chat = _chat(chat_id)
    if chat.status != ChatStatus.active:
        return "closed"
    row, now = desk_admin.current(), utcnow()
    last = chat.last_visitor_at or chat.accepted_at or now
    if chat.reminded_at is None:
        if now >= last + timedelta(minutes=row.idle_remind_minutes):
            chat.reminded_at = now
            chat_messages.system_message(chat, _l("Are you still there? The chat will end in %(minutes)d minutes if we "
                                          "hear nothing from you.", minutes=row.idle_close_minutes))
            db.session.flush()
        return "active"
    if now >= chat.reminded_at + timedelta(minutes=row.idle_close_minutes) and last <= chat.reminded_at:
        chat_closing._close(chat, "idle", None)
        return "closed"
    return "active"


@operation("chat.rating_window")
def rating_window(ctx: OperationContext, chat_id: int) -> str:
    return _iso(utcnow() + timedelta(days=RATING_DAYS))


# --- the offline question ------------------------------------------------------------------------------------------


@operation("chat.offline_due")
def offline_due(ctx: OperationContext, chat_id: int) -> str:
    """Due when the desk closes on the ``offline_answer_days``-th working day after the question's day: a due
    date in working time whenever the question was left (in the evening, on a holiday)."""
    chat = _chat(chat_id)
    now = utcnow().replace(microsecond=0)
    row = desk_admin.current()
    days = row.offline_answer_days
    closes = desk_admin.clock(row.closes_at)
    due = end_of_working_day(now, days).replace(hour=closes.hour, minute=closes.minute, second=0)
    calendar_admin.track_deadline(purpose=ANSWER_PURPOSE, starts_at=now, working_days=days, due_at=due,
                                  object_type=chats.BUSINESS_TYPE, object_id=chat.id, instance_id=ctx.instance_id,
                                  timer_variable="offline_due_at")
    chat.offline_due_at = due
    return _iso(due)


@calendar_admin.on_moved(ANSWER_PURPOSE)
def _due_moved(deadline, before, after, actor) -> None:
    """A holiday announced meanwhile moved the answer's due date: the chat shows the one the task has."""
    chat = db.session.get(ChatSession, deadline.object_id)
    if chat is not None:
        chat.offline_due_at = after


def _supervisors() -> list[User]:
    return [u for u in desk_admin.agents() if desk_admin.is_supervisor(u)]


@operation("chat.escalate")
def escalate(ctx: OperationContext, chat_id: int) -> bool:
    chat = _chat(chat_id)
    chat.escalated_at = utcnow()
    calendar_admin.close_deadline(ANSWER_PURPOSE, chats.BUSINESS_TYPE, chat.id)
    notify(_supervisors(), subject=_l("Overdue offline question %(number)s", number=chat.number),
           body=_l("Nobody answered this Live Chat question in time; it is now in your task list."),
           dedup_key=f"chat:{chat.id}:escalated")
    record_audit("chat.escalated", instance_id=ctx.instance_id, object_type=chats.BUSINESS_TYPE, object_id=chat.id)
    return True


@operation("chat.deliver_answer")
def deliver_answer(ctx: OperationContext, chat_id: int) -> bool:
    """The answer goes on the follow-up page (a message of the chat) and, when an address was given, by e-mail."""
    chat = _chat(chat_id)
    calendar_admin.close_deadline(ANSWER_PURPOSE, chats.BUSINESS_TYPE, chat.id)
    chat.status = ChatStatus.answered
    chat_messages._store(chat, "agent", chat.offline_answer or "", author=None,
                 author_name=db.session.get(User, chat.answered_by_id).display_name if chat.answered_by_id else None,
                 client_ref=None)
    events.publish(db.session, events.chat_room(chat.id), "status", chat_queue.status_payload(chat))
    if chat.visitor_email:
        with force_locale("th"):
            subject = f"[{chat.number}] " + str(_l("The answer to your question"))
            body = "\n".join([str(_l("Dear %(name)s,", name=chat.visitor_name or str(_l("visitor")))), "",
                              str(_l("Your question:")), chat.offline_question or chat.question, "",
                              str(_l("Our answer:")), chat.offline_answer or "", "",
                              str(_l("The answer is also on this page (keep the link to yourself):")),
                              chats.follow_url(chat), "",
                              str(_l("Live Chat, the Comptroller General's Department"))])
        queue_mail(dedup_key=f"chat:{chat.id}:answer", to_address=chat.visitor_email, subject=subject, body=body)
    record_audit("chat.answered", instance_id=ctx.instance_id, object_type=chats.BUSINESS_TYPE, object_id=chat.id,
                 after={"mailed": bool(chat.visitor_email)})
    return True


@inbox.on_complete("chat.offline_answer")
def _answered(task: HumanTask, answer: inbox.TaskAnswer, user: User) -> dict:
    text = chats.clean_text(answer.data.get("answer"), "answer", ANSWER_MAX, required=True,
                            missing=_l("Write the answer."))
    chat = _chat_of(task)
    with chats.conflicts_reported():
        chat.offline_answer, chat.answered_at, chat.answered_by_id = text, utcnow(), user.id
        db.session.flush()
    return {task.spec_name: {"answered": True}}


def _chat_of(task: HumanTask) -> ChatSession:
    from app.core.workflow import ProcessInstance

    instance = db.session.get(ProcessInstance, task.instance_id)
    chat = db.session.get(ChatSession, instance.business_id) if instance else None
    if chat is None:
        raise InvalidInput(_l("There is no such chat."), field="answer")
    return chat


@inbox.subject_provider(chats.BUSINESS_TYPE)
def _subject(instance) -> dict:
    chat = db.session.get(ChatSession, instance.business_id)
    return {"chat": chat, "chat_messages": chat_messages.messages_for(chat, staff=True) if chat else []}


def open_answer_task(chat: ChatSession) -> HumanTask | None:
    from app.core.workflow import TaskStatus

    return db.session.scalar(select(HumanTask).where(HumanTask.instance_id == chat.instance_id,
                                                     HumanTask.status == TaskStatus.open))
