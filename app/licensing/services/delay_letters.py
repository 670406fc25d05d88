"""What a delay notice says: the e-mail and the official letter (หนังสือแจ้งเรื่องล่าช้า), printable for post.

Each notice of ``app/services/delays.py`` is e-mailed with its letter attached and prints as a Thai external
letter from the service point to the applicant, numbered in the service point's outgoing-letter register
(``app/org/services/letter_register.py``) when the notice is issued. The letter is made from the stored notice and
its register entry, so a reprint reads as the letter that was sent. The lookup code and the status link are printed beside the QR code in
Latin letters and digits, as they are typed; everything else uses Thai numerals.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from app.core import settings, thai_dates
from app.core.extensions import db
from app.licensing.models import DelayDecision, DelayNotice, DelayRecord, NoticeKind
from app.org.models import OutgoingLetter
from app.org.services import letter_register
from notifications import letters

LAW = "มาตรา ๑๐ แห่งพระราชบัญญัติการอำนวยความสะดวกในการพิจารณาอนุญาตของทางราชการ พ.ศ.\u00a0๒๕๕๘"
DECISION_SENTENCE = {
    DelayDecision.approved: "ผลการพิจารณา อนุญาตตามคำขอ",
    DelayDecision.refused: "ผลการพิจารณา ไม่อนุญาตตามคำขอ",
    DelayDecision.withdrawn: "ท่านได้ถอนคำขอแล้ว จึงยุติการพิจารณา",
}
KIND_SUBJECT = {
    NoticeKind.first: "แจ้งเหตุแห่งความล่าช้าในการพิจารณาคำขอ",
    NoticeKind.update: "แจ้งความคืบหน้าและเหตุแห่งความล่าช้าในการพิจารณาคำขอ",
    NoticeKind.final: "แจ้งผลการพิจารณาคำขอ",
}
LETTER_KIND = "delay_notice"
letter_register.declare_kind(LETTER_KIND, _l("Delay notice"))
APPLICANT_WITHHELD = "ผู้ยื่นคำขอ (สำเนาไม่แสดงชื่อและที่อยู่ของผู้ยื่นคำขอ)"
DECISION_TH = {DelayDecision.approved: "อนุญาต", DelayDecision.refused: "ไม่อนุญาต",
               DelayDecision.withdrawn: "ผู้ยื่นคำขอถอนคำขอ"}


def status_url(delay: DelayRecord) -> str:
    """The applicant's status page for this application, the code included (what the letter's QR code carries)."""
    return settings.external_url("public.delay_status", ref=delay.reference, code=delay.lookup_code)


def _thai_date(day: date) -> str:
    return f"{day.day}/{day.month}/{thai_dates.buddhist_year(day.year)}"


def email_text(delay: DelayRecord, notice: DelayNotice, *, with_applicant: bool = True) -> tuple[str, str]:
    """The notice as the applicant reads it (Thai: the letter to a citizen is always in Thai); OPDC's copy
    leaves the applicant's name out."""
    subject = f"{KIND_SUBJECT[notice.kind]} เลขที่ {delay.reference} (ฉบับที่ {notice.number})"
    lines = [f"เรียน {delay.applicant_name if with_applicant else APPLICANT_WITHHELD}", "",
             f"คำขอ {delay.process.name_th} เลขที่ {delay.reference} ยื่นเมื่อ {_thai_date(delay.received_on)} "
             f"(ระยะเวลาตามคู่มือสำหรับประชาชน {delay.promised_days} วัน)"]
    if notice.kind == NoticeKind.final:
        lines.append(f"ผลการพิจารณา: {DECISION_TH.get(notice.decision or '', notice.decision or '')}")
    else:
        lines += ["คำขอของท่านยังอยู่ระหว่างการพิจารณา" if notice.restated else None,
                  f"เหตุแห่งความล่าช้า: {notice.reason}",
                  f"คาดว่าจะพิจารณาแล้วเสร็จภายใน {_thai_date(notice.expected_decision_on)}"
                  if notice.expected_decision_on else ""]
    lines += ["", f"ตรวจสอบสถานะได้ด้วยรหัส {delay.lookup_code} ที่ {status_url(delay)}", delay.agency.name_th]
    return subject, "\n".join(line for line in lines if line is not None)


def file_name(notice: DelayNotice) -> str:
    return f"delay-{notice.delay_id}-notice-{notice.number}.pdf"


