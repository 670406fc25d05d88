"""Values every page needs: counts in the navigation and the language switch."""

from __future__ import annotations

from flask_babel import get_locale
from flask_login import current_user

from app.i18n import localized_title
from app.models import AccountKind, Role
from app.services import inbox, notification_center


def _badge(count: int) -> str:
    return f"{inbox.BADGE_CAP}+" if count > inbox.BADGE_CAP else str(count)


def inject_navigation() -> dict:
    values = {"current_language": str(get_locale() or "th"), "localized_title": localized_title,
              "badge": _badge}
    if current_user.is_authenticated and current_user.account_kind == AccountKind.reporter:
        # IR Online only: no back-office counts (zeros keep the staff layout working on shared pages).
        values.update(is_reporter=True, nav_counts={"available": 0, "claimed": 0}, nav_unread=0)
    elif current_user.is_authenticated:
        values["nav_counts"] = inbox.counts(current_user)
        values["nav_unread"] = notification_center.unread_count(current_user)
        roles = {m.role for m in current_user.memberships}
        values["is_admin"] = Role.admin.value in roles
        values["manages_accounts"] = bool(roles & {Role.admin.value, Role.central_officer.value})
        # Licence reports and delay notices: service points, their departments, OPDC.
        values["reports_licences"] = bool(roles & {Role.service_point_officer.value, Role.central_officer.value,
                                                   Role.opdc_officer.value, Role.admin.value})
        values["helpdesk_staff"] = bool(roles & {Role.helpdesk_agent.value, Role.helpdesk_supervisor.value})
        values["helpdesk_supervisor"] = Role.helpdesk_supervisor.value in roles
    return values
