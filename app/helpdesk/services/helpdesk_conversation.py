"""The conversation of a report: who reads which messages (the desk every kind, the reporter only the public ones of
their own report), the reporter's list of reports, and the e-mails that tell the reporter of a public change."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import User
from app.core.extensions import db
from app.core.paging import Page
from app.helpdesk.models import MessageKind, Ticket, TicketAttachment, TicketMessage
from app.helpdesk.services.helpdesk import follow_up_url
from notifications import queue_mail


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