def _paragraphs(delay: DelayRecord, notice: DelayNotice) -> list[str]:
    received = letters.thai_date(delay.received_on)
    opening = (f"ตามที่ท่านได้ยื่นคำขอ{delay.process.name_th} เลขที่ {delay.reference} เมื่อวันที่ {received} "
               f"ซึ่งคู่มือสำหรับประชาชนกำหนดระยะเวลาการพิจารณาไว้ {delay.promised_days} วัน ความละเอียดแจ้งแล้ว นั้น")
    if notice.kind == NoticeKind.final:
        decided = letters.thai_date(delay.decided_at or notice.issued_at)
        outcome = DECISION_SENTENCE.get(notice.decision or "", notice.decision or "")
        note = f" ({' '.join(delay.decision_note.split())})" if delay.decision_note else ""
        body = f"บัดนี้ {delay.agency.name_th} ได้พิจารณาคำขอของท่านแล้วเสร็จเมื่อวันที่ {decided} {outcome}{note}"
    else:
        expected = letters.thai_date(notice.expected_decision_on) if notice.expected_decision_on else "-"
        still = "ยังอยู่ระหว่างการพิจารณา " if notice.restated else ""
        body = (f"บัดนี้ การพิจารณาคำขอของท่าน{still}ยังไม่แล้วเสร็จ เนื่องจาก{' '.join(notice.reason.split())} "
                f"ทั้งนี้ คาดว่าจะพิจารณาแล้วเสร็จภายในวันที่ {expected} และจะแจ้งเหตุแห่งความล่าช้าให้ท่านทราบ"
                f"ทุก ๗ วันจนกว่าจะพิจารณาแล้วเสร็จ ตาม{LAW} โดยส่งสำเนาให้สำนักงาน ก.พ.ร. ทราบทุกครั้ง")
    return [opening, body,
            "ท่านตรวจสอบสถานะคำขอได้ทางอินเทอร์เน็ต โดยสแกนคิวอาร์โค้ดท้ายหนังสือนี้ "
            "หรือกรอกเลขที่คำขอและรหัสตรวจสอบที่พิมพ์ไว้ข้างคิวอาร์โค้ด",
            "จึงเรียนมาเพื่อโปรดทราบ"]


def registered(notice: DelayNotice) -> OutgoingLetter:
    """The notice's entry in the service point's outgoing-letter register (its number), made when it is issued.

    The register names the application, not the applicant: OPDC reads it too."""
    delay = notice.delay
    return letter_register.issue(sender=delay.agency, kind=LETTER_KIND, object_id=notice.id,
                                 subject=f"{KIND_SUBJECT[notice.kind]} (ฉบับที่ {notice.number})",
                                 addressee=f"ผู้ยื่นคำขอเลขที่ {delay.reference}", issued_at=notice.issued_at,
                                 issued_by_id=delay.recorded_by_id)


def letter_of(notice: DelayNotice, *, with_applicant: bool = True) -> letters.Letter:
    """The notice as a letter, numbered from the register; OPDC's copy names no applicant (personal data stays
    with the service point)."""
    return letter_with_number(notice, registered(notice), with_applicant=with_applicant)


def applicant_pdf(notice_id: int) -> bytes:
    """The letter of a notice as its applicant's e-mail carries it (made by the outbox after the notice's commit)."""
    return letters.build(letter_of(db.session.get(DelayNotice, notice_id)))


def letter_with_number(notice: DelayNotice, entry: OutgoingLetter, *, with_applicant: bool = True) -> letters.Letter:
    """The notice as a letter carrying the register entry ``entry``'s number and sender."""
    delay, sender = notice.delay, entry.sender
    return letters.Letter(
        reference=letter_register.reference(entry),
        sender_address=letter_register.sender_address(sender),
        date=notice.issued_at,
        subject=f"{KIND_SUBJECT[notice.kind]} (ฉบับที่ {notice.number})",
        addressee=delay.applicant_name if with_applicant else APPLICANT_WITHHELD,
        refers_to=f"คำขอ{delay.process.name_th} เลขที่ {delay.reference} "
                  f"ลงวันที่ {letters.thai_date(delay.received_on)}",
        paragraphs=_paragraphs(delay, notice),
        signer_name=delay.recorded_by.display_name,
        signer_position=f"เจ้าหน้าที่{sender.name_th}",
        footer=[*letter_register.contact_lines(sender), "สำเนาส่ง สำนักงาน ก.พ.ร."],
        qr_url=status_url(delay),
        qr_caption=["ตรวจสอบสถานะคำขอ", f"เลขที่ {delay.reference}", f"รหัสตรวจสอบ {delay.lookup_code}"],
    )
