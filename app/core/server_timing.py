"""Where a request's time went, in a ``Server-Timing`` response header (the W3C header browsers' developer tools
show): the SQL statements sent and their time, the templates' rendering (their own SQL left out) and the whole
time inside the app, in milliseconds.

Off unless ``SERVER_TIMING`` is set: it tells anyone how long the database took. The benchmarks turn it on to
show, for each kind of request they time over a real server, what the time was spent on.

    Server-Timing: sql;dur=1.92;desc="4 statements", render;dur=3.10, app;dur=7.84
"""

from __future__ import annotations

import time

from flask import Flask, Response, before_render_template, g, has_request_context, template_rendered
from sqlalchemy import event
from sqlalchemy.engine import Engine


class _Spent:
    __slots__ = ("started", "statements", "sql", "render", "rendering_since", "sql_at_render")

    def __init__(self):
        self.started = time.perf_counter()
        self.statements = 0
        self.sql = 0.0
        self.render = 0.0
        self.rendering_since = None  # outermost template only: an include renders inside its page
        self.sql_at_render = 0.0


def _spent() -> _Spent | None:
    return g.get("_server_timing") if has_request_context() else None


def init_app(app: Flask) -> None:
    if not app.config.get("SERVER_TIMING"):
        return

    @app.before_request
    def _start() -> None:
        g._server_timing = _Spent()

    @app.after_request
    def _header(response: Response) -> Response:
        spent = _spent()
        if spent is not None:
            total = time.perf_counter() - spent.started
            response.headers["Server-Timing"] = (
                f'sql;dur={spent.sql * 1000:.2f};desc="{spent.statements} statements", '
                f"render;dur={spent.render * 1000:.2f}, app;dur={total * 1000:.2f}")
        return response

    def _render_starts(_app, template, context, **_extra) -> None:
        spent = _spent()
        if spent is not None and spent.rendering_since is None:
            spent.rendering_since, spent.sql_at_render = time.perf_counter(), spent.sql

    def _render_ends(_app, template, context, **_extra) -> None:
        spent = _spent()
        if spent is not None and spent.rendering_since is not None:
            spent.render += (time.perf_counter() - spent.rendering_since) - (spent.sql - spent.sql_at_render)
            spent.rendering_since = None

    before_render_template.connect(_render_starts, app, weak=False)
    template_rendered.connect(_render_ends, app, weak=False)

    # On the Engine class, once a process: every engine, as bound when the request runs.
    for name, listener in (("before_cursor_execute", _statement_starts), ("after_cursor_execute", _statement_ends)):
        if not event.contains(Engine, name, listener):
            event.listen(Engine, name, listener)


def _statement_starts(conn, cursor, statement, parameters, context, executemany) -> None:
    if _spent() is not None:
        conn.info["server_timing_started"] = time.perf_counter()


def _statement_ends(conn, cursor, statement, parameters, context, executemany) -> None:
    spent, started = _spent(), conn.info.pop("server_timing_started", None)
    if spent is not None and started is not None:
        spent.statements += 1
        spent.sql += time.perf_counter() - started
