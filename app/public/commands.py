"""``flask public``: the public site's upkeep."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.core.extensions import db

public_cli = AppGroup("public", help="The public site.")


@public_cli.command("reindex")
def public_reindex():
    """Rebuild the public search index from every published manual and other service."""
    from app.public.services import public_index

    count = public_index.rebuild_all()
    db.session.commit()
    click.echo(f"public search index rebuilt: {count} entries")
