"""``flask users``: people and their roles, from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.core.extensions import db

users_cli = AppGroup("users", help="People and their roles.")


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True)
@click.option("--email", default=None)
@click.option("--agency", "agency_id", type=int, required=True)
@click.option("--role", required=True)
@click.password_option()
def users_create(username, display_name, email, agency_id, role, password):
    """Create a user with a password and one role in one agency."""
    from app.accounts.models import Role
    from app.accounts.services import accounts

    if role not in {r.value for r in Role}:
        raise click.BadParameter(f"role must be one of {', '.join(r.value for r in Role)}")
    user = accounts.create_user(username, display_name, password, email)
    accounts.grant(user, agency_id, role)
    db.session.commit()
    click.echo(f"created {user.username}")
