"""Citizen manuals at scale: public search, a department's manual list, and legacy import throughput.

For SQLite and (when reachable) PostgreSQL, each in a throwaway database of its own migrated with the real
Alembic migrations, ``bench/generate_manuals.load_manuals`` writes 80,000 agencies and service points and 100,000
manuals with 300,000 revisions (``--scale`` shrinks them) with bulk inserts; the public search index is built
for the published revisions; then:

  (a) public search p95: ``app.public.services.public_search.search`` over a mix of Thai queries — full process
      names, substrings, common names — with and without facets (target <= 50 ms);
  (b) the manual list of a department with 5,000 manuals: the first page of
      ``app.manuals.services.manuals.list_manuals`` as the department's author (target <= 30 ms);
  (c) import throughput: ``flask import legacy``'s service on a generated export of ``--import-records``
      records into the loaded database, first run (creates) and second run (all unchanged).

    .venv/bin/python bench/manuals_scale.py --scale 0.1
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text

from app.accounts.models import User
from app.core.extensions import db
from app.legacy.services import legacy_import
from app.manuals.services import manuals
from app.org.models import CatalogueEntry, CatalogueKind
from app.org.services import catalogue_defaults
from app.public.services import public_index, public_search
from bench import generate_manuals
from bench.support import (
    PG_ADMIN_URL,
    capture_statements,
    database_kinds,
    environment,
    log,
    make_app,
    new_backend,
    run_loop,
)

SEARCH_P95_TARGET_MS = 50.0
LIST_P95_TARGET_MS = 30.0
# (query, facets): what citizens type — whole names, pieces of names, the words they use locally; facets
# by province and by service category (a catalogue code, looked up once the catalogue is seeded).
SEARCH_QUERIES = [
    ("การขออนุญาตก่อสร้างอาคาร", {}),
    ("การขอรับใบอนุญาตขายสุรา", {}),
    ("ก่อสร้าง", {}),
    ("ใบอนุญาต", {}),
    ("โรงงาน", {}),
    ("ร้านอาหาร", {}),
    ("ใบขับขี่", {}),
    ("ร.ง.4", {}),
    ("เปิดคลินิก", {}),
    ("ทะเบียนพาณิชย์", {}),
    ("ถมที่", {}),
    ("ขายสุรา", {"province": "เชียงใหม่"}),
    ("ก่อสร้าง", {"province": "ขอนแก่น"}),
    ("ใบอนุญาต", {"province": "กรุงเทพมหานคร", "category": "building"}),
    ("เลี้ยงสัตว์", {"category": "agriculture"}),
    ("", {"province": "ภูเก็ต"}),
]
SEARCH_CATEGORIES = ("building", "company", "food_drug", "public_health", "driving_licence", "agriculture",
                     "commercial_registration", "tax")


def load(app, backend) -> generate_manuals.ManualsLoaded:
    with app.app_context():
        started = time.perf_counter()
        conn = db.session.connection()
        if backend.kind == "sqlite":  # the load only: fsync once at the end
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
        catalogue_defaults.seed_defaults()
        codes = dict(db.session.execute(select(CatalogueEntry.code, CatalogueEntry.id)
                                        .where(CatalogueEntry.kind == CatalogueKind.category)).all())
        loaded = generate_manuals.load_manuals(conn, scale=ARGS.scale, category_ids=[codes[c] for c in SEARCH_CATEGORIES],
                                       progress=log)
        db.session.commit()
        log(f"  loaded in {time.perf_counter() - started:.1f}s; ANALYZE")
        if backend.kind == "sqlite":
            db.session.connection().exec_driver_sql("PRAGMA synchronous=NORMAL")
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return loaded


def build_public_index(app) -> dict:
    """The public index of every published revision, through its bulk path (what ``flask public reindex`` does)."""
    with app.test_request_context():
        started = time.perf_counter()
        result = public_index.rebuild_all()
        db.session.commit()
        seconds = time.perf_counter() - started
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    log(f"  public index built in {seconds:.1f}s ({result})")
    return {"seconds": round(seconds, 1), "result": str(result)}


def vacuum_search_tables(backend) -> None:
    """PostgreSQL: set the visibility map of the freshly written index tables, as autovacuum soon would in
    production; without it every facet lookup reads the table instead of the index alone."""
    if backend.kind != "postgresql":
        return
    import psycopg

    url = re.sub(r"/[^/]*$", f"/{backend.pg_name}", PG_ADMIN_URL)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) public_entry")
        conn.execute("VACUUM (ANALYZE) public_entry_facet")
    log("  VACUUM (ANALYZE) public_entry, public_entry_facet")


def bench_search(app) -> dict:
    results = {}
    with app.test_request_context():
        codes = dict(db.session.execute(select(CatalogueEntry.code, CatalogueEntry.id)
                                        .where(CatalogueEntry.kind == CatalogueKind.category)).all())

        def run_one(query: str, facets: dict):
            category = codes[facets["category"]] if "category" in facets else None
            return public_search.search(query, public_search.SearchFilters(category=category,
                                                                           province=facets.get("province")))

        counts = {}
        for query, facets in SEARCH_QUERIES:
            counts[f"{query} {facets or ''}".strip()] = run_one(query, facets).total
        log(f"  hits: {counts}")
        turn = iter(range(10**9))

        def step():
            query, facets = SEARCH_QUERIES[next(turn) % len(SEARCH_QUERIES)]
            started = time.perf_counter()
            run_one(query, facets)
            seconds = time.perf_counter() - started
            return {"all": seconds, ("with facets" if facets else "without facets"): seconds,
                    f"query: {query} {facets or ''}".strip(): seconds}

        stats = run_loop("public search", step, iterations=ARGS.iterations * 2, max_seconds=ARGS.max_seconds)
        slowest = sorted(((stat.p95, name) for name, stat in stats.items() if name.startswith("query: ")),
                         reverse=True)[:5]
        log("  slowest queries (p95 ms): " + "; ".join(f"{name[7:]} {p95:.1f}" for p95, name in slowest))
        db.session.rollback()
    for name, stat in stats.items():
        results[name] = stat.as_dict()
    results["hits"] = counts
    return results


def bench_list(app, loaded: generate_manuals.ManualsLoaded) -> dict:
    with app.test_request_context():
        user = db.session.get(User, loaded.author_id)
        [m.agency.path for m in user.memberships]
        with capture_statements() as statements:
            rows, total = manuals.list_manuals(user, page=1, per_page=20)
        log(f"  manual list: {total:,} manuals of the department, page rows {len(rows)}, {len(statements)} queries")

        def step():
            started = time.perf_counter()
            manuals.list_manuals(user, page=1, per_page=20)
            return {"first page": time.perf_counter() - started}

        stats = run_loop("manual list", step, iterations=ARGS.iterations, max_seconds=ARGS.max_seconds)
        db.session.rollback()
    return {"total": total, "queries": len(statements), **{k: v.as_dict() for k, v in stats.items()}}


def bench_import(app, backend) -> dict:
    folder = backend.workdir / "legacy-export"
    written = generate_manuals.write_legacy_export(folder, records=ARGS.import_records)
    figures = {"records": written}
    for run in ("first", "second"):
        with app.test_request_context():
            started = time.perf_counter()
            report = legacy_import.run(folder, progress=lambda done, rate: log(f"    … {done:,} records, {rate:,.0f}/s"),
                                       progress_every=1000)
            db.session.commit()
            seconds = time.perf_counter() - started
        counts = {kind: c.as_dict() for kind, c in report.counts.items()}
        log(f"  import ({run} run): {report.records:,} records in {seconds:.1f}s = {report.records / seconds:,.0f} "
            f"records/s; {counts}")
        figures[run] = {"records": report.records, "seconds": round(seconds, 2),
                        "records_per_second": round(report.records / seconds, 1), "counts": counts}
    return figures


def run_backend(kind: str) -> dict:
    log(f"== {kind} ==")
    backend = new_backend(kind)
    try:
        app = make_app(backend)
        loaded = load(app, backend)
        figures = {"loaded": {"agencies": loaded.agencies, "manuals": loaded.manuals, "revisions": loaded.revisions,
                              "links": loaded.links, "big_department_manuals": loaded.big_department_manuals}}
        if "search" in ARGS.parts:
            figures["public_index"] = build_public_index(app)
            vacuum_search_tables(backend)
            figures["search"] = bench_search(app)
        if "list" in ARGS.parts:
            figures["list"] = bench_list(app, loaded)
        if "import" in ARGS.parts:
            figures["import"] = bench_import(app, backend)
        with app.app_context():
            db.engine.dispose()
        return figures
    finally:
        if not ARGS.keep:
            backend.drop()


def summary(results: dict) -> None:
    print(f"\n=== manuals at scale (scale {ARGS.scale:.2f}) ===")
    for kind, figures in results.items():
        loaded = figures["loaded"]
        print(f"[{kind}] {loaded['agencies']:,} agencies, {loaded['manuals']:,} manuals, "
              f"{loaded['revisions']:,} revisions, {loaded['links']:,} links")
        search = figures.get("search", {"skipped": "not measured (--parts)"})
        if "all" in search:
            print(f"  public search p50 {search['all']['p50_ms']:.2f} ms, p95 {search['all']['p95_ms']:.2f} ms "
                  f"(target <= {SEARCH_P95_TARGET_MS:.0f}); without facets p95 "
                  f"{search['without facets']['p95_ms']:.2f}, with facets p95 {search['with facets']['p95_ms']:.2f}")
        else:
            print(f"  public search: {search.get('skipped')}")
        if "list" in figures:
            listing = figures["list"]["first page"]
            print(f"  manual list ({figures['list']['total']:,} manuals, {figures['list']['queries']} queries): "
                  f"p50 {listing['p50_ms']:.2f} ms, p95 {listing['p95_ms']:.2f} ms "
                  f"(target <= {LIST_P95_TARGET_MS:.0f})")
        for run in ("first", "second") if "import" in figures else ():
            imported = figures["import"][run]
            print(f"  import {run} run: {imported['records']:,} records, {imported['records_per_second']:,.0f} "
                  f"records/s")


def main(argv: list[str] | None = None) -> int:
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--max-seconds", type=float, default=30.0, help="time limit of each timing loop")
    parser.add_argument("--import-records", type=int, default=5_000)
    parser.add_argument("--parts", nargs="+", choices=("search", "list", "import"),
                        default=["search", "list", "import"], help="what to measure (default: everything)")
    parser.add_argument("--keep", action="store_true", help="keep the databases (printed) for a look afterwards")
    parser.add_argument("--smoke", action="store_true", help="the smallest data and a few iterations: does it run")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "manuals-latest.json")
    ARGS = parser.parse_args(argv)
    if ARGS.smoke:
        ARGS.scale, ARGS.iterations, ARGS.max_seconds, ARGS.import_records = 0.0, 10, 5.0, 100
        ARGS.json = ARGS.json.with_name("manuals-smoke.json")
    results = {kind: run_backend(kind) for kind in database_kinds(ARGS.db)}
    summary(results)
    ARGS.json.parent.mkdir(parents=True, exist_ok=True)
    ARGS.json.write_text(json.dumps({"scale": ARGS.scale, "environment": environment(), "results": results},
                                    ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"figures written to {ARGS.json}")
    return 0


ARGS: argparse.Namespace

if __name__ == "__main__":
    raise SystemExit(main())
