"""Licence figures, unlock requests and delayed applications over the API: the same rules as the pages."""

from __future__ import annotations

from datetime import datetime

import time_machine

from app.licensing.services import licensing
from tests.inbox.test_api import API, bearer, create_token
from workflows.calendar import BANGKOK


def _figures(process_id, **numbers) -> dict:
    return {"process_id": process_id, "received": 0, "approved": 0, "refused": 0, "pending": 0,
            "within_limit": 0, "over_limit": 0} | numbers


def test_figures_are_entered_then_a_closed_month_is_unlocked_on_request(app, client, login, demo):
    point = demo.agency("sp_muang")
    process = licensing.processes_for(point)[0]
    writer = bearer(create_token(client, login, "spoint", scopes=("licensing:write",)))
    reader = bearer(create_token(client, login, "spoint", scopes=("licensing:read",)))
    sheet_url = f"{API}/licensing/2027/2/points/{point.id}"

    with time_machine.travel(datetime(2027, 2, 20, 10, 0, tzinfo=BANGKOK)):
        sheet = client.get(sheet_url, headers=reader).get_json()
        assert sheet["open_for_entry"] and sheet["can_enter"]
        assert process.id in [row["process_id"] for row in sheet["rows"]]
        # Thai digits and thousands separators, as on the sheet.
        row = _figures(process.id, received="๑,๒๐๐", approved=1000, refused=100, pending=100, within_limit=1050,
                       over_limit=50)
        response = client.put(f"{sheet_url}/figures", headers=writer, json={"rows": [row]})
        assert response.status_code == 200, response.get_data(as_text=True)
        saved = next(r for r in response.get_json()["rows"] if r["process_id"] == process.id)
        assert saved["figures"]["received"] == 1200
        # Sums that do not add up: nothing saved, the row named.
        response = client.put(f"{sheet_url}/figures", headers=writer, json={"rows": [_figures(process.id, received=5)]})
        assert response.status_code == 422 and list(response.get_json()["error"]["fields"]) == [f"rows.{process.id}"]
        assert client.put(f"{sheet_url}/figures", headers=reader, json={"rows": []}).status_code == 403
        # The month is still open: no unlock to ask for.
        response = client.post(f"{sheet_url}/unlock", headers=writer, json={"reason": "ระบบขัดข้อง"})
        assert response.status_code == 409 and response.get_json()["error"]["reason"] == "not_closed"

    from tasks import jobs

    with time_machine.travel(datetime(2027, 3, 11, 0, 30, tzinfo=BANGKOK)):
        jobs.run(app, "lock_periods")
    with time_machine.travel(datetime(2027, 3, 11, 10, 0, tzinfo=BANGKOK)):
        response = client.put(f"{sheet_url}/figures", headers=writer, json={"rows": [_figures(process.id)]})
        assert response.status_code == 409
        for reason in ("", "ขัดข้อง\x00"):
            assert client.post(f"{sheet_url}/unlock", headers=writer, json={"reason": reason}).status_code == 422
        response = client.post(f"{sheet_url}/unlock", headers=writer, json={"reason": "ระบบเครือข่ายขัดข้อง"})
        assert response.status_code == 201, response.get_data(as_text=True)
        assert [u["status"] for u in response.get_json()["unlocks"]] == ["pending"]
        response = client.post(f"{sheet_url}/unlock", headers=writer, json={"reason": "อีกครั้ง"})
        assert response.status_code == 409 and response.get_json()["error"]["reason"] == "pending"

    # A month that is no month, an id no column holds.
    assert client.get(f"{API}/licensing/2027/13/points/{point.id}", headers=reader).status_code == 404
    assert client.get(f"{API}/licensing/2027/2/points/{'9' * 20}", headers=reader).status_code == 404


def _delay(process, **changes) -> dict:
    return {"reference": "นบ 0009/2570", "applicant_name": "นายสมปอง รอคอย",
            "applicant_email": "sompong@example.org", "process_id": process.id, "promised_days": 15,
            "received_on": "2027-01-15", "reason": "รอความเห็นจากจังหวัด", "expected_decision_on": "2027-03-31"} | changes


def test_a_delay_is_recorded_and_decided(client, login, demo):
    point = demo.agency("sp_muang")
    process = licensing.processes_for(point)[0]
    officer = bearer(create_token(client, login, "spoint", scopes=("licensing:write",)))
    url = f"{API}/delays/points/{point.id}"

    with time_machine.travel(datetime(2027, 2, 1, 10, 0, tzinfo=BANGKOK)):
        # A B.E. year is taken as such; the rules of the page's form hold (an address to write to, dates in order).
        response = client.post(url, headers=officer, json=_delay(process, received_on="2570-01-15"))
        assert response.status_code == 201, response.get_data(as_text=True)
        delay = response.get_json()
        assert delay["received_on"] == "2027-01-15" and [n["kind"] for n in delay["notices"]] == ["first"]
        # 29/02/2571: 2571 B.E. is 2028, a leap year (as written, 2571 is not one)
        leap_day = client.post(url, headers=officer, json=_delay(process, reference="ก10", received_on="2570-01-20",
                                                                 expected_decision_on="29/02/2571"))
        assert leap_day.status_code == 201, leap_day.get_data(as_text=True)
        assert leap_day.get_json()["expected_decision_on"] == "2028-02-29"
        refused = [
            _delay(process, reference="ก2", received_on="2570-02-29"),  # no 29 February in 2027
            _delay(process, reference="ก3", received_on="15/13/2570"),
            _delay(process, reference="ก4", applicant_email=None),  # nowhere to send the notices
            _delay(process, reference="ก5", expected_decision_on="2027-01-01"),  # before it was received
            _delay(process, reference="ก6", received_on="2027-03-01"),  # in the future
            _delay(process, reference="ก\r\n7"),
            _delay(process, reference="ก8", applicant_email="not-an-address"),
            _delay(process, reference="ก9", process_id=2**31),
        ]
        for body in refused:
            response = client.post(url, headers=officer, json=body)
            assert response.status_code == 422, (body, response.get_data(as_text=True))
            assert response.get_json()["error"]["fields"]
        response = client.post(url, headers=officer, json=_delay(process))  # the same reference again
        assert response.status_code == 409

        response = client.post(f"{API}/delays/{delay['id']}/decision", headers=officer, json={"decision": "maybe"})
        assert response.status_code == 422
        response = client.post(f"{API}/delays/{delay['id']}/decision", headers=officer,
                               json={"decision": "approved", "note": "อนุญาตแล้ว"})
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json()["decision"] == "approved"
        again = client.post(f"{API}/delays/{delay['id']}/decision", headers=officer, json={"decision": "refused"})
        assert again.status_code == 409

    other = bearer(create_token(client, login, "author", scopes=("licensing:read",)))
    assert client.get(f"{API}/delays/{delay['id']}", headers=other).status_code == 404
