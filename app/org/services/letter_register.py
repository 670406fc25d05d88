"""The outgoing-letter register (ทะเบียนหนังสือส่ง): the number every official letter carries, and its sender block.

An agency writes its letters under its letter prefix (เลขที่หนังสือ, e.g. "นบ 0017.1", kept on its profile); a
unit without one writes under the prefix of the nearest agency above it that has one, and takes its numbers from
that agency's register, so that no two letters ever carry the same "ที่". Numbers restart at 1 each Buddhist-era
year (the year of the letter's day in Bangkok) and run without gaps: a counter row per (register, year) is bumped
with one atomic ``UPDATE ... RETURNING`` (a row lock on PostgreSQL, held until the transaction ends; the write lock
on SQLite), and a transaction that rolls back gives its number back with it.

A letter is registered once, by what it is about (``kind``, ``object_id``): printing it again reads the stored
entry and shows the number, the prefix and the day it was sent with. Each capability that sends letters declares
its kinds here with ``declare_kind``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import Role, User
from app.accounts.services import policy
from app.core import csv_export, thai_dates
from app.core.extensions import db
from app.core.paging import Page
from app.core.thai_dates import BUDDHIST_ERA_OFFSET
from app.core.types import utcnow
from app.org.models import Agency, LetterCounter, OutgoingLetter

# Who reads a register: a central officer the registers of their department's subtree, OPDC and administrators all.
REGISTER_ROLES = {Role.central_officer.value, Role.opdc_officer.value, Role.admin.value}
PER_PAGE = 50
CSV_LIMIT = 50_000
BANGKOK_NAMES = ("กรุงเทพมหานคร", "กรุงเทพฯ", "กทม.")
CSV_HEADER = ("ปี พ.ศ.", "เลขทะเบียนส่ง", "ที่", "ลงวันที่", "จาก", "ถึง", "เรื่อง", "ประเภท", "ผู้ลงทะเบียน")

_KINDS: dict[str, object] = {}  # kind -> its label (a lazy text)


def declare_kind(kind: str, label) -> None:
    """A kind of letter a capability sends (a delay notice, an unlock approval), with its label for the register."""
    _KINDS[kind] = label


def kinds() -> dict[str, object]:
    return dict(_KINDS)


class NotAllowed(Exception):
    code = "forbidden"


# --- issuing numbers --------------------------------------------------------------------------------------------


def registrar(agency: Agency) -> Agency:
    """The agency whose register numbers this agency's letters: itself or the nearest above with a letter prefix
    (itself when none has one)."""
    if agency.letter_prefix:
        return agency
    ids = agency.ancestor_ids()
    above = {a.id: a for a in db.session.scalars(select(Agency).where(Agency.id.in_(ids)))}
    for agency_id in reversed(ids):
        candidate = above.get(agency_id)
        if candidate is not None and candidate.letter_prefix:
            return candidate
    return agency


def be_year_of(moment: datetime) -> int:
    return thai_dates.buddhist_year(thai_dates.bangkok_day(moment).year)


def find(kind: str, object_id: int) -> OutgoingLetter | None:
    return db.session.scalar(select(OutgoingLetter).where(OutgoingLetter.kind == kind,
                                                          OutgoingLetter.object_id == object_id))


def _counter(agency_id: int, year: int):
    return (update(LetterCounter).where(LetterCounter.agency_id == agency_id, LetterCounter.be_year == year)
            .execution_options(synchronize_session=False))


def _take_number(agency_id: int, year: int) -> int:
    """The next number of the register's year, the counter row held until the transaction ends."""
    bump = _counter(agency_id, year).values(last_number=LetterCounter.last_number + 1) \
        .returning(LetterCounter.last_number)
    number = db.session.execute(bump).scalar()
    if number is None:  # the first letter of the year opens the register's year
        try:
            with db.session.begin_nested():
                db.session.add(LetterCounter(agency_id=agency_id, be_year=year, last_number=0))
        except IntegrityError:
            pass  # another letter opened it at the same moment: take the number after theirs
        number = db.session.execute(bump).scalar_one()
    return number


def issue(*, sender: Agency, kind: str, object_id: int, subject: str, addressee: str, issued_at: datetime,
          issued_by_id: int | None = None) -> OutgoingLetter:
    """The register entry of the letter about (kind, object_id): the one it already has, else the next number of
    the sender's register for the year of ``issued_at``."""
    if kind not in _KINDS:
        raise ValueError(f"undeclared letter kind {kind!r}")
    existing = find(kind, object_id)
    if existing is not None:
        return existing
    keeper = registrar(sender)
    year = be_year_of(issued_at)
    number = _take_number(keeper.id, year)
    existing = find(kind, object_id)  # numbered by someone else while this waited for the register
    if existing is not None:
        db.session.execute(_counter(keeper.id, year).values(last_number=LetterCounter.last_number - 1))
        return existing
    entry = OutgoingLetter(agency_id=keeper.id, be_year=year, number=number, prefix=keeper.letter_prefix,
                           sender_id=sender.id, kind=kind, object_id=object_id, subject=" ".join(subject.split()),
                           addressee=" ".join(addressee.split())[:255], issued_at=issued_at,
                           issued_by_id=issued_by_id)
    db.session.add(entry)
    db.session.flush()
    return entry


