"""The outgoing-letter register: numbers without gaps or duplicates, a new series each Buddhist-era year, the
number and the sender's full address on the delay and unlock letters, the register's page and CSV, the prefix form."""

from __future__ import annotations

import csv
import io
import threading
from datetime import datetime, timedelta

import time_machine
from sqlalchemy import func, select

from app.accounts.models import Membership
from app.core.extensions import db
from app.core.types import utcnow
from app.licensing.models import DelayNotice, DelayRecord
from app.licensing.services import delay_letters, licensing
from app.org.models import Agency, LetterCounter, OutgoingLetter
from app.org.services import letter_register
from tests.clock import TODAY
from tests.helpers import approved_unlock, nfkc, read_pdf
from workflows.calendar import BANGKOK


def bkk(*parts) -> datetime:
    return datetime(*parts, tzinfo=BANGKOK)


def _entries(agency_id: int | None = None) -> list[OutgoingLetter]:
    query = select(OutgoingLetter).order_by(OutgoingLetter.be_year, OutgoingLetter.number) \
        .execution_options(populate_existing=True)
    if agency_id is not None:
        query = query.where(OutgoingLetter.agency_id == agency_id)
    return list(db.session.scalars(query))


def _record_delay(client, login, demo, point_code="sp_muang", reference="นบ 0001/2569", **changes):
    today = utcnow().astimezone(BANGKOK).date()  # the clock's day, travelled or not: received before it
    point = demo.agency(point_code)
    process = licensing.processes_for(point)[0]
    login("spoint")
    data = {"reference": reference, "applicant_name": "นายสมปอง รอคอย",
            "applicant_address": "99 หมู่ 1 ตำบลบางกระสอ อำเภอเมืองนนทบุรี จังหวัดนนทบุรี 11000",
            "applicant_email": "sompong@example.org", "process_id": str(process.id), "promised_days": "15",
            "received_on": (today - timedelta(days=30)).isoformat(),
            "reason": "รอความเห็นจากสำนักงานโยธาธิการจังหวัด",
            "expected_decision_on": (today + timedelta(days=86)).isoformat()} | changes
    response = client.post(f"/delays/points/{point.id}/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return db.session.scalar(select(DelayRecord).where(DelayRecord.reference == reference)
                             .execution_options(populate_existing=True))


def _has(printed, line: str) -> bool:
    """The line is on the letter, whatever line breaks and spans the PDF put in it."""
    return "".join(nfkc(line).split()) in "".join(printed.text.split())


def _first_notice(delay) -> DelayNotice:
    return db.session.scalar(select(DelayNotice).where(DelayNotice.delay_id == delay.id, DelayNotice.number == 1))


# --- numbering ------------------------------------------------------------------------------------------------


def test_letters_issued_at_once_from_many_connections_take_every_number_once(app, demo):
    """Eight workers, each its own connection, issue 12 letters each for one register at the same moment (the first
    ones racing to open the year's register); every fourth transaction rolls back and gives its number back."""
    point_id = demo.agency("sp_muang").id
    db.session.remove()
    workers, per_worker = 8, 12
    barrier = threading.Barrier(workers)
    kept: list[int] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def worker(index: int):
        with app.test_request_context():
            try:
                barrier.wait()
                for turn in range(per_worker):
                    sender = db.session.get(Agency, point_id)
                    entry = letter_register.issue(sender=sender, kind=delay_letters.LETTER_KIND,
                                                  object_id=index * 1000 + turn, subject="ทดสอบเลขที่หนังสือ",
                                                  addressee="ผู้ยื่นคำขอ", issued_at=utcnow())
                    number = entry.number
                    if turn % 4 == 3:
                        db.session.rollback()
                    else:
                        db.session.commit()
                        with lock:
                            kept.append(number)
            except BaseException as exc:  # the assertion below shows it
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures
    committed = workers * per_worker * 3 // 4
    assert sorted(kept) == list(range(1, committed + 1))  # no gap, no duplicate
    entries = _entries()
    assert [entry.number for entry in entries] == list(range(1, committed + 1))
    assert {entry.be_year for entry in entries} == {TODAY.year + 543}  # issued today, in this Buddhist-era year
    assert {entry.prefix for entry in entries} == {"นบ 0017.1"}
    assert db.session.scalar(select(LetterCounter.last_number)) == committed


