"""Settings the app applies to its database connections."""

from __future__ import annotations

from sqlalchemy import text

from app.core.extensions import db
from tests.conftest import PG_ADMIN_URL


def test_postgresql_connections_run_without_jit_unless_asked(app, another_app):
    if db.engine.dialect.name != "postgresql":
        assert "connect_args" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]  # SQLite has no such option
        return
    import psycopg

    assert db.session.scalar(text("SHOW jit")) == "off"
    with psycopg.connect(PG_ADMIN_URL) as conn:
        server_default = conn.execute("SHOW jit").fetchone()[0]
    other = another_app(POSTGRES_JIT=True)
    with other.app_context():
        assert db.session.scalar(text("SHOW jit")) == server_default
        db.session.remove()


def test_postgresql_statements_are_never_prepared(app):
    """psycopg would prepare a statement at its fifth use, then drop them all at the ROLLBACK that ends a request."""
    if db.engine.dialect.name != "postgresql":
        return
    for number in range(8):
        assert db.session.scalar(text("SELECT CAST(:n AS integer) + 1"), {"n": number}) == number + 1
    assert db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements")) == 0
    db.session.rollback()
