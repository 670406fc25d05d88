"""Sample forms (แบบฟอร์มตัวอย่าง) attached to a manual revision.

Files are recognised by their content, not by their name or the browser's word,
and stored once per content under ``instance/uploads/<sha[:2]>/<sha>``: copying a
revision copies rows only. A file is named after what it is (``safe_name``), when it is
stored and again when it is served (rows stored before keep their uploaded name).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select

from app import settings
from app.extensions import db
from app.models import Manual, ManualAttachment, ManualRevision, RevisionStatus, User
from app.models.workflow import record_audit
from app.services import manual_revisions, policy
from app.services.manuals import ManualError, ManualNotFound
from notifications import headers

# The first bytes of each type we accept.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
EXTENSIONS = {content_type: extension for _signature, content_type, extension in SIGNATURES}
CHUNK = 64 * 1024


class WrongFileType(ManualError):
    code = "wrong_file_type"


class FileTooLarge(ManualError):
    code = "file_too_large"

    def __init__(self, limit: int):
        super().__init__(limit)
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


def add(user: User, revision: ManualRevision, *, label: str, filename: str, stream: BinaryIO) -> ManualAttachment:
    """Store an uploaded sample form on a draft; refuse other types (by content) and files over the cap."""
    manual_revisions.check_draft(user, revision)
    limit = settings.value("MANUAL_ATTACHMENT_MAX_BYTES")
    digest, size, head, temporary = _spool(stream, limit)
    try:
        detected = detect_type(head)
        if detected is None:
            raise WrongFileType(filename)
        target = path_for(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temporary, target)  # atomic: a reader never sees half a file
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    position = (db.session.scalar(select(func.max(ManualAttachment.position))
                                  .where(ManualAttachment.revision_id == revision.id)) or 0) + 1
    attachment = ManualAttachment(revision_id=revision.id, label=label.strip(), filename=safe_name(filename, detected[0]),
                                  content_type=detected[0], size=size, sha256=digest, position=position)
    db.session.add(attachment)
    db.session.flush()
    record_audit("attachment.added", actor_id=user.id, object_type="manual", object_id=revision.manual_id,
                 after={"revision_id": revision.id, "attachment_id": attachment.id, "label": attachment.label,
                        "sha256": digest, "size": size})
    return attachment


def remove(user: User, revision: ManualRevision, attachment_id: int) -> None:
    manual_revisions.check_draft(user, revision)
    attachment = db.session.get(ManualAttachment, attachment_id)
    if attachment is None or attachment.revision_id != revision.id:
        raise ManualNotFound(attachment_id)
    record_audit("attachment.removed", actor_id=user.id, object_type="manual", object_id=revision.manual_id,
                 before={"revision_id": revision.id, "attachment_id": attachment.id, "label": attachment.label,
                         "sha256": attachment.sha256})
    db.session.delete(attachment)  # the file stays: other revisions may share it
    db.session.flush()


def for_download(user: User, manual: Manual, attachment_id: int) -> ManualAttachment:
    """A signed-in user who may see the manual may download any of its revisions' sample forms."""
    attachment = db.session.get(ManualAttachment, attachment_id)
    if (attachment is None or attachment.revision.manual_id != manual.id
            or not policy.can_view_manual(user, manual) or not path_for(attachment.sha256).exists()):
        raise ManualNotFound(attachment_id)
    return attachment


def is_published(attachment: ManualAttachment) -> bool:
    """Whether the public site may serve it: it belongs to a manual's published revision."""
    revision = attachment.revision
    return revision.status == RevisionStatus.published and \
        db.session.get(Manual, revision.manual_id).published_revision_id == revision.id


def open_file(attachment: ManualAttachment) -> BinaryIO:
    """The stored file, opened for reading (the public site checks ``is_published`` first)."""
    return path_for(attachment.sha256).open("rb")


def _spool(stream: BinaryIO, limit: int) -> tuple[str, int, bytes, str]:
    """Copy the upload to a temporary file beside the store, hashing it; stop as soon as it passes the cap."""
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
                    raise FileTooLarge(limit)
                if len(head) < 16:
                    head += chunk[:16]
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        os.unlink(temporary)
        raise
    return digest.hexdigest(), size, head, temporary


def safe_name(filename: str | None, content_type: str) -> str:
    """The name a file is stored and served under: the stem it was uploaded with, made safe for a header and a
    disk, and the extension of what its content is ("poly.html" holding a PNG is "poly.png")."""
    return headers.file_name(filename, EXTENSIONS.get(content_type, ".bin"))
