"""Benchmark of the delay-notice letter: ``make bench-letters`` (``.venv/bin/python -m bench.letter_pdf``).

Each iteration makes one delay notice's letter the way ``/delays/<id>/notices/<n>.pdf`` does
(``delay_letters.letter_of`` then ``letters.build``): a one-page Thai external letter, shaped with HarfBuzz,
broken at Thai word boundaries, Thai numerals, a QR code of the status link, the font subset embedded. The
records are built in memory (no database): the query that loads a notice is not what this measures.

Every letter carries text no letter before it carried (``bench/letter_texts.py``, seeded): the applicant, the
sending agency's address and telephone, the reference and code, the delay reason, the dates. Its lines of fixed
wording (labels, the closing, the law's sentence) repeat, as do agency names, as in production. Two runs:

  * as in production: the shaping cache (``thai_text.shaped``, an LRU of drawn lines) kept from letter to
    letter, after a warm-up;
  * cold: that cache emptied before each letter, so every line is shaped by HarfBuzz.

Both print per-letter p50/p95 and the shaping cache's hit rate over the timed letters. Fonts are registered
before timing starts (once per process, ~0.6 s); the first letter is reported apart.

Target: a one-page letter in 20 ms or less (p95).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from datetime import time as day_time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app import create_app
from app.accounts.models import User
from app.licensing.models import DelayNotice, DelayRecord
from app.licensing.services import delay_letters
from app.manuals.models import Process
from app.org.models import Agency, OutgoingLetter
from bench.generate_manuals import manual_title
from bench.letter_texts import Texts
from bench.support import Stat, environment, log, run_loop
from notifications import letters, thai_text

TARGET_MS = 20.0


def notice(texts: Texts, number: int) -> DelayNotice:
    """A delay notice whose every variable text is new."""
    sender = texts.agency()
    delay = texts.delay(sender.place)
    agency = Agency(id=number, code=sender.code, name_th=sender.name, address=sender.address,
                    postcode=sender.postcode, phone=sender.phone, email=sender.email)
    record = DelayRecord(id=number, reference=delay.reference, lookup_code=delay.lookup_code,
                         applicant_name=delay.applicant_name, applicant_address=delay.applicant_address,
                         received_on=delay.received_on, promised_days=delay.promised_days, reason=delay.reason,
                         expected_decision_on=delay.expected_decision_on, agency=agency,
                         process=Process(name_th=manual_title(number)[0]),
                         recorded_by=User(display_name=delay.officer_name))
    return DelayNotice(delay=record, number=number % 9 + 1, kind="first" if number % 9 == 0 else "update",
                       reason=delay.reason, expected_decision_on=delay.expected_decision_on,
                       issued_at=datetime.combine(delay.issued_on, day_time(3, 0), tzinfo=UTC))


def numbered_letter(record: DelayNotice):
    """The notice's letter with a register number as the outgoing-letter register gives one (no database)."""
    entry = OutgoingLetter(prefix=f"นบ {record.delay.id % 9000:04d}.1", number=record.delay.id % 4000 + 1,
                           sender=record.delay.agency)
    return delay_letters.letter_with_number(record, entry)


def bench(label: str, texts: Texts, *, cold: bool, iterations: int, warmup: int) -> tuple[dict[str, Stat], float]:
    """Time ``iterations`` letters; returns their timings and the shaping cache's hit rate over them."""
    counter = iter(range(1, 10**9))
    lookups: list[tuple[int, int]] = []  # (hits, misses) of each letter, warm-up included

    def step() -> dict[str, float]:
        record = notice(texts, next(counter))
        if cold:
            thai_text.shaped.cache_clear()
        before = thai_text.shaped.cache_info()
        t0 = time.perf_counter()
        letter = numbered_letter(record)
        t1 = time.perf_counter()
        body = letters.build(letter)
        t2 = time.perf_counter()
        after = thai_text.shaped.cache_info()
        assert body.startswith(b"%PDF-")
        lookups.append((after.hits - before.hits, after.misses - before.misses))
        return {"compose": t1 - t0, "build PDF": t2 - t1, "letter in all": t2 - t0}

    stats = run_loop(label, step, iterations=iterations, max_seconds=120, warmup=warmup)
    hits, misses = (sum(column) for column in zip(*lookups[warmup:], strict=True))
    return stats, hits / max(1, hits + misses)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=500, help="timed letters in each run")
    parser.add_argument("--warmup", type=int, default=50, help="letters before timing starts (caches fill)")
    parser.add_argument("--seed", type=int, default=2570)
    parser.add_argument("--smoke", action="store_true", help="a few letters: does it run")
    args = parser.parse_args(argv)
    if args.smoke:
        args.iterations, args.warmup = 10, 3
    log(f"environment: {environment()}")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "bench", "SERVER_NAME": "localhost",
                      "PREFERRED_URL_SCHEME": "https"})
    texts = Texts(args.seed)
    with app.app_context():
        started = time.perf_counter()
        letters.register_fonts()
        log(f"fonts registered (once per process): {(time.perf_counter() - started) * 1000:.0f} ms")
        started = time.perf_counter()
        first = letters.build(numbered_letter(notice(texts, 0)))
        log(f"first letter: {(time.perf_counter() - started) * 1000:.1f} ms, {len(first):,} bytes")
        runs = {mode: bench(f"delay-notice letters, {mode}", texts, cold=mode.startswith("cold"),
                            iterations=args.iterations, warmup=args.warmup)
                for mode in ("production cache", "cold cache")}
    print()
    print(f"{'one-page delay-notice letter':<30} {'shaping cache':<17} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'mean ms':>8}")
    for mode, (stats, hit_rate) in runs.items():
        for name, stat in stats.items():
            print(f"{name:<30} {mode:<17} {stat.n:>5} {stat.p50:>8.2f} {stat.p95:>8.2f} {stat.mean:>8.2f}")
        print(f"{'  shaping cache hit rate':<30} {mode:<17} {hit_rate:>23.0%} of the lines drawn")
    print(f"\neach letter's applicant, address, reference, code, reason and dates are new ({len(texts.seen):,} "
          f"distinct values, seed {args.seed}); fixed wording and agency names repeat as in production")
    for mode, (stats, _hit_rate) in runs.items():
        p95 = stats["letter in all"].p95
        print(f"target: p95 <= {TARGET_MS:.0f} ms per letter, {mode}: {p95:.2f} ms, "
              f"{'met' if p95 <= TARGET_MS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
