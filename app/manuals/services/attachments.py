"""Sample forms (แบบฟอร์มตัวอย่าง) attached to a manual revision, kept in the file store (``app.core.files``):
copying a revision copies rows only."""

from __future__ import annotations

import os
from typing import BinaryIO

from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.services import policy
from app.core import file_store, settings
from app.core.extensions import db
from app.core.workflow import record_audit
from app.manuals.models import Manual, ManualAttachment, ManualRevision, RevisionStatus
from app.manuals.services import manual_revisions
from app.manuals.services.manuals import ManualError, ManualNotFound


class WrongFileType(ManualError):
    code = "wrong_file_type"


class FileTooLarge(ManualError):
    code = "file_too_large"

    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit_mb = round(limit / (1024 * 1024), 1)


def add(user: User, revision: ManualRevision, *, label: str, filename: str, stream: BinaryIO) -> ManualAttachment:
    """Store an uploaded sample form on a draft; refuse other types (by content) and files over the cap."""
    manual_revisions.check_draft(user, revision)
    limit = settings.value("MANUAL_ATTACHMENT_MAX_BYTES")
    try:
        digest, size, head, temporary = file_store.spool(stream, limit)
    except file_store.TooLarge:
        raise FileTooLarge(limit) from None
    try:
        detected = file_store.detect_type(head)
        if detected is None:
            raise WrongFileType(filename)
        file_store.keep(temporary, digest)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    position = (db.session.scalar(select(func.max(ManualAttachment.position))
                                  .where(ManualAttachment.revision_id == revision.id)) or 0) + 1
    attachment = ManualAttachment(revision_id=revision.id, label=label.strip(), filename=file_store.safe_name(filename, detected[0]),
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
            or not policy.can_view_manual(user, manual) or not file_store.path_for(attachment.sha256).exists()):
        raise ManualNotFound(attachment_id)
    return attachment


def is_published(attachment: ManualAttachment) -> bool:
    """Whether the public site may serve it: it belongs to a manual's published revision."""
    revision = attachment.revision
    return revision.status == RevisionStatus.published and \
        db.session.get(Manual, revision.manual_id).published_revision_id == revision.id


def open_file(attachment: ManualAttachment) -> BinaryIO:
    """The stored file, opened for reading (the public site checks ``is_published`` first)."""
    return file_store.path_for(attachment.sha256).open("rb")
