"""Benchmark of the delay-notice letter: ``make bench-letters`` (``.venv/bin/python -m bench.letter_pdf``).

Each iteration makes one delay notice's letter the way ``/delays/<id>/notices/<n>.pdf`` does
(``delay_letters.letter_of`` then ``letters.build``): a one-page Thai external letter, shaped with HarfBuzz,
broken at Thai word boundaries, Thai numerals, a QR code of the status link, the font subset embedded. Every
letter has its own reference, code and reason, so nothing is served from a cache. The records are built in
memory (no database): the query that loads a notice is not what this measures.

Fonts are registered before timing starts (once per process, ~0.6 s cold); the first build is reported apart.

Target: a one-page letter in 20 ms or less (p95).
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime

from app import create_app
from app.models import Agency, DelayNotice, DelayRecord, Process, User
from app.services import delay_letters
from bench.support import Stat, environment, log, run_loop
from notifications import letters

TARGET_MS = 20.0
REASONS = (
    "ต้องรอผลการตรวจสอบพื้นที่จากสำนักงานโยธาธิการและผังเมืองจังหวัด",
    "อยู่ระหว่างขอความเห็นจากคณะกรรมการควบคุมอาคาร ซึ่งจะประชุมในเดือนถัดไป",
    "เอกสารประกอบคำขอบางรายการต้องส่งตรวจสอบความถูกต้องกับหน่วยงานที่ออกเอกสาร",
)


def notice(number: int) -> DelayNotice:
    agency = Agency(id=7, code="นบ 0017", name_th="ที่ว่าการอำเภอเมืองนนทบุรี",
                    address="ถนนรัตนาธิเบศร์ ตำบลบางกระสอ\nอำเภอเมืองนนทบุรี จังหวัดนนทบุรี", postcode="11000",
                    phone="0 2589 0481", email="saraban@nonthaburi.example.go.th")
    delay = DelayRecord(id=number, reference=f"นบ {number:04d}/2570", lookup_code=f"K7Q{number:05d}"[-8:],
                        applicant_name="นางสาวญาณี ผู้ใหญ่บ้าน", received_on=date(2027, 1, 15), promised_days=45,
                        reason=REASONS[number % 3], expected_decision_on=date(2027, 3, 31),
                        agency=agency, process=Process(name_th="การขออนุญาตก่อสร้างอาคาร"),
                        recorded_by=User(display_name="นายปิ่น ปู่ทอง"))
    return DelayNotice(delay=delay, number=number % 9 + 2, kind="update", reason=delay.reason,
                       expected_decision_on=delay.expected_decision_on,
                       issued_at=datetime(2027, 2, 8, 3, 0, tzinfo=UTC))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=500)
    args = parser.parse_args()
    log(f"environment: {environment()}")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "bench", "SERVER_NAME": "localhost",
                      "PREFERRED_URL_SCHEME": "https"})
    with app.test_request_context():
        started = time.perf_counter()
        letters.register_fonts()
        log(f"fonts registered (once per process): {(time.perf_counter() - started) * 1000:.0f} ms")
        started = time.perf_counter()
        first = letters.build(delay_letters.letter_of(notice(0)))
        log(f"first letter: {(time.perf_counter() - started) * 1000:.1f} ms, {len(first):,} bytes")
        counter = iter(range(1, 10**9))

        def step() -> dict[str, float]:
            number = next(counter)
            record = notice(number)
            t0 = time.perf_counter()
            letter = delay_letters.letter_of(record)
            t1 = time.perf_counter()
            body = letters.build(letter)
            t2 = time.perf_counter()
            assert body.startswith(b"%PDF-")
            return {"compose": t1 - t0, "build PDF": t2 - t1, "letter in all": t2 - t0}

        # A long warm-up: the first few dozen letters fill reportlab's and the shaper's caches.
        stats: dict[str, Stat] = run_loop("delay-notice letters", step, iterations=args.iterations,
                                          max_seconds=120, warmup=50)
    print()
    print(f"{'one-page delay-notice letter':<30} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
    for name, stat in stats.items():
        print(f"{name:<30} {stat.n:>5} {stat.p50:>8.2f} {stat.p95:>8.2f} {stat.mean:>8.2f}")
    verdict = "met" if stats["letter in all"].p95 <= TARGET_MS else "NOT met"
    print(f"\ntarget: p95 <= {TARGET_MS:.0f} ms per letter: {verdict}")


if __name__ == "__main__":
    main()
