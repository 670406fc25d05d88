"""The Server-Timing header: off by default (it tells anyone how long the database took); turned on, each response
says what its time inside the app went on, as the benchmarks read it over a real server."""

from __future__ import annotations

import re

from sqlalchemy import event
from sqlalchemy.engine import Engine

from bench.http_calls import server_timing


def _parts(header: str) -> dict[str, str]:
    return {part.split(";")[0].strip(): part for part in header.split(",")}


def _signed_in(timed_app, demo):
    browser = timed_app.test_client()
    assert browser.post("/login", data={"username": "reviewer", "password": demo.password}).status_code == 302
    return browser


def test_responses_say_nothing_of_their_timing_by_default(client, login, demo):
    login("reviewer")
    assert "Server-Timing" not in client.get("/tasks/").headers


def test_a_page_names_its_statements_their_time_its_rendering_and_the_whole(app, demo, another_app):
    # Two apps with the header on in one process (as in the suite): each statement is still counted once.
    another_app(SERVER_TIMING=True)
    browser = _signed_in(another_app(SERVER_TIMING=True), demo)
    sent = []
    listener = lambda *args: sent.append(args[2])  # noqa: E731
    event.listen(Engine, "before_cursor_execute", listener)
    try:
        page = browser.get("/tasks/")
    finally:
        event.remove(Engine, "before_cursor_execute", listener)
    assert page.status_code == 200
    header = page.headers["Server-Timing"]
    counted = re.search(r'sql;dur=[\d.]+;desc="(\d+) statements"', _parts(header)["sql"])
    assert counted and int(counted.group(1)) == len(sent) > 0
    spent = server_timing(header)
    assert set(spent) == {"sql", "render", "app"}
    assert spent["sql"] > 0 and spent["render"] > 0
    assert spent["app"] >= spent["sql"] + spent["render"]


def test_an_error_page_counts_its_rendering_and_a_redirect_has_none(app, demo, another_app):
    browser = _signed_in(another_app(SERVER_TIMING=True), demo)
    missing = browser.get("/tasks/999999999999")  # a task nobody has: the error page is rendered
    assert missing.status_code == 404 and server_timing(missing.headers["Server-Timing"])["render"] > 0
    moved = browser.get("/login")  # signed in already: sent on
    spent = server_timing(moved.headers["Server-Timing"])
    assert moved.status_code == 302 and spent["render"] == 0 and spent["app"] > 0
