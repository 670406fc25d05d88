"""Thai official letters (หนังสือภายนอก) as PDF, with reportlab.

Layout after the Regulation on Correspondence: reference number (ที่) left and the sender's address
right, the date centred-right with the Thai month name and the Buddhist-era year, subject (เรื่อง),
addressee (เรียน), reference (อ้างถึง), enclosures, body paragraphs indented 2.5 cm, closing, the
signature block with the name in brackets and the position, and the owning unit at the bottom left.
Thai numerals throughout.

The font is Laksaman from Debian's ``fonts-tlwg-laksaman-ttf``: TH Sarabun New's design at 1.5× glyph
scale, so "16 pt TH Sarabun" is Laksaman at 10.67 pt. It is embedded (as a subset) in every letter.
Thai has no spaces between words: lines are broken at word boundaries found by libthai (Debian
``libthai0``, through ctypes), never next to a no-break space (which keeps "พ.ศ. ๒๕๗๐" whole).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer

BANGKOK = ZoneInfo("Asia/Bangkok")
FONT_DIR = Path("/usr/share/fonts/truetype/tlwg")
FONT, FONT_BOLD = "Laksaman", "Laksaman-Bold"
SIZE = 16 / 1.5  # 16 pt TH Sarabun
LEADING = SIZE * 1.45
INDENT = 2.5 * cm
NBSP = "\u00a0"

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
THAI_MONTHS = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม", "สิงหาคม", "กันยายน",
               "ตุลาคม", "พฤศจิกายน", "ธันวาคม")


class FontMissing(RuntimeError):
    """The Thai font is not installed: ``scripts/install-system-packages.sh`` installs it."""


def thai_digits(text: object) -> str:
    return str(text).translate(THAI_DIGITS)


def thai_date(value: date | datetime) -> str:
    """๒๒ เมษายน ๒๕๗๐: the Bangkok date, Thai month name, Buddhist-era year, Thai numerals."""
    if isinstance(value, datetime):
        value = value.astimezone(BANGKOK).date()
    return thai_digits(f"{value.day}{NBSP}{THAI_MONTHS[value.month - 1]}{NBSP}{value.year + 543}")


def thai_month(year: int, month: int) -> str:
    return thai_digits(f"{THAI_MONTHS[month - 1]}{NBSP}{year + 543}")


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """Once per process (reading the TTF costs a few hundred milliseconds)."""
    for name, filename in ((FONT, "Laksaman.ttf"), (FONT_BOLD, "Laksaman-Bold.ttf")):
        path = FONT_DIR / filename
        if not path.exists():
            raise FontMissing(str(path))
        pdfmetrics.registerFont(TTFont(name, str(path)))


# --- Thai word boundaries --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _libthai():
    name = ctypes.util.find_library("thai") or "libthai.so.0"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.th_brk_new.restype = ctypes.c_void_p
    lib.th_brk_new.argtypes = [ctypes.c_char_p]
    lib.th_brk_find_breaks.restype = ctypes.c_int
    lib.th_brk_find_breaks.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_size_t]
    handle = lib.th_brk_new(None)
    return (lib, handle) if handle else None


def break_points(text: str) -> set[int]:
    """Indexes where a line may break: word boundaries inside Thai runs, and after spaces."""
    points = {i + 1 for i, ch in enumerate(text) if ch == " "}
    thai = _libthai()
    if thai is not None and text:
        lib, handle = thai
        # TIS-620 is one byte per character, so byte positions are character positions ('?' stands in for others).
        encoded = text.encode("tis-620", errors="replace")
        size = len(encoded) + 1
        positions = (ctypes.c_int * size)()
        count = lib.th_brk_find_breaks(handle, encoded, positions, size)
        points.update(positions[i] for i in range(max(count, 0)))
    return {p for p in points if 0 < p < len(text) and text[p - 1] != NBSP and text[p] != NBSP}


def wrap_lines(text: str, font: str, size: float, first_width: float, width: float) -> list[str]:
    """Greedy line breaking at the allowed points; a word longer than a line is cut where it must be."""
    points = sorted(break_points(text))
    lines, start = [], 0
    while start < len(text):
        limit = first_width if not lines else width
        best = None
        for point in points:
            if point <= start:
                continue
            if pdfmetrics.stringWidth(text[start:point].rstrip().replace(NBSP, " "), font, size) <= limit:
                best = point
            else:
                break
        if pdfmetrics.stringWidth(text[start:].rstrip().replace(NBSP, " "), font, size) <= limit:
            best = len(text)
        if best is None:  # no break fits: cut at the last character that does
            best = start + 1
            while best < len(text) and pdfmetrics.stringWidth(text[start:best + 1], font, size) <= limit:
                best += 1
        lines.append(text[start:best].strip().replace(NBSP, " "))
        start = best
        while start < len(text) and text[start] == " ":
            start += 1
    return lines


# --- flowables -------------------------------------------------------------------------------------------


class ThaiText(Flowable):
    """A paragraph of Thai text broken at word boundaries, with an optional first-line indent and hanging label."""

    def __init__(self, text: str, *, font: str = FONT, size: float = SIZE, first_indent: float = 0,
                 left: float = 0, label: str | None = None, label_width: float = 0, align: str = "left",
                 space_after: float = 0):
        super().__init__()
        self.text, self.font, self.size = text, font, size
        self.first_indent, self.left, self.label, self.label_width = first_indent, left, label, label_width
        self.align, self.space_after = align, space_after
        self.lines: list[str] = []

    def wrap(self, available_width, available_height):
        self.width = available_width
        start = self.left + self.label_width
        self.lines = wrap_lines(self.text, self.font, self.size, available_width - start - self.first_indent,
                                available_width - start)
        self.height = len(self.lines) * LEADING + self.space_after
        return self.width, self.height

    def draw(self):
        canvas = self.canv
        y = self.height - self.space_after - LEADING + (LEADING - self.size) / 2
        if self.label:
            canvas.setFont(FONT_BOLD, self.size)
            canvas.drawString(self.left, y, self.label)
        canvas.setFont(self.font, self.size)
        for number, line in enumerate(self.lines):
            x = self.left + self.label_width + (self.first_indent if number == 0 else 0)
            if self.align == "right":
                canvas.drawRightString(self.width, y, line)
            elif self.align == "centre-right":
                canvas.drawString(self.width / 2, y, line)
            else:
                canvas.drawString(x, y, line)
            y -= LEADING


class HeaderBlock(Flowable):
    """The reference number on the left and the sender's address on the right, on the same lines."""

    def __init__(self, reference: str, address: list[str]):
        super().__init__()
        self.reference, self.address = reference, address

    def wrap(self, available_width, available_height):
        self.width = available_width
        self.height = max(1, len(self.address)) * LEADING
        return self.width, self.height

    def draw(self):
        canvas = self.canv
        y = self.height - LEADING + (LEADING - SIZE) / 2
        canvas.setFont(FONT_BOLD, SIZE)
        canvas.drawString(0, y, "ที่")
        canvas.setFont(FONT, SIZE)
        canvas.drawString(0.8 * cm, y, self.reference)
        x = self.width * 0.62
        for line in self.address:
            canvas.drawString(x, y, line)
            y -= LEADING