def reference(entry: OutgoingLetter) -> str:
    """What follows "ที่" on the letter: "นบ 0017.1/25" (the letter renderer writes it in Thai numerals)."""
    return f"{entry.prefix}/{entry.number}" if entry.prefix else str(entry.number)


# --- the sender block and the contact block ------------------------------------------------------------------


def _written(street: list[str], *forms: str) -> bool:
    return any(form in line for line in street for form in forms)


def sender_address(agency: Agency) -> list[str]:
    """The sender's address at the top right of a letter: its name, the street address, then the district,
    province and postcode from the profile (unless the street address already names them as such: a subdistrict
    of the same name, ตำบลปากเกร็ด, is not the district)."""
    street = [line.strip() for line in (agency.address or "").splitlines() if line.strip()]
    province = (agency.province or "").strip()
    bangkok = province in BANGKOK_NAMES
    place = []
    district = (agency.district or "").strip()
    if district.startswith(("อำเภอ", "เขต", "อ.")):
        district = district.removeprefix("อำเภอ").removeprefix("เขต").removeprefix("อ.").strip()
    if district and not _written(street, f"อำเภอ{district}", f"เขต{district}", f"อ.{district}"):
        place.append(f"{'เขต' if bangkok else 'อำเภอ'}{district}")
    province = province.removeprefix("จังหวัด").removeprefix("จ.").strip()
    if province and not (_written(street, *BANGKOK_NAMES) if bangkok else _written(street, f"จังหวัด{province}",
                                                                                  f"จ.{province}")):
        place.append(province if bangkok else f"จังหวัด{province}")
    postcode = (agency.postcode or "").strip()
    if postcode and not _written(street, postcode):
        place.append(postcode)
    return [agency.name_th, *street, *([" ".join(place)] if place else [])]


def contact_lines(agency: Agency) -> list[str]:
    """The contact block at the bottom left: the owning unit, its telephone and its e-mail."""
    lines = [agency.name_th]
    if agency.phone:
        lines.append(f"โทร. {agency.phone}")
    if agency.email:
        lines.append(f"ไปรษณีย์อิเล็กทรอนิกส์ {agency.email}")
    return lines


# --- reading the register ---------------------------------------------------------------------------------------


def view_paths(user: User) -> list[str]:
    return [path for paths in policy.scopes(user, REGISTER_ROLES).values() for path in paths]


def can_view(user: User) -> bool:
    return bool(view_paths(user))


@dataclass
class RegisterFilter:
    year: int  # Buddhist era
    kind: str | None = None
    page: int = 1


def current_year() -> int:
    return be_year_of(utcnow())


FIRST_BE_YEAR, LAST_BE_YEAR = 2500, 2800


def year_typed(text: str) -> int | None:
    """A register year as a person types it (Thai digits already made 0-9 by the form's cleaning): Buddhist era (2569)
    or Gregorian (2026, taken as meant); None when it is not one."""
    digits = str(text or "").strip()
    year = int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 4 else None
    if year is not None and FIRST_BE_YEAR - BUDDHIST_ERA_OFFSET <= year <= LAST_BE_YEAR - BUDDHIST_ERA_OFFSET:
        year += BUDDHIST_ERA_OFFSET
    return year if year is not None and FIRST_BE_YEAR <= year <= LAST_BE_YEAR else None


def _query(user: User, filters: RegisterFilter):
    paths = view_paths(user)
    if not paths:
        raise NotAllowed()
    in_scope = select(Agency.id).where(policy.within(Agency.path, paths))
    query = select(OutgoingLetter).where(OutgoingLetter.be_year == filters.year,
                                         OutgoingLetter.agency_id.in_(in_scope))
    if filters.kind:
        query = query.where(OutgoingLetter.kind == filters.kind)
    return query


def entries(user: User, filters: RegisterFilter) -> Page:
    """One page of the register in the user's scope, newest first (two queries: the count and the page)."""
    query = _query(user, filters)
    total = db.session.scalar(select(func.count()).select_from(query.with_only_columns(OutgoingLetter.id)
                                                                .subquery())) or 0
    offset = (max(filters.page, 1) - 1) * PER_PAGE
    rows = list(db.session.scalars(query.order_by(OutgoingLetter.issued_at.desc(), OutgoingLetter.id.desc())
                                   .offset(offset).limit(PER_PAGE)))
    return Page(rows=rows, total=total, page=filters.page, per_page=PER_PAGE)


def export_csv(user: User, filters: RegisterFilter) -> str:
    """The register as a spreadsheet reads it: Thai headings, Buddhist-era dates, in the order of the numbers."""
    rows = db.session.scalars(_query(user, filters).order_by(OutgoingLetter.agency_id, OutgoingLetter.number)
                              .limit(CSV_LIMIT))
    users = {}

    def recorded_by(entry: OutgoingLetter) -> str:
        if entry.issued_by_id is None:
            return ""
        if entry.issued_by_id not in users:
            person = db.session.get(User, entry.issued_by_id)
            users[entry.issued_by_id] = person.display_name if person else ""
        return users[entry.issued_by_id]

    return csv_export.write(CSV_HEADER, (
        [entry.be_year, entry.number, reference(entry), thai_dates.long_date(entry.issued_at),
         entry.sender.name_th, entry.addressee, entry.subject, str(_KINDS.get(entry.kind, entry.kind)),
         recorded_by(entry)] for entry in rows))
