"""Delegation while away over the API: who may act for me, naming an acting officer for a period (ISO or Buddhist-
era dates), the refusals in Thai, and cancelling — only the one who gave it may."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.core.extensions import db
from app.core.thai_dates import buddhist_year
from app.core.workflow import AuditEvent
from app.inbox.models import TaskDelegation
from app.inbox.services import delegations
from tests.helpers import th
from tests.inbox.test_api import API, bearer, create_token
from tests.inbox.test_assign_and_delegate import _colleague


def _thai(day) -> str:
    return f"{day.day:02d}/{day.month:02d}/{buddhist_year(day.year)}"


def test_name_an_acting_officer_see_it_from_both_sides_and_cancel(client, login, demo):
    colleague = _colleague(demo)
    today = delegations.today()
    starts, ends = today + timedelta(days=1), today + timedelta(days=3)
    mine = bearer(create_token(client, login, "reviewer"))
    theirs = bearer(create_token(client, login, "reviewer2"))

    listed = client.get(f"{API}/delegations", headers=mine).get_json()
    assert [person["display_name"] for person in listed["colleagues"]] == [colleague.display_name]
    assert listed["given"] == [] and listed["received"] == []

    given = client.post(f"{API}/delegations", headers=mine, json={
        "acting_id": colleague.id, "starts_on": _thai(starts), "ends_on": ends.isoformat()})
    assert given.status_code == 200, given.get_json()
    [delegation] = given.get_json()["given"]
    assert (delegation["starts_on"], delegation["ends_on"]) == (starts.isoformat(), ends.isoformat())
    assert delegation["person"]["id"] == colleague.id
    received = client.get(f"{API}/delegations", headers=theirs).get_json()["received"]
    assert [(d["id"], d["person"]["id"]) for d in received] == [(delegation["id"], demo.user("reviewer").id)]

    overlapping = client.post(f"{API}/delegations", headers=mine, json={
        "acting_id": colleague.id, "starts_on": ends.isoformat(), "ends_on": ends.isoformat()})
    assert overlapping.status_code == 422 and overlapping.get_json()["error"]["message"]
    not_a_colleague = client.post(f"{API}/delegations", headers=mine, json={
        "acting_id": demo.user("author").id, "starts_on": starts.isoformat(), "ends_on": ends.isoformat()})
    assert not_a_colleague.status_code == 422
    assert not_a_colleague.get_json()["error"]["message"] == th(
        "Only a colleague holding one of your roles at your agency can act for you. Choose someone from the list.")
    backwards = client.post(f"{API}/delegations", headers=mine, json={
        "acting_id": colleague.id, "starts_on": (ends + timedelta(days=9)).isoformat(),
        "ends_on": (starts + timedelta(days=8)).isoformat()})
    assert backwards.status_code == 422

    assert client.post(f"{API}/delegations/{delegation['id']}/cancel", headers=theirs).status_code == 404
    ended = client.post(f"{API}/delegations/{delegation['id']}/cancel", headers=mine)
    assert ended.status_code == 200 and ended.get_json()["given"] == []
    assert client.post(f"{API}/delegations/{delegation['id']}/cancel", headers=mine).status_code == 404
    db.session.expire_all()
    assert db.session.scalar(select(TaskDelegation)).cancelled_at is not None
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "task_delegation")))
    assert actions == {"delegation.created", "delegation.cancelled"}


def test_hostile_input_and_scopes(client, login, demo):
    colleague = _colleague(demo)
    today = delegations.today().isoformat()
    read_only = bearer(create_token(client, login, "reviewer", name="อ่านอย่างเดียว", scopes=("inbox:read",)))
    assert client.get(f"{API}/delegations", headers=read_only).status_code == 200
    assert client.post(f"{API}/delegations", headers=read_only, json={
        "acting_id": colleague.id, "starts_on": today, "ends_on": today}).status_code == 403
    headers = bearer(create_token(client, login, "reviewer"))
    for body in ({"acting_id": 10 ** 20, "starts_on": today, "ends_on": today},
                 {"acting_id": colleague.id, "starts_on": "2026-13-40", "ends_on": today},
                 {"acting_id": colleague.id, "starts_on": "31/02/2569", "ends_on": today},
                 {"acting_id": colleague.id, "starts_on": today + "\x00", "ends_on": today},
                 {"acting_id": colleague.id, "starts_on": today},
                 {"acting_id": "๑", "starts_on": today, "ends_on": today}):
        refused = client.post(f"{API}/delegations", headers=headers, json=body)
        assert refused.status_code == 422, (body, refused.get_json())
    assert client.post(f"{API}/delegations/99999999999999999999/cancel", headers=headers).status_code == 404
    assert db.session.scalar(select(TaskDelegation)) is None
