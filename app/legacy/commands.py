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
@click.option("--dry-run", is_flag=True, help="Check everything and print the report, then undo it all.")
def import_legacy(path, lang, progress_every, dry_run):
    """Import agencies, processes, manuals, links and officers from a legacy export folder (docs/legacy-import.md)."""
    from flask_babel import force_locale

    from app.legacy.services import legacy_import, legacy_report

    with force_locale(lang or current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            legacy_import.check_files(path)
        except legacy_import.ImportFileUnreadable as exc:
            raise click.ClickException(f"{exc.name}: {exc.reason}") from None
        report = legacy_import.run(path, progress=lambda done, rate: click.echo(legacy_report.progress_line(done, rate)),
                                   progress_every=progress_every)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        for line in legacy_report.rejection_lines(report):
            click.echo(line, err=True)
        for line in legacy_report.count_lines(report):
            click.echo(line)
        click.echo(legacy_report.timing_line(report))


@import_cli.command("legacy-unmatched")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write the list to this CSV file.")
@click.option("--lang", type=click.Choice(["th", "en"]), default=None,
              help="Language of the report (default: the application's).")
def legacy_unmatched(csv_path, lang):
    """Officers moved in from the legacy system whom no Digital ID sign-in has matched yet."""
    from flask_babel import force_locale

    from app.legacy.services import unmatched_report

    with force_locale(lang or current_app.config["BABEL_DEFAULT_LOCALE"]):
        rows = unmatched_report.rows()
        for line in unmatched_report.text_lines(rows):
            click.echo(line)
        if csv_path:
            with open(csv_path, "w", encoding="utf-8", newline="") as handle:
                handle.write(unmatched_report.csv_text(rows))
