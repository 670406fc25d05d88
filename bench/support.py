"""What the benchmarks share: timing loops, statistics, throwaway databases, the app."""

from __future__ import annotations

import gc
import http.client
import json
import logging
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]

from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from app import create_app
from app.core.extensions import db

PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "bench-pass-2569"
# A manual of a realistic size: twenty steps, documents and fees.
CONTENT = {
    "criteria": "ผู้ยื่นคำขอต้องมีสัญชาติไทยและมีชื่ออยู่ในทะเบียนบ้าน",
    "steps": [{"title": f"ขั้นตอนที่ {n}: ตรวจสอบเอกสาร", "description": "เจ้าหน้าที่ตรวจสอบ", "duration": 10,
               "duration_unit": "minutes", "unit": "สำนักทะเบียน"} for n in range(1, 21)],
    "documents": [{"name": f"เอกสารที่ {n}", "issuer": "กรมการปกครอง", "originals": 1, "copies": 1, "remark": ""}
                  for n in range(1, 11)],
    "fees": [{"description": "ค่าธรรมเนียม", "amount": "100", "remark": ""}],
    "channels": [{"place": "ที่ว่าการอำเภอ", "address": "", "hours": "08:30–16:30 น.", "remark": ""}],
}
APPROVE = {"decision": "approve", "comment": ""}
RATIO_TARGET = 3.0
INBOX_P95_TARGET_MS = 20.0
FULL_INSTANCES = 1_000_000
FULL_TASKS = 100_000

_t_start = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _t_start:7.1f}s] {message}", flush=True)


# --- statistics --------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


@dataclass
class Stat:
    samples: list[float]  # seconds

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95) * 1000

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples) * 1000

    def as_dict(self) -> dict:
        return {"n": self.n, "p50_ms": round(self.p50, 3), "p95_ms": round(self.p95, 3),
                "mean_ms": round(self.mean, 3)}


def run_loop(name: str, step: Callable[[], dict[str, float]], *, iterations: int, max_seconds: float,
             warmup: int = 3, min_iterations: int = 10) -> dict[str, Stat]:
    """Call ``step`` (which returns named timings in seconds) until ``iterations`` or ``max_seconds``."""
    for _ in range(warmup):
        step()
    gc.collect()
    phases: dict[str, list[float]] = {}
    started = time.perf_counter()
    done = 0
    while done < iterations and (done < min_iterations or time.perf_counter() - started < max_seconds):
        for key, value in step().items():
            phases.setdefault(key, []).append(value)
        done += 1
    elapsed = time.perf_counter() - started
    note = "" if done == iterations else f" (stopped at the {max_seconds:.0f}s limit)"
    log(f"  {name}: {done} iterations in {elapsed:.1f}s{note}")
    return {key: Stat(values) for key, values in phases.items()}


# --- databases -----------------------------------------------------------------------------------------


@dataclass
class Backend:
    kind: str
    uri: str
    workdir: Path
    pg_name: str | None = None

    def drop(self) -> None:
        if self.pg_name:
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        shutil.rmtree(self.workdir, ignore_errors=True)


def psycopg_errors() -> type[Exception]:
    try:
        import psycopg
    except ImportError:
        return ImportError
    return psycopg.Error


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=2):
            return True
    except (ImportError, OSError, psycopg_errors()):
        return False


def new_backend(kind: str) -> Backend:
    workdir = Path(tempfile.mkdtemp(prefix=f"ratchaflow-bench-{kind}-"))
    if kind == "sqlite":
        return Backend(kind, f"sqlite:///{workdir / 'bench.sqlite'}", workdir)
    import psycopg

    name = f"ratchaflow_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    uri = re.sub(r"/[^/]*$", f"/{name}", PG_ADMIN_URL).replace("postgresql://", "postgresql+psycopg://")
    return Backend(kind, uri, workdir, pg_name=name)


def make_app(backend: Backend, drop_indexes: tuple[str, ...] = (), **config):
    app = create_app(config | {
        "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": backend.uri,
        "SECRET_KEY": "bench",
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        "BASE_URL": "http://localhost",
        "MAIL_SERVER": None,
        "PROPAGATE_EXCEPTIONS": True,
        "SCHEDULER_IN_PROCESS": False,
    })
    app.instance_path = str(backend.workdir)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(ROOT / "migrations"))
        for name in drop_indexes:  # what-if runs: the schema without an index
            db.session.execute(text(f"DROP INDEX IF EXISTS {name}"))
        db.session.commit()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return app


def database_kinds(choice: str) -> list[str]:
    """``--db`` (sqlite, postgresql or both) as the databases to run on: PostgreSQL only when reachable, and only
    those named in ``BENCH_DATABASES`` when it is set (the suite's smoke runs: one database says whether it runs)."""
    kinds = ["sqlite", "postgresql"] if choice == "both" else [choice]
    allowed = os.environ.get("BENCH_DATABASES")
    if allowed:
        kinds = [kind for kind in kinds if kind in allowed.split(",")] or kinds[:1]
    if "postgresql" in kinds and not postgres_reachable():
        log(f"PostgreSQL not reachable at {PG_ADMIN_URL}; skipping it")
        kinds.remove("postgresql")
    return kinds


