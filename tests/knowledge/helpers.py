"""Finding the FAQ's review tasks the way the inbox does, and proposing as Live Chat would."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.core.workflow import AuditEvent, HumanTask, ProcessInstance, TaskStatus
from app.knowledge.models import FaqEntry, FaqRevision
from app.knowledge.services import faq_entries

QUESTION = "ค้ำประกันสัญญาด้วยหนังสือค้ำประกันอิเล็กทรอนิกส์ได้หรือไม่"
ANSWER = ("ได้ ผู้ชนะการเสนอราคาขอให้ธนาคารออกหนังสือค้ำประกันอิเล็กทรอนิกส์ผ่านระบบ e-GP "
          "แล้วหน่วยงานตรวจสอบสถานะในระบบได้ทันที")
TOPIC = "หลักประกันสัญญา"


def open_task(entry: FaqEntry, spec_name: str | None = None) -> HumanTask | None:
    query = (select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
             .where(ProcessInstance.business_type == "faq_entry", ProcessInstance.business_id == entry.id,
                    HumanTask.status == TaskStatus.open))
    if spec_name:
        query = query.where(HumanTask.spec_name == spec_name)
    return db.session.scalar(query)


def from_chat(demo, ref: str = "chat-7:msg-42", question: str = QUESTION, answer: str = ANSWER,
              topic: str | None = TOPIC, agent: str = "chat_agent") -> FaqEntry:
    """What Live Chat does when an agent marks an answer "propose as FAQ": the service, then one commit."""
    entry = faq_entries.propose(question, answer, source_kind="chat", source_ref=ref,
                              proposed_by_id=demo.user(agent).id, topic=topic,
                              source_label="แชต #7 ข้อความ #42")
    db.session.commit()
    return entry


def fresh(entry: FaqEntry) -> FaqEntry:
    db.session.expire_all()
    return db.session.get(FaqEntry, entry.id)


def revisions(entry: FaqEntry) -> list[FaqRevision]:
    return list(db.session.scalars(select(FaqRevision).where(FaqRevision.entry_id == entry.id)
                                   .order_by(FaqRevision.number)))


def actions(entry: FaqEntry) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "faq_entry", AuditEvent.object_id == entry.id, AuditEvent.action.like("faq.%"))
        .order_by(AuditEvent.id)))


def review(client, task, decision: str, comment: str = "", **text):
    """The supervisor's answer on the task page: the text as the form shows it (or as they changed it)."""
    values = {"question": text.get("question", QUESTION), "answer_text": text.get("answer", ANSWER),
              "topic": text.get("topic", TOPIC), "decision": decision, "comment": comment}
    return client.post(f"/tasks/{task.id}", data=values)
