"""Filing a report: the checks of what a reporter gives, the report's number (IR + Buddhist-era year + running
number), the ticket with its first message and files, and the start of its lifecycle (``incident_ticket``)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.core import thai_dates
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit
from app.helpdesk.models import MessageKind, ReporterType, Ticket, TicketCategory, TicketMessage, TicketPriority, TicketStatus
from app.helpdesk.services import helpdesk_sla
from app.helpdesk.services.helpdesk import (
    BUSINESS_TYPE,
    EMAIL,
    MAX_SUBJECT,
    MAX_TEXT,
    PHONE,
    PROCESS_ID,
    PROJECT_NUMBER,
    InvalidReport,
    TicketConflict,
    follow_up_token,
    helpdesk_agency,
)
from app.helpdesk.services.helpdesk_conversation import mail_reporter
from app.helpdesk.services.helpdesk_files import _File, attach, read_files
from notifications.thai_text import ARABIC_DIGITS
from workflows import engine
from workflows.calendar import BANGKOK


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


