"""Thai official letters read back as a recipient's software reads them: shaped marks, word breaks, numerals."""

from __future__ import annotations

from datetime import date

from reportlab.pdfbase import pdfmetrics

from notifications import letters
from notifications.thai_text import FONT, NBSP, break_points, shaped, wrap_lines
from tests.helpers import nfkc, read_pdf

# Words whose marks HarfBuzz must move: tone marks over tall consonants (ป ฝ ฟ), stacked vowel + tone (ที่ ปั้น),
# and ญ / ฐ that lose their lower part over a lower vowel (ญู ฐุ).
HARD_WORDS = "ป่าไม้ ปู่ย่า ปั้นฝั่ง ฟ้าฝ่า ผู้ใหญ่ ที่นี่ กตัญญู ฐิติ ฐุ น้ำคำ"


def _letter(**changes) -> letters.Letter:
    values = dict(reference="นร 1200/77", sender_address=["สำนักงาน ก.พ.ร.", "กรุงเทพฯ 10300"],
                  date=date(2027, 4, 8), subject="ทดสอบหนังสือ", addressee="นางสาวญาณี ผู้ใหญ่บ้าน",
                  paragraphs=[f"ข้อความที่มีคำยาก {HARD_WORDS} และตัวเลข 2570"], signer_name="นายปิ่น ปู่ทอง",
                  signer_position="ผู้อำนวยการ", footer=["กองพัฒนาระบบบริหาร", "โทร. 0 2356 9999"],
                  qr_url="https://example.go.th/status?ref=1&code=ABCD2345", qr_caption=["รหัสตรวจสอบ ABCD2345"])
    return letters.Letter(**(values | changes))


def test_shaping_moves_marks_and_the_text_still_extracts_as_written():
    letters.register_fonts()
    # Shaping replaced the mark over ป with its left-shifted glyph (not the plain character any more) ...
    assert shaped("ป่า", FONT, 12) != "ป่า"
    printed = read_pdf(letters.build(_letter()), png_name="letter-hard-words", scan_qr=True)
    # ... and yet every word comes back exactly, in Thai numerals where the letter uses them.
    assert nfkc(HARD_WORDS) in printed.text
    assert "ตัวเลข" in printed.text and "๒๕๗๐" in printed.text and nfkc("๘ เมษายน ๒๕๗๐") in printed.text
    assert nfkc("นร ๑๒๐๐/๗๗") in printed.text and "โทร. ๐ ๒๓๕๖ ๙๙๙๙" in printed.text
    assert "รหัสตรวจสอบ ABCD2345" in printed.text  # the code to type stays in Latin letters and digits
    assert printed.qr_codes == ["https://example.go.th/status?ref=1&code=ABCD2345"]
    assert printed.fonts and all(font["emb"] == "yes" for font in printed.fonts)


def test_lines_break_between_thai_words_and_never_inside_a_date():
    letters.register_fonts()
    text = "ตามที่ท่านได้ยื่นคำขอรับใบอนุญาตก่อสร้างอาคาร ซึ่งคู่มือสำหรับประชาชนกำหนดระยะเวลาไว้ ภายใน พ.ศ." \
           f"{NBSP}๒๕๗๐ บัดนี้การพิจารณายังไม่แล้วเสร็จเนื่องจากรอความเห็นของคณะกรรมการ"
    assert 0 < len(break_points("ประชาชนกำหนดระยะเวลา")) < 6  # word boundaries, not every character
    for width in (120, 160, 200, 260):
        lines = wrap_lines(text, FONT, 10.67, width, width)
        assert "".join(lines).replace(" ", "") == text.replace(NBSP, " ").replace(" ", "")
        assert all(pdfmetrics.stringWidth(line, FONT, 10.67) <= width for line in lines)
        assert any("พ.ศ. ๒๕๗๐" in line for line in lines)  # the no-break space kept the year with its era
        # Every line ends at a word boundary of the whole text.
        allowed = break_points(text)
        position = 0
        for line in lines[:-1]:
            position = text.replace(NBSP, " ").index(line, position) + len(line)
            while text[position] == " ":
                position += 1
            assert position in allowed, (width, line)


def test_a_word_longer_than_a_line_is_cut_and_nothing_is_lost():
    letters.register_fonts()
    long_word = "ก" * 80
    lines = wrap_lines(f"สั้น {long_word} ท้าย", FONT, 10.67, 100, 100)
    assert "".join(lines).replace(" ", "") == f"สั้น{long_word}ท้าย"
    assert all(pdfmetrics.stringWidth(line, FONT, 10.67) <= 100 for line in lines)
