"""Fixtures: every test runs on SQLite and, when reachable, PostgreSQL.

Each database is migrated once per run with the real Alembic migrations; after
each test every table is emptied.
"""

from __future__ import annotations

import os
import re
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import event

from tests.clock import SUITE_START

# Started before the application is imported, so nothing anywhere reads the real day.
_suite_clock = time_machine.travel(SUITE_START, tick=True)
_suite_clock.start()

from app import create_app  # noqa: E402
from app.core.extensions import db  # noqa: E402
from tests import database_state  # noqa: E402
from tests.query_plans import indexed_reads  # noqa: E402, F401 - the fixture, used below
from tests.smtp_server import SmtpServer  # noqa: E402

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def pytest_unconfigure(config):
    _suite_clock.stop()


def pytest_collection_modifyitems(config, items):
    """The slow tests first, the rest in their order: the cores share out the short tests after them, so that the
    suite does not end with one long test running alone while the other cores wait."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_report_header(config):
    return f"suite clock: {SUITE_START.isoformat()} (RATCHAFLOW_TEST_TODAY to run as if on another day)"


@pytest.fixture(autouse=True)
def _clock_from_the_suite_start():
    """Each test starts at the suite's moment, whatever ran before it; the clock ticks from there."""
    with time_machine.travel(SUITE_START, tick=True):
        yield


def _postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=2):
            return True
    except Exception:
        return False


DATABASES = ["sqlite"] + (["postgresql"] if _postgres_reachable() else [])


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except Exception:
        return False


# Rate limits count in Redis, as in production, when it is reachable: under a key prefix of this test process's
# own, so that processes running side by side never share (or clear) each other's counts. Every app of the process
# uses the same one: the limiter is one object, whose store is that of the app built last.
RATE_LIMIT_STORAGE = ({"REDIS_URL": REDIS_URL,
                       "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": f"ratchaflow-test-{uuid.uuid4().hex[:12]}"}}
                      if _redis_reachable() else {})


# What an app built in the tests takes from the suite's app besides its database (see ``another_app``).
SUITE_SETTINGS = ("TESTING", "WTF_CSRF_ENABLED", "SQLALCHEMY_DATABASE_URI", "SQLITE_SYNCHRONOUS", "PASSWORD_HASH_METHOD",
                  "SECRET_KEY", "RATELIMIT_LOGIN",
                  "SERVER_NAME", "BASE_URL", "MAIL_SERVER", "REDIS_URL", "RATELIMIT_STORAGE_OPTIONS")


@pytest.fixture(scope="session")
def _apps(tmp_path_factory):
    """One migrated app per database, built lazily."""
    built: dict[str, object] = {}
    created_pg: list[str] = []

    def get(kind: str):
        if kind in built:
            return built[kind]
        instance = tmp_path_factory.mktemp(f"instance-{kind}")
        if kind == "sqlite":
            uri = f"sqlite:///{instance / 'test.sqlite'}"
        else:
            import psycopg

            name = f"ratchaflow_test_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
                # A throwaway database: its commits need not wait for the disk.
                conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit TO off')
            created_pg.append(name)
            uri = re.sub(r"/[^/]*$", f"/{name}", PG_ADMIN_URL).replace("postgresql://", "postgresql+psycopg://")
        app = create_app({
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": uri,
            "SECRET_KEY": "test",
            "RATELIMIT_LOGIN": "100000 per minute",  # tests sign in often; one test lowers it
            "SERVER_NAME": None,
            "BASE_URL": "http://localhost",
            "MAIL_SERVER": None,
            "SQLITE_SYNCHRONOUS": "OFF",  # a throwaway database
            # Its made-up passwords need no protection against cracking: a sign-in costs 1/16 of production's.
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        } | RATE_LIMIT_STORAGE)
        app.instance_path = str(instance)

        def _forget_previous_requests_user():
            # Test requests share the test's app context (and so flask.g): each must load its own user.
            from flask import g
            from flask_babel import refresh

            g.pop("_login_user", None)
            refresh()  # nor may it keep the previous request's language

        # First of all hooks: the app's own hooks read current_user.
        app.before_request_funcs.setdefault(None, []).insert(0, _forget_previous_requests_user)

        with app.app_context():
            from flask_migrate import upgrade

            upgrade(directory=str(Path(app.root_path).parent / "migrations"))
            database_state.remember_migrated()
        built[kind] = app
        return app

    yield get
    for app in built.values():
        with app.app_context():
            db.engine.dispose()
    if created_pg:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            for name in created_pg:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=DATABASES)
def app(request, _apps):
    app = _apps(request.param)
    app.config.update(RATELIMIT_LOGIN="100000 per minute", MAIL_SERVER=None, REVIEW_REMIND_AFTER_DAYS=3,
                      REVIEW_ESCALATE_AFTER_DAYS=2)
    with app.test_request_context(base_url="http://localhost"):
        # The previous test's rows go now rather than after it: a test that loads the demo puts it back in the
        # same step (the demo fixture), so the database is written once per test, not twice.
        if "demo" not in request.fixturenames:
            database_state.reset()
        yield app
        db.session.rollback()
        db.session.remove()