def test_numbers_start_again_at_one_at_the_buddhist_era_new_year(app, client, login, demo):
    with time_machine.travel(bkk(2026, 12, 31, 23, 50)):
        old = [_record_delay(client, login, demo, reference=f"นบ 000{n}/2569") for n in (1, 2)]
    with time_machine.travel(bkk(2027, 1, 1, 0, 10)):
        new = _record_delay(client, login, demo, reference="นบ 0003/2569", received_on="2026-12-01")
        login("spoint")
        printed = read_pdf(client.get(f"/delays/{new.id}/notices/1.pdf").data)
    assert [(e.be_year, e.number, e.object_id) for e in _entries()] == [
        (2569, 1, _first_notice(old[0]).id), (2569, 2, _first_notice(old[1]).id), (2570, 1, _first_notice(new).id)]
    assert nfkc("นบ ๐๐๑๗.๑/๑") in printed.text and nfkc("๑ มกราคม ๒๕๗๐") in printed.text
    # The last letter of 2569 keeps its number when printed in 2570.
    with time_machine.travel(bkk(2027, 1, 4, 9, 0)):
        again = read_pdf(client.get(f"/delays/{old[1].id}/notices/1.pdf").data)
    assert nfkc("นบ ๐๐๑๗.๑/๒") in again.text and nfkc("๓๑ ธันวาคม ๒๕๖๙") in again.text
    assert db.session.scalar(select(func.count()).select_from(LetterCounter)) == 2


# --- the letters ------------------------------------------------------------------------------------------------


def test_a_delay_notice_carries_its_register_number_and_the_service_points_full_address(app, client, login, demo):
    # The officer also serves in Pak Kret.
    db.session.add(Membership(user_id=demo.user("spoint").id, agency_id=demo.agency("sp_pakkret").id,
                              role="service_point_officer"))
    db.session.commit()
    delay = _record_delay(client, login, demo)
    pakkret = _record_delay(client, login, demo, point_code="sp_pakkret", reference="นบ 0100/2569")
    (muang_entry,) = _entries(demo.agency("sp_muang").id)
    (pakkret_entry,) = _entries(demo.agency("dopa").id)
    assert muang_entry.subject == "แจ้งเหตุแห่งความล่าช้าในการพิจารณาคำขอ (ฉบับที่ 1)"
    assert muang_entry.addressee == "ผู้ยื่นคำขอเลขที่ นบ 0001/2569"  # the register names no applicant
    # Pak Kret has no prefix of its own: it writes under its department's, from the department's register.
    assert (pakkret_entry.prefix, pakkret_entry.number, pakkret_entry.sender_id) == (
        "มท 0309", 1, demo.agency("sp_pakkret").id)

    login("spoint")
    printed = read_pdf(client.get(f"/delays/{delay.id}/notices/1.pdf").data)
    assert _has(printed, "ที่ นบ ๐๐๑๗.๑/๑")
    for line in ("ที่ว่าการอำเภอเมืองนนทบุรี", "ถนนรัตนาธิเบศร์ ตำบลบางกระสอ",
                 "อำเภอเมืองนนทบุรี จังหวัดนนทบุรี ๑๑๐๐๐", "โทร. ๐๒-๕๘๙-๐๔๘๑",
                 "ไปรษณีย์อิเล็กทรอนิกส์ muang@nonthaburi.example.go.th", "สำเนาส่ง สำนักงาน ก.พ.ร."):
        assert _has(printed, line), line
    assert "sp_muang" not in printed.text

    # A new prefix numbers the next letters; a letter already sent prints as it was sent.
    login("central")
    point = demo.agency("sp_muang")
    saved = client.post(f"/agencies/{point.id}/profile", data={
        "row_version": point.row_version, "address": point.address, "province": point.province,
        "district": point.district, "postcode": point.postcode, "phone": point.phone, "email": point.email,
        "letter_prefix": "นบ  0017.9 "})
    assert saved.status_code == 302
    assert db.session.get(Agency, point.id, populate_existing=True).letter_prefix == "นบ 0017.9"
    login("spoint")
    reprint = read_pdf(client.get(f"/delays/{delay.id}/notices/1.pdf").data)
    assert _has(reprint, "ที่ นบ ๐๐๑๗.๑/๑")
    printed = read_pdf(client.get(f"/delays/{pakkret.id}/notices/1.pdf").data)
    assert _has(printed, "ที่ มท ๐๓๐๙/๑") and _has(printed, "อำเภอปากเกร็ด จังหวัดนนทบุรี ๑๑๑๒๐")


