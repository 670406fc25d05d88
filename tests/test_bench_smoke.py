"""Every benchmark script runs: ``--smoke`` (tiny data, a few iterations, SQLite and PostgreSQL when reachable).

Scripts are found by their ``__main__`` guard, so a new one is smoke-tested without an edit here; the libraries
under ``bench/`` (no guard) are exercised through them. Full runs stay in the Makefile's bench targets.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(path for path in (ROOT / "bench").glob("*.py")
                 if re.search(r"^if __name__ == .__main__.:", path.read_text(encoding="utf-8"), re.MULTILINE))
# What every script prints with its figures: a measurement in ms, µs or s, and the target it is held to.
FIGURE = re.compile(r"\d+\.\d+ ?(ms|µs|s)\b")


def test_the_benchmark_scripts_are_found():
    assert {path.name for path in SCRIPTS} >= {"engine.py", "inbox_scale.py", "letter_pdf.py", "manuals_scale.py", "reports.py",
                                               "working_days.py"}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_the_script_runs_in_smoke_mode_and_prints_its_figures(script):
    done = subprocess.run([sys.executable, str(script.relative_to(ROOT)), "--smoke"], cwd=ROOT, capture_output=True,
                          text=True, timeout=180)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert FIGURE.search(done.stdout) and "target" in done.stdout, done.stdout[-3000:]
