"""Live Chat's figures for reports: chats by day, topic and channel, time to accept, how chats ended, the
ratings, and the FAQ entries the answers grew into (``faq_lists.figures()``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from app.chat.models import ChatSession, ChatStatus, ChatTopic
from app.core.extensions import db
from app.knowledge.services import faq_lists
from workflows.calendar import BANGKOK


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return (datetime.combine(first, time.min, tzinfo=BANGKOK),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=BANGKOK))


def figures(first: date, last: date) -> dict:
    """Figures of the chats started from ``first`` to ``last`` (Bangkok days, both included). Four queries."""
    start, end = _bounds(first, last)
    rows = db.session.execute(select(ChatSession.created_at, ChatSession.accepted_at, ChatSession.status,
                                     ChatSession.topic_id, ChatSession.channel, ChatSession.rating,
                                     ChatSession.closed_by).where(ChatSession.created_at >= start,
                                                                  ChatSession.created_at < end)).all()
    names = dict(db.session.execute(select(ChatTopic.id, ChatTopic.name_th)).all())
    by_day: dict[str, int] = {}
    by_topic: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    waits, ratings = [], {n: 0 for n in range(1, 6)}
    outcome = {"handled": 0, "abandoned": 0, "offline": 0, "live": 0}
    for created, accepted, status, topic_id, channel, rating, _by in rows:
        day = created.astimezone(BANGKOK).date().isoformat()
        by_day[day] = by_day.get(day, 0) + 1
        name = names.get(topic_id, "")
        by_topic[name] = by_topic.get(name, 0) + 1
        by_channel[channel] = by_channel.get(channel, 0) + 1
        if accepted is not None:
            waits.append((accepted - created).total_seconds())
        if status in (ChatStatus.closed,) and accepted is not None:
            outcome["handled"] += 1
        elif status in (ChatStatus.offline, ChatStatus.answered):
            outcome["offline"] += 1
        elif status == ChatStatus.abandoned:
            outcome["abandoned"] += 1
        else:
            outcome["live"] += 1
        if rating:
            ratings[rating] += 1
    waits.sort()
    rated = sum(ratings.values())
    return {
        "chats": len(rows),
        "by_day": dict(sorted(by_day.items())),
        "by_topic": dict(sorted(by_topic.items(), key=lambda item: -item[1])),
        "by_channel": by_channel,
        "accept_seconds": {"median": waits[len(waits) // 2] if waits else None,
                           "p90": waits[min(len(waits) - 1, int(len(waits) * 0.9))] if waits else None,
                           "average": round(sum(waits) / len(waits), 1) if waits else None},
        "outcome": outcome,
        "ratings": {"count": rated, "average": round(sum(n * c for n, c in ratings.items()) / rated, 2)
                    if rated else None, "by_stars": ratings},
        "offline_answered": db.session.scalar(select(func.count()).select_from(ChatSession).where(
            ChatSession.created_at >= start, ChatSession.created_at < end,
            ChatSession.status == ChatStatus.answered)) or 0,
        "faq": faq_lists.figures(),
    }
