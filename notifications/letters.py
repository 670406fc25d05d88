"""Thai official letters (หนังสือภายนอก) as PDF, with reportlab.

Layout after the Regulation on Correspondence: reference number (ที่) left and the sender's address
right, the date centred-right with the Thai month name and the Buddhist-era year, subject (เรื่อง),
addressee (เรียน), reference (อ้างถึง), enclosures, body paragraphs indented 2.5 cm, closing, the
signature block with the name in brackets and the position, and the owning unit at the bottom left, with
a QR code at the bottom right when the letter has a link to follow. Thai numerals throughout; the font,
shaping and line breaking are in ``notifications.thai_text``. "16 pt TH Sarabun" is Laksaman at 10.67 pt.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

import segno
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, SimpleDocTemplate, Spacer

from notifications.thai_text import (  # noqa: F401 - thai_date and thai_month are part of this module's use
    FONT,
    FONT_BOLD,
    FontMissing,
    register_fonts,
    shaped,
    thai_date,
    thai_digits,
    thai_month,
    wrap_lines,
)

SIZE = 16 / 1.5  # 16 pt TH Sarabun
LEADING = SIZE * 1.45
INDENT = 2.5 * cm
FRAME_PADDING = 6  # reportlab's frame keeps this much inside the page margins
QR_SIZE = 2.2 * cm
# A fixed mask: choosing the best of eight costs ~7 ms per code, and every mask reads back the same.
QR_MASK = 2
# Streams stay binary (compressed) rather than also ASCII85-encoded: a quarter smaller and faster to write. Only
# these letters use reportlab in this process.
rl_config.useA85 = 0


def draw_text(canvas, x: float, y: float, text: str, font: str = FONT, size: float = SIZE, *,
              anchor: str = "left") -> None:
    """Draw one line, shaped, inside an ActualText span so that it extracts, copies and reads as written.

    Shaping moves stacked marks with glyph offsets, which text extractors otherwise take apart ("ที่" as "ที" and
    a stray "่"); the span tells them the line's real text (PDF 1.7, 14.9.4).
    """
    if not text:
        return
    canvas.setFont(font, size)
    canvas.addLiteral(f"/Span <</ActualText <FEFF{text.encode('utf-16-be').hex().upper()}>>> BDC")
    if anchor == "right":
        canvas.drawRightString(x, y, shaped(text, font, size))
    elif anchor == "centre":
        canvas.drawCentredString(x, y, shaped(text, font, size))
    else:
        canvas.drawString(x, y, shaped(text, font, size))
    canvas.addLiteral("EMC")


# --- flowables -------------------------------------------------------------------------------------------


class ThaiText(Flowable):
    """A paragraph of Thai text broken at word boundaries, with an optional first-line indent and hanging label.

    ``align``: "left", "right", "centre-right" (starting at the middle of the text block: the date and the
    closing) or "centre" (each line centred ``offset`` right of the middle of the text block: the signature block
    under the closing)."""

    def __init__(self, text: str, *, font: str = FONT, size: float = SIZE, first_indent: float = 0,
                 left: float = 0, label: str | None = None, label_width: float = 0, align: str = "left",
                 space_after: float = 0, offset: float = 0):
        super().__init__()
        self.text, self.font, self.size = text, font, size
        self.first_indent, self.left, self.label, self.label_width = first_indent, left, label, label_width
        self.align, self.space_after, self.offset = align, space_after, offset
        self.lines: list[str] = []

    def wrap(self, available_width, available_height):
        self.width = available_width
        start = self.left + self.label_width
        room = available_width - start
        if self.align == "centre":  # as wide as fits on both sides of the centre
            room = available_width - 2 * abs(self.offset)
        self.lines = wrap_lines(self.text, self.font, self.size, room - self.first_indent, room)
        self.height = len(self.lines) * LEADING + self.space_after
        return self.width, self.height

    def draw(self):
        canvas = self.canv
        y = self.height - LEADING + (LEADING - self.size) / 2  # from the top: the space after stays below
        if self.label:
            draw_text(canvas, self.left, y, self.label, FONT_BOLD, self.size)
        for number, line in enumerate(self.lines):
            x = self.left + self.label_width + (self.first_indent if number == 0 else 0)
            if self.align == "right":
                draw_text(canvas, self.width, y, line, self.font, self.size, anchor="right")
            elif self.align == "centre-right":
                draw_text(canvas, self.width / 2, y, line, self.font, self.size)
            elif self.align == "centre":
                draw_text(canvas, self.width / 2 + self.offset, y, line, self.font, self.size, anchor="centre")
            else:
                draw_text(canvas, x, y, line, self.font, self.size)
            y -= LEADING


class HeaderBlock(Flowable):
    """The reference number on the left and the sender's address on the right, on the same lines; an address line
    too long for the right part of the page goes on over the next line."""

    ADDRESS_FROM = 0.58  # of the text block's width

    def __init__(self, reference: str, address: list[str]):
        super().__init__()
        self.reference, self.address = reference, address
        self.lines: list[str] = []

    def wrap(self, available_width, available_height):
        self.width = available_width
        room = available_width * (1 - self.ADDRESS_FROM)
        self.lines = [part for line in self.address for part in wrap_lines(line, FONT, SIZE, room, room)]
        self.height = max(1, len(self.lines)) * LEADING
        return self.width, self.height

    def draw(self):
        canvas = self.canv
        y = self.height - LEADING + (LEADING - SIZE) / 2
        draw_text(canvas, 0, y, "ที่", FONT_BOLD)
        draw_text(canvas, 0.8 * cm, y, self.reference)
        x = self.width * self.ADDRESS_FROM
        for line in self.lines:
            draw_text(canvas, x, y, line)
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
    # A link printed as a QR code at the bottom right of the first page, with lines beside it (kept as written:
    # a code to type in stays in Latin letters and digits).
    qr_url: str | None = None
    qr_caption: list[str] = field(default_factory=list)


def draw_qr(canvas, url: str, x: float, y: float, size: float) -> None:
    """The link as a QR code, its bottom-left corner at (x, y)."""
    canvas.addLiteral(f"q 1 0 0 1 {x:.2f} {y:.2f} cm {_qr_path(url, size)} Q")


@lru_cache(maxsize=1024)
def _qr_path(url: str, size: float) -> str:
    """The QR code's dark modules as one filled PDF path of row runs, from (0, 0).

    Written as path operators directly (reportlab's path object formats every number through a slow helper),
    and kept per link: every notice of one application, and every reprint, carries the same link.
    """
    matrix = segno.make_qr(url, error="m", mask=QR_MASK, boost_error=False).matrix
    quiet = 2
    module = size / (len(matrix) + 2 * quiet)
    rects = []
    for row_number, row in enumerate(matrix):
        bottom = size - (row_number + quiet + 1) * module
        column, width = 0, len(row)
        while column < width:
            if row[column]:
                run = column
                while run < width and row[run]:
                    run += 1
                rects.append(f"{(column + quiet) * module:.2f} {bottom:.2f} {(run - column) * module:.2f} "
                             f"{module:.2f} re")
                column = run
            else:
                column += 1
    return "0 g " + " ".join(rects) + " f"


def shaped_width(text: str, font: str = FONT, size: float = SIZE) -> float:
    return pdfmetrics.stringWidth(shaped(text, font, size), font, size)


def build(letter: Letter) -> bytes:
    """The letter as PDF bytes, the Thai font embedded."""
    register_fonts()
    buffer = io.BytesIO()
    footer = [thai_digits(line) for line in letter.footer]
    page_width = A4[0]

    def draw_footer(canvas, _doc):
        canvas.saveState()
        y = 1.5 * cm + LEADING * (len(footer) - 1)
        for line in footer:
            draw_text(canvas, 3 * cm, y, line)
            y -= LEADING
        canvas.restoreState()

    def draw_first_page(canvas, doc):
        draw_footer(canvas, doc)
        if letter.qr_url:
            right = page_width - 2 * cm
            draw_qr(canvas, letter.qr_url, right - QR_SIZE, 1.2 * cm, QR_SIZE)
            y = 1.2 * cm + QR_SIZE - SIZE
            for line in letter.qr_caption:
                draw_text(canvas, right - QR_SIZE - 0.2 * cm, y, line, FONT, SIZE * 0.8, anchor="right")
                y -= LEADING * 0.8

    # The text runs from 3 cm of the left edge to 2 cm of the right one (the frame adds its padding inside).
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=3 * cm - FRAME_PADDING,
                                 rightMargin=2 * cm - FRAME_PADDING, topMargin=3.5 * cm - FRAME_PADDING,
                                 bottomMargin=max(2 * cm + LEADING * len(footer), 1.6 * cm + QR_SIZE if letter.qr_url else 0), title=letter.subject,
                                 author=letter.sender_address[0] if letter.sender_address else "",
                                 lang="th", initialFontName=FONT, initialFontSize=SIZE)
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
    # The signer's name in brackets and the position, each centred under the closing.
    under_closing = shaped_width(letter.closing) / 2
    story += [
        Spacer(1, LEADING * 0.6),
        ThaiText(letter.closing, align="centre-right", space_after=LEADING * 2.5),
        ThaiText(f"({letter.signer_name})", align="centre", offset=under_closing),
        ThaiText(thai_digits(letter.signer_position), align="centre", offset=under_closing),
    ]
    document.build(story, onFirstPage=draw_first_page, onLaterPages=draw_footer)
    return buffer.getvalue()
