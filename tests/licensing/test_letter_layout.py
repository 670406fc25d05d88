"""The letters against the layout of the Regulation on Correspondence (ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ),
read from where poppler places each line of the PDF (docs/letters.md describes the rules)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from reportlab.lib.units import cm

from notifications import letters
from tests.helpers import PlacedText, approved_unlock, nfkc, pdf_layout
from workflows.calendar import BANGKOK

TOLERANCE = 1.5  # points
LEFT, RIGHT = 3 * cm, 2 * cm  # the page's margins


def bkk(*parts) -> datetime:
    return datetime(*parts, tzinfo=BANGKOK)


def _find(spans: list[PlacedText], text: str, *, last: bool = False) -> PlacedText:
    found = ([span for span in spans if span.text == nfkc(text)]
             or [span for span in spans if span.text.startswith(nfkc(text))])
    assert found, (text, [span.text for span in spans])
    return found[-1 if last else 0]


def check_layout(body: bytes, *, reference: str, address: list[str], date_text: str, signer: str, position: str,
                 contact: list[str], labels: tuple[str, ...] = ("เรื่อง", "เรียน")) -> None:
    """The placement rules, each as docs/letters.md states it."""
    width, height, spans = pdf_layout(body)
    block_left, middle = LEFT, (LEFT + width - RIGHT) / 2  # the text block, 3 cm from the left, 2 cm from the right
    # Nothing leaves the margins.
    assert all(span.left >= LEFT - TOLERANCE and span.right <= width - RIGHT + TOLERANCE for span in spans), [
        (span.text, span.left, span.right) for span in spans
        if span.left < LEFT - TOLERANCE or span.right > width - RIGHT + TOLERANCE]

    # 1. "ที่" and the number at the top left, on the first line of the page.
    number_label, number = _find(spans, "ที่"), _find(spans, reference)
    assert number_label.top == min(span.top for span in spans)
    assert abs(number_label.left - block_left) < TOLERANCE and abs(number.top - number_label.top) < TOLERANCE
    assert number.left > number_label.right

    # 2. The sender's address at the top right: its lines start on one vertical, right of the middle, the first on
    #    the line of the number, the others below in order.
    lines = [_find(spans, line) for line in address]
    assert abs(lines[0].top - number_label.top) < TOLERANCE
    assert all(abs(line.left - lines[0].left) < TOLERANCE and line.left > middle for line in lines)
    assert [line.top for line in lines] == sorted(line.top for line in lines)

    # 3. The date below the address, starting at the middle of the text block.
    day = _find(spans, date_text)
    assert day.top > lines[-1].top and abs(day.left - middle) < TOLERANCE

    # 4. เรื่อง, เรียน (อ้างถึง, สิ่งที่ส่งมาด้วย) at the left margin, in this order, below the date.
    heads = [_find(spans, label) for label in labels]
    assert all(abs(head.left - block_left) < TOLERANCE for head in heads)
    assert [head.top for head in heads] == sorted(head.top for head in heads) and heads[0].top > day.top

    # 5. The body: a paragraph's first line indented 2.5 cm, below the headings.
    opening = _find(spans, "ตามที่")
    assert opening.top > heads[-1].top and abs(opening.left - (block_left + 2.5 * cm)) < TOLERANCE

    # 6. The closing at the middle, below the body; the signer's name in brackets and the position below it, each
    #    centred under the closing, with room to sign (two lines or more) between the closing and the name.
    closing, name, title = _find(spans, "ขอแสดงความนับถือ"), _find(spans, f"({signer})"), _find(spans, position)
    body_text = [span for span in spans if span.left < middle - TOLERANCE and span.top < height - 5 * cm
                 and span not in (name, title)]
    assert closing.top > max(span.top for span in body_text) and abs(closing.left - middle) < TOLERANCE
    assert name.top - closing.top > 1.5 * cm and title.top > name.top
    assert abs(name.centre - closing.centre) < TOLERANCE and abs(title.centre - closing.centre) < TOLERANCE

    # 7. The contact block at the bottom left: the owning unit, telephone, e-mail, under everything else.
    footer = [_find(spans, line, last=True) for line in contact]
    assert all(abs(line.left - LEFT) < TOLERANCE for line in footer)
    assert footer[0].top > title.top and footer[-1].bottom > height - 4 * cm
    assert [line.top for line in footer] == sorted(line.top for line in footer)


def test_an_unlock_approval_letter_follows_the_regulations_layout(app, client, login, demo):
    unlock = approved_unlock(app, client, login, demo.agency("sp_muang"))
    login("spoint")
    response = client.get(f"/licensing/unlocks/{unlock.id}/letter.pdf")
    assert response.status_code == 200
    body = response.data
    check_layout(body, reference="นร ๑๒๐๐/๑",
                 address=["สำนักงานคณะกรรมการพัฒนาระบบราชการ", "(สำนักงาน ก.พ.ร.)", "๕๙/๑ ถนนพิษณุโลก แขวงดุสิต",
                          "เขตดุสิต กรุงเทพมหานคร ๑๐๓๐๐"],
                 date_text="๑๑ มีนาคม ๒๕๗๐", signer=demo.user("opdc").display_name,
                 position="เจ้าหน้าที่สำนักงานคณะกรรมการพัฒนาระบบราชการ",
                 contact=["สำนักงานคณะกรรมการพัฒนาระบบราชการ (สำนักงาน ก.พ.ร.)", "โทร. ๐ ๒๓๕๖ ๙๙๙๙",
                          "ไปรษณีย์อิเล็กทรอนิกส์ saraban@opdc.example.go.th"],
                 labels=("เรื่อง", "เรียน", "อ้างถึง"))


@pytest.mark.parametrize("enclosures", [[], ["สำเนาคำขอ จำนวน ๑ ชุด", "แผนที่ตั้งโครงการ จำนวน ๑ แผ่น"]])
def test_every_part_of_a_letter_sits_where_the_regulation_puts_it(enclosures):
    letter = letters.Letter(
        reference="นบ 0017.1/25", sender_address=["ที่ว่าการอำเภอเมืองนนทบุรี", "ถนนรัตนาธิเบศร์ ตำบลบางกระสอ",
                                                   "อำเภอเมืองนนทบุรี จังหวัดนนทบุรี 11000"],
        date=date(2027, 1, 5), subject="แจ้งเหตุแห่งความล่าช้าในการพิจารณาคำขอ", addressee="นายสมปอง รอคอย",
        refers_to="คำขออนุญาตก่อสร้างอาคาร ลงวันที่ 2 พฤศจิกายน 2569", enclosures=enclosures,
        paragraphs=["ตามที่ท่านได้ยื่นคำขออนุญาตก่อสร้างอาคาร ความละเอียดแจ้งแล้ว นั้น " * 3,
                    "จึงเรียนมาเพื่อโปรดทราบ"],
        signer_name="นายสมชาย ใจดี", signer_position="นายอำเภอเมืองนนทบุรี",
        footer=["ที่ว่าการอำเภอเมืองนนทบุรี", "โทร. 02-589-0481", "ไปรษณีย์อิเล็กทรอนิกส์ muang@example.go.th"])
    labels = ("เรื่อง", "เรียน", "อ้างถึง", *(("สิ่งที่ส่งมาด้วย",) if enclosures else ()))
    check_layout(letters.build(letter), reference="นบ ๐๐๑๗.๑/๒๕", address=letter.sender_address[:2] + [
        "อำเภอเมืองนนทบุรี จังหวัดนนทบุรี ๑๑๐๐๐"], date_text="๕ มกราคม ๒๕๗๐", signer="นายสมชาย ใจดี",
                 position="นายอำเภอเมืองนนทบุรี", contact=[
                     "ที่ว่าการอำเภอเมืองนนทบุรี", "โทร. ๐๒-๕๘๙-๐๔๘๑", "ไปรษณีย์อิเล็กทรอนิกส์ muang@example.go.th"],
                 labels=labels)
