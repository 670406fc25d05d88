"""Every benchmark script runs: ``--smoke`` (tiny data, a few iterations, on SQLite).

Scripts are found by their ``__main__`` guard, so a new one is smoke-tested without an edit here; the libraries
under ``bench/`` (no guard) are exercised through them. Full runs stay in the Makefile's bench targets.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # started first: see tests/conftest.py

ROOT = Path(__file__).resolve().parents[1]
# bench/table.py measures nothing: it prints what the others wrote (tested on its own below).
SCRIPTS = sorted(path for path in (ROOT / "bench").glob("*.py")
                 if re.search(r"^if __name__ == .__main__.:", path.read_text(encoding="utf-8"), re.MULTILINE)
                 and path.name != "table.py")
# What every script prints with its figures: a measurement in ms, µs or s, and the target it is held to.
FIGURE = re.compile(r"\d+\.\d+ ?(ms|µs|s)\b")


def test_the_benchmark_scripts_are_found():
    assert {path.name for path in SCRIPTS} >= {"engine.py", "inbox_scale.py", "letter_pdf.py", "manuals_scale.py",
                                               "reports.py", "working_days.py", "http_budgets.py", "load.py",
                                               "timers.py"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_the_script_runs_in_smoke_mode_and_prints_its_figures(script):
    # One database is enough to say a script runs (the suite itself runs on both): SQLite.
    done = subprocess.run([sys.executable, str(script.relative_to(ROOT)), "--smoke"], cwd=ROOT, capture_output=True,
                          text=True, timeout=180, env=os.environ | {"BENCH_DATABASES": "sqlite"})
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert FIGURE.search(done.stdout) and "target" in done.stdout, done.stdout[-3000:]


def test_the_table_shows_every_figure_with_its_target_verdict_database_and_load(tmp_path):
    from bench.figures import Figure

    run = {"script": "http_budgets", "finished_at": "2027-04-14T09:00:00+00:00", "smoke": False, "cpus": 2,
           "loadavg": {"mean": 1.5, "peak": 2.25},
           "figures": [Figure.at_most("API task list p50", 2.5, "ms", 3.0, "sqlite").__dict__,
                       Figure.at_most("API task list p95", 7.25, "ms", 6.0, "postgresql").__dict__,
                       Figure.at_least("load: completions/s, 2 workers over 1", 1.4, "×", 1.0, "postgresql").__dict__,
                       Figure.at_most("static file (the floor) p50", 0.8, "ms", None, "sqlite").__dict__]}
    (tmp_path / "http_budgets-latest.json").write_text(json.dumps(run))
    old = dict(run, script="load", finished_at="2027-04-14T08:00:00+00:00")
    (tmp_path / "load-latest.json").write_text(json.dumps(old))
    done = subprocess.run([sys.executable, "bench/table.py", "--results", str(tmp_path), "--since",
                           "2027-04-14T08:30:00", "http_budgets", "load", "timers"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    row = next(line for line in lines if line.startswith("API task list p50"))
    assert row.split() == ["API", "task", "list", "p50", "2.50", "ms", "≤", "3", "ms", "pass", "sqlite", "1.50", "/",
                           "2.25"]
    assert "FAIL" in next(line for line in lines if line.startswith("API task list p95"))
    assert "≥ 1 ×" in next(line for line in lines if line.startswith("load: completions/s"))
    assert "load: results of an earlier run" in done.stdout and "timers: no results" in done.stdout
    assert "1 figure(s) over target" in done.stdout
