"""The calls the HTTP benchmarks make, sent either to gunicorn (timed) or to the Flask test client (their SQL
statements counted): who makes them, and the manual-revision lifecycle in seven calls."""

from __future__ import annotations

import http.client
import json
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.support import CONTENT, PASSWORD, Server, capture_statements, csrf_of, session_of, sign_in

APPROVE = {"decision": "approve", "comment": ""}


@dataclass
class Actor:
    """A person as the benchmark plays them: a browser session (cookie and CSRF token) and an API token."""

    username: str
    token: str
    cookies: dict = field(default_factory=dict)
    csrf: str = ""
    client: object = None  # the Flask test client signed in as them, for the statement counts


@dataclass
class Reply:
    status: int
    body: bytes
    location: str

    def json(self) -> dict:
        return json.loads(self.body)


def server_timing(header: str | None) -> dict[str, float]:
    """``Server-Timing: sql;dur=1.92;desc="4 statements", render;dur=3.10, app;dur=7.84`` as seconds by name."""
    spent = {}
    for metric in (header or "").split(","):
        name, *params = [part.strip() for part in metric.split(";")]
        for param in params:
            if param.startswith("dur="):
                spent[name] = float(param[4:]) / 1000
    return spent


class ServerCalls:
    """Requests to gunicorn, a new connection each (a sync worker closes it after the response); each call's time
    is kept by kind, and where the server says (its ``Server-Timing`` header), what the time inside the app went
    on."""

    def __init__(self, server: Server):
        self.server = server
        self.times: dict[str, list[float]] = {}
        self.spent: dict[str, list[dict[str, float]]] = {}

    def sign_in(self, actor: Actor, form_page: str = "/tasks/") -> None:
        """A browser session, and the CSRF token of a page with a form (reusable for the session's forms)."""
        actor.cookies = sign_in(self.server, actor.username, PASSWORD)
        status, page, cookie, _location = self.server.request("GET", form_page, cookies=actor.cookies)
        assert status == 200, (form_page, status)
        if "session=" in cookie:
            actor.cookies = {"session": session_of(cookie)}
        actor.csrf = csrf_of(page)

    def __call__(self, kind: str, actor: Actor, method: str, path: str, *, form: dict | None = None,
                 payload: dict | None = None, api: bool = False) -> Reply:
        headers, body = {}, None
        if api:
            headers["Authorization"] = f"Bearer {actor.token}"
        else:
            headers["Cookie"] = f"session={actor.cookies['session']}"
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode({**form, "csrf_token": actor.csrf})
        elif payload is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(payload, ensure_ascii=False).encode()
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=600)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        self.times.setdefault(kind, []).append(time.perf_counter() - started)
        if timing := server_timing(response.getheader("Server-Timing")):
            self.spent.setdefault(kind, []).append(timing)
        return Reply(response.status, data, response.getheader("Location") or "")


class CountedCalls:
    """The same calls through the Flask test client in this process, with the SQL statements each one sends."""

    def __init__(self):
        self.statements: dict[str, int] = {}

    def __call__(self, kind: str, actor: Actor, method: str, path: str, *, form: dict | None = None,
                 payload: dict | None = None, api: bool = False) -> Reply:
        headers = {"Authorization": f"Bearer {actor.token}"} if api else {}
        with capture_statements() as statements:
            response = actor.client.open(path, method=method, data=form, json=payload, headers=headers)
        self.statements[kind] = len(statements)
        return Reply(response.status_code, response.get_data(), response.location or "")


def api_token(app, user) -> str:
    """A personal access token of ``user`` with every scope the app offers (tokens had no scopes before the
    reworked API). Commits nothing."""
    from app.accounts.services import accounts

    try:
        from app.core.api import scopes_of
    except ImportError:
        return accounts.create_api_token(user, "bench")[1]
    return accounts.create_api_token(user, "bench", scopes=tuple(scopes_of(app)))[1]


def expect(reply: Reply, status: int, what: str) -> Reply:
    assert reply.status == status, f"{what}: {reply.status} {reply.body[:300]!r}"
    return reply


# --- the manual-revision lifecycle ---------------------------------------------------------------------------

LIFECYCLE_STEPS = ("create", "submit", "list tasks (reviewer)", "approve step 1", "list tasks (OPDC)",
                   "approve step 2", "read status")


@dataclass
class Cast:
    """Who takes part in the lifecycle: an author, the department's reviewer, an OPDC officer, in a department
    of their own (so that the reviewer's first page of tasks holds the new revision)."""

    author: Actor
    reviewer: Actor
    opdc: Actor
    agency_id: int
    over_api: bool  # the manuals API exists: create and submit through it, else through the editor's form posts


def _task_of(reply: Reply, title: str) -> int:
    found = [item["id"] for item in expect(reply, 200, "list tasks").json()["items"] if item["subject"] == title]
    assert found, f"{title} is not on the first page of tasks"
    return found[0]


def lifecycle(call, cast: Cast, title: str, editor_fields: dict) -> None:
    """Create a manual, submit it, and have it approved twice: seven calls, each timed or counted by ``call``
    under its step's name."""
    create, submit, list_1, approve_1, list_2, approve_2, status = LIFECYCLE_STEPS
    if cast.over_api:
        created = expect(call(create, cast.author, "POST", "/api/v1/manuals", api=True, payload={
            "title": title, "agency_id": cast.agency_id, "content": CONTENT, "change_note": "ฉบับแรก"}), 201,
            create).json()
        manual_id = created["id"]
        expect(call(submit, cast.author, "POST", f"/api/v1/manuals/{manual_id}/draft/submit", api=True,
                    payload={"row_version": created["draft"]["row_version"]}), 200, submit)
    else:
        reply = expect(call(create, cast.author, "POST", "/manuals/new", form={
            "title": title, "agency_id": cast.agency_id, "process_id": 0}), 302, create)
        manual_id = int(re.search(r"/manuals/(\d+)/draft", reply.location).group(1))
        # A blank row version: the draft was made a moment ago by this author, nobody else saved it.
        expect(call(submit, cast.author, "POST", f"/manuals/{manual_id}/draft", form={
            **editor_fields, "title": title, "row_version": "", "action": "submit"}), 302, submit)
    for (listing, approve), reviewer in (((list_1, approve_1), cast.reviewer), ((list_2, approve_2), cast.opdc)):
        # The department's tasks: other departments' revisions wait for OPDC too.
        task_id = _task_of(call(listing, reviewer, "GET", f"/api/v1/tasks?agency={cast.agency_id}", api=True), title)
        if cast.over_api:
            expect(call(approve, reviewer, "POST", f"/api/v1/tasks/{task_id}/complete", api=True, payload=APPROVE),
                   200, approve)
        else:
            expect(call(approve, reviewer, "POST", f"/tasks/{task_id}", form=APPROVE), 302, approve)
    if cast.over_api:
        assert expect(call(status, cast.author, "GET", f"/api/v1/manuals/{manual_id}", api=True), 200,
                      status).json()["status"] == "published"
    else:
        expect(call(status, cast.author, "GET", f"/manuals/{manual_id}"), 200, status)