@dataclass
class Letter:
    reference: str  # e.g. "นร ๑๒๐๐/๑๒"
    sender_address: list[str]
    date: date | datetime
    subject: str
    addressee: str
    paragraphs: list[str]
    signer_name: str
    signer_position: str
    refers_to: str | None = None
    enclosures: list[str] = field(default_factory=list)
    closing: str = "ขอแสดงความนับถือ"
    footer: list[str] = field(default_factory=list)  # owning unit, phone, e-mail


def build(letter: Letter) -> bytes:
    """The letter as PDF bytes, the Thai font embedded."""
    register_fonts()
    buffer = io.BytesIO()
    footer = [thai_digits(line) for line in letter.footer]

    def draw_footer(canvas, _doc):
        canvas.saveState()
        canvas.setFont(FONT, SIZE)
        y = 1.5 * cm + LEADING * (len(footer) - 1)
        for line in footer:
            canvas.drawString(3 * cm, y, line)
            y -= LEADING
        canvas.restoreState()

    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=3 * cm, rightMargin=2 * cm, topMargin=3.5 * cm,
                                 bottomMargin=2 * cm + LEADING * len(footer), title=letter.subject,
                                 author=letter.sender_address[0] if letter.sender_address else "",
                                 lang="th")
    label = 1.5 * cm
    story: list[Flowable] = [
        HeaderBlock(thai_digits(letter.reference), [thai_digits(line) for line in letter.sender_address]),
        Spacer(1, LEADING * 0.5),
        ThaiText(thai_date(letter.date), align="centre-right", space_after=LEADING * 0.5),
        ThaiText(thai_digits(letter.subject), label="เรื่อง", label_width=label, space_after=LEADING * 0.3),
        ThaiText(thai_digits(letter.addressee), label="เรียน", label_width=label, space_after=LEADING * 0.3),
    ]
    if letter.refers_to:
        story.append(ThaiText(thai_digits(letter.refers_to), label="อ้างถึง", label_width=label,
                              space_after=LEADING * 0.3))
    for number, enclosure in enumerate(letter.enclosures):
        story.append(ThaiText(thai_digits(enclosure), label="สิ่งที่ส่งมาด้วย" if number == 0 else "",
                              label_width=2.8 * cm, space_after=LEADING * 0.3))
    story.append(Spacer(1, LEADING * 0.3))
    for paragraph in letter.paragraphs:
        story.append(ThaiText(thai_digits(paragraph), first_indent=INDENT, space_after=LEADING * 0.3))
    story += [
        Spacer(1, LEADING * 0.6),
        ThaiText(letter.closing, align="centre-right", space_after=LEADING * 2.5),
        ThaiText(f"({letter.signer_name})", align="centre-right"),
        ThaiText(thai_digits(letter.signer_position), align="centre-right"),
    ]
    document.build(story, onFirstPage=draw_footer, onLaterPages=draw_footer)
    return buffer.getvalue()
