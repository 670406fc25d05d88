"""A chat's transcript as a Thai PDF (the project's letter renderer, ``notifications.letters``), and by e-mail.

Only what the visitor saw: never an internal note."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.chat.models import ChatSession, ChatTopic, MessageKind
from app.chat.services import chat_messages, chats
from app.chat.services.errors import InvalidInput
from app.core.extensions import db
from notifications import letters, queue_mail

SENDER = ["กรมบัญชีกลาง", "ถนนพระรามที่ ๖ แขวงพญาไท", "เขตพญาไท กรุงเทพมหานคร ๑๐๔๐๐"]
WHO = {MessageKind.visitor: "ผู้ติดต่อ", MessageKind.agent: "เจ้าหน้าที่", MessageKind.system: "ระบบ"}


def pdf(chat: ChatSession) -> bytes:
    topic = db.session.get(ChatTopic, chat.topic_id)
    lines = []
    for message in chat_messages.messages_for(chat, staff=False, limit=5000):
        who = message["author"] or WHO.get(message["kind"], "")
        files = "".join(f" [ไฟล์: {a['name']}]" for a in message["attachments"])
        lines.append(f"{message['at']} น. {who}: {message['body']}{files}")
    letter = letters.Letter(
        reference=f"Live Chat {chat.number}", sender_address=SENDER, date=chat.created_at,
        subject=f"บันทึกการสนทนา Live Chat เรื่อง {topic.name_th if topic else ''}",
        addressee=chat.visitor_name or "ผู้ติดต่อ", paragraphs=lines or ["-"],
        signer_name="ทีม Live Chat", signer_position="คณะทำงานบริหารจัดการความรู้ด้านการจัดซื้อจัดจ้าง",
        closing="", footer=["กลุ่มงานตอบคำถามด้านการจัดซื้อจัดจ้าง กรมบัญชีกลาง"],
        qr_url=chats.follow_url(chat), qr_caption=["เปิดการสนทนานี้"])
    return letters.build(letter)


def mail(chat: ChatSession, address: str | None) -> None:
    """E-mail the transcript (its PDF attached) to ``address``, or to the address the visitor gave."""
    address = chats.clean_line(address, "email", chats.EMAIL_MAX) or chat.visitor_email
    if not address or not chats.EMAIL.match(address):
        raise InvalidInput(_l("Enter a valid e-mail address."), field="email")
    from sqlalchemy import func, select

    from notifications.models import OutboxMessage

    sent = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.dedup_key.like(f"chat:{chat.id}:transcript:%"))) or 0
    if sent >= 5:
        raise InvalidInput(_l("The transcript has been sent too many times."), field="email")
    queue_mail(dedup_key=f"chat:{chat.id}:transcript:{sent + 1}", to_address=address,
               subject=f"[{chat.number}] บันทึกการสนทนา Live Chat",
               body="\n".join(["เรียน " + (chat.visitor_name or "ผู้ติดต่อ"), "",
                               "บันทึกการสนทนาของท่านกับ Live Chat กรมบัญชีกลางอยู่ในไฟล์แนบ",
                               "เปิดการสนทนาได้ที่ (โปรดเก็บลิงก์นี้ไว้เป็นความลับ):", chats.follow_url(chat)]),
               attachment=(f"{chat.number}.pdf", "application/pdf", pdf(chat)))
