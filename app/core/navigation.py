"""Values every page needs: the menu entries and their counts, and the language switch.

The entries, their counts and any other value a staff member's pages need come from the capabilities
(``Capability.nav``, ``nav_counts``, ``template_context``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import get_locale
from flask_login import current_user

from app.core import capabilities
from app.core.i18n import localized_title


@dataclass(frozen=True)
class MenuGroup:
    key: str
    label: object
    entries: list

    @property
    def dropdown(self) -> bool:
        return self.label is not None and len(self.entries) > 1


def menu_groups(entries) -> list[MenuGroup]:
    """The person's entries by menu, in the menus' order; the bar shows the work entries, then one item per menu."""
    groups = []
    for key, label in capabilities.MENU_GROUPS.items():
        members = [entry for entry in entries if entry.group == key]
        if not members:
            continue
        if label is None:
            groups.extend(MenuGroup(key, None, [entry]) for entry in members)
        else:
            groups.append(MenuGroup(key, label, members))
    return groups


def _badge(count: int) -> str:
    return f"{capabilities.BADGE_CAP}+" if count > capabilities.BADGE_CAP else str(count)


def inject_navigation() -> dict:
    values = {"current_language": str(get_locale() or "th"), "localized_title": localized_title,
              "badge": _badge, "nav_entries": [], "nav_groups": [], "nav_counts": {}}
    if not current_user.is_authenticated:
        return values
    registry = capabilities.of(current_app)
    if current_user.is_reporter:
        # Their own pages only (IR Online's): no back-office entries and no counts.
        entries = registry.nav_for("reporter", set())
        values.update(is_reporter=True, nav_entries=entries, nav_groups=menu_groups(entries),
                      reporter_home=registry.reporter_home, reporter_profile=registry.reporter_profile)
        return values
    roles = {m.role for m in current_user.memberships}
    values["nav_entries"] = registry.nav_for("staff", roles)
    values["nav_groups"] = menu_groups(values["nav_entries"])
    values["nav_counts"] = registry.nav_counts(current_user)
    values.update(registry.template_context(current_user))
    return values
