"""The inbox at scale: bulk data, then the first inbox page as the app does it."""

from __future__ import annotations

import re
import time
from contextlib import nullcontext

from sqlalchemy import text

from app.extensions import db
from app.models import User
from app.services import inbox, manual_revisions
from bench import generate
from bench.support import (
    PG_ADMIN_URL,
    Backend,
    capture_statements,
    log,
    run_loop,
)
from workflows import engine

# --- inbox at scale ---------------------------------------------------------------------------------------


def load_scale(app, backend: Backend, instances: int, tasks: int) -> generate.Loaded:
    with app.app_context():
        spec_key = engine.current_spec_key(manual_revisions.PROCESS_ID)
        db.session.commit()
        started = time.perf_counter()
        conn = db.session.connection()
        synchronous = None
        if backend.kind == "sqlite":  # the load only: fsync once at the end
            synchronous = conn.exec_driver_sql("PRAGMA synchronous").scalar()
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
        loaded = generate.load(conn, spec_key=spec_key, serializer_version=engine.SERIALIZER_VERSION,
                               instances=instances, tasks=tasks, progress=log)
        db.session.commit()
        if synchronous is not None:
            db.session.connection().exec_driver_sql(f"PRAGMA synchronous={int(synchronous)}")
            db.session.commit()
        log(f"  loaded in {time.perf_counter() - started:.1f}s; ANALYZE")
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        log(f"  load + ANALYZE done in {time.perf_counter() - started:.1f}s")
    return loaded


def vacuum(backend: Backend) -> None:
    if backend.kind == "postgresql":
        import psycopg

        with psycopg.connect(re.sub(r"/[^/]*$", f"/{backend.pg_name}", PG_ADMIN_URL), autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE) human_task")


def inbox_once(app, user_id: int, capture: bool = False):
    with app.app_context():
        user = db.session.get(User, user_id)
        [m.agency.path for m in user.memberships]
        with capture_statements() if capture else nullcontext() as statements:
            t0 = time.perf_counter()
            page = inbox.list_tasks(user, "available", page=1, per_page=20)
            t1 = time.perf_counter()
            badge = inbox.counts(user)
            t2 = time.perf_counter()
        timings = {"total": t2 - t0, "list_tasks": t1 - t0, "counts": t2 - t1}
        return timings, page, badge, (statements if capture else None)


def bench_inbox(app, label: str, user_id: int, iterations: int, max_seconds: float):
    _timings, page, badge, statements = inbox_once(app, user_id, capture=True)
    log(f"  {label}: total {page.total:,} available, page rows {len(page.rows)}, badge {badge}, "
        f"{len(statements)} queries")
    stats = run_loop(f"inbox {label}", lambda: inbox_once(app, user_id)[0], iterations=iterations,
                     max_seconds=max_seconds, warmup=5)
    return stats, {"available_total": page.total, "page_rows": len(page.rows), "badge": badge}, statements


def explain(app, backend: Backend, statements) -> list[str]:
    out = []
    with app.app_context():
        conn = db.session.connection()
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT") or "human_task" not in statement:
                continue
            prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " if backend.kind == "postgresql" else "EXPLAIN QUERY PLAN "
            rows = conn.exec_driver_sql(prefix + statement, parameters).all()
            out.append("    SQL: " + " ".join(statement.split())[:600])
            out.append("    params: " + repr(parameters)[:300])
            if backend.kind == "postgresql":
                out.extend("      " + row[0] for row in rows)
            else:
                out.extend("      " + " ".join(str(c) for c in row[1:]) for row in rows)
        db.session.rollback()
    return out

