"""Benchmark of the procurement FAQ's search and of the suggestions shown while a question is typed:
``.venv/bin/python bench/faq.py`` (Live Chat's visitor and agent, the FAQ page).

A FAQ of ``--entries`` published entries (3,000 by default: years of chat answers) with answers of some length,
made of procurement words in varied order. Each timed call asks something no call before it asked: a search of
two words, and a suggestion for a typed question (with spaces, or Thai typed without them), drawn from the same
words with a seeded random generator.

Target: p95 of each under 100 ms (the suggestions follow the typing).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.core.extensions import db
from app.knowledge.services import faq_entries, faq_search
from bench.figures import Figure, LoadWatch, print_figures, write_figures
from bench.support import database_kinds, log, run_loop, throwaway_app

TARGET_MS = 100.0
WORDS = ["หลักประกัน", "สัญญา", "ราคากลาง", "ประกวดราคา", "อิเล็กทรอนิกส์", "ผู้ค้า", "ลงทะเบียน", "เอกสาร",
         "งบประมาณ", "การเบิกจ่าย", "ตรวจรับพัสดุ", "คณะกรรมการ", "วงเงิน", "ค่าปรับ", "ขยายเวลา", "e-GP",
         "ใบแจ้งหนี้", "ผู้รับจ้าง", "แผนการจัดซื้อ", "ประกาศเชิญชวน", "อุทธรณ์", "ทิ้งงาน", "เฉพาะเจาะจง",
         "คัดเลือก", "งานก่อสร้าง", "ครุภัณฑ์", "ที่ปรึกษา", "ออกแบบ", "ควบคุมงาน", "บริหารสัญญา"]
ENDINGS = ["ต้องทำอย่างไร", "ได้หรือไม่", "ครับ", "ค่ะ", "ทำไมระบบแจ้งว่าไม่ถูกต้อง", "ต้องแนบอะไรบ้าง"]


def entry_text(number: int) -> tuple[str, str]:
    """An entry's question and answer: the same for the same number, different from any other number's."""
    chosen = random.Random(number).sample(WORDS, 9)
    question = "".join(chosen[:3]) + f"{ENDINGS[number % len(ENDINGS)]} ({number})"
    answer = " ".join("".join(random.Random(number * 10 + i).sample(chosen, 3)) for i in range(12))
    return question, answer


def load(entries: int) -> None:
    for number in range(entries):
        question, answer = entry_text(number)
        faq_entries.seed_published(question, answer, topic=WORDS[number % len(WORDS)], source_ref=f"bench-{number}",
                                 actor_id=None)
        if number % 500 == 499:
            db.session.commit()
    db.session.commit()


def run(kind: str, entries: int, iterations: int) -> list[Figure]:
    with throwaway_app(kind) as (app, _backend), app.app_context():
        started = time.perf_counter()
        load(entries)
        log(f"  {entries:,} published entries in {time.perf_counter() - started:.1f} s")
        asked = random.Random(2570)

        def search() -> dict[str, float]:
            words = asked.sample(WORDS, 2)
            t0 = time.perf_counter()
            faq_search.search(" ".join(words))
            elapsed = time.perf_counter() - t0
            db.session.rollback()
            return {"search": elapsed}

        def suggest() -> dict[str, float]:
            words = asked.sample(WORDS, 3)
            typed = ("ขอถามเรื่อง" + "".join(words) if asked.random() < 0.5 else " ".join(words)) + asked.choice(ENDINGS)
            t0 = time.perf_counter()
            faq_search.suggest(typed)
            elapsed = time.perf_counter() - t0
            db.session.rollback()
            return {"suggest": elapsed}

        stats = run_loop(f"{kind}: search", search, iterations=iterations, max_seconds=60) | run_loop(
            f"{kind}: suggest", suggest, iterations=iterations, max_seconds=60)
    return [Figure.at_most(f"FAQ {name} of {entries:,} entries p{q}", getattr(stat, f"p{q}"), "ms",
                           TARGET_MS if q == 95 else None, kind)
            for name, stat in stats.items() for q in (50, 95)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--entries", type=int, default=3000)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--smoke", action="store_true", help="a small FAQ, a few calls: does it run")
    args = parser.parse_args()
    if args.smoke:
        args.entries, args.iterations = 100, 5
    figures: list[Figure] = []
    with LoadWatch() as watch:
        for kind in database_kinds(args.db):
            figures += run(kind, args.entries, args.iterations)
    print_figures("the FAQ's search and suggestions", figures, watch)
    print(f"target: p95 <= {TARGET_MS:.0f} ms for each")
    write_figures("faq", figures, watch, args.smoke)
    return 0


if __name__ == "__main__":
    sys.exit(main())
