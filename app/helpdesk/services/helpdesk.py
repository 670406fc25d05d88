"""IR Online: problem reports about the e-GP system, from the reporter's side of the lifecycle.

The lifecycle is ``workflows/incident_ticket.bpmn``: triage by a helpdesk supervisor, the agent's work, asking
the reporter (reminder after 3 working days, closed after 7 with a notice), resolution with a public answer,
the reporter's 7 working days to confirm or reopen, closing with an optional rating. Reopening a closed report
opens a new one linked to it. Service levels are in ``helpdesk_sla``, the agents' desk in ``helpdesk_desk``.

Rules kept here:
- the follow-up link is never stored: ``<number>-<HMAC(secret key, id, nonce)>``, so every e-mail can carry it
  again; a wrong link and a missing report give the same ``None``;
- internal notes never reach the reporter: ``public_messages`` is the only reader of the conversation for the
  reporter's pages, and every e-mail to the reporter is written from public text only;
- each reporter sees only their own report's conversation and files: a report merged into another keeps its
  own, shown with the other on the desk only (what its reporter sees of the other is in ``helpdesk_merged``);
- every public change (receipt, reply, question, resolution, closing, merge) is e-mailed to the reporter when an
  address was given, with the follow-up link; every change is audited;
- two people acting at once: the ticket's ``lock_version`` (and the instance's) make the later one fail with
  ``TicketConflict`` and nothing of theirs is saved.

Files: ``ReportInput.files`` and ``reporter_reply(files=…)`` take werkzeug ``FileStorage`` objects or
``(filename, bytes)`` pairs; empty file fields are ignored. PNG, JPEG and PDF only (checked by content), at most
``HELPDESK_MAX_ATTACHMENTS`` per report or reply and ``HELPDESK_MAX_ATTACHMENT_BYTES`` each.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import User
from app.core import file_store, settings, thai_dates
from app.core.conflicts import reported_as
from app.core.extensions import db
from app.core.paging import Page
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.helpdesk.models import MessageKind, ReporterType, Ticket, TicketAttachment, TicketCategory, TicketMessage, TicketPriority, TicketStatus
from app.helpdesk.services import helpdesk_sla
from app.org.models import Agency, AgencyKind
from app.org.services import agencies
from notifications import queue_mail
from notifications.thai_text import ARABIC_DIGITS
from workflows import engine
from workflows.calendar import BANGKOK

PROCESS_ID = "incident_ticket"
BUSINESS_TYPE = "ticket"
MESSAGE_AGENT = "ticket_agent"
MESSAGE_ANSWERED = "ticket_answered"
MESSAGE_DECISION = "ticket_decision"
MESSAGE_MERGED = "ticket_merged"
REMIND_AFTER_DAYS = 3
CLOSE_AFTER_DAYS = 7
CONFIRM_DAYS = 7
PROJECT_NUMBER = re.compile(r"^\d{11}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9+\-\s]{6,20}$")
NUMBER = re.compile(r"^IR\d{7,}$")
MAX_SUBJECT, MAX_TEXT = 255, 10000
DEFAULT_CATEGORIES = [("การลงทะเบียน", "Registration"), ("แผนการจัดซื้อจัดจ้าง", "Procurement plan"),
                      ("ประกาศ", "Announcement"), ("e-bidding", "e-bidding"), ("สัญญา", "Contract"),
                      ("การเบิกจ่าย", "Payment"), ("อื่น ๆ", "Other")]
HELPDESK_AGENCY = ("cgd", "กรมบัญชีกลาง", "The Comptroller General's Department")


# --- errors --------------------------------------------------------------------------------------------------


class HelpdeskError(Exception):
    """An action that cannot happen; ``message`` is a lazy Thai/English text, ``field`` the form field at fault."""

    default = _l("This could not be done. Nothing was saved.")

    def __init__(self, message=None, field: str | None = None):
        self.message = message or self.default
        self.field = field
        super().__init__(str(self.message))


class TicketNotFound(HelpdeskError):
    default = _l("There is no such report, or it is not yours to see.")


class TicketConflict(HelpdeskError):
    default = _l("Someone else acted on this report at the same moment. Nothing you entered was saved; reload "
                 "and try again.")


class WrongState(HelpdeskError):
    default = _l("This report is no longer in a state that allows this.")


class InvalidReport(HelpdeskError):
    pass


def conflicts_reported():
    """Someone else changed the ticket or its instance meanwhile: a TicketConflict."""
    return reported_as(TicketConflict, engine.ConcurrentUpdate, engine.NotWaiting, engine.TaskNotOpen)


# --- reference data --------------------------------------------------------------------------------------------


def categories(active_only: bool = True) -> list[TicketCategory]:
    query = select(TicketCategory).order_by(TicketCategory.position, TicketCategory.id)
    if active_only:
        query = query.where(TicketCategory.active)
    rows = list(db.session.scalars(query))
    if not rows and not db.session.scalar(select(func.count()).select_from(TicketCategory)):
        ensure_categories()
        rows = list(db.session.scalars(query))
    return rows


def ensure_categories() -> None:
    """The e-GP areas the migration seeds, written again if the table was emptied."""
    for position, (name_th, name_en) in enumerate(DEFAULT_CATEGORIES, start=1):
        db.session.add(TicketCategory(name_th=name_th, name_en=name_en, position=position, active=True))
    db.session.flush()


def helpdesk_agency() -> Agency:
    """The department whose staff run the helpdesk; the tickets' instances and the staff's memberships sit there."""
    code = settings.value("HELPDESK_AGENCY_CODE", HELPDESK_AGENCY[0])
    agency = db.session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        agency = agencies.create(kind=AgencyKind.department.value, name_th=HELPDESK_AGENCY[1],
                                 name_en=HELPDESK_AGENCY[2], code=code, parent=None)
    return agency


def helpdesk_agency_path() -> str | None:
    """Where the helpdesk staff's memberships belong, without creating the department (None: not set up)."""
    code = settings.value("HELPDESK_AGENCY_CODE", HELPDESK_AGENCY[0])
    return db.session.scalar(select(Agency.path).where(Agency.code == code))


