"""The file store: uploads recognised by their content, not by their name or the browser's word, and stored once
per content under ``instance/uploads/<sha[:2]>/<sha>`` (manual sample forms, IR Online attachments, …). A file is
named after what it is (``safe_name``) when it is stored and again when it is served."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from app.core import headers, settings

# The first bytes of each type we accept.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
EXTENSIONS = {content_type: extension for _signature, content_type, extension in SIGNATURES}
CHUNK = 64 * 1024


class TooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit
        self.limit_mb = round(limit / (1024 * 1024), 1)


def upload_root() -> Path:
    return settings.instance_path() / "uploads"


def path_for(sha256: str) -> Path:
    return upload_root() / sha256[:2] / sha256


def detect_type(head: bytes) -> tuple[str, str] | None:
    for signature, content_type, extension in SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    return None


def spool(stream: BinaryIO, limit: int) -> tuple[str, int, bytes, str]:
    """Copy the upload to a temporary file beside the store, hashing it; stop as soon as it passes the cap.
    Gives the digest, the size, the first bytes and the temporary file (``keep`` or delete it)."""
    root = upload_root()
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    head = b""
    handle, temporary = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(limit)
                if len(head) < 16:
                    head += chunk[:16]
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        os.unlink(temporary)
        raise
    return digest.hexdigest(), size, head, temporary


def keep(temporary: str, digest: str) -> None:
    """Move a spooled file into the store, unless the same content is there already."""
    target = path_for(digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, target)  # atomic: a reader never sees half a file


def safe_name(filename: str | None, content_type: str) -> str:
    """The name a file is stored and served under: the stem it was uploaded with, made safe for a header and a
    disk, and the extension of what its content is ("poly.html" holding a PNG is "poly.png")."""
    return headers.file_name(filename, EXTENSIONS.get(content_type, ".bin"))
