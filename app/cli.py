"""``flask demo load``, ``flask scheduler run``, ``flask users ...``, ``flask import legacy``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.core.extensions import db

demo_cli = AppGroup("demo", help="Demo data.")
scheduler_cli = AppGroup("scheduler", help="Background jobs.")


@demo_cli.command("load")
@click.option("--password", default=None, help="One password for every demo user (default: printed per user).")
def demo_load(password):
    """Create demo agencies, one user per role, and manuals in different states (idempotent)."""
    from app import demo

    created = demo.load(password, helpdesk_tickets=True, ratings=True, public_front=True, chats=True)
    db.session.commit()
    if not created:
        click.echo("Demo data is already loaded. Sign-ins:")
    else:
        click.echo("Demo data loaded. Sign-ins:")
    for username, role, agency, secret in demo.sign_ins(password):
        click.echo(f"  {username:<12} {secret:<14} {role:<22} {agency}")
    from app.chat.services import demo as chat_demo

    links = chat_demo.links()
    if links:
        click.echo("Live Chat (/chat/; the desk: chat_agent, chat_super), the demo questions' links:")
        for label, url in links:
            click.echo(f"  {label:<12} {url}")


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
