"""The reports, who sees each and how far: the one list the menu, the reports page and the exports read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from app.accounts.models import Role, User
from app.core.i18n import role_label
from app.core.thai_dates import bangkok_day
from app.core.types import utcnow
from app.reports.services.base import EVERYWHERE, Filters, Report, Scope, viewer_paths

POINT, CENTRAL, OPDC, ADMIN = (Role.service_point_officer.value, Role.central_officer.value, Role.opdc_officer.value,
                               Role.admin.value)
AGENCY_ROLES = frozenset({POINT, CENTRAL, OPDC, ADMIN})
MANUAL_ROLES = AGENCY_ROLES | {Role.manual_author.value, Role.manual_reviewer.value}
DESK_ROLES = frozenset({Role.helpdesk_agent.value, Role.helpdesk_supervisor.value, Role.chat_agent.value,
                        Role.chat_supervisor.value})


@dataclass(frozen=True)
class Entry:
    key: str
    title: Any
    description: Any
    roles: frozenset[str]
    dims: tuple[str, ...] = ()  # the report's own filters, by their query-string name
    by_agency: bool = True  # False: the desk's channels, not agencies (anyone with the role sees all of them)
    endpoint: str | None = None  # a report another capability shows (satisfaction)

    def paths(self, user: User) -> list[str]:
        paths = viewer_paths(user, set(self.roles))
        if paths and not self.by_agency:
            return [EVERYWHERE]
        return paths


REPORTS = (
    Entry("licences", _l("Licence issuance"),
          _l("Applications received, approved, refused and pending per month, by agency and province; locked and "
             "open periods; unlock requests."), AGENCY_ROLES, dims=("process",)),
    Entry("delays", _l("Delays (s.10)"),
          _l("Open delays, notices sent on time or late, by agency, and how long the open ones have waited."),
          AGENCY_ROLES, dims=("process",)),
    Entry("manuals", _l("Citizen manuals"),
          _l("Manuals by status, agency and category; agencies without a published manual; time in each approval "
             "step and returns; overdue reviews."), MANUAL_ROLES, dims=("status", "category", "user_group")),
    Entry("satisfaction", _l("Satisfaction"), _l("Ratings and comments from service points' QR posters."),
          AGENCY_ROLES, endpoint="ratings.index"),
    Entry("desk", _l("IR Online and Live Chat"),
          _l("Reports by category and reporter, first answer and resolution against the SLA, reopened reports, "
             "ratings; chats by topic and channel, how they ended, time to accept."), DESK_ROLES,
          dims=("category", "reporter"), by_agency=False),
    Entry("operations", _l("Workflow operations"),
          _l("Instances per process and version, open tasks per role and agency, timers due, errors, the outbox."),
          frozenset({ADMIN}), by_agency=True),
)
BY_KEY = {entry.key: entry for entry in REPORTS}


def visible(user: User) -> list[Entry]:
    return [entry for entry in REPORTS if entry.paths(user)]


def every_role() -> frozenset[str]:
    return frozenset().union(*(entry.roles for entry in REPORTS))


def build(entry: Entry, filters: Filters, scope: Scope, locale: str = "th") -> Report:
    """The report ``entry`` for these filters and scope (each report's module is imported when first built)."""
    from app.reports.services import delays, desk, licences, manuals, operations

    now = utcnow()
    if entry.key == "licences":
        return licences.report(filters, scope, locale)
    if entry.key == "delays":
        return delays.report(filters, scope, bangkok_day(now), locale)
    if entry.key == "manuals":
        return manuals.report(filters, scope, now, locale)
    if entry.key == "desk":
        return desk.tickets(filters, scope, locale)
    if entry.key == "operations":
        return operations.report(filters, scope, now, role_label, locale)
    raise KeyError(entry.key)


def choices(entry: Entry) -> dict[str, list[tuple[str, str]]]:
    """The choices of the report's own filters, by their name."""
    from app.reports.services import desk, licences, manuals

    found: dict[str, list[tuple[str, str]]] = {}
    if "process" in entry.dims:
        found["process"] = [(str(key), name) for key, name in licences.process_choices()]
    if "category" in entry.dims:
        source = desk.category_choices() if entry.key == "desk" else manuals.category_choices()
        found["category"] = [(str(key), name) for key, name in source]
    if "status" in entry.dims:
        found["status"] = [(key, str(label)) for key, label in manuals.STATUSES.items()]
    if "user_group" in entry.dims:
        found["user_group"] = [(str(key), name) for key, name in manuals.category_choices("user_group")]
    if "reporter" in entry.dims:
        found["reporter"] = [(key, str(label)) for key, label in desk.REPORTERS.items()]
    return found
