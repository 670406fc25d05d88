"""The text of an FAQ entry as people type it: one-line fields and paragraphs cleaned the same way (NFC, control
characters refused, lengths), and the excerpt shown in lists and suggestions."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.knowledge.services.faq_errors import InvalidEntry
from app.public.services.public_index import normalise

QUESTION_MAX, ANSWER_MAX, TOPIC_MAX, NOTE_MAX, LABEL_MAX, REF_MAX = 500, 10000, 100, 2000, 255, 64
EXCERPT_LENGTH = 160
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True)
class EntryText:
    question: str
    answer: str
    topic: str | None


def _nfc(value: str | None) -> str:
    return unicodedata.normalize("NFC", value or "")


def _blank(text: str) -> bool:
    return not normalise(text)


def _line(value: str | None, field: str, limit: int, *, required: bool, missing=None) -> str | None:
    """One line: control characters refused, line breaks and runs of spaces made one space."""
    text = _without_controls(_nfc(value), field)
    return _within(" ".join(text.split()), field, limit, required=required, missing=missing)


def _paragraphs(value: str | None, field: str, limit: int, *, required: bool, missing=None) -> str | None:
    """Several lines: control characters refused (line breaks and tabs kept), trailing spaces and runs of blank
    lines dropped."""
    text = _without_controls(_nfc(value).replace("\r\n", "\n").replace("\r", "\n"), field)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.split("\n"))).strip()
    return _within(text, field, limit, required=required, missing=missing)


def _without_controls(text: str, field: str) -> str:
    if _CONTROLS.search(text):
        raise InvalidEntry(_l("Remove the control characters from this text (such as NUL)."), field)
    return text


def _within(text: str, field: str, limit: int, *, required: bool, missing) -> str | None:
    """The cleaned text, or None when blank (refused when required), refused when longer than ``limit``."""
    if _blank(text):
        if required:
            raise InvalidEntry(missing, field)
        return None
    if len(text) > limit:
        raise InvalidEntry(_l("At most %(max)d characters.", max=limit), field)
    return text


def clean_text(question: str | None, answer: str | None, topic: str | None) -> EntryText:
    """The entry's text as it is stored, or InvalidEntry naming the field at fault."""
    return EntryText(
        question=_line(question, "question", QUESTION_MAX, required=True, missing=_l("Write the question.")),
        answer=_paragraphs(answer, "answer", ANSWER_MAX, required=True, missing=_l("Write the answer.")),
        topic=_line(topic, "topic", TOPIC_MAX, required=False),
    )


def clean_note(value: str | None, field: str = "note", *, required: bool = False, missing=None) -> str | None:
    return _paragraphs(value, field, NOTE_MAX, required=required, missing=missing)


def excerpt(answer: str, length: int = EXCERPT_LENGTH) -> str:
    """The answer's beginning on one line (Thai has no spaces to cut at: cut at the length, before a mark)."""
    text = " ".join((answer or "").split())
    if len(text) <= length:
        return text
    cut = length
    # Never part a Thai vowel or tone mark from its consonant, nor leave a leading vowel (เ แ โ ใ ไ) alone.
    while cut > 1 and (unicodedata.category(text[cut]) == "Mn" or text[cut - 1] in "เแโใไ"):
        cut -= 1
    return text[:cut].rstrip() + "…"