# --- the follow-up link ------------------------------------------------------------------------------------------


def _mac(ticket_id: int, nonce: str) -> str:
    key = settings.value("SECRET_KEY").encode()
    digest = hmac.new(key, f"ticket-follow:{ticket_id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def follow_up_token(ticket: Ticket) -> str:
    return f"{ticket.number}-{_mac(ticket.id, ticket.follow_nonce)}"


def follow_up_url(ticket: Ticket) -> str:
    """The absolute follow-up link (the same every time it is asked for)."""
    return settings.external_url("ir.follow", token=follow_up_token(ticket))


def ticket_by_follow_up(token: str | None) -> Ticket | None:
    """The ticket named by a follow-up token, or None; compared in constant time."""
    number, _, mac = (token or "").strip().partition("-")
    if not NUMBER.match(number) or not mac or len(mac) > 64:
        return None
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    expected = _mac(ticket.id, ticket.follow_nonce) if ticket else _mac(0, "none")
    return ticket if hmac.compare_digest(expected.encode(), mac.encode()) and ticket else None


def can_follow(user: User | None, ticket: Ticket) -> bool:
    """The signed-in reporter who filed it (anyone else follows with the token)."""
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and ticket.reporter_user_id is not None and ticket.reporter_user_id == user.id)


# --- files ------------------------------------------------------------------------------------------------------


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


# --- reporting ---------------------------------------------------------------------------------------------------


@dataclass
class ReportInput:
    reporter_type: str
    category_id: int
    subject: str
    description: str
    project_number: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    files: list = field(default_factory=list)


def clean(value: str | None) -> str | None:
    return (value or "").strip() or None


def message_text(body: str | None, field: str = "body") -> str:
    """A message's text, trimmed; empty or too long is refused."""
    text = (body or "").strip()
    if not text:
        raise InvalidReport(_l("Write the message."), field=field)
    if len(text) > MAX_TEXT:
        raise InvalidReport(_l("At most %(max)d characters.", max=MAX_TEXT), field=field)
    return text


def normalize_project_number(value: str | None) -> str | None:
    """An e-GP project number is 11 digits; spaces and dashes typed in between are dropped."""
    cleaned = re.sub(r"[\s\-]", "", value or "")
    if not cleaned:
        return None
    if not PROJECT_NUMBER.match(cleaned):
        raise InvalidReport(_l("An e-GP project number has 11 digits."), field="project_number")
    return cleaned


