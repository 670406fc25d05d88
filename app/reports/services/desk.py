"""The e-GP desk: IR Online reports (volume by category and reporter, first response and resolution against the
SLA counted in working time, reopened reports, ratings) and Live Chat (chats by topic and channel, accepted,
abandoned or left offline, time to accept; ``app.chat.services.figures``).

The SLA clocks are the help desk's own (``helpdesk_sla``: due times in working time, breaches flagged when they
happen), so a report met its target when it was answered (or resolved) and never flagged as breached.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from app.chat.services import figures as chat_figures
from app.core.extensions import db
from app.helpdesk.models import ReporterType, Ticket, TicketCategory, TicketStatus
from app.reports.services.base import Column, Filters, Report, Row, Scope, Table
from app.reports.services.rows import RowSource
from workflows.calendar import BANGKOK

REPORTERS = {ReporterType.agency: _l("Government agency"), ReporterType.vendor: _l("Vendor"),
             ReporterType.public: _l("Member of the public")}
CHANNELS = {"web": _l("Web chat (not signed in)"), "account": _l("Web chat (signed in)")}
OUTCOMES = {"handled": _l("Accepted and answered"), "abandoned": _l("Left before being accepted"),
            "offline": _l("Left a message out of hours"), "live": _l("Still open")}


def _sum(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _clauses(filters: Filters) -> list:
    start = datetime.combine(filters.first, time.min, tzinfo=BANGKOK)
    end = datetime.combine(filters.last + timedelta(days=1), time.min, tzinfo=BANGKOK)
    clauses = [Ticket.created_at >= start, Ticket.created_at < end]
    if filters.dim_int("category"):
        clauses.append(Ticket.category_id == filters.dim_int("category"))
    if filters.dim("reporter") in REPORTERS:
        clauses.append(Ticket.reporter_type == filters.dim("reporter"))
    return clauses


def tickets(filters: Filters, scope: Scope, locale: str = "th") -> Report:
    clauses = _clauses(filters)
    measures = [func.count(Ticket.id),
                _sum(Ticket.first_responded_at.is_not(None) & ~Ticket.first_response_breached),
                _sum(Ticket.first_response_breached),
                _sum(Ticket.resolved_at.is_not(None) & ~Ticket.resolution_breached),
                _sum(Ticket.resolution_breached),
                _sum(Ticket.reopened_from_id.is_not(None)),
                func.avg(Ticket.rating)]
    columns = [Column(_l("Reports")), Column(_l("Answered within the SLA")), Column(_l("First answer late")),
               Column(_l("Resolved within the SLA")), Column(_l("Resolution late")), Column(_l("Reopened")),
               Column(_l("Average rating"))]

    def tidy(values) -> list:
        return [*(int(v or 0) for v in values[:-1]), round(values[-1], 2) if values[-1] is not None else None]

    categories = db.session.execute(
        select(TicketCategory.id, TicketCategory.name_th, *measures).join(Ticket, Ticket.category_id ==
                                                                          TicketCategory.id)
        .where(*clauses).group_by(TicketCategory.id, TicketCategory.name_th).order_by(TicketCategory.name_th)).all()
    by_category = Table("categories", _l("IR Online: by category"), [Column(_l("Category"), False), *columns],
                        [Row(row[1], tidy(row[2:]), drill={"category": row[0]} if not filters.dim("category")
                             else None) for row in categories], chart=(0, 2, 4))
    reporters = dict((row[0], row[1:]) for row in db.session.execute(
        select(Ticket.reporter_type, *measures).where(*clauses).group_by(Ticket.reporter_type)))
    by_reporter = Table("reporters", _l("IR Online: by reporter"), [Column(_l("Reporter"), False), *columns],
                        [Row(str(label), tidy(reporters[code]), drill={"reporter": code})
                         for code, label in REPORTERS.items() if code in reporters], chart=(0,))
    total = db.session.execute(select(*measures).where(*clauses)).one()
    count = int(total[0] or 0)
    reopen_rate = round(100 * int(total[5] or 0) / count, 1) if count else None
    by_stars = dict(db.session.execute(select(Ticket.rating, func.count()).where(*clauses, Ticket.rating.is_not(None))
                                       .group_by(Ticket.rating)).all())
    stars = Table("ratings", _l("IR Online: ratings"), [Column(_l("Stars"), False), Column(_l("Reports"))],
                  [Row(str(n), [by_stars.get(n, 0)]) for n in range(5, 0, -1)], chart=(0,))

    chats = chat_figures.figures(filters.first, filters.last)
    topics = Table("topics", _l("Live Chat: by topic"), [Column(_l("Topic"), False), Column(_l("Chats"))],
                   [Row(name or str(_l("No topic")), [n]) for name, n in chats["by_topic"].items()], chart=(0,))
    channels = Table("channels", _l("Live Chat: by channel"), [Column(_l("Channel"), False), Column(_l("Chats"))],
                     [Row(str(CHANNELS.get(code, code)), [n]) for code, n in chats["by_channel"].items()])
    outcomes = Table("outcomes", _l("Live Chat: how chats ended"), [Column(_l("Outcome"), False),
                                                                    Column(_l("Chats"))],
                     [Row(str(label), [chats["outcome"].get(code, 0)]) for code, label in OUTCOMES.items()],
                     chart=(0,))
    wait = chats["accept_seconds"]
    summary = [(_l("IR Online reports"), count),
               (_l("Answered within the SLA"), int(total[1] or 0)),
               (_l("Resolved within the SLA"), int(total[3] or 0)),
               (_l("Reopened (%)"), reopen_rate if reopen_rate is not None else "–"),
               (_l("Chats"), chats["chats"]),
               (_l("Median time to accept a chat (seconds)"), round(wait["median"]) if wait["median"] else "–"),
               (_l("90th percentile time to accept (seconds)"), round(wait["p90"]) if wait["p90"] else "–"),
               (_l("Average chat rating"), chats["ratings"]["average"] or "–")]
    return Report("desk", filters, scope, [by_category, by_reporter, stars, topics, channels, outcomes], summary)


def category_choices() -> list[tuple[int, str]]:
    return [(row[0], row[1]) for row in db.session.execute(
        select(TicketCategory.id, TicketCategory.name_th).order_by(TicketCategory.position, TicketCategory.name_th))]


# --- every row: each IR Online report of the period (no reporter's contact details) ---------------------------

STATUS_LABELS = {TicketStatus.new: _l("New, awaiting triage"), TicketStatus.open: _l("Open"),
                 TicketStatus.in_progress: _l("In progress"), TicketStatus.waiting_reporter: _l("Waiting on the reporter"),
                 TicketStatus.resolved: _l("Resolved"), TicketStatus.closed: _l("Closed"),
                 TicketStatus.merged: _l("Merged")}


def _rows_query(filters: Filters, scope: Scope):
    return (select(Ticket.id, Ticket.number, Ticket.created_at, TicketCategory.name_th, Ticket.reporter_type,
                   Ticket.subject, Ticket.status, Ticket.first_responded_at, Ticket.first_response_breached,
                   Ticket.resolved_at, Ticket.resolution_breached, Ticket.reopened_from_id, Ticket.rating)
            .join(TicketCategory, TicketCategory.id == Ticket.category_id).where(*_clauses(filters)))


def _row(row, locale: str, context) -> list:
    (_id, number, created, category, reporter, subject, status, responded, response_late, resolved, resolution_late,
     reopened_from, rating) = row
    yes, no = str(_l("Yes")), str(_l("No"))
    return [number, created, category, str(REPORTERS.get(reporter, reporter)), subject,
            str(STATUS_LABELS.get(status, status)), responded or "", yes if response_late else no, resolved or "",
            yes if resolution_late else no, yes if reopened_from else no, rating if rating is not None else ""]


ROWS = RowSource("desk", (_l("Report number"), _l("Reported"), _l("Category"), _l("Reporter"), _l("Subject"),
                          _l("Status"), _l("First response"), _l("First answer late"), _l("Resolved"),
                          _l("Resolution late"), _l("Reopened"), _l("Rating")), _rows_query, _row)
