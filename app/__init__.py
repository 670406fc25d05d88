"""RatchaFlow: the Flask application factory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import flask_babel
from flask import Flask

from app.core import templating
from app.core.config import Config, derive_settings

# The capabilities, each a package with a capability.py that declares what it plugs in (app/core/capabilities.py):
# blueprints, operations, task forms and pages, labels, messages, jobs, menu entries. The one list to edit.
CAPABILITIES = ("app.inbox", "app.accounts", "app.org", "app.manuals", "app.public", "app.licensing", "app.helpdesk",
                "app.legacy", "app.knowledge", "app.ratings", "app.chat", "app.reports")


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.jinja_environment = templating.TemplateEnvironment
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)
    if overrides:
        app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "ratchaflow.sqlite")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)
    derive_settings(app.config)

    register_proxies(app)
    register_input_limits(app)
    register_extensions(app)
    register_capabilities(app)
    register_template_helpers(app)
    register_errorhandlers(app)
    register_cli(app)
    register_security_headers(app)
    if app.config.get("SCHEDULER_IN_PROCESS"):
        from tasks.scheduler import start_in_process

        start_in_process(app)
    return app


def _instance_secret(instance_path: str) -> str:
    """A random key kept in instance/ so sessions survive restarts without configuration."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def register_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, the visitor's address and scheme come from the headers they set."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Only the address and the scheme: the Host header is the proxy's to pass on as it is.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_input_limits(app: Flask) -> None:
    from app import input_limits

    input_limits.register(app)


def register_extensions(app: Flask) -> None:
    from app.core.extensions import babel, csrf, db, limiter, login_manager, migrate
    from app.core.i18n import install_template_gettext, select_locale, select_timezone

    db.init_app(app)
    # The shared tables: the engine's, the outbox and notifications, the jobs' runs (capabilities bring their own).
    from app.core import workflow  # noqa: F401
    from notifications import models as notification_tables  # noqa: F401
    from tasks import models as job_tables  # noqa: F401
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    # The limiter first: a refused request is turned away before the CSRF check reads its body (files and all).
    limiter.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_template_gettext(app)
    login_manager.init_app(app)
    login_manager.login_message = None
    from app.core import server_timing, unit_memo

    unit_memo.init_app(app)
    server_timing.init_app(app)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from sqlalchemy import event

        synchronous = {"FULL": "FULL", "NORMAL": "NORMAL", "OFF": "OFF"}[app.config["SQLITE_SYNCHRONOUS"].upper()]
        with app.app_context():

            @event.listens_for(db.engine, "connect")
            def _sqlite_pragmas(dbapi_connection, _record):
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA busy_timeout=10000")
                cursor.execute(f"PRAGMA synchronous={synchronous}")
                cursor.close()

            @event.listens_for(db.engine, "savepoint")
            def _savepoint_inside_a_transaction(connection, _name):
                # Python's sqlite3 begins a transaction only before a write: a SAVEPOINT sent first would begin one
                # of its own, and its RELEASE would commit it then, apart from the rest of the unit of work (the
                # timer job's first instance, a completion's audit rows). The unit's transaction begins first.
                driver = connection.connection.driver_connection
                if not driver.in_transaction:
                    driver.execute("BEGIN")


def register_capabilities(app: Flask) -> None:
    from app.core import api, capabilities

    capabilities.register_all(app, (*CAPABILITIES, *app.config["EXTRA_CAPABILITIES"]))
    api.init_app(app)


def register_template_helpers(app: Flask) -> None:
    from app.core import i18n, navigation
    from app.core.types import utcnow

    app.jinja_env.filters["thai_date"] = i18n.format_date
    app.jinja_env.filters["thai_datetime"] = i18n.format_datetime
    app.jinja_env.filters["duration"] = i18n.format_duration
    app.jinja_env.filters["number"] = flask_babel.format_number
    app.jinja_env.globals["role_label"] = i18n.role_label
    app.jinja_env.globals["status_label"] = i18n.status_label
    app.jinja_env.globals["history_label"] = i18n.history_label
    app.jinja_env.globals["now_utc"] = utcnow
    app.jinja_env.globals["url_for_each"] = templating.url_for_each
    app.context_processor(navigation.inject_navigation)


def register_errorhandlers(app: Flask) -> None:
    from app import errors

    errors.register(app)


def register_cli(app: Flask) -> None:
    """The commands of the whole app; each capability adds its own (``Capability.commands``)."""
    from app.cli import demo_cli, scheduler_cli

    app.cli.add_command(demo_cli)
    app.cli.add_command(scheduler_cli)


def _private_response() -> bool:
    """Whether the response may show a private case: every page of a signed-in person, and the pages anyone may
    open that show one person's case (its secret link or reference and code are the key), which capabilities
    declare (``Capability.private_pages``). Public pages and static files stay cacheable."""
    from flask import current_app, request, session

    from app.core import capabilities

    if request.endpoint == "static":
        return False
    registry = capabilities.of(current_app)
    return (request.blueprint in registry.private_blueprints or request.endpoint in registry.private_endpoints
            or session.get("_user_id") is not None)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        if hsts := app.config.get("STRICT_TRANSPORT_SECURITY"):
            response.headers.setdefault("Strict-Transport-Security", hsts)
        if _private_response():
            # Neither the browser's history nor any proxy keeps a copy once the person has signed out or gone.
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; "
            "frame-ancestors 'none'",
        )
        return response
