"""The QR poster (โปสเตอร์ QR Code) of a service point: an A4 page to print and put up at the counter, and its QR code
as PNG or SVG for other material.

The page uses the letters' Thai renderer (``notifications.letters``: Laksaman, shaped with HarfBuzz, lines broken at
Thai word boundaries, text that copies and searches as written): a heading, the point's name and its department, a
large QR code to its rating page, a short instruction, and the link and the point's code printed underneath for
those who type it. A department's posters come as one PDF, a page per point.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from notifications.letters import draw_qr, draw_text
from notifications.thai_text import FONT, FONT_BOLD, register_fonts, thai_digits, wrap_lines

HEADING = "ประเมินความพึงพอใจการรับบริการ"
HEADING_EN = "Please rate our service"
INSTRUCTION = ("สแกนคิวอาร์โค้ดด้วยกล้องโทรศัพท์มือถือ แล้วตอบคำถามสั้น ๆ เกี่ยวกับบริการที่ท่านได้รับวันนี้ "
               "ใช้เวลาไม่ถึง 2 นาที และไม่ต้องระบุชื่อหรือข้อมูลส่วนตัว")
INSTRUCTION_EN = "Scan the QR code with your phone's camera and answer a few questions. No name is asked."
TYPE_IT = "หรือพิมพ์ลิงก์นี้ในเบราว์เซอร์"
CODE_LABEL = "รหัสจุดบริการ"
FOOTER = "ความคิดเห็นของท่านช่วยให้หน่วยงานปรับปรุงการให้บริการประชาชน"
QR_PAGE_SIZE = 11 * cm


@dataclass
class PosterPoint:
    name_th: str
    name_en: str | None
    parent_name: str | None  # the department or unit above the point
    code: str
    url: str


def _centred(canvas: Canvas, y: float, text: str, font: str, size: float) -> None:
    width = pdfmetrics.stringWidth(text, font, size)
    draw_text(canvas, (A4[0] - width) / 2, y, text, font, size)


def _paragraph(canvas: Canvas, y: float, text: str, font: str, size: float, width: float, leading: float) -> float:
    """Centred lines broken at Thai word boundaries; returns the y below the last line."""
    for line in wrap_lines(text, font, size, width, width):
        _centred(canvas, y, line, font, size)
        y -= leading
    return y


def _page(canvas: Canvas, point: PosterPoint) -> None:
    page_width, page_height = A4
    text_width = page_width - 5 * cm
    y = page_height - 3 * cm
    _centred(canvas, y, HEADING, FONT_BOLD, 30)
    y -= 1.0 * cm
    _centred(canvas, y, HEADING_EN, FONT, 16)
    y -= 1.5 * cm
    y = _paragraph(canvas, y, point.name_th, FONT_BOLD, 24, text_width, 1.1 * cm)
    if point.parent_name:
        y = _paragraph(canvas, y + 0.2 * cm, point.parent_name, FONT, 16, text_width, 0.75 * cm)
    y -= QR_PAGE_SIZE + 0.3 * cm
    draw_qr(canvas, point.url, (page_width - QR_PAGE_SIZE) / 2, y, QR_PAGE_SIZE)
    y -= 1.0 * cm
    y = _paragraph(canvas, y, thai_digits(INSTRUCTION), FONT, 17, text_width, 0.8 * cm)
    y = _paragraph(canvas, y, INSTRUCTION_EN, FONT, 13, text_width, 0.65 * cm)
    y -= 0.4 * cm
    _centred(canvas, y, TYPE_IT, FONT, 14)
    y -= 0.8 * cm
    _centred(canvas, y, point.url, FONT_BOLD, 16)
    y -= 0.8 * cm
    _centred(canvas, y, f"{CODE_LABEL} {point.code}", FONT, 14)
    _centred(canvas, 1.8 * cm, FOOTER, FONT, 12)


def poster_pdf(points: list[PosterPoint], title: str | None = None) -> bytes:
    """One A4 page per point, the Thai font embedded."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, lang="th", pageCompression=1, initialFontName=FONT, initialFontSize=12)
    canvas.setTitle(title or (f"{HEADING} – {points[0].name_th}" if points else HEADING))
    canvas.setAuthor(points[0].parent_name or points[0].name_th if points else "")
    for point in points:
        _page(canvas, point)
        canvas.showPage()
    if not points:
        _centred(canvas, A4[1] / 2, "ไม่มีจุดบริการที่รับการประเมิน", FONT, 18)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def qr_png(url: str, scale: int = 10) -> bytes:
    out = io.BytesIO()
    segno.make_qr(url, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_svg(url: str, title: str | None = None) -> bytes:
    out = io.BytesIO()
    segno.make_qr(url, error="m").save(out, kind="svg", scale=10, border=4, title=title, xmldecl=True)
    return out.getvalue()
