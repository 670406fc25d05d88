"""IR Online: problem reports about the e-GP system, from the reporter's side of the lifecycle.

The lifecycle is ``workflows/incident_ticket.bpmn``: triage by a helpdesk supervisor, the agent's work, asking
the reporter (reminder after 3 working days, closed after 7 with a notice), resolution with a public answer,
the reporter's 7 working days to confirm or reopen, closing with an optional rating. Reopening a closed report
opens a new one linked to it. Filing a report is in ``helpdesk_intake``, its files in ``helpdesk_files``, its
conversation and the e-mails to the reporter in ``helpdesk_conversation``, service levels in ``helpdesk_sla``, the
agents' desk in ``helpdesk_desk``. Kept here: the errors, the reference data and the follow-up link.

Rules kept here:
- the follow-up link is never stored: ``<number>-<HMAC(secret key, id, nonce)>``, so every e-mail can carry it
  again; a wrong link and a missing report give the same ``None``;
- internal notes never reach the reporter: ``helpdesk_conversation.public_messages`` is the only reader of the
  conversation for the reporter's pages, and every e-mail to the reporter is written from public text only;
- each reporter sees only their own report's conversation and files: a report merged into another keeps its
  own, shown with the other on the desk only (what its reporter sees of the other is in ``helpdesk_merged``);
- every public change (receipt, reply, question, resolution, closing, merge) is e-mailed to the reporter when an
  address was given, with the follow-up link; every change is audited;
- two people acting at once: the ticket's ``lock_version`` (and the instance's) make the later one fail with
  ``TicketConflict`` and nothing of theirs is saved.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.accounts.models import User
from app.core import settings
from app.core.conflicts import reported_as
from app.core.extensions import db
from app.helpdesk.models import Ticket, TicketCategory
from app.org.models import Agency, AgencyKind
from app.org.services import agencies
from workflows import engine

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
    return agencies.path_of(code)


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


# --- reporting ---------------------------------------------------------------------------------------------------


# --- e-mail to the reporter -----------------------------------------------------------------------------------------


# --- the reporter's view ---------------------------------------------------------------------------------------------


def get_by_number(number: str) -> Ticket | None:
    cleaned = (number or "").strip().upper()
    if not NUMBER.match(cleaned) or len(cleaned) > 16:
        return None  # no report is numbered so (and a NUL or a line break never reaches the database)
    return db.session.scalar(select(Ticket).where(Ticket.number == cleaned))
