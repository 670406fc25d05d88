"""Rate limits that hold in production: counted in Redis (one count for every worker), per visitor behind a
trusted reverse proxy, and on everything anyone may send without signing in."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from app.core.extensions import limiter
from tests.conftest import RATE_LIMIT_STORAGE, REDIS_URL
from tests.helpdesk.test_ir_reports import filed
from tests.helpers import th

STATUS = "/status?ref=DL-0000-0000&code=WRONGCODE"


def lookup(browser, forwarded_for: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return browser.get(STATUS, headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code


@pytest.mark.skipif(not RATE_LIMIT_STORAGE, reason="Redis is not reachable")
def test_counts_live_in_redis_where_every_worker_sees_them(app, client):
    import redis
    from limits.storage import RedisStorage

    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL  # derived from REDIS_URL
    assert isinstance(limiter.storage, RedisStorage)
    prefix = RATE_LIMIT_STORAGE["RATELIMIT_STORAGE_OPTIONS"]["key_prefix"]
    store = redis.Redis.from_url(REDIS_URL)
    assert store.keys(f"{prefix}:*") == []
    assert client.get(STATUS).status_code == 404
    assert store.keys(f"{prefix}:*"), "the lookup was not counted in Redis"


def test_behind_a_trusted_proxy_each_citizen_has_their_own_count(app, another_app):
    proxied = another_app(TRUSTED_PROXIES=1, RATELIMIT_STATUS_LOOKUP="2 per minute")
    browser = proxied.test_client()
    assert [lookup(browser, "203.0.113.5") for _ in range(3)] == [404, 404, 429]
    refused = browser.get(STATUS, headers={"X-Forwarded-For": "203.0.113.5"})
    assert th("Too many attempts. Please wait a minute and try again.") in refused.get_data(as_text=True)
    # Another citizen behind the same proxy is not held back by the first.
    assert lookup(browser, "198.51.100.7") == 404
    # Nor can the first escape by sending an address of their own: the proxy adds the one it saw, the last.
    assert lookup(browser, "198.51.100.99, 203.0.113.5") == 429


def test_without_trusted_proxies_forwarded_addresses_are_ignored(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_STATUS_LOOKUP", "2 per minute")
    assert [lookup(client, f"203.0.113.{n}") for n in range(1, 4)] == [404, 404, 429]


def _sample_url(rule, follow_token: str) -> str:
    values = {}
    for name, converter in rule._converters.items():
        values[name] = 1 if isinstance(converter, IntegerConverter) else follow_token if name == "token" else "IR1"
    return rule.build(values)[1]


def _asks_to_sign_in(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code == 302 and re.search(r"/(ir/)?login(\?|$)", response.headers["Location"]) is not None


def test_every_anonymous_post_is_rate_limited(app, client, monkeypatch):
    """Whatever anyone may send without signing in counts, with a right link as with a wrong one."""
    _ticket, path = filed(client)
    token = path.rsplit("/", 1)[-1]
    for key, value in list(app.config.items()):
        if key.startswith("RATELIMIT_") and isinstance(value, str) and " per " in value:
            monkeypatch.setitem(app.config, key, "1 per minute")
    limiter.reset()
    checked = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        url = _sample_url(rule, token)
        first = client.post(url, data={})
        if _asks_to_sign_in(first):
            continue
        second = client.post(url, data={})
        assert second.status_code == 429, f"{rule.rule} is open to anyone and not rate-limited ({first.status_code})"
        checked.append(rule.endpoint)
    assert {"ir.reply", "ir.confirm", "ir.reopen", "ir.rate", "ir.new", "ir.login", "auth.login"} <= set(checked)
