"""IR Online's attachments: every upload is checked by content (PNG, JPEG, PDF), size and count before any row is
written; a reporter reaches only the files of their own report's public messages.

``ReportInput.files`` and ``reporter_reply(files=…)`` take werkzeug ``FileStorage`` objects or ``(filename, bytes)``
pairs; empty file fields are ignored. At most ``HELPDESK_MAX_ATTACHMENTS`` per report or reply and
``HELPDESK_MAX_ATTACHMENT_BYTES`` each.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.core import file_store, settings
from app.core.extensions import db
from app.helpdesk.models import MessageKind, Ticket, TicketAttachment, TicketMessage
from app.helpdesk.services.helpdesk import InvalidReport


@dataclass
class _File:
    filename: str
    content_type: str
    size: int
    sha256: str


def attachment_limits() -> tuple[int, int]:
    """IR Online's one upload limit, for reporters and agents alike: files per message, and bytes per file."""
    return (settings.value("HELPDESK_MAX_ATTACHMENTS", 5),
            settings.value("HELPDESK_MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024))


def attachments_bytes() -> int:
    """The most bytes of files one message may carry."""
    count, each = attachment_limits()
    return count * each


def attachment_limits_mb() -> float:
    return round(attachment_limits()[1] / (1024 * 1024), 1)


def read_files(files) -> list[_File]:
    """Store every upload (type by content, size and count capped) before any row is written."""
    given = []
    for item in files or []:
        if isinstance(item, tuple):
            name, data = item
            stream = io.BytesIO(data)
        else:
            name, stream = item.filename, item.stream
        if not name:
            continue  # an empty file field
        given.append((name, stream))
    limit, max_bytes = attachment_limits()
    if len(given) > limit:
        raise InvalidReport(_l("At most %(count)d files can be attached.", count=limit), field="files")
    stored = []
    for name, stream in given:
        try:
            digest, size, head, temporary = file_store.spool(stream, max_bytes)
        except file_store.TooLarge:
            raise InvalidReport(_l("The file %(name)s is too large: at most %(size)s MB.", name=name,
                                   size=round(max_bytes / (1024 * 1024), 1)), field="files") from None
        try:
            detected = file_store.detect_type(head)
            if detected is None or size == 0:
                raise InvalidReport(_l("%(name)s is not a PDF, PNG or JPEG file.", name=name), field="files")
            file_store.keep(temporary, digest)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        stored.append(_File(file_store.safe_name(name, detected[0]), detected[0], size, digest))
    return stored


def attach(ticket: Ticket, message: TicketMessage, files: list[_File]) -> None:
    for file in files:
        db.session.add(TicketAttachment(ticket_id=ticket.id, message_id=message.id, filename=file.filename,
                                        content_type=file.content_type, size=file.size, sha256=file.sha256))


def attachment_for_reporter(ticket: Ticket, attachment_id: int) -> TicketAttachment | None:
    """An attachment of a public message of this very ticket, for its follow-up page (never one of a report
    merged into it, nor of the report it was merged into: those are another reporter's)."""
    attachment = db.session.get(TicketAttachment, attachment_id)
    if attachment is None or attachment.message_id is None or attachment.ticket_id != ticket.id:
        return None
    message = db.session.get(TicketMessage, attachment.message_id)
    if message.kind not in MessageKind.PUBLIC or message.ticket_id != ticket.id:
        return None
    return attachment


def open_attachment(attachment: TicketAttachment):
    return file_store.path_for(attachment.sha256).open("rb")


