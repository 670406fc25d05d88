"""Settings and public addresses for code that runs without a request: services, operations, jobs.

Services read configuration here, never through ``flask.current_app`` or the request: an app context is all a
job has, and all they need. Links in e-mails, notifications and letters come from ``external_url``, built from
``BASE_URL`` (the public address) and the URL map, so a job and a request write the same link.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

_REQUIRED = object()


def value(name: str, default: Any = _REQUIRED) -> Any:
    """A configuration value; without a default, a missing one is a KeyError (a setting the factory always sets)."""
    config = current_app.config
    return config[name] if default is _REQUIRED else config.get(name, default)


def instance_path() -> Path:
    return Path(current_app.instance_path)


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute address of a page, e.g. ``external_url("helpdesk.ticket", number="IR69-000001")``.

    Scheme, host and path prefix come from ``BASE_URL`` (the host from ``SERVER_NAME`` when that is set, as
    Flask does), never from the request's Host header.
    """
    app = current_app._get_current_object()
    base = urlsplit(app.config["BASE_URL"])
    adapter = app.url_map.bind(app.config.get("SERVER_NAME") or base.netloc, script_name=base.path.rstrip("/") or "/",
                               url_scheme=base.scheme or "http")
    app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)
