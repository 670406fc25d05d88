"""Hostile and careless input through HTTP: refused with a Thai message and a 4xx, never a 500, nothing half-saved.

NUL and other control characters, text of invisible characters only, over-long text, numbers beyond a database
column, dates typed with a Buddhist-era year or from another millennium, and JSON nested beyond reason.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.core.calendar import SpecialDay
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import HumanTask, TaskStatus
from app.helpdesk.models import HelpdeskTeam, StandardAnswer
from app.helpdesk.services import helpdesk, helpdesk_intake
from app.licensing.models import DelayRecord
from notifications.models import Notification
from tests.helpdesk.test_helpdesk_services import reload, report_input, staff
from tests.helpdesk.test_ir_reports import nothing_saved, send_report
from tests.helpers import th
from tests.inbox.test_api import bearer, create_token, open_review_task
from tests.licensing.test_delays import _form
from workflows.calendar import BANGKOK

HUGE = "9" * 20
CONTROL = "Remove the control characters from this text (such as NUL, or a line break in a one-line field)."


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def today():
    return utcnow().astimezone(BANGKOK).date()


# --- NUL and control characters ------------------------------------------------------------------------------------


@pytest.mark.parametrize("field, value", [
    ("subject", "ระบบค้าง\x00ตอนยื่นซอง"),
    ("description", "กดปุ่มแล้ว\x00หน้าจอค้าง"),
    ("contact_email", "vendor\x00@example.org"),
    ("contact_name", "สมชาย\x1b[31m"),
    ("subject", "หัวข้อ\r\nBcc: everyone@example.org"),  # a line break in a one-line field
])
def test_control_characters_in_a_report_are_refused(app, client, field, value):
    response = send_report(client, **{field: value})
    assert response.status_code == 422
    assert th(CONTROL) in response.get_data(as_text=True)
    nothing_saved()


def test_a_multi_line_description_keeps_its_line_breaks_and_tabs(app, client):
    response = send_report(client, description="บรรทัดแรก\r\nบรรทัดที่สอง\tมีแท็บ")
    assert response.status_code == 302
    assert count(helpdesk.Ticket) == 1


# --- invisible characters -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("invisible", ["\u200b", "\u200b\u200c\u200d", "\ufeff", " \u2060\u00ad ", "\u3000\u200b"])
def test_text_of_invisible_characters_only_counts_as_empty(app, client, invisible):
    response = send_report(client, subject=invisible, description=invisible)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert th("Enter a short subject.") in page and th("Describe the problem.") in page
    nothing_saved()


def test_thai_text_with_zero_width_spaces_between_words_is_kept(app, client):
    response = send_report(client, subject="ยื่นซอง\u200bไม่ได้")
    assert response.status_code == 302
    assert db.session.scalar(select(helpdesk.Ticket.subject)) == "ยื่นซอง\u200bไม่ได้"


def test_invisible_text_counts_as_empty_in_the_delay_record_too(client, login, demo):
    point = demo.agency("sp_muang")
    from app.licensing.services import licensing

    process = licensing.processes_for(point)[0]
    login("spoint")
    response = client.post(f"/delays/points/{point.id}/new",
                           data=_form(process, applicant_name="\u200b\ufeff", **_dates()))
    assert response.status_code in (400, 422)
    assert th("Enter the applicant's name.") in response.get_data(as_text=True)
    assert count(DelayRecord) == 0


# --- dates: Buddhist-era years and far-away dates ---------------------------------------------------------------------


def _dates(received=None, expected=None) -> dict:
    received = received or (today() - timedelta(days=30)).isoformat()
    expected = expected or (today() + timedelta(days=30)).isoformat()
    return {"received_on": received, "expected_decision_on": expected}


def _record(client, login, demo, **changes):
    from app.licensing.services import licensing

    point = demo.agency("sp_muang")
    process = licensing.processes_for(point)[0]
    login("spoint")
    return client.post(f"/delays/points/{point.id}/new", data=_form(process, **changes))


def test_a_buddhist_era_year_typed_into_a_date_is_converted(client, login, demo):
    received = today() - timedelta(days=30)
    if (received.month, received.day) == (2, 29):  # a day every Buddhist-era year has
        received -= timedelta(days=1)
    typed = received.replace(year=received.year + 543)  # 2569-11-02 for 2026-11-02
    response = _record(client, login, demo, **_dates(received=typed.isoformat()))
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:3000]
    assert db.session.scalar(select(DelayRecord.received_on)) == received


def test_a_day_written_the_thai_way_is_read(client, login, demo):
    received = today() - timedelta(days=30)
    if (received.month, received.day) == (2, 29):
        received -= timedelta(days=1)
    typed = f"{received.day:02d}/{received.month:02d}/{received.year + 543}"  # วว/ดด/ปปปป, as the date input shows
    response = _record(client, login, demo, **_dates(received=typed))
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:3000]
    assert db.session.scalar(select(DelayRecord.received_on)) == received


@pytest.mark.parametrize("written", ["{be}-02-29", "29/02/{be}"])
def test_a_buddhist_era_29_february_of_a_gregorian_leap_year_is_read(client, login, demo, written):
    # 2571 B.E. is no leap year as written, but it is 2028, which has a 29 February: the year is converted first.
    leap = next(year for year in range(today().year + 1, today().year + 9) if calendar.isleap(year))
    response = _record(client, login, demo, **_dates(expected=written.format(be=leap + 543)))
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:3000]
    assert db.session.scalar(select(DelayRecord.expected_decision_on)) == date(leap, 2, 29)


def test_a_buddhist_era_29_february_that_the_gregorian_year_lacks_is_refused(client, login, demo):
    # 2572 B.E. is a leap year as written, but it is 2029, which has no 29 February.
    response = _record(client, login, demo, **_dates(expected="2572-02-29"))
    assert response.status_code in (400, 422)
    assert th("%(typed)s looks like a Buddhist-era date, but %(year)s B.E. (%(ce)s) has no 29 February. "
              "Check the date.", typed="2572-02-29", year=2572, ce=2029) in response.get_data(as_text=True)
    assert count(DelayRecord) == 0


@pytest.mark.parametrize("received", ["0001-01-01", "1949-12-31", "2300-01-01", "9999-12-31"])
def test_a_date_received_from_another_era_is_refused(client, login, demo, received):
    response = _record(client, login, demo, **_dates(received=received))
    assert response.status_code in (400, 422)
    assert th("Enter a date from %(start)s to %(end)s.", start="1 ม.ค. 2493", end="31 ธ.ค. 2743") in \
        response.get_data(as_text=True)
    assert count(DelayRecord) == 0


@pytest.mark.parametrize("day", ["0001-01-01", "1949-06-01", "2201-06-01", "2399-01-03"])
def test_far_away_holiday_dates_are_refused_with_a_message(client, login, demo, day):
    login("admin")
    for url in ("/admin/calendar/holidays", "/admin/calendar/cancellations"):
        response = client.post(url, data={"day": day, "name_th": "วันหยุดทดสอบ"})
        assert response.status_code == 400
        assert th("Enter a date from %(start)s to %(end)s.", start="1 ม.ค. 2493", end="31 ธ.ค. 2743") in \
            response.get_data(as_text=True)
    assert count(SpecialDay) == 0


# --- long text ------------------------------------------------------------------------------------------------------


def test_a_20000_character_return_comment_is_refused_with_a_thai_message(client, login, demo):
    task = open_review_task()
    task_id = task.id
    notifications = count(Notification)
    login("reviewer")
    response = client.post(f"/tasks/{task_id}", data={"decision": "return", "comment": "ก" * 20_000})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "ไม่เกิน 4000 ตัวอักษร" in page
    assert 'maxlength="4000"' in page  # and a browser lets nobody type more
    assert db.session.get(HumanTask, task_id).status == TaskStatus.open
    assert count(Notification) == notifications


def test_a_field_without_a_limit_of_its_own_gets_one(app, client):
    response = send_report(client, project_number="1" * 600)  # the project number names no length
    assert response.status_code == 422
    assert th("At most %(max)d characters.", max=500) in response.get_data(as_text=True)
    nothing_saved()


def test_a_limit_without_a_message_of_its_own_reads_in_thai(client, login, demo):
    login("reviewer")
    response = client.post("/account/tokens", data={"name": "ท" * 5000})
    assert response.status_code == 422
    assert "ไม่เกิน 120 ตัวอักษร" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/notifications/read", "/account/tokens/999/revoke"])
def test_a_line_break_in_where_to_go_next_is_ignored_not_500(client, login, demo, path):
    login("reviewer")
    response = client.post(path, data={"id": "1", "next": "/tasks/\r\nSet-Cookie: session=stolen"})
    assert response.status_code in (302, 303, 404)
    assert "Set-Cookie" not in response.headers.get("Location", "")


# --- numbers beyond a database column in form fields ----------------------------------------------------------------


def test_huge_numbers_in_help_desk_fields_are_refused_not_500(app, client, login):
    people = staff()
    ticket, _token = helpdesk_intake.report(report_input(), None)
    db.session.commit()
    login("hd_super")
    number = ticket.number
    for data in ({"assignee_id": HUGE, "team_id": "0"}, {"assignee_id": "0", "team_id": HUGE}):
        response = client.post(f"/helpdesk/tickets/{number}/assign", data=data)
        assert response.status_code == 422
    assert reload(ticket).assignee_id is None
    response = client.post("/helpdesk/answers", data={"title": "ตอบ", "body": "ข้อความ", "category_id": HUGE,
                                                      "active": "y"})
    assert response.status_code == 422 and count(StandardAnswer) == 0
    response = client.post(f"/helpdesk/tickets/{number}/save-answer", data={"message_id": HUGE, "title": "ชื่อ"})
    assert response.status_code in (303, 422) and count(StandardAnswer) == 0
    response = client.post("/helpdesk/teams", data={"name": "ทีมใหม่", "active": "y", "member_ids": [HUGE]})
    assert response.status_code == 422 and count(HelpdeskTeam) == 0
    response = client.post("/helpdesk/categories", data={"name_th": "หมวด", "position": HUGE, "active": "y"})
    assert response.status_code == 422
    assert people


# --- the API --------------------------------------------------------------------------------------------------------


def test_json_nested_50000_deep_is_refused_with_the_apis_error_body(client, login, demo):
    token = create_token(client, login, "reviewer")
    task_id = open_review_task().id
    body = "[" * 50_000 + "]" * 50_000
    response = client.post(f"/api/v1/tasks/{task_id}/complete", headers=bearer(token), data=body,
                           content_type="application/json")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == 400 and error["message"] == th("The JSON is nested too deeply (at most %(depth)s levels).",
                                                           depth=32)
    nested = "x"
    for _level in range(40):
        nested = [nested]
    deep_object = {"decision": "approve", "comment": nested}
    response = client.post(f"/api/v1/tasks/{task_id}/complete", headers=bearer(token), json=deep_object)
    assert response.status_code == 400
    assert db.session.get(HumanTask, task_id).status == TaskStatus.open


def test_api_field_values_are_cleaned_like_the_forms(client, login, demo):
    token = create_token(client, login, "reviewer")
    task_id = open_review_task().id
    for values in ({"decision": "return", "comment": "เพิ่ม\x00เอกสาร"},
                   {"decision": "return", "comment": "\u200b\u200b"},
                   {"decision": "return", "comment": "ก" * 20_000},
                   {"decision": "return", "comment": {"nested": "object"}}):
        response = client.post(f"/api/v1/tasks/{task_id}/complete", headers=bearer(token), json=values)
        assert response.status_code == 422, response.get_json()
        assert "comment" in response.get_json()["error"]["fields"]
    assert db.session.get(HumanTask, task_id).status == TaskStatus.open


def test_a_too_large_json_body_is_413(client, login, demo):
    token = create_token(client, login, "reviewer")
    task_id = open_review_task().id
    response = client.post(f"/api/v1/tasks/{task_id}/complete", headers=bearer(token),
                           json={"decision": "return", "comment": "x" * 2_000_000})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == 413


# --- one layer for every form -----------------------------------------------------------------------------------------


def test_every_form_of_the_application_is_cleaned_by_the_base_form(app):
    from wtforms import Form

    from forms.base import BaseForm, SubForm

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = {cls for cls in subclasses(Form) if cls.__module__.split(".")[0] in ("app", "forms")}
    assert len(ours) > 40
    assert {cls.__qualname__ for cls in ours if not issubclass(cls, BaseForm | SubForm)} == set()
