"""Demo Live Chat for ``make run``: the desk's topics and service hours, an offline question answered (its
transcript on its link, rated) and one still waiting in the agent's task list.

Both questions go the way a visitor's does outside service hours (or while nobody is online): they are left for
the desk, so the demo looks the same whenever it is loaded. The live chat itself is for the newcomer to try.
"""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.chat.models import ChatSession
from app.chat.services import chat_closing, chat_queue, chats, desk_admin, steps
from app.core.extensions import db
from app.inbox.services import inbox

HOURS = {"opens_at": "08:30", "closes_at": "16:30", "accept_minutes": 5, "idle_remind_minutes": 10,
         "idle_close_minutes": 15, "offline_answer_days": 2, "default_max_chats": 3}
TOPICS = [("การลงทะเบียนผู้ค้าและหน่วยงาน", "Registration"), ("e-bidding", "e-bidding"),
          ("e-market", "e-market"), ("วิธีเฉพาะเจาะจง", "Specific method"),
          ("หลักประกันสัญญา", "Contract guarantee"), ("ราคากลาง", "Reference price"), ("อื่น ๆ", "Other")]
ANSWERED = ("vendor", "e-bidding", "ห้างหุ้นส่วน ตัวอย่างวัสดุ", "supplies@demo.ratchaflow.local",
            "ยื่นเอกสารเสนอราคาใน e-bidding แล้ว พบว่าแนบไฟล์ผิด จะแก้ไขได้หรือไม่",
            "แก้ไขได้จนถึงเวลาปิดการเสนอราคา โดยยกเลิกการเสนอราคาเดิมในระบบ e-GP แล้วยื่นใหม่ทั้งชุด "
            "เมื่อพ้นเวลาปิดการเสนอราคาแล้วระบบจะไม่รับการแก้ไขใด ๆ")
WAITING = ("agency", "หลักประกันสัญญา", "งานพัสดุ โรงพยาบาลตัวอย่าง", "procurement@demo.ratchaflow.local",
           "คู่สัญญาขอใช้หนังสือค้ำประกันอิเล็กทรอนิกส์เป็นหลักประกันสัญญา หน่วยงานต้องตรวจสอบอย่างไร")


def load(supervisor: User, agent: User) -> dict[str, ChatSession]:
    """The desk's lists and hours, and the two questions; returns them by name."""
    desk_admin.save_settings(supervisor, HOURS, None)
    known = {topic.name_th for topic in desk_admin.topics(active_only=False)}
    for position, (name_th, name_en) in enumerate(TOPICS, start=1):
        if name_th not in known:
            desk_admin.save_topic(supervisor, name_th, name_en, position)
    answered = _left_question(*ANSWERED[:5])
    task = steps.open_answer_task(answered)
    inbox.complete(agent, task, inbox.TaskAnswer({"answer": ANSWERED[5]}))
    chat_closing.rate(answered, 5, "ได้คำตอบชัดเจน ขอบคุณครับ")
    return {"answered": answered, "waiting": _left_question(*WAITING)}


def _left_question(visitor_type: str, topic: str, name: str, email: str, question: str) -> ChatSession:
    topic_id = next(t.id for t in desk_admin.topics() if t.name_th == topic)
    chat = chat_queue.start(chat_queue.StartInput(visitor_type=visitor_type, topic_id=topic_id, question=question, name=name,
                                        email=email))
    return chat_closing.leave_question(chat, question, email)


def links() -> list[tuple[str, str]]:
    """The demo questions' follow-up links (what the visitor keeps), for the command line to print."""
    found = []
    for label, question in (("answered", ANSWERED[4]), ("waiting", WAITING[4])):
        chat = db.session.scalar(select(ChatSession).where(ChatSession.question == question).limit(1))
        if chat is not None:
            found.append((label, chats.follow_url(chat)))
    return found
