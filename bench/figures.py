"""What every benchmark reports, read back by ``bench/table.py``: its figures (each with its target and verdict), the
machine's load while it ran, and the results file."""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RESULTS = ROOT / "bench" / "results"


@dataclass
class Figure:
    """One measured figure and the target it is held to (``target`` None: shown for information)."""

    name: str
    value: float
    unit: str  # "ms", "s", "/s", "×", "statements", "errors"
    target: float | None = None
    database: str = ""
    passed: bool | None = None  # None: no target
    note: str = ""
    better: str = "lower"  # or "higher": which way the target points

    @classmethod
    def at_most(cls, name: str, value: float, unit: str, target: float | None, database: str, note: str = ""):
        return cls(name, value, unit, target, database, None if target is None else value <= target, note)

    @classmethod
    def at_least(cls, name: str, value: float, unit: str, target: float, database: str, note: str = ""):
        return cls(name, value, unit, target, database, value >= target, note, "higher")

    def line(self) -> str:
        target = "" if self.target is None else f"  target {'≥' if self.better == 'higher' else '≤'} {self.target:g}"
        verdict = {True: "  pass", False: "  FAIL", None: ""}[self.passed]
        value = f"{self.value:10.0f}" if self.unit == "" else f"{self.value:10.2f}"  # a count
        return f"{self.name:58} {self.database:10} {value} {self.unit:3}{target}{verdict}"


class LoadWatch:
    """The machine's 1-minute load average sampled every second while a run lasts (other people's work skews
    every figure: the table shows it next to them)."""

    def __init__(self, every: float = 1.0):
        import threading

        self.samples = [os.getloadavg()[0]]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(every,), daemon=True)

    def _sample(self, every: float) -> None:
        while not self._stop.wait(every):
            self.samples.append(os.getloadavg()[0])

    def __enter__(self) -> LoadWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(os.getloadavg()[0])

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples)

    @property
    def peak(self) -> float:
        return max(self.samples)


def write_figures(script: str, figures: list[Figure], load: LoadWatch, smoke: bool = False,
                  extra: dict | None = None) -> Path:
    """``bench/results/<script>-latest.json`` (``-smoke.json`` for a smoke run, so that it never replaces a real
    run's figures): the figures, the load average during the run, when and where it ran."""
    import json
    from datetime import UTC, datetime

    path = RESULTS / f"{script}-{'smoke' if smoke else 'latest'}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "script": script, "finished_at": datetime.now(UTC).isoformat(timespec="seconds"), "smoke": smoke,
        "loadavg": {"mean": round(load.mean, 2), "peak": round(load.peak, 2)}, "cpus": os.cpu_count(),
        "figures": [fig.__dict__ for fig in figures], **(extra or {})}, indent=2, ensure_ascii=False))
    return path


def print_figures(title: str, figures: list[Figure], load: LoadWatch) -> None:
    print()
    print(f"{title}  (load average {load.mean:.2f} mean, {load.peak:.2f} peak, {os.cpu_count()} cores)")
    for fig in figures:
        print("  " + fig.line() + (f"  [{fig.note}]" if fig.note else ""))
