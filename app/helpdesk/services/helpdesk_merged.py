"""IR Online after a merge: who sees what of the two reports, and who is told.

A duplicate merged into another report keeps its own conversation. The two reporters may be competing bidders:
each sees only their own messages and files (``helpdesk_conversation.public_messages``, ``helpdesk_files.attachment_for_reporter``);
the desk sees both. The merged report's reporter follows the surviving report through their own link — its
number, status and the desk's public replies, with the other reporter's name and contact details blanked — is
e-mailed its outcome (resolved, closed), and once it has one may ask again: ``helpdesk_lifecycle.reopen`` opens a
new report of their own, linked to the merged one, as it does for a closed report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.core.extensions import db
from app.helpdesk.models import MessageKind, ReporterProfile, Ticket, TicketMessage, TicketStatus
from app.helpdesk.services import helpdesk_conversation

HIDDEN = "•••"
MAX_CHAIN = 50  # merges of merges followed at most this far (a loop can only come from hand-edited rows)
OUTCOMES = (TicketStatus.resolved, TicketStatus.closed)


def surviving(ticket: Ticket) -> Ticket | None:
    """The report a merged one's work goes on in (following a merge of the surviving report too); None when the
    report was not merged."""
    current, seen = ticket, {ticket.id}
    while current.merged_into_id is not None and current.merged_into_id not in seen and len(seen) <= MAX_CHAIN:
        current = db.session.get(Ticket, current.merged_into_id)
        seen.add(current.id)
    return None if current is ticket else current


def merged_reports(ticket: Ticket) -> list[Ticket]:
    """Every report merged into this one, directly or through a report merged into it: one query per level."""
    found: list[Ticket] = []
    seen, level = {ticket.id}, [ticket.id]
    while level and len(seen) <= MAX_CHAIN:
        rows = [row for row in db.session.scalars(select(Ticket).where(Ticket.merged_into_id.in_(level))
                                                  .order_by(Ticket.id)) if row.id not in seen]
        found += rows
        seen.update(row.id for row in rows)
        level = [row.id for row in rows]
    return found


def redact(text: str, other: Ticket) -> str:
    """``text`` with the other report's reporter unnamed: their contact name, e-mail address and phone, their
    account's name and organisation (a standard answer may greet them by name)."""
    values = {other.contact_name, other.contact_email, other.contact_phone}
    if other.reporter_user_id is not None:
        user = db.session.get(User, other.reporter_user_id)
        profile = db.session.get(ReporterProfile, other.reporter_user_id)
        values |= {user.display_name, user.email, profile.organisation if profile else None}
    for value in sorted({(v or "").strip() for v in values if v and len(v.strip()) >= 3}, key=len, reverse=True):
        text = re.sub(re.escape(value), HIDDEN, text, flags=re.IGNORECASE)
    return text


@dataclass
class Reply:
    created_at: datetime
    body: str


@dataclass
class Progress:
    """What the merged report's reporter sees of the surviving report."""

    number: str
    status: str
    replies: list[Reply]

    @property
    def has_outcome(self) -> bool:
        return self.status in OUTCOMES


def progress(ticket: Ticket) -> Progress | None:
    """The surviving report's number, status and public replies, for a merged report's follow-up page: no
    message of its reporter, no file, nothing that names them."""
    target = surviving(ticket)
    if target is None:
        return None
    rows = db.session.execute(select(TicketMessage.created_at, TicketMessage.body).where(
        TicketMessage.ticket_id == target.id, TicketMessage.kind == MessageKind.public_reply)
        .order_by(TicketMessage.created_at, TicketMessage.id)).all()
    return Progress(target.number, target.status, [Reply(at, redact(body, target)) for at, body in rows])


def can_ask_again(ticket: Ticket) -> bool:
    """A merged report's reporter may ask again once the surviving report has its outcome."""
    target = surviving(ticket) if ticket.status == TicketStatus.merged else None
    return target is not None and target.status in OUTCOMES


def tell_resolved(ticket: Ticket, message: TicketMessage) -> int:
    """The surviving report is resolved: each merged report's reporter gets the answer (public text, the other
    reporter unnamed) with their own follow-up link. Returns how many were e-mailed."""
    return _tell(ticket, f"surviving-resolved:{message.id}",
                 _l("Report %(number)s, which yours was merged into, is resolved", number=ticket.number),
                 _l("Your report was merged into report %(number)s, about the same problem. The help desk has "
                    "resolved it; its answer is below. If the problem is not solved for you, ask again on your "
                    "follow-up page.", number=ticket.number),
                 message.body)


def tell_closed(ticket: Ticket) -> int:
    return _tell(ticket, "surviving-closed",
                 _l("Report %(number)s, which yours was merged into, is closed", number=ticket.number),
                 _l("Your report was merged into report %(number)s, about the same problem, and that report is now "
                    "closed. If the problem is not solved for you, ask again on your follow-up page.",
                    number=ticket.number))


def _tell(ticket: Ticket, key: str, subject, lead, body: str | None = None) -> int:
    sent = 0
    for merged in merged_reports(ticket):
        sent += helpdesk_conversation.mail_reporter(merged, f"{key}:{ticket.id}", subject, lead,
                                       redact(body, ticket) if body else None)
    return sent