@contextmanager
def throwaway_app(kind: str, drop_indexes: tuple[str, ...] = (), **config):
    """(app, backend) on a new database of ``kind``, migrated; the database is dropped afterwards. ``config``: more
    settings of the app."""
    log(f"=== {kind}: creating a throwaway database and migrating")
    backend = new_backend(kind)
    app = None
    try:
        app = make_app(backend, drop_indexes, **config)
        yield app, backend
    finally:
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        backend.drop()
        log(f"  dropped the {kind} bench database")


# --- the app served for real ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving the app on a database, as deployed: one sync worker unless ``worker`` says otherwise
    (Live Chat: ``("-k", "gthread", "--threads", "300")``). ``env`` adds to or overrides the settings; sign-ins
    and API tokens are never rate-limited; no Redis unless ``env`` names it. ``launcher``: how Python starts gunicorn (the tests
    start it at the suite's moment); ``target``: the WSGI app it serves, ready when ``ready_path`` answers 200."""

    def __init__(self, uri: str, workdir: Path, env: dict | None = None, worker: tuple[str, ...] = (),
                 name: str = "gunicorn", launcher: tuple[str, ...] = ("-m", "gunicorn"), target: str = "wsgi:app",
                 ready_path: str = "/login"):
        self.port = free_port()
        self.log_path = workdir / f"{name}.log"
        settings = os.environ | {
            "DATABASE_URL": uri, "SECRET_KEY": "bench-secret", "BASE_URL": f"http://127.0.0.1:{self.port}",
            "RATELIMIT_LOGIN": "1000000 per minute", "SCHEDULER_IN_PROCESS": "0",
            # A benchmark's client sends far more than a person or an integration would; the limits still count.
            "API_RATE_LIMIT": "1000000 per minute", "API_WRITE_RATE_LIMIT": "1000000 per minute"}
        settings.pop("REDIS_URL", None)
        settings.update(env or {})
        self.process = subprocess.Popen(
            [sys.executable, *launcher, "-w", "1", *worker, "-b", f"127.0.0.1:{self.port}", "--timeout",
             "600", target], cwd=ROOT, env=settings, stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if self.request("GET", ready_path)[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not start: see {self.log_path}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, body: str | None = None, cookies: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())} if cookies else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, data, response.getheader("Set-Cookie") or "", response.getheader("Location") or ""

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return int(children[0])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def session_of(set_cookie: str) -> str:
    return re.search(r"session=([^;]+)", set_cookie).group(1)


def csrf_of(page: bytes) -> str:
    field = re.search(rb'<input[^>]*name="csrf_token"[^>]*>', page).group(0)
    return re.search(rb'value="([^"]+)"', field).group(1).decode()


def sign_in(server: Server, username: str, password: str = PASSWORD) -> dict:
    """The session cookie of a user signed in through the login form."""
    _status, page, cookie, _location = server.request("GET", "/login")
    cookies = {"session": session_of(cookie)}
    status, _body, cookie, _location = server.request("POST", "/login", urlencode(
        {"username": username, "password": password, "csrf_token": csrf_of(page)}), cookies)
    assert status == 302, status
    return {"session": session_of(cookie)}


def signed_in_client(app, username: str, password: str = PASSWORD):
    """A test client signed in through the login form, as a browser would be."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.status_code
    return client


@contextmanager
def capture_statements():
    """Every statement sent to the database meanwhile (on any engine: the listener is on the class)."""
    statements: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", before)


def ms(value: float) -> str:
    return f"{value:8.2f}"


def run_each_database(args, run: Callable[[str], dict]) -> dict:
    """``run(kind)`` on each database ``args.db`` names; the runs, the machine and the arguments written to
    ``args.json`` (and returned)."""
    results = {"environment": environment(), "arguments": vars(args) | {"json": str(args.json)},
               "runs": [run(kind) for kind in database_kinds(args.db)]}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    log(f"results in {args.json}")
    return results


def environment() -> dict:
    from importlib.metadata import version

    info = {"python": sys.version.split()[0], "cpus": os.cpu_count(),
            **{name: version(name) for name in ("SpiffWorkflow", "SQLAlchemy", "Flask", "psycopg")}}
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=2) as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
            info["pg_jit"] = conn.execute("SHOW jit").fetchone()[0]
            info["pg_autovacuum"] = conn.execute("SHOW autovacuum").fetchone()[0]
    except (ImportError, OSError, psycopg_errors()) as exc:
        info["postgresql"] = f"unreachable ({type(exc).__name__})"
    import sqlite3

    info["sqlite"] = sqlite3.sqlite_version
    return info
