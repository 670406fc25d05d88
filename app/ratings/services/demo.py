"""Demo ratings: the demo's service points take ratings (codes made), the published manual is linked to them, and a
few months of ratings with comments, a kiosk, a flagged duplicate and an exclusion fill the report."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.core.extensions import db
from app.core.thai_dates import bangkok_day
from app.core.types import utcnow
from app.manuals.models import Manual, ServiceLink
from app.manuals.services import links
from app.org.models import Agency
from app.ratings.models import Channel, QuestionKind, Rating
from app.ratings.services import fold, moderation, points, questions

COMMENTS = [
    "เจ้าหน้าที่บริการดีมาก รวดเร็ว ให้คำแนะนำชัดเจน",
    "ที่จอดรถไม่เพียงพอ ควรเพิ่มที่จอดรถสำหรับประชาชน",
    "รอคิวนานประมาณหนึ่งชั่วโมง อยากให้มีระบบจองคิวออนไลน์",
    "เอกสารที่ต้องใช้ไม่ตรงกับที่ประกาศบนเว็บไซต์ ต้องกลับไปถ่ายสำเนาเพิ่ม",
    "ประทับใจมาก ขอบคุณค่ะ",
    "ควรมีป้ายบอกทางไปยังช่องบริการให้ชัดเจนกว่านี้",
    "ห้องน้ำสะอาด มีที่นั่งรอเพียงพอ",
]
# How satisfied each demo point's citizens are, on average (1-5): the report has something to compare.
MOODS = {"sp_muang": 4.3, "sp_pakkret": 3.6, "nakhon_nont": 3.9}


def _answer(rng: random.Random, kind: str, options: int, mood: float) -> str:
    if kind == QuestionKind.scale:
        return str(min(5, max(1, round(rng.gauss(mood, 0.8)))))
    if kind == QuestionKind.yes_no:
        return "." if rng.random() < 0.2 else ("1" if rng.random() < mood / 5 else "0")
    if kind == QuestionKind.choice:
        return "." if rng.random() < 0.3 else str(rng.randrange(options))
    return "."


def load(by_code: dict[str, Agency], opdc: User, central: User, *, days: int = 150, per_day: float = 3.0) -> int:
    """Make the demo ratings; returns how many."""
    rng = random.Random(2569)
    point_agencies = [by_code[code] for code in MOODS if code in by_code]
    points.ensure_points(point_agencies)
    manual = db.session.scalar(select(Manual).where(Manual.published_revision_id.is_not(None)).order_by(Manual.id))
    for agency in point_agencies:
        if manual is not None and agency.path.startswith(manual.agency.path) and db.session.scalar(
                select(ServiceLink.id).where(ServiceLink.agency_id == agency.id,
                                             ServiceLink.manual_id == manual.id)) is None:
            links.link(central, agency.id, "manual", manual.id)
    question_set = questions.current()
    if question_set is None:
        return 0
    question_list = list(question_set.questions)
    now = utcnow()
    made: list[Rating] = []
    for agency in point_agencies:
        mood = MOODS[agency.code]
        for back in range(days, -1, -1):
            moment = now - timedelta(days=back)
            if bangkok_day(moment).weekday() >= 5:
                continue
            for _n in range(max(0, round(rng.gauss(per_day, 1.2)))):
                at = moment.replace(hour=rng.randrange(2, 9), minute=rng.randrange(60))
                if at > now:
                    continue
                answers = "".join(_answer(rng, q.kind, len(q.options or []), mood) for q in question_list)
                comment = rng.choice(COMMENTS) if rng.random() < 0.25 else None
                if comment and any(q.kind == QuestionKind.comment for q in question_list):
                    position = next(q.position for q in question_list if q.kind == QuestionKind.comment)
                    answers = answers[:position - 1] + "c" + answers[position:]
                else:
                    comment = None
                service = f"m{manual.id}" if manual is not None and agency.path.startswith(
                    manual.agency.path) and rng.random() < 0.6 else None
                rating = Rating(agency_id=agency.id, set_id=question_set.id, service=service, created_at=at,
                                day=bangkok_day(at), channel=Channel.kiosk if rng.random() < 0.15 else Channel.web,
                                answers=answers, comment=comment)
                db.session.add(rating)
                made.append(rating)
    db.session.flush()
    if made:  # one rating sent twice from a phone, and one OPDC took out
        first = made[-1]
        twice = Rating(agency_id=first.agency_id, set_id=first.set_id, service=first.service,
                       created_at=first.created_at + timedelta(minutes=2), day=first.day, channel=Channel.web,
                       answers=first.answers, comment=first.comment, duplicate_of_id=first.id)
        db.session.add(twice)
        db.session.flush()
        fold.fold_all()  # as the job would within the minute
        moderation.exclude(opdc, made[len(made) // 2].id, "ข้อความไม่เกี่ยวกับการให้บริการ (ทดสอบระบบ)")
    return len(made) + (1 if made else 0)
