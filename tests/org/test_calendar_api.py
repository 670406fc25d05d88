"""The working-day calendar over the API: an administrator's token adds a special holiday (a Buddhist-era date taken
as such), reads the year, removes it; a weekend day and hostile input are refused in Thai and English."""

from __future__ import annotations

from datetime import timedelta

from app.core.calendar import SpecialDay
from app.core.extensions import db
from tests.clock import TODAY
from tests.inbox.test_api import API, bearer, create_token
from workflows.calendar import is_working_day


def _working_weekday_ahead():
    day = TODAY + timedelta(days=40)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _buddhist(day) -> str:
    return f"{day.year + 543}-{day:%m-%d}"


def test_an_administrator_adds_reads_and_removes_a_special_holiday(client, login, demo):
    admin = bearer(create_token(client, login, "admin", scopes=("admin:write",)))
    reader = bearer(create_token(client, login, "admin", scopes=("admin:read",)))
    day = _working_weekday_ahead()
    saturday = day + timedelta(days=5 - day.weekday())

    assert client.post(f"{API}/calendar/holidays", headers=reader,
                       json={"day": day.isoformat(), "name_th": "วันหยุดพิเศษ"}).status_code == 403
    for hostile in ({"day": f"{day.year}-02-30", "name_th": "วันหยุด"}, {"day": day.isoformat(), "name_th": "วัน\x00"},
                    {"day": day.isoformat(), "name_th": "วัน\r\nหยุด"}, {"day": "99999-01-01", "name_th": "ไกล"},
                    {"day": f"{day.year + 40}-01-05", "name_th": "ไกลเกิน"}):
        response = client.post(f"{API}/calendar/holidays", headers=admin, json=hostile)
        assert response.status_code == 422, (hostile, response.get_data(as_text=True))
    refused = client.post(f"{API}/calendar/holidays", headers=admin,
                          json={"day": saturday.isoformat(), "name_th": "วันเสาร์"})
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert "เสาร์" in error["message"] and "Saturday" in error["message_en"]
    assert db.session.query(SpecialDay).count() == 0

    response = client.post(f"{API}/calendar/holidays", headers=admin,
                           json={"day": _buddhist(day), "name_th": "วันหยุดพิเศษ", "name_en": "Special holiday"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["day"] == day.isoformat()
    year = client.get(f"{API}/calendar?year={day.year + 543}", headers=reader).get_json()
    assert year["year"] == day.year
    added = next(d for d in year["days"] if d["day"] == day.isoformat())
    assert added["source"] == "special" and added["special_id"]
    again = client.post(f"{API}/calendar/holidays", headers=admin, json={"day": day.isoformat(), "name_th": "ซ้ำ"})
    assert again.status_code == 422

    assert client.post(f"{API}/calendar/special-days/{'9' * 20}/delete", headers=admin).status_code == 404
    response = client.post(f"{API}/calendar/special-days/{added['special_id']}/delete", headers=admin)
    assert response.status_code == 200 and response.get_json()["day"] == day.isoformat()
    assert db.session.query(SpecialDay).count() == 0