def test_an_unlock_approval_is_numbered_in_opdcs_register_when_approved(app, client, login, demo):
    unlock = approved_unlock(app, client, login, demo.agency("sp_muang"))
    # Numbered at the approval, before anyone prints it.
    (entry,) = _entries(demo.agency("opdc").id)
    assert (entry.kind, entry.object_id, entry.number, entry.be_year) == ("unlock_approval", unlock.id, 1, 2570)
    assert entry.addressee == "หัวหน้าที่ว่าการอำเภอเมืองนนทบุรี"
    login("spoint")
    printed = read_pdf(client.get(f"/licensing/unlocks/{unlock.id}/letter.pdf").data)
    for line in ("ที่ นร ๑๒๐๐/๑", "๕๙/๑ ถนนพิษณุโลก แขวงดุสิต", "เขตดุสิต กรุงเทพมหานคร ๑๐๓๐๐", "โทร. ๐ ๒๓๕๖ ๙๙๙๙",
                 "ไปรษณีย์อิเล็กทรอนิกส์ saraban@opdc.example.go.th"):
        assert _has(printed, line), line
    assert len(_entries()) == 1  # printing took no new number


# --- the register's page and CSV ----------------------------------------------------------------------------------


def _issue(sender: Agency, object_id: int, when: datetime, subject: str = "ทดสอบ") -> OutgoingLetter:
    return letter_register.issue(sender=sender, kind=delay_letters.LETTER_KIND, object_id=object_id,
                                 subject=subject, addressee="ผู้ยื่นคำขอเลขที่ นบ 1/2569", issued_at=when)


def _sample_register(demo, muang_letters: int) -> None:
    """Letters of 2569 at Mueang (``muang_letters``) and Pak Kret (one, its subject a formula), one of 2568 at
    Mueang, and OPDC's unlock approval."""
    muang, pakkret, opdc = demo.agency("sp_muang"), demo.agency("sp_pakkret"), demo.agency("opdc")
    for n in range(1, muang_letters + 1):
        _issue(muang, n, bkk(2026, 11, n, 10, 0))
    _issue(pakkret, 10, bkk(2026, 11, 9, 10, 0), subject="=HYPERLINK(\"http://evil.example\")")
    _issue(muang, 11, bkk(2025, 6, 1, 10, 0))  # 2568
    letter_register.issue(sender=opdc, kind="unlock_approval", object_id=1, subject="อนุมัติการปลดล็อก",
                          addressee="หัวหน้าที่ว่าการอำเภอเมืองนนทบุรี", issued_at=bkk(2026, 11, 20, 10, 0))
    db.session.commit()


def test_the_register_page_shows_each_central_officer_their_subtree_and_exports_csv(app, client, login, demo,
                                                                                     count_queries):
    _sample_register(demo, 5)

    login("central")
    with count_queries() as statements:
        page = client.get("/letters/?year=2569")  # the page opens on this year; these letters are of 2569
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and text.count("data-number=") == 6  # 2569, dopa's subtree; not OPDC's
    assert nfkc("นบ 0017.1/5") in text and "มท 0309/1" in text and "นร 1200" not in text
    assert len([s for s in statements if "outgoing_letter" in s]) == 2  # the count and the page
    assert client.get("/letters/?year=2568").get_data(as_text=True).count("data-number=") == 1
    assert client.get("/letters/?year=2025").get_data(as_text=True).count("data-number=") == 1  # a Gregorian year
    assert client.get("/letters/", query_string={"year": "๒๕๖๘"}).get_data(as_text=True).count("data-number=") == 1
    assert client.get("/letters/?kind=unlock_approval").get_data(as_text=True).count("data-number=") == 0
    for bad in ("99999999999999999999", "๒๕๖๙x", "abc", "-1", "1\r\n2", "2569%00"):
        response = client.get("/letters/", query_string={"year": bad, "kind": "<script>"})
        assert response.status_code == 200 and "กรอกปีพุทธศักราช" in response.get_data(as_text=True), bad

    exported = client.get("/letters/register.csv?year=2569")
    assert exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == list(letter_register.CSV_HEADER) and rows[0][1] == "เลขทะเบียนส่ง"
    assert len(rows) == 7
    assert rows[1][:5] == ["2569", "1", "มท 0309/1", "9 พฤศจิกายน 2569", "ที่ว่าการอำเภอปากเกร็ด"]
    assert rows[1][6].startswith("'=HYPERLINK")  # a spreadsheet keeps it as text
    assert [row[2] for row in rows[2:]] == [f"นบ 0017.1/{n}" for n in range(1, 6)]
    assert rows[2][3] == "1 พฤศจิกายน 2569" and rows[2][7] == "หนังสือแจ้งเรื่องล่าช้า"

    login("opdc")
    assert client.get("/letters/?year=2569").get_data(as_text=True).count("data-number=") == 7
    exported = client.get("/letters/register.csv?year=2569").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(exported)))) == 8
    for refused in ("spoint", "author", "lg_author"):
        login(refused)
        assert client.get("/letters/").status_code == 403, refused
        assert client.get("/letters/register.csv").status_code == 403, refused