def _validate(data: ReportInput) -> dict:
    if data.reporter_type not in ReporterType.ALL:
        raise InvalidReport(_l("Choose who you are reporting as."), field="reporter_type")
    category = db.session.get(TicketCategory, data.category_id) if data.category_id else None
    if category is None or not category.active:
        raise InvalidReport(_l("Choose the area of e-GP the problem is in."), field="category_id")
    subject, description = clean(data.subject), clean(data.description)
    if not subject:
        raise InvalidReport(_l("Give the report a subject."), field="subject")
    if len(subject) > MAX_SUBJECT:
        raise InvalidReport(_l("At most %(max)d characters.", max=MAX_SUBJECT), field="subject")
    if not description:
        raise InvalidReport(_l("Describe the problem."), field="description")
    if len(description) > MAX_TEXT:
        raise InvalidReport(_l("At most %(max)d characters.", max=MAX_TEXT), field="description")
    email, phone = clean(data.contact_email), clean(data.contact_phone)
    phone = phone.translate(ARABIC_DIGITS) if phone else phone
    if email and (len(email) > 255 or not EMAIL.match(email)):
        raise InvalidReport(_l("Enter a valid e-mail address."), field="contact_email")
    if phone and not PHONE.match(phone):
        raise InvalidReport(_l("Enter a valid phone number."), field="contact_phone")
    name = clean(data.contact_name)
    if name and len(name) > 255:
        raise InvalidReport(_l("At most %(max)d characters.", max=255), field="contact_name")
    return {"reporter_type": data.reporter_type, "category_id": category.id,
            "project_number": normalize_project_number(data.project_number), "subject": subject,
            "description": description, "contact_name": name, "contact_email": email, "contact_phone": phone}


def _new_number(now: datetime) -> str:
    """IR + the Buddhist-era year's last two digits + a running number of the year: IR6900123."""
    prefix = f"IR{thai_dates.buddhist_year(now.astimezone(BANGKOK).year) % 100:02d}"
    last = db.session.scalar(select(func.max(Ticket.number)).where(Ticket.number.like(f"{prefix}%")))
    return f"{prefix}{(int(last[len(prefix):]) + 1 if last else 1):05d}"


def _insert_ticket(values: dict, now: datetime) -> Ticket:
    """Insert with the next number; a colleague's report taking the same number at once means try the next."""
    for _attempt in range(5):
        ticket = Ticket(number=_new_number(now), follow_nonce=secrets.token_hex(16), status=TicketStatus.new,
                        priority=values.pop("priority", TicketPriority.normal), paused_minutes=0,
                        first_response_breached=False, resolution_breached=False, created_at=now, updated_at=now,
                        **values)
        try:
            with db.session.begin_nested():
                db.session.add(ticket)
            return ticket
        except IntegrityError:
            continue
    raise TicketConflict()


def report(data: ReportInput, reporter: User | None) -> tuple[Ticket, str]:
    """File a report and start its lifecycle; returns the ticket and its follow-up token (shown once)."""
    values = _validate(data)
    files = read_files(data.files)
    if reporter is not None:
        values["contact_name"] = values["contact_name"] or reporter.display_name
        values["contact_email"] = values["contact_email"] or reporter.email
    now = utcnow().replace(microsecond=0)
    ticket = create_ticket(values | {"reporter_user_id": reporter.id if reporter else None}, files, now,
                     actor_id=reporter.id if reporter else None)
    mail_reporter(ticket, "receipt", _l("Your report %(number)s was received", number=ticket.number),
                   _l("We received your report “%(subject)s” and will answer it as soon as we can.",
                      subject=ticket.subject))
    return ticket, follow_up_token(ticket)


def create_ticket(values: dict, files: list[_File], now: datetime, *, actor_id: int | None,
            reopened_from: Ticket | None = None) -> Ticket:
    description = values["description"]
    ticket = _insert_ticket(dict(values, reopened_from_id=reopened_from.id if reopened_from else None), now)
    first = TicketMessage(ticket_id=ticket.id, kind=MessageKind.reporter, author_user_id=values.get("reporter_user_id"),
                          body=description, created_at=now)
    db.session.add(first)
    db.session.flush()
    attach(ticket, first, files)
    helpdesk_sla.compute(ticket)
    agency = helpdesk_agency()
    instance = engine.start(PROCESS_ID, title=f"{ticket.number} · {ticket.subject}"[:500],
                            business_type=BUSINESS_TYPE, business_id=ticket.id, agency_id=agency.id,
                            agency_path=agency.path,
                            data={"ticket_id": ticket.id, "first_due_at": helpdesk_sla.iso(ticket.first_response_due_at)},
                            actor_id=actor_id)
    ticket.instance_id = instance.id
    record_audit("ticket.reported", actor_id=actor_id, instance_id=instance.id, object_type=BUSINESS_TYPE,
                 object_id=ticket.id, after={"number": ticket.number, "category_id": ticket.category_id,
                                             "reporter_type": ticket.reporter_type, "files": len(files),
                                             "reopened_from": reopened_from.number if reopened_from else None})
    db.session.flush()
    return ticket


