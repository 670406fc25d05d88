"""``flask import``: data from the legacy systems."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.core.extensions import db

import_cli = AppGroup("import", help="Data from the legacy systems.")


@import_cli.command("legacy")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
@click.option("--lang", type=click.Choice(["th", "en"]), default=None,
              help="Language of the report (default: the application's).")
@click.option("--progress-every", default=1000, show_default=True, help="Print a progress line every N records.")
def import_legacy(path, lang, progress_every):
    """Import agencies, processes, manuals and links from a legacy export folder (see docs/legacy-import.md)."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from app.legacy.services import legacy_import

    with force_locale(lang or current_app.config["BABEL_DEFAULT_LOCALE"]):
        def progress(done, rate):
            click.echo(_("… %(done)s records, %(rate)s records/s", done=f"{done:,}", rate=f"{rate:,.0f}"))

        report = legacy_import.run(path, progress=progress, progress_every=progress_every)
        db.session.commit()
        for rejection in sorted(report.rejections, key=lambda r: (legacy_import.FILES.index(r.file), r.line)):
            click.echo(_("Rejected %(file)s line %(line)s (%(ref)s): %(reason)s", file=rejection.file,
                         line=rejection.line, ref=rejection.ref or "–", reason=str(rejection.reason)), err=True)
        labels = {"agencies": _("Agencies"), "processes": _("Processes"), "manuals": _("Manuals"),
                  "links": _("Links")}
        for kind, counts in report.counts.items():
            click.echo(_("%(kind)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, "
                         "%(rejected)s rejected", kind=labels[kind], **counts.as_dict()))
        click.echo(_("%(records)s records in %(seconds)s s (%(rate)s records/s).", records=f"{report.records:,}",
                     seconds=f"{report.seconds:.1f}", rate=f"{report.rate:,.0f}"))
