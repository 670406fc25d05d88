"""Thai text for printed documents: numerals, dates, the font, shaping and line breaking.

The font is Laksaman from Debian's ``fonts-tlwg-laksaman-ttf``: TH Sarabun New's design at 1.5× glyph
scale, so "16 pt TH Sarabun" is Laksaman at 10.67 pt. Text is shaped with HarfBuzz (``uharfbuzz``, through
reportlab) so that tone marks and vowels stack correctly (ป่า, ที่, ผู้) and ญ/ฐ drop their lower parts under a
lower vowel. Shaping puts glyphs that have no character of their own (a tone mark moved left, ญ without its
tail) in the PDF under private-use code points; ``ShapingFont`` writes each of them back to the characters it
came from, so that the text can be copied, searched and read aloud.

Thai has no spaces between words: lines break at word boundaries found by libthai (Debian ``libthai0``,
through ctypes), never next to a no-break space (which keeps "พ.ศ. ๒๕๗๐" whole).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from datetime import date, datetime
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from fontTools.ttLib import TTFont as FontFile
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont, shapeStr

from app.core.thai_dates import long_date, month_year

FONT_DIR = Path("/usr/share/fonts/truetype/tlwg")
FONT, FONT_BOLD = "Laksaman", "Laksaman-Bold"
FONT_FILES = {FONT: "Laksaman.ttf", FONT_BOLD: "Laksaman-Bold.ttf"}
NBSP = "\u00a0"

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
ARABIC_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


class FontMissing(RuntimeError):
    """The Thai font is not installed: ``scripts/install-system-packages.sh`` installs it."""


def thai_digits(text: object) -> str:
    return str(text).translate(THAI_DIGITS)


def arabic_digits(text: str) -> str:
    """What a person types from a letter: Thai numerals back to 0–9."""
    return text.translate(ARABIC_DIGITS)


def thai_date(value: date | datetime) -> str:
    """๒๒ เมษายน ๒๕๗๐: the Bangkok date, Thai month name, Buddhist-era year, Thai numerals."""
    return thai_digits(long_date(value, sep=NBSP))


def thai_month(year: int, month: int) -> str:
    return thai_digits(month_year(year, month, sep=NBSP))


# --- the font ---------------------------------------------------------------------------------------------


def glyph_sources(path: Path) -> dict[str, str]:
    """Glyph name -> the characters it stands for, following the font's substitutions (GSUB) from its cmap.

    Single substitutions (a tone mark lowered or moved left, ญ/ฐ without the lower part) give the source's
    characters, ligatures the joined characters of their parts, multiple substitutions (ำ into ํ + า) give the
    first new glyph the source's characters, unless it has characters of its own.
    """
    font = FontFile(str(path), lazy=True)
    # Old Thai fonts also list their variant glyphs under private-use code points: those say nothing.
    sources = {name: chr(code) for code, name in sorted(font.getBestCmap().items(), reverse=True)
               if not 0xE000 <= code <= 0xF8FF}
    rules: list[tuple[str, tuple[str, ...]]] = []  # (new glyph, the glyphs it replaces)
    for lookup in font["GSUB"].table.LookupList.Lookup:
        for table in lookup.SubTable:
            kind = lookup.LookupType
            if kind == 7:  # extension: the real subtable inside
                table, kind = table.ExtSubTable, table.ExtSubTable.LookupType
            if kind == 1:
                rules += [(new, (old,)) for old, new in table.mapping.items()]
            elif kind == 2:
                rules += [(new[0], (old,)) for old, new in table.mapping.items() if new]
            elif kind == 4:
                rules += [(ligature.LigGlyph, (first, *ligature.Component))
                          for first, ligatures in table.ligatures.items() for ligature in ligatures]
    changed = True
    while changed:  # substitutions chain (a mark lowered, then moved left): repeat until nothing is learnt
        changed = False
        for new, old in rules:
            if new not in sources and all(glyph in sources for glyph in old):
                sources[new] = "".join(sources[glyph] for glyph in old)
                changed = True
    return sources


class ShapingFont(TTFont):
    """A TrueType font that reportlab shapes with HarfBuzz and whose shaped glyphs extract as real text."""

    def __init__(self, name: str, path: Path):
        super().__init__(name, str(path), shapable=True)
        self.sources = glyph_sources(path)
        self.glyph_names = FontFile(str(path), lazy=True).getGlyphOrder()

    def addObjects(self, doc):
        subsets = [list(subset) for subset in self.state[doc].subsets] if doc in self.state else []
        super().addObjects(doc)
        for number, subset in enumerate(subsets):
            base_name = b"".join((SUBSETN(number), b"+", self.face.name, self.face.subfontNameX)).decode("pdfdoc")
            stream = doc.idToObject.get("toUnicodeCMap:" + base_name)
            if stream is not None:
                stream.content = self._to_unicode(base_name, subset)

    def _text_of(self, code: int) -> str:
        if not 0xE000 <= code <= 0xF8FF:
            return chr(code)
        glyph = self.face.charToGlyph.get(code)
        name = self.glyph_names[glyph] if glyph is not None and glyph < len(self.glyph_names) else None
        return self.sources.get(name, chr(code))

    def _to_unicode(self, base_name: str, subset: list[int]) -> str:
        entries = []
        for index, code in enumerate(subset):
            text = self._text_of(code).encode("utf-16-be").hex().upper()
            entries.append(f"<{index:02X}> <{text}>")
        return "\n".join([
            "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
            f"/CIDSystemInfo << /Registry ({base_name}) /Ordering ({base_name}) /Supplement 0 >> def",
            f"/CMapName /{base_name} def", "/CMapType 2 def",
            "1 begincodespacerange", f"<00> <{len(subset) - 1:02X}>", "endcodespacerange",
            f"{len(entries)} beginbfchar", *entries, "endbfchar",
            "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end",
        ])


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """Once per process (reading the TTF and its substitutions costs a few hundred milliseconds)."""
    for name, filename in FONT_FILES.items():
        path = FONT_DIR / filename
        if not path.exists():
            raise FontMissing(str(path))
        pdfmetrics.registerFont(ShapingFont(name, path))


@lru_cache(maxsize=4096)
def shaped(text: str, font: str, size: float) -> str:
    """The text shaped with HarfBuzz for drawing on a canvas (plain text when shaping changes nothing).

    Kept per line: labels, addresses, closings and contact lines repeat from letter to letter.
    """
    return shapeStr(text, font, size) if text else text


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
    """Greedy line breaking at the allowed points; a word longer than a line is cut where it must be.

    Each piece between two break points is measured once; a line's width is the sum of its pieces, less the
    spaces that end it.
    """
    points = [0, *sorted(break_points(text)), len(text)]
    pieces = [text[a:b].replace(NBSP, " ") for a, b in pairwise(points)]
    widths = [pdfmetrics.stringWidth(piece, font, size) for piece in pieces]
    space = pdfmetrics.stringWidth(" ", font, size)
    lines: list[str] = []
    current, current_width = "", 0.0
    for piece, piece_width in zip(pieces, widths, strict=True):
        limit = first_width if not lines else width
        trailing = (len(piece) - len(piece.rstrip(" "))) * space
        if current and current_width + piece_width - trailing > limit:
            lines.append(current.strip())
            current, current_width = "", 0.0
            limit = width
        if not current and piece_width - trailing > limit:  # a word longer than a line: cut it
            while piece.strip() and pdfmetrics.stringWidth(piece.rstrip(" "), font, size) > limit:
                cut = len(piece) - 1
                while cut > 1 and pdfmetrics.stringWidth(piece[:cut], font, size) > limit:
                    cut -= 1
                lines.append(piece[:cut].strip())
                piece = piece[cut:]
                limit = width
            piece_width = pdfmetrics.stringWidth(piece, font, size)
        current += piece
        current_width += piece_width
    if current.strip():
        lines.append(current.strip())
    return lines