# --- e-mail to the reporter -----------------------------------------------------------------------------------------


def mail_reporter(ticket: Ticket, key: str, subject, lead, body: str | None = None) -> bool:
    """E-mail a public change to the reporter, in Thai (their language when signed in), with the follow-up link.

    ``body`` is public text only (a public reply, the question, the answer): never an internal note.
    """
    if not ticket.contact_email:
        return False
    reporter = db.session.get(User, ticket.reporter_user_id) if ticket.reporter_user_id else None
    with force_locale((reporter.locale if reporter else None) or "th"):
        subject_text = f"[{ticket.number}] {subject}"
        parts = [str(_l("Dear %(name)s,", name=ticket.contact_name or str(_l("reporter")))), "", str(lead)]
        if body:
            parts += ["", body]
        parts += ["", str(_l("Follow the report, reply or add files here (keep this link to yourself):")),
                  follow_up_url(ticket), "", str(_l("e-GP help desk, the Comptroller General's Department"))]
    queue_mail(dedup_key=f"ticket:{ticket.id}:{key}", to_address=ticket.contact_email, subject=subject_text,
               body="\n".join(parts))
    return True


def _mail_key(ticket: Ticket, kind: str) -> str:
    """A key unique to this change: a ticket may be answered or asked many times."""
    count = db.session.scalar(select(func.count()).select_from(TicketMessage).where(TicketMessage.ticket_id == ticket.id))
    return f"{kind}:{count}"


# --- the reporter's view ---------------------------------------------------------------------------------------------


def _thread_ids(ticket: Ticket) -> list[int]:
    """The ticket and every duplicate merged into it (the desk reads their conversations with it)."""
    merged = db.session.scalars(select(Ticket.id).where(Ticket.merged_into_id == ticket.id)).all()
    return [ticket.id, *merged]


def messages_of(ticket: Ticket, *, public_only: bool) -> list[TicketMessage]:
    """The conversation with attachments loaded: two queries however long it is.

    The desk's (every kind) takes in the reports merged into this one; the reporter's (public kinds) is this
    report's own, as the reporter of a merged report may be someone else, even a competing bidder."""
    ids = [ticket.id] if public_only else _thread_ids(ticket)
    query = select(TicketMessage).where(TicketMessage.ticket_id.in_(ids))
    if public_only:
        query = query.where(TicketMessage.kind.in_(MessageKind.PUBLIC))
    messages = list(db.session.scalars(query.order_by(TicketMessage.created_at, TicketMessage.id)))
    by_message: dict[int, list[TicketAttachment]] = {m.id: [] for m in messages}
    if messages:
        for attachment in db.session.scalars(select(TicketAttachment).where(
                TicketAttachment.message_id.in_(list(by_message))).order_by(TicketAttachment.id)):
            by_message[attachment.message_id].append(attachment)
    for message in messages:
        set_committed_value(message, "attachments", by_message[message.id])
    return messages


def public_messages(ticket: Ticket) -> list[TicketMessage]:
    """Everything the reporter may see: never an internal note, never another report's messages."""
    return messages_of(ticket, public_only=True)


def reports_of(user: User, page: int = 1, per_page: int = 20) -> Page:
    """A signed-in reporter's own reports, newest first: two queries."""
    clause = Ticket.reporter_user_id == user.id
    total = db.session.scalar(select(func.count()).select_from(Ticket).where(clause)) or 0
    rows = list(db.session.scalars(select(Ticket).where(clause).order_by(Ticket.created_at.desc(), Ticket.id.desc())
                                   .limit(per_page).offset((max(page, 1) - 1) * per_page)))
    return Page(rows, total, page, per_page)


def get_by_number(number: str) -> Ticket | None:
    return db.session.scalar(select(Ticket).where(Ticket.number == (number or "").strip().upper()))
