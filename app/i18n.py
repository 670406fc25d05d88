"""Language choice and Thai formatting (Babel cannot print Buddhist-era years)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, has_request_context, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app import thai_dates
from app.thai_dates import BANGKOK


def select_locale() -> str:
    if not has_request_context():  # a job, a command, a benchmark: nobody's choice to read
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    supported = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in supported:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return "Asia/Bangkok"


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "th"


def format_date(value: datetime | None) -> str:
    """22 พ.ย. 2569 — Bangkok date with the Buddhist-era year (English: 22 Nov 2569 BE)."""
    if value is None:
        return "–"
    if _language() == "en":
        return f"{thai_dates.day_month_year(value, locale='en')} BE"
    return thai_dates.short_date(value)


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return "–"
    local = value.astimezone(BANGKOK)
    return f"{format_date(local)} {local:%H:%M}"


def format_duration(value: timedelta | None) -> str:
    if value is None:
        return "–"
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    english = _language() == "en"
    parts = []
    if days:
        parts.append(f"{days} {'d' if english else 'วัน'}")
    if hours:
        parts.append(f"{hours} {'h' if english else 'ชม.'}")
    if minutes or not parts:
        parts.append(f"{minutes} {'min' if english else 'นาที'}")
    return " ".join(parts)


ROLE_LABELS = {
    "central_officer": _l("Central officer"),
    "service_point_officer": _l("Service-point officer"),
    "manual_author": _l("Manual author"),
    "manual_reviewer": _l("Manual reviewer"),
    "opdc_officer": _l("OPDC officer"),
    "admin": _l("System administrator"),
    "helpdesk_agent": _l("Helpdesk agent"),
    "helpdesk_supervisor": _l("Helpdesk supervisor"),
}

STATUS_LABELS = {
    # manuals
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "returned": _l("Returned for changes"),
    "published": _l("Published"),
    # revisions
    "agency_approved": _l("Approved by agency, waiting for OPDC"),
    "superseded": _l("Superseded"),
    # instances
    "running": _l("Waiting for a person"),
    "waiting": _l("Waiting for an event"),
    "complete": _l("Complete"),
    "error": _l("Error"),
    "terminated": _l("Terminated"),
    "suspended": _l("Suspended"),
    # tasks
    "open": _l("Open"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
}


def role_label(role: str | None) -> str:
    return str(ROLE_LABELS.get(role, role or "–"))


def status_label(status: str | None) -> str:
    return str(STATUS_LABELS.get(status, status or "–"))


def localized_title(title: str, title_en: str | None) -> str:
    return title_en if (title_en and _language() == "en") else title


HISTORY_LABELS = {
    "instance.started": _l("Process started"),
    "instance.completed": _l("Process finished"),
    "instance.error": _l("Process stopped by an error"),
    "task.completed": _l("Task completed"),
    "task.claimed": _l("Task claimed"),
    "task.unclaimed": _l("Task released"),
    "step.completed": _l("Step done by the system"),
    "message.received": _l("Message received"),
    "revision.approve": _l("Revision approved"),
    "revision.return": _l("Revision returned"),
    "revision.published": _l("Revision published"),
    "review.escalated": _l("Overdue review escalated"),
}


def history_label(entry) -> str:
    return str(HISTORY_LABELS.get(entry.action, entry.action))
