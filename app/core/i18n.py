"""Language choice and Thai formatting (Babel cannot print Buddhist-era years)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, has_request_context, session
from flask_babel import get_locale, get_translations
from flask_login import current_user

from app.core import capabilities, labels, thai_dates
from app.core.thai_dates import BANGKOK


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


# Each language's catalogue, as Flask-Babel loads it (once per process as well).
_catalogues: dict = {}


def _catalogue():
    """The request's catalogue. Flask-Babel's template ``_`` finds it again on every call (three request-context
    look-ups and the locale's name built each time), and a page says ``_`` some fifty times."""
    locale = get_locale()
    key = (locale.language, locale.territory) if locale else None
    found = _catalogues.get(key)
    if found is None:
        found = _catalogues[key] = get_translations()
    return found


def install_template_gettext(app) -> None:
    """The templates' ``_`` and ``ngettext`` through ``_catalogue`` (after Flask-Babel installed its own)."""
    app.jinja_env.install_gettext_callables(gettext=lambda message: _catalogue().ugettext(message),
                                            ngettext=lambda one, many, n: _catalogue().ungettext(one, many, n),
                                            newstyle=True)


def select_timezone() -> str:
    return "Asia/Bangkok"


_language = labels.language


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


# Labels of roles, statuses and history actions: each capability declares its own (``Capability.labels``).
def role_label(role: str | None) -> str:
    return _labels("role_labels").get(role) or role or "–"


def status_label(status: str | None) -> str:
    return _labels("status_labels").get(status) or status or "–"


def _labels(kind: str) -> dict[str, str]:
    return capabilities.current().labels_in(kind, _language())


def localized_title(title: str, title_en: str | None) -> str:
    return title_en if (title_en and _language() == "en") else title


def history_label(entry) -> str:
    return _labels("history_labels").get(entry.action) or entry.action
