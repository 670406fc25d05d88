"""``flask demo load``, ``flask scheduler run``, ``flask users ...``, ``flask import legacy``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db

demo_cli = AppGroup("demo", help="Demo data.")
scheduler_cli = AppGroup("scheduler", help="Background jobs.")
users_cli = AppGroup("users", help="People and their roles.")
import_cli = AppGroup("import", help="Data from the legacy systems.")
public_cli = AppGroup("public", help="The public site.")


@demo_cli.command("load")
@click.option("--password", default=None, help="One password for every demo user (default: printed per user).")
def demo_load(password):
    """Create demo agencies, one user per role, and manuals in different states (idempotent)."""
    from app.services import demo

    created = demo.load(password, helpdesk_tickets=True, ratings=True)
    db.session.commit()
    if not created:
        click.echo("Demo data is already loaded. Sign-ins:")
    else:
        click.echo("Demo data loaded. Sign-ins:")
    for username, role, agency, secret in demo.sign_ins(password):
        click.echo(f"  {username:<12} {secret:<14} {role:<22} {agency}")


@scheduler_cli.command("run")
def scheduler_run():
    """Run every job on its schedule in this process (production: one or more of these)."""
    from tasks import jobs
    from tasks.scheduler import run_blocking

    app = current_app._get_current_object()
    click.echo(f"Scheduler running: {', '.join(jobs.names(app))}. Ctrl+C stops it.")
    run_blocking(app)


@scheduler_cli.command("tick")
def scheduler_tick():
    """Run every job once, now, and record each run as the scheduler does."""
    from tasks import jobs

    app = current_app._get_current_object()
    failed = []
    for name in jobs.names(app):
        try:
            click.echo(f"{name}: {jobs.run(app, name)}")
        except Exception as exc:  # the others still run; the run is recorded with its traceback
            failed.append(name)
            click.echo(f"{name}: failed ({exc.__class__.__name__}: {exc})", err=True)
    if failed:
        raise click.ClickException(f"failed: {', '.join(failed)} (details on the jobs page)")


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True)
@click.option("--email", default=None)
@click.option("--agency", "agency_id", type=int, required=True)
@click.option("--role", required=True)
@click.password_option()
def users_create(username, display_name, email, agency_id, role, password):
    """Create a user with a password and one role in one agency."""
    from app.models import Role
    from app.services import accounts

    if role not in {r.value for r in Role}:
        raise click.BadParameter(f"role must be one of {', '.join(r.value for r in Role)}")
    user = accounts.create_user(username, display_name, password, email)
    accounts.grant(user, agency_id, role)
    db.session.commit()
    click.echo(f"created {user.username}")


@import_cli.command("legacy")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
@click.option("--lang", type=click.Choice(["th", "en"]), default=None,
              help="Language of the report (default: the application's).")
@click.option("--progress-every", default=1000, show_default=True, help="Print a progress line every N records.")
def import_legacy(path, lang, progress_every):
    """Import agencies, processes, manuals and links from a legacy export folder (see docs/legacy-import.md)."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from app.services import legacy_import

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


@public_cli.command("reindex")
def public_reindex():
    """Rebuild the public search index from every published manual and other service."""
    from app.services import public_index

    count = public_index.rebuild_all()
    db.session.commit()
    click.echo(f"public search index rebuilt: {count} entries")
