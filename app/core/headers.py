"""People's text made safe for a header: a mail's subject and address, a file name in a mail or a download.

A report's subject, a reporter's e-mail address or an uploaded file's name may hold line breaks and other
control characters ("ระบบค้าง\\r\\nBcc: …"). In a header they would start a new header or break the message:
``one_line`` makes such text one line of plain characters, bounded in length, where the outbox row or the
stored file name is made; ``unsafe`` finds what is left, for the mail builder to refuse.
"""

from __future__ import annotations

import re
import unicodedata

SUBJECT_MAX = 250  # characters; a subject longer than this is cut, with an ellipsis
FILE_NAME_MAX = 120  # characters of a file name's stem
# Characters that separate or quote in a header, or are not allowed in a file name on common systems.
_FILE_NAME_FORBIDDEN = re.compile(r'[\\/:*?"<>|;,]')
_ADDRESS = re.compile(r'^[^\s@,;:<>()\[\]"\\]+@[^\s@,;:<>()\[\]"\\]+\.[^\s@,;:<>()\[\]"\\]+$')


def _kind(char: str) -> str:
    """'space' for whitespace, line and paragraph separators and control characters; 'drop' for invisible
    formatting (zero-width and direction marks: they can disguise a name, "gnp.exe" shown as "exe.png") and
    lone surrogates; '' for a character kept as it is."""
    if char == " ":
        return "space"
    category = unicodedata.category(char)
    if char.isspace() or category in ("Cc", "Zl", "Zp", "Zs"):
        return "space"
    if category in ("Cf", "Cs"):
        return "drop"
    return ""


def one_line(value, limit: int = SUBJECT_MAX) -> str:
    """``value`` as one line: every run of whitespace or control characters one space, invisible formatting
    removed, trimmed, and at most ``limit`` characters (cut with "…")."""
    out: list[str] = []
    pending_space = False
    for char in str(value or ""):
        kind = _kind(char)
        if kind == "space":
            pending_space = bool(out)
        elif kind == "":
            if pending_space:
                out.append(" ")
                pending_space = False
            out.append(char)
    text = "".join(out)
    if len(text) > limit:
        text = text[:max(limit - 1, 0)].rstrip() + "…"
    return text


def address(value) -> str | None:
    """An e-mail address as given, trimmed and without control characters (None when empty). Whether it is a
    single plain address is the mail builder's check: a bad one fails the message with the reason."""
    return one_line(value, 320) or None


def file_name(name, extension: str = "", default: str = "file") -> str:
    """A file name safe in a Content-Disposition header and on a disk: no folder part, no control or quoting
    characters, no leading dots, the stem at most ``FILE_NAME_MAX`` characters. With ``extension`` (".pdf"),
    the name ends with it instead of its own extension: a file is named after what it is, not what it claims."""
    base = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _FILE_NAME_FORBIDDEN.sub(" ", base)
    if extension:
        stem, dot, _own = base.rpartition(".")
        base = stem if dot else base
    stem = one_line(base, 10_000).strip(" .") or default
    if len(stem) > FILE_NAME_MAX:
        stem = stem[:FILE_NAME_MAX].rstrip(" .") or default
    return stem + (extension if extension else "")


def unsafe(value) -> str | None:
    """What makes ``value`` unfit for a header (a line break or another control character), or None."""
    for char in str(value or ""):
        if char in "\r\n":
            return "a line break"
        if unicodedata.category(char) in ("Cc", "Zl", "Zp", "Cs"):
            return f"the control character U+{ord(char):04X}"
    return None


def bad_address(value) -> str | None:
    """Why ``value`` is not one plain e-mail address ("has a line break", "is not …"), or None when it is."""
    problem = unsafe(value)
    if problem:
        return f"has {problem}"
    if not _ADDRESS.match(value or ""):
        return "is not a single e-mail address"
    return None
