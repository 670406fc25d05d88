"""The e-GP desk: IR Online reports (volume by category and reporter, first response and resolution against the
SLA counted in working time, reopened reports, ratings) and Live Chat (chats by topic and channel, accepted,
abandoned or left offline, time to accept; ``app.chat.services.figures``).

The SLA clocks are the help desk's own (``helpdesk_sla``: due times in working time, breaches flagged when they
happen), so a report met its target when it was answered (or resolved) and never flagged as breached.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.chat.services import figures as chat_figures
from app.core.extensions import db
from app.core.thai_dates import bangkok_day
from app.helpdesk.models import ReporterType, Ticket, TicketCategory, TicketStatus
from app.reports.services import sums
from app.reports.services.base import Column, Filters, Report, Row, Scope, Table
from app.reports.services.rows import RowSource
from workflows.calendar import BANGKOK

REPORTERS = {ReporterType.agency: _l("Government agency"), ReporterType.vendor: _l("Vendor"),
             ReporterType.public: _l("Member of the public")}
CHANNELS = {"web": _l("Web chat (not signed in)"), "account": _l("Web chat (signed in)")}
OUTCOMES = {"handled": _l("Accepted and answered"), "abandoned": _l("Left before being accepted"),
            "offline": _l("Left a message out of hours"), "live": _l("Still open")}


def _clauses(filters: Filters) -> list:
    start = datetime.combine(filters.first, time.min, tzinfo=BANGKOK)
    end = datetime.combine(filters.last + timedelta(days=1), time.min, tzinfo=BANGKOK)
    clauses = [Ticket.created_at >= start, Ticket.created_at < end]
    if filters.dim_int("category"):
        clauses.append(Ticket.category_id == filters.dim_int("category"))
    if filters.dim("reporter") in REPORTERS:
        clauses.append(Ticket.reporter_type == filters.dim("reporter"))
    return clauses


# --- the sums the report reads (``app.reports.services.sums``): each report to the desk on the day it came in,
# by category and reporter ---------------------------------------------------------------------------------------

MEASURES = ("tickets", "answered_in_time", "answer_late", "resolved_in_time", "resolution_late", "reopened")


def _facts() -> Iterator[sums.Fact]:
    query = select(Ticket.created_at, Ticket.category_id, Ticket.reporter_type, Ticket.first_responded_at,
                   Ticket.first_response_breached, Ticket.resolved_at, Ticket.resolution_breached,
                   Ticket.reopened_from_id, Ticket.rating)
    for (created, category, reporter, responded, answer_late, resolved, resolution_late, reopened_from,
         rating) in db.session.execute(query.execution_options(yield_per=sums.BATCH)):
        measures = {"tickets": 1, "answered_in_time": responded is not None and not answer_late,
                    "answer_late": bool(answer_late), "resolved_in_time": resolved is not None and not resolution_late,
                    "resolution_late": bool(resolution_late), "reopened": reopened_from is not None}
        if rating is not None:
            measures |= {"rated": 1, "rating_sum": rating, f"stars_{rating}": 1}
        yield sums.Fact(bangkok_day(created), None, (str(category), reporter), measures)


def _latest_change():
    return db.session.scalar(select(func.max(func.coalesce(Ticket.updated_at, Ticket.created_at))))


SUMS = sums.Subject("desk", ("category", "reporter"), _facts, _latest_change)


def tickets(filters: Filters, scope: Scope, locale: str = "th") -> Report:
    chosen = {"category": str(filters.dim_int("category") or "") or None,
              "reporter": filters.dim("reporter") if filters.dim("reporter") in REPORTERS else None}
    period = {"chosen": chosen, "first": filters.first, "last": filters.last, "nation": True}
    columns = [Column(_l("Reports")), Column(_l("Answered within the SLA")), Column(_l("First answer late")),
               Column(_l("Resolved within the SLA")), Column(_l("Resolution late")), Column(_l("Reopened")),
               Column(_l("Average rating"))]

    def values(measures: dict) -> list:
        rated = measures.get("rated", 0)
        return [*(measures.get(name, 0) for name in MEASURES),
                round(measures.get("rating_sum", 0) / rated, 2) if rated else None]

    names = dict(db.session.execute(select(TicketCategory.id, TicketCategory.name_th)).all())
    categories = sorted(((names.get(int(key[0]), key[0]), int(key[0]), measures)
                         for key, measures in sums.figures(SUMS, by=("category",), **period).items()
                         if measures.get("tickets")), key=lambda item: item[0])
    by_category = Table("categories", _l("IR Online: by category"), [Column(_l("Category"), False), *columns],
                        [Row(name, values(measures), drill={"category": category_id} if not filters.dim("category")
                             else None) for name, category_id, measures in categories], chart=(0, 2, 4))
    reporters = {key[0]: measures for key, measures in sums.figures(SUMS, by=("reporter",), **period).items()}
    by_reporter = Table("reporters", _l("IR Online: by reporter"), [Column(_l("Reporter"), False), *columns],
                        [Row(str(label), values(reporters[code]), drill={"reporter": code})
                         for code, label in REPORTERS.items() if reporters.get(code, {}).get("tickets")], chart=(0,))
    total = sums.figures(SUMS, **period).get((), {})
    count = total.get("tickets", 0)
    reopen_rate = round(100 * total.get("reopened", 0) / count, 1) if count else None
    stars = Table("ratings", _l("IR Online: ratings"), [Column(_l("Stars"), False), Column(_l("Reports"))],
                  [Row(str(n), [total.get(f"stars_{n}", 0)]) for n in range(5, 0, -1)], chart=(0,))

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
               (_l("Answered within the SLA"), total.get("answered_in_time", 0)),
               (_l("Resolved within the SLA"), total.get("resolved_in_time", 0)),
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
