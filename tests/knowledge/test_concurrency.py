"""Two people acting on one entry at once: one wins, the other is told clearly, nothing is half-written."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.accounts.services import accounts
from app.core.extensions import db
from app.core.workflow import HumanTask, TaskStatus
from app.inbox.services import inbox
from app.knowledge.models import FaqEntry, FaqStatus
from app.knowledge.services import faq_entries, faq_errors
from tests.knowledge.helpers import ANSWER, QUESTION, TOPIC, actions, fresh, from_chat, open_task, review, revisions


def _second_supervisor(demo):
    user = accounts.create_user("chat_super2", "สมศรี ทบทวน (หัวหน้าทีม Live Chat)", demo.password)
    accounts.grant(user, demo.agency("cgd").id, Role.chat_supervisor.value)
    db.session.commit()
    return user


def _signed_in(app, username, password):
    browser = app.test_client()
    assert browser.post("/login", data={"username": username, "password": password}).status_code == 302
    return browser


def test_two_reviewers_deciding_the_same_proposal(app, demo):
    _second_supervisor(demo)
    entry = from_chat(demo)
    first, second = _signed_in(app, "chat_super", demo.password), _signed_in(app, "chat_super2", demo.password)
    task = open_task(entry)
    assert first.get(f"/tasks/{task.id}").status_code == 200
    assert second.get(f"/tasks/{task.id}").status_code == 200

    assert review(first, task, "approve").status_code == 302
    response = second.post(f"/tasks/{task.id}", data={"question": "คำถามที่อีกคนแก้", "answer_text": ANSWER,
                                                      "topic": TOPIC, "decision": "reject", "comment": "ซ้ำ"},
                           follow_redirects=True)
    assert "มีผู้อื่นดำเนินการงานนี้เสร็จแล้ว" in response.get_data(as_text=True)

    entry = fresh(entry)
    assert (entry.status, entry.version, entry.question) == (FaqStatus.published, 1, QUESTION)
    assert actions(entry) == ["faq.proposed", "faq.approve", "faq.published"]
    completed = db.session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.instance_id == task.instance_id, HumanTask.status == TaskStatus.completed))
    assert completed == 1


def test_two_reviewers_at_the_very_same_moment(app, demo):
    """Two threads, each its own session and connection, complete the task together: exactly one decision
    stands; the other gets an inbox refusal (a clear message), never a server error."""
    other = _second_supervisor(demo)
    entry = from_chat(demo)
    task_id, entry_id = open_task(entry).id, entry.id
    people = {"approve": demo.user("chat_super").id, "reject": other.id}
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def decide(decision: str) -> None:
        with app.app_context():
            try:
                user = db.session.get(accounts.User, people[decision])
                task = db.session.get(HumanTask, task_id)
                text = {"question": QUESTION if decision == "approve" else "คำถามที่แก้ระหว่างชน",
                        "answer": ANSWER, "topic": TOPIC}
                barrier.wait(timeout=10)
                inbox.complete(user, task, inbox.TaskAnswer({**text, "decision": decision,
                                                             "comment": "" if decision == "approve" else "ซ้ำ"}))
                db.session.commit()
                outcome[decision] = "done"
            except inbox.InboxError as refused:
                db.session.rollback()
                outcome[decision] = refused
            except Exception as failure:  # noqa: BLE001 - what the test is looking for
                db.session.rollback()
                outcome[decision] = failure
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(d,)) for d in ("approve", "reject")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [d for d, v in outcome.items() if v == "done"]
    losers = [v for v in outcome.values() if v != "done"]
    assert len(winners) == 1, outcome
    assert all(isinstance(v, inbox.InboxError) for v in losers), outcome

    db.session.expire_all()
    entry = db.session.get(FaqEntry, entry_id)
    decided = [a for a in actions(entry) if a in ("faq.approve", "faq.reject")]
    assert decided == [f"faq.{winners[0]}"]
    assert [r.state for r in revisions(entry)] == ["approved" if winners[0] == "approve" else "rejected"]
    assert entry.status == (FaqStatus.published if winners[0] == "approve" else FaqStatus.rejected)
    assert "faq.edited_in_review" not in actions(entry) or winners[0] == "reject"
    assert entry.question == QUESTION or winners[0] == "reject"


def test_two_supervisors_changing_a_published_entry(app, demo):
    _second_supervisor(demo)
    entry = from_chat(demo)
    first, second = _signed_in(app, "chat_super", demo.password), _signed_in(app, "chat_super2", demo.password)
    review(first, open_task(entry), "approve")
    entry = fresh(entry)
    loaded = entry.lock_version
    assert first.get(f"/knowledge/{entry.id}/edit").status_code == 200
    assert second.get(f"/knowledge/{entry.id}/edit").status_code == 200
    assert first.post(f"/knowledge/{entry.id}/edit", data={"question": QUESTION, "answer_text": ANSWER + " ก",
                                                           "topic": TOPIC, "lock_version": loaded}).status_code == 302
    response = second.post(f"/knowledge/{entry.id}/edit", data={"question": QUESTION, "answer_text": ANSWER + " ข",
                                                                "topic": TOPIC, "lock_version": loaded})
    assert response.status_code == 409
    assert "มีผู้อื่นแก้ไขรายการนี้ในเวลาเดียวกัน" in response.get_data(as_text=True)
    assert [r.answer for r in revisions(entry)] == [ANSWER, ANSWER + " ก"]
    # Withdrawing with what was loaded before the change is refused the same way.
    response = second.post(f"/knowledge/{entry.id}/withdraw", data={"reason": "เก่าแล้ว", "lock_version": loaded})
    assert response.status_code == 409 and fresh(entry).status == FaqStatus.published


def test_one_chat_answer_is_proposed_once(app, demo):
    entry = from_chat(demo, ref="chat-9:msg-1")
    with pytest.raises(faq_errors.AlreadyProposed) as again:
        from_chat(demo, ref="chat-9:msg-1")
    db.session.rollback()
    assert again.value.entry_id == entry.id
    assert db.session.scalar(select(func.count()).select_from(FaqEntry).where(FaqEntry.source_kind == "chat")) == 1


def test_one_chat_answer_proposed_twice_at_the_same_moment(app, demo):
    agent_id = demo.user("chat_agent").id
    barrier = threading.Barrier(2)
    outcome: list[object] = []

    def press() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                faq_entries.propose(QUESTION, ANSWER, source_kind="chat", source_ref="chat-3:msg-3",
                                  proposed_by_id=agent_id, topic=TOPIC)
                db.session.commit()
                outcome.append("done")
            except faq_errors.KnowledgeError as refused:
                db.session.rollback()
                outcome.append(refused)
            except Exception as failure:  # noqa: BLE001 - what the test is looking for
                db.session.rollback()
                outcome.append(failure)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcome.count("done") == 1, outcome
    assert all(isinstance(v, faq_errors.AlreadyProposed | faq_errors.EntryChangedMeanwhile)
               for v in outcome if v != "done"), outcome
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(FaqEntry).where(
        FaqEntry.source_ref == "chat-3:msg-3")) == 1
