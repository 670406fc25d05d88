"""``flask demo load``, ``flask scheduler run``, ``flask users ...``."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db

demo_cli = AppGroup("demo", help="Demo data.")
scheduler_cli = AppGroup("scheduler", help="Background jobs.")
users_cli = AppGroup("users", help="People and their roles.")


@demo_cli.command("load")
@click.option("--password", default=None, help="One password for every demo user (default: printed per user).")
def demo_load(password):
    """Create demo agencies, one user per role, and manuals in different states (idempotent)."""
    from app.services import demo

    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        created = demo.load(password)
        db.session.commit()
    if not created:
        click.echo("Demo data is already loaded. Sign-ins:")
    else:
        click.echo("Demo data loaded. Sign-ins:")
    for username, role, agency, secret in demo.sign_ins(password):
        click.echo(f"  {username:<12} {secret:<14} {role:<22} {agency}")


@scheduler_cli.command("run")
def scheduler_run():
    """Run the timer and outbox jobs in this process (production: one or more of these)."""
    from tasks.scheduler import run_blocking

    click.echo("Scheduler running: timers and outbox. Ctrl+C stops it.")
    run_blocking(current_app._get_current_object())


@scheduler_cli.command("tick")
def scheduler_tick():
    """Run every job once, now."""
    from tasks import jobs

    app = current_app._get_current_object()
    click.echo(f"timers fired: {jobs.fire_timers(app)}; outbox: {jobs.send_outbox(app)}")


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
