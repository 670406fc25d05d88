"""One table of the figures the benchmarks just wrote: ``make bench`` prints it after running them.

Each benchmark writes ``bench/results/<script>-latest.json`` (``bench.figures.write_figures``); this reads them
and prints every figure with its target, pass or FAIL, the database, the machine's load average while that
benchmark ran (the machine is shared: a high load average explains slow figures, it does not excuse them), and
its note (e.g. the SQL statements a request sends).

    .venv/bin/python bench/table.py                       # the latest results of every benchmark
    .venv/bin/python bench/table.py --since 2026-12-03T15:00:00 http_budgets load
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SCRIPTS = ("http_budgets", "load", "engine", "timers")


def read(results: Path, scripts: tuple[str, ...], since: str | None, smoke: bool) -> tuple[list[dict], list[str]]:
    """The result files of ``scripts`` finished at or after ``since`` (UTC, ISO), and what is missing."""
    found, missing = [], []
    for script in scripts:
        path = results / f"{script}-{'smoke' if smoke else 'latest'}.json"
        if not path.exists():
            missing.append(f"{script}: no results")
            continue
        run = json.loads(path.read_text(encoding="utf-8"))
        if since and run["finished_at"][:19] < since[:19]:
            missing.append(f"{script}: results of an earlier run ({run['finished_at']}) left out")
            continue
        found.append(run)
    return found, missing


def _value(figure: dict) -> str:
    whole = figure["unit"] == "" or (figure["unit"] == "/s" and figure["value"] >= 100)  # counts, big rates
    number = f"{figure['value']:,.0f}" if whole else f"{figure['value']:,.2f}"
    return f"{number} {figure['unit']}".rstrip()


def _target(figure: dict) -> str:
    if figure["target"] is None:
        return ""
    sign = "≥" if figure.get("better") == "higher" else "≤"
    return f"{sign} {figure['target']:g} {figure['unit']}".rstrip()


def render(runs: list[dict]) -> list[str]:
    rows = [("figure", "value", "target", "result", "database", "load avg (mean/peak)", "note")]
    for run in runs:
        load = f"{run['loadavg']['mean']:.2f} / {run['loadavg']['peak']:.2f}"
        for figure in run["figures"]:
            result = {True: "pass", False: "FAIL", None: ""}[figure["passed"]]
            rows.append((figure["name"], _value(figure), _target(figure), result, figure["database"], load,
                         figure.get("note", "")))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        lines.append("  ".join(cell.rjust(width) if column in (1, 2) else cell.ljust(width)
                               for column, (cell, width) in enumerate(zip(row, widths, strict=True))).rstrip())
        if number == 0:
            lines.append("-" * len(lines[0]))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scripts", nargs="*", default=list(SCRIPTS), help="whose results (default: all four)")
    parser.add_argument("--since", help="only results finished at or after this UTC moment (ISO)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the results are")
    parser.add_argument("--smoke", action="store_true", help="the smoke runs' results")
    args = parser.parse_args(argv)
    runs, missing = read(args.results, tuple(args.scripts), args.since, args.smoke)
    print("\n".join(render(runs)))
    for line in missing:
        print(f"  ({line})")
    failed = sum(1 for run in runs for figure in run["figures"] if figure["passed"] is False)
    cpus = {run.get("cpus") for run in runs} - {None}
    print(f"\n{failed} figure(s) over target; {', '.join(map(str, sorted(cpus))) or '?'} cores; "
          f"results in {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