# --- the prefix on the profile form -------------------------------------------------------------------------------


def test_the_letter_prefix_form_refuses_hostile_input_and_a_service_point_officer_cannot_set_it(app, client, login,
                                                                                               demo):
    point = demo.agency("sp_muang")

    def post(prefix, version=None):
        return client.post(f"/agencies/{point.id}/profile", data={
            "row_version": version or db.session.get(Agency, point.id, populate_existing=True).row_version,
            "address": point.address, "province": point.province, "district": point.district,
            "postcode": point.postcode, "letter_prefix": prefix})

    login("central")
    form = client.get(f"/agencies/{point.id}/profile").get_data(as_text=True)
    assert 'name="letter_prefix"' in form and 'value="นบ 0017.1"' in form
    for hostile in ("นบ 0017.1/5", "นบ\r\n0017", "นบ\x000017", "<script>alert(1)</script>", "=cmd|' /C calc'!A0",
                    "ก" * 41, " .นบ", "นบ 0017\t1"):
        response = post(hostile)
        assert response.status_code == 422, hostile
        assert db.session.get(Agency, point.id, populate_existing=True).letter_prefix == "นบ 0017.1", hostile
    assert "<script>alert(1)</script>" not in post("<script>alert(1)</script>").get_data(as_text=True)
    assert client.post("/agencies/99999999999999999999/profile", data={"letter_prefix": "นบ 1"}).status_code == 404
    assert post("กค 0402.5 - ฝ่ายสารบรรณ").status_code == 302
    assert db.session.get(Agency, point.id, populate_existing=True).letter_prefix == "กค 0402.5 - ฝ่ายสารบรรณ"
    assert post("").status_code == 302  # no prefix: its letters go to the department's register
    assert db.session.get(Agency, point.id, populate_existing=True).letter_prefix is None

    # The service point's own officer keeps its profile but not its prefix: the field is not offered, and a
    # prefix slipped into the form changes nothing.
    login("central")
    post("นบ 0017.1")
    login("spoint")
    assert 'name="letter_prefix"' not in client.get(f"/agencies/{point.id}/profile").get_data(as_text=True)
    assert post("นบ 9999").status_code == 302
    assert db.session.get(Agency, point.id, populate_existing=True).letter_prefix == "นบ 0017.1"


def test_the_register_over_the_api_in_each_scope(client, login, demo):
    from tests.inbox.test_api import API, bearer, create_token

    _sample_register(demo, 3)

    central = bearer(create_token(client, login, "central"))
    page = client.get(f"{API}/letters?year=2569", headers=central).get_json()
    assert page["year"] == 2569 and page["total"] == 4  # dopa's subtree; not OPDC's
    assert [item["reference"] for item in page["items"]][0] == "มท 0309/1"  # the newest first: Pak Kret's
    assert nfkc("นบ 0017.1/3") in {nfkc(item["reference"]) for item in page["items"]}
    assert page["items"][0]["subject"] == "=HYPERLINK(\"http://evil.example\")"  # JSON keeps the text as it is
    for year, count in (("2568", 1), ("2025", 1), ("๒๕๖๙", 4), ("", 4 if letter_register.current_year() == 2569 else 0)):
        answer = client.get(f"{API}/letters", query_string={"year": year}, headers=central).get_json()
        assert answer["total"] == count, year
    assert client.get(f"{API}/letters?year=2569&kind=unlock_approval", headers=central).get_json()["total"] == 0
    assert client.get(f"{API}/letters?year=2569&kind=nothing", headers=central).get_json()["total"] == 4  # every kind
    for bad in ("99999999999999999999", "๒๕๖๙x", "abc", "-1", "1\r\n2", "3000"):
        refused = client.get(f"{API}/letters", query_string={"year": bad}, headers=central)
        assert refused.status_code == 422, bad
        assert "ปีพุทธศักราช" in refused.get_json()["error"]["fields"]["year"][0], bad
    hostile = client.get(f"{API}/letters", query_string={"year": "2569", "kind": "a\r\nb\x00"}, headers=central)
    assert hostile.status_code == 200 and hostile.get_json()["total"] == 4  # not a kind: every kind

    opdc_token = bearer(create_token(client, login, "opdc"))
    assert client.get(f"{API}/letters?year=2569", headers=opdc_token).get_json()["total"] == 5
    for refused in ("spoint", "author"):
        assert client.get(f"{API}/letters", headers=bearer(create_token(client, login, refused))).status_code == 403