@pytest.fixture(autouse=True)
def _reads_use_indexes(request):
    """Every test that uses the app checks that the app's statements find their rows by an index (SQLite's plans;
    ``tests/query_plans.py``)."""
    if "app" in request.fixturenames:
        request.getfixturevalue("indexed_reads")
    yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def another_app(app):
    """Builds another app on this test's database, with some settings changed: for settings that ``create_app``
    reads once (trusted proxies, HTTPS defaults). Its rate limits count in the same store as the suite's app."""
    built = []

    def build(**overrides):
        settings = {key: app.config[key] for key in SUITE_SETTINGS if key in app.config}
        other = create_app(settings | overrides)
        other.instance_path = app.instance_path
        built.append(other)
        return other

    yield build
    for other in built:
        with other.app_context():
            db.engine.dispose()


_saved_demos: dict[str, database_state.Saved] = {}  # per database, in this process


@pytest.fixture
def demo(app):
    """The demo government: agencies, one user per role, manuals in every state.

    Loaded once per database at the suite's moment, then put back from the saved rows for each test.
    """
    key = app.config["SQLALCHEMY_DATABASE_URI"]
    if key in _saved_demos:
        database_state.restore(_saved_demos[key])
    else:
        from app import demo as demo_data

        database_state.reset()  # the previous test's rows are still there (see the app fixture)
        with time_machine.travel(SUITE_START, tick=False):
            demo_data.load("secret-pass")
            db.session.commit()
        _saved_demos[key] = database_state.save()
    return DemoPeople()


class DemoPeople:
    password = "secret-pass"

    def user(self, username):
        from sqlalchemy import select

        from app.accounts.models import User

        return db.session.scalar(select(User).where(User.username == username))

    def agency(self, code):
        from sqlalchemy import select

        from app.org.models import Agency

        return db.session.scalar(select(Agency).where(Agency.code == code))


@pytest.fixture
def login(client):
    def sign_in(username, password="secret-pass", target=None):
        client.post("/logout", data={})  # ignore: may not be signed in
        with client.session_transaction() as session:
            session.clear()
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client if target is None else target

    return sign_in


@pytest.fixture
def count_queries(app):
    @contextmanager
    def counting():
        statements: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


# --------------------------------------------------------------------------- Digital ID (OpenID Connect)


@pytest.fixture(scope="session")
def oidc_provider():
    """A real OpenID Connect provider (tests/oidc_provider.py) on a free local port, for the whole run."""
    from tests.oidc_provider import OidcProvider

    provider = OidcProvider.start()
    yield provider
    provider.stop()


class DigitalIdSetup:
    """The app pointed at the test provider, as a registered client of it."""

    client_id = "ratchaflow-test"
    client_secret = "ratchaflow-test-secret"

    def __init__(self, app, provider):
        self.app = app
        self.provider = provider
        self.redirect_uris = ["http://localhost/login/digital-id/callback"]
        provider.register_client(self.client_id, self.client_secret, self.redirect_uris)

    def allow_base_url(self, base_url: str) -> None:
        """Also accept the callback on another origin (the live server's port)."""
        self.redirect_uris.append(base_url.rstrip("/") + "/login/digital-id/callback")
        self.provider.register_client(self.client_id, self.client_secret, self.redirect_uris)


_DIGITAL_ID_KEYS = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_SCOPES", "OIDC_PROVIDER_NAME",
                    "OIDC_REDIRECT_URI", "DIGITAL_ID_ENABLED", "PASSWORD_LOGIN_ENABLED")


@pytest.fixture
def digital_id(app, oidc_provider):
    """Digital ID sign-in switched on against ``oidc_provider``; the app's settings are put back after."""
    saved = {key: app.config.get(key) for key in _DIGITAL_ID_KEYS}
    setup = DigitalIdSetup(app, oidc_provider)
    app.config.update(OIDC_ISSUER=oidc_provider.issuer, OIDC_CLIENT_ID=setup.client_id,
                      OIDC_CLIENT_SECRET=setup.client_secret, OIDC_SCOPES="openid profile email",
                      OIDC_PROVIDER_NAME="Digital ID", OIDC_REDIRECT_URI=None, DIGITAL_ID_ENABLED=True,
                      PASSWORD_LOGIN_ENABLED=True)
    yield setup
    app.config.update(saved)


@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server for this test, and the application pointed at it."""
    server = SmtpServer()
    server.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", None)
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request):
    """Rate-limit counts live as long as the app, and user ids repeat between tests: each test starts from none."""
    if "app" not in request.fixturenames:
        yield
        return
    from app.core.extensions import limiter

    request.getfixturevalue("app")  # the limiter's storage exists once the app does
    limiter.reset()
    yield
    limiter.reset()
