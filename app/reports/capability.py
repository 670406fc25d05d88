"""What the reports plug in: the reports page and each report in the "Reports" menu (the satisfaction report is
the ratings' own, listed here too), for the roles that may see them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.capabilities import Capability, NavEntry
from app.reports import views
from app.reports.services import catalogue

# The menu: the list of reports first, then each report the person may see (satisfaction: the ratings' entry).
NAV = (
    NavEntry("reports.index", _l("All reports"), 66, roles=catalogue.every_role(), element_id="nav-reports",
             group="reports"),
    *(NavEntry("reports.show", entry.title, 67 + index, roles=entry.roles, element_id=f"nav-report-{entry.key}",
               args={"key": entry.key}, group="reports")
      for index, entry in enumerate(catalogue.REPORTS) if not entry.endpoint),
)

CAPABILITY = Capability(
    name="reports",
    blueprints=(views.bp,),
    nav=NAV,
)
