"""What the reports plug in: the reports page and each report in the "Reports" menu (the satisfaction report is
the ratings' own, listed here too), for the roles that may see them; the job that keeps the licence sums and
writes large exports; the command that rebuilds the sums."""

from __future__ import annotations

import os

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l

from app.core.capabilities import Capability, Job, NavEntry
from app.core.extensions import db
from app.reports import api_views, views
from app.reports.services import background, catalogue, snapshot, steps, sums, tallies
from tasks import jobs

# The menu: the list of reports first, then each report the person may see (satisfaction: the ratings' entry).
NAV = (
    NavEntry("reports.index", _l("All reports"), 66, roles=catalogue.every_role(), element_id="nav-reports",
             group="reports"),
    *(NavEntry("reports.show", entry.title, 67 + index, roles=entry.roles, element_id=f"nav-report-{entry.key}",
               args={"key": entry.key}, group="reports")
      for index, entry in enumerate(catalogue.REPORTS) if not entry.endpoint),
)


def refresh_tallies(app: Flask) -> dict:
    """Recompute the licence sums of the periods whose figures changed since, the sums of the delays, the desk and
    the manuals when theirs changed, the approval steps of this month and the last, and count the engine's state
    again."""
    def work() -> dict:
        return {"periods": tallies.refresh(), "subjects": sums.refresh(), "months": steps.refresh(),
                "snapshot": snapshot.count()}

    return jobs.run_in_transaction(app, work, "report sums")


def write_exports(app: Flask) -> int:
    """Write the queued exports (progress committed as it goes) and delete the files of expired ones."""
    def work() -> int:
        written = background.run_queued(db.session.commit)
        background.remove_expired()
        return written

    return jobs.run_in_transaction(app, work, "report exports")


def _init_app(app: Flask) -> None:
    # Rows an export streams at once; more are written in the background (from the environment or instance/config.py).
    if "REPORT_EXPORT_STREAM_LIMIT" not in app.config:
        value = os.environ.get("REPORT_EXPORT_STREAM_LIMIT")
        app.config["REPORT_EXPORT_STREAM_LIMIT"] = int(value) if value else background.STREAM_LIMIT


report_cli = AppGroup("reports", help="Summary reports.")


@report_cli.command("rebuild-sums")
def rebuild_sums():
    """Recompute every sum the reports read: the licence figures of every period, the delays, the desk and the
    manuals, the approval steps of every month (after agencies moved)."""
    done = tallies.rebuild()
    subjects = sums.rebuild()
    months = steps.rebuild()
    snapshot.count()
    db.session.commit()
    click.echo(f"{done} periods, {subjects} other reports' figures and {months} months summed.")


CAPABILITY = Capability(
    name="reports",
    blueprints=(views.bp,),
    api_blueprints=(api_views.bp,),
    api_label=_l("Summary reports and their exports"),
    nav=NAV,
    jobs=(
        Job("report_sums", refresh_tallies, lambda config: {"trigger": "interval", "minutes": 5},
            _l("Sums the licence figures, delays, the desk's reports, manuals and approval steps per agency, and counts "
               "the engine's state, for the reports.")),
        Job("report_exports", write_exports, lambda config: {"trigger": "interval", "seconds": 30},
            _l("Writes large report exports and deletes expired ones.")),
    ),
    commands=(report_cli,),
    init_app=_init_app,
)
