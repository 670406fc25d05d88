"""One-time role tokens through HTTP: issue, show once, redeem, refresh, expire, scope, rate limit, races."""

from __future__ import annotations

import hashlib
import re
import threading
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from app.accounts.models import Membership, RoleToken, User
from app.accounts.services import accounts
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import AuditEvent, InstanceStatus, ProcessInstance
from workflows import engine

TOKEN_SHOWN = re.compile(r'id="new-token"[^>]*>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})<')


def _issue(client, role, agency_id="", service_point_id="") -> str:
    response = client.post("/admin/tokens", data={"role": role, "agency_id": str(agency_id),
                                                  "service_point_id": str(service_point_id)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]  # post, redirect, get
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    match = TOKEN_SHOWN.search(page)
    assert match, page[:3000]
    assert "จะไม่แสดงอีก" in page  # told that it will not be shown again
    return match.group(1)


def _newcomer(username="newbie", name="ผู้มาใหม่ ทดสอบ") -> User:
    user = accounts.create_user(username, name, "secret-pass")
    db.session.commit()
    return user


def _token(plain: str) -> RoleToken:
    digest = hashlib.sha256(plain.replace("-", "").encode()).hexdigest()
    return db.session.scalar(select(RoleToken).where(RoleToken.token_hash == digest)
                             .execution_options(populate_existing=True))


def _redeem(client, plain):
    return client.post("/welcome/token", data={"token": plain})


def test_central_issues_a_token_once_and_a_newcomer_redeems_it(client, login, demo):
    login("central")
    dopa = demo.agency("dopa")
    plain = _issue(client, "manual_reviewer", dopa.id)
    token = _token(plain)
    assert token.state == "waiting" and token.role == "manual_reviewer" and token.agency_id == dopa.id
    assert plain not in token.token_hash and len(token.token_hash) == 64
    assert token.expires_at - token.issued_at == timedelta(days=14)
    instance = db.session.get(ProcessInstance, token.instance_id)
    assert (instance.process_id, instance.business_type, instance.business_id) == ("token_issuance", "role_token",
                                                                                  token.id)
    assert instance.status == InstanceStatus.waiting and instance.next_timer_at == token.expires_at
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "role_token.issued", AuditEvent.object_id == token.id)) == 1

    listing = client.get("/admin/tokens").get_data(as_text=True)
    assert plain not in listing and plain.replace("-", "") not in listing  # never shown again
    assert 'text-bg-primary">รอใช้งาน<' in listing and "สมชาย ใจดี" in listing

    newcomer = _newcomer()
    login("newbie")
    assert client.get("/tasks/").headers["Location"].endswith("/welcome/token")
    assert client.get("/lang/en?next=/").status_code == 302  # the language switch stays open
    assert client.get("/welcome/token").status_code == 200
    response = _redeem(client, plain.lower().replace("-", " "))  # typed loosely, still the same token
    assert response.status_code == 302 and response.headers["Location"].endswith("/tasks/")
    membership = db.session.scalar(select(Membership).where(Membership.user_id == newcomer.id))
    assert (membership.role, membership.agency_id, membership.source) == ("manual_reviewer", dopa.id, "token")
    assert membership.granted_by_id == demo.user("central").id
    token = _token(plain)
    assert token.state == "used" and token.used_by_id == newcomer.id and token.used_at is not None
    db.session.refresh(instance)
    assert instance.status == InstanceStatus.complete
    assert client.get("/welcome/token").headers["Location"].endswith("/tasks/")  # a member goes straight in
    assert client.get("/tasks/").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "role_token.redeemed", AuditEvent.object_type == "user",
        AuditEvent.object_id == newcomer.id)) == 1

    login("central")
    listing = client.get("/admin/tokens").get_data(as_text=True)
    assert 'text-bg-success">ใช้แล้ว<' in listing and "ผู้มาใหม่ ทดสอบ" in listing


def test_refresh_stops_the_old_token_at_once_and_the_new_one_works(client, login, demo):
    login("central")
    first = _issue(client, "manual_author", demo.agency("dopa").id)
    old = _token(first)
    response = client.post(f"/admin/tokens/{old.id}/refresh", follow_redirects=True)
    assert response.status_code == 200
    second = TOKEN_SHOWN.search(response.get_data(as_text=True)).group(1)
    assert TOKEN_SHOWN.search(client.get("/admin/tokens").get_data(as_text=True)) is None  # once only
    assert second != first
    old, new = _token(first), _token(second)
    assert old.state == "refreshed" and new.state == "waiting" and new.replaces_id == old.id
    assert (new.role, new.agency_id) == (old.role, old.agency_id)
    assert db.session.get(ProcessInstance, old.instance_id).status == InstanceStatus.complete
    assert client.post(f"/admin/tokens/{old.id}/refresh", follow_redirects=True).status_code == 200
    assert _token(first).state == "refreshed"  # only a waiting token can be refreshed

    _newcomer()
    login("newbie")
    refused = _redeem(client, first)
    assert refused.status_code == 422 and "ถูกแทนที่" in refused.get_data(as_text=True)
    assert _redeem(client, second).status_code == 302
    assert _token(second).state == "used"


def test_an_expired_token_is_refused_and_its_timer_marks_it(client, login, demo):
    login("central")
    plain = _issue(client, "manual_author", demo.agency("bora").id)
    _newcomer()
    login("newbie")
    with time_machine.travel(utcnow() + timedelta(days=14, minutes=1)):
        refused = _redeem(client, plain)  # past its expiry, before the timer job has run
        assert refused.status_code == 422 and "หมดอายุ" in refused.get_data(as_text=True)
        assert _token(plain).state == "waiting"
        engine.fire_due_timers()
        db.session.commit()
        token = _token(plain)
        assert token.state == "expired" and token.ended_at is not None
        assert db.session.get(ProcessInstance, token.instance_id).status == InstanceStatus.complete
        refused = _redeem(client, plain)
        assert refused.status_code == 422 and "หมดอายุ" in refused.get_data(as_text=True)
        login("central")
        assert 'text-bg-warning">หมดอายุ<' in client.get("/admin/tokens").get_data(as_text=True)
        client.post(f"/admin/tokens/{token.id}/refresh")
        assert db.session.scalar(select(func.count()).select_from(RoleToken)) == 1  # nothing new minted
    assert db.session.scalar(select(func.count()).select_from(Membership).join(User, User.id == Membership.user_id).where(
        User.username == "newbie")) == 0


def test_wrong_and_used_tokens_get_their_own_messages(client, login, demo):
    login("central")
    plain = _issue(client, "manual_reviewer", demo.agency("dopa").id)
    _newcomer()
    login("newbie")
    wrong = _redeem(client, "ABCD-EFGH-JKMN-PQRS")
    assert wrong.status_code == 422 and "ไม่ถูกต้อง" in wrong.get_data(as_text=True)
    garbage = _redeem(client, "not a token")
    assert garbage.status_code == 422 and "ไม่ถูกต้อง" in garbage.get_data(as_text=True)
    assert _redeem(client, plain).status_code == 302
    _newcomer("second", "คนที่สอง")
    login("second")
    used = _redeem(client, plain)
    assert used.status_code == 422 and "ถูกใช้ไปแล้ว" in used.get_data(as_text=True)


def test_who_may_issue_what(client, login, demo):
    dopa, sp_muang, nakhon = demo.agency("dopa"), demo.agency("sp_muang"), demo.agency("nakhon_nont")
    login("central")
    page = client.get("/admin/tokens").get_data(as_text=True)
    assert "ที่ว่าการอำเภอปากเกร็ด" in page and "เทศบาลนครนนทบุรี" not in page  # choices stay in scope
    assert client.post("/admin/tokens", data={"role": "admin", "agency_id": dopa.id}).status_code == 403
    assert client.post("/admin/tokens", data={"role": "opdc_officer", "agency_id": dopa.id}).status_code == 403
    assert client.post("/admin/tokens", data={"role": "manual_author", "agency_id": nakhon.id}).status_code == 403
    assert client.post("/admin/tokens", data={"role": "central_officer", "agency_id": nakhon.id}).status_code == 403
    # A service-point officer needs a service point, and an author does not work at one.
    assert client.post("/admin/tokens", data={"role": "service_point_officer", "agency_id": dopa.id}).status_code == 422
    assert client.post("/admin/tokens", data={"role": "manual_author", "agency_id": sp_muang.id}).status_code == 403
    _issue(client, "service_point_officer", service_point_id=sp_muang.id)
    _issue(client, "central_officer", dopa.id)
    assert db.session.scalar(select(func.count()).select_from(RoleToken)) == 2

    login("admin")
    _issue(client, "central_officer", nakhon.id)
    assert client.post("/admin/tokens", data={"role": "manual_author", "agency_id": nakhon.id}).status_code == 403
    outside = _token_for(nakhon.id)

    login("central")
    assert client.post(f"/admin/tokens/{outside.id}/refresh").status_code == 404
    assert "เทศบาลนครนนทบุรี" not in client.get("/admin/tokens").get_data(as_text=True)

    for username in ("spoint", "author", "reviewer", "opdc"):
        login(username)
        assert client.get("/admin/tokens").status_code == 403
        assert client.post("/admin/tokens", data={"role": "manual_author", "agency_id": dopa.id}).status_code == 403
        assert client.post(f"/admin/tokens/{outside.id}/refresh").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(RoleToken)) == 3


def _token_for(agency_id: int) -> RoleToken:
    return db.session.scalar(select(RoleToken).where(RoleToken.agency_id == agency_id))


def test_wrong_tries_are_rate_limited_per_person_in_thai(app, client, login, demo):
    _newcomer()
    login("newbie")
    codes = [_redeem(client, "ABCD-EFGH-JKMN-PQRS").status_code for _ in range(5)]
    page = _redeem(client, "ABCD-EFGH-JKMN-PQRS")
    assert codes == [422] * 5, codes
    assert page.status_code == 429 and "กรุณารอ" in page.get_data(as_text=True)
    _newcomer("other", "อีกคน")
    other = app.test_client()
    other.post("/login", data={"username": "other", "password": "secret-pass"})
    assert _redeem(other, "ABCD-EFGH-JKMN-PQRS").status_code == 422  # another person is not held back


def test_the_token_list_costs_the_same_queries_for_more_tokens(client, login, demo, count_queries):
    login("central")
    dopa = demo.agency("dopa").id
    _issue(client, "manual_author", dopa)
    _newcomer()
    plain = _issue(client, "manual_reviewer", dopa)
    other = client.application.test_client()
    other.post("/login", data={"username": "newbie", "password": "secret-pass"})
    assert _redeem(other, plain).status_code == 302
    with count_queries() as few:
        assert client.get("/admin/tokens").status_code == 200
    for _ in range(6):
        _issue(client, "manual_author", dopa)
    with count_queries() as many:
        assert client.get("/admin/tokens").status_code == 200
    assert len(many) == len(few), (len(few), len(many))


def test_two_redemptions_of_one_token_at_once_exactly_one_wins(app, login, demo):
    client = app.test_client()
    client.post("/login", data={"username": "central", "password": "secret-pass"})
    plain = _issue(client, "manual_reviewer", demo.agency("dopa").id)
    people = [_newcomer("first", "คนแรก"), _newcomer("second", "คนที่สอง")]
    clients = []
    for person in people:
        each = app.test_client()
        assert each.post("/login", data={"username": person.username, "password": "secret-pass"}).status_code == 302
        clients.append(each)
    ids = [person.id for person in people]
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: list[int] = []
    queue = list(clients)
    lock = threading.Lock()

    def worker():
        with lock:
            mine = queue.pop()
        barrier.wait()
        outcomes.append(_redeem(mine, plain).status_code)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == [302, 422], outcomes
    token = _token(plain)
    assert token.state == "used" and token.used_by_id in ids
    assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.user_id.in_(ids))) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "role_token.redeemed")) == 1
    assert db.session.get(ProcessInstance, token.instance_id).status == InstanceStatus.complete


def test_helpdesk_staff_join_the_department_that_runs_the_helpdesk(client, login, demo):
    cgd, dopa = demo.agency("cgd"), demo.agency("dopa")
    login("central")  # a central officer elsewhere is offered no helpdesk role and cannot issue one
    assert "helpdesk_agent" not in client.get("/admin/tokens").get_data(as_text=True)
    assert client.post("/admin/tokens", data={"role": "helpdesk_agent", "agency_id": dopa.id}).status_code == 403
    login("admin")
    assert client.post("/admin/tokens", data={"role": "helpdesk_agent", "agency_id": dopa.id}).status_code == 403
    plain = _issue(client, "helpdesk_agent", cgd.id)
    newcomer = _newcomer("desk_newbie", "ผู้ช่วย ตอบปัญหา")
    login("desk_newbie")
    assert _redeem(client, plain).status_code == 302
    membership = db.session.scalar(select(Membership).where(Membership.user_id == newcomer.id))
    assert (membership.role, membership.agency_id) == ("helpdesk_agent", cgd.id)
    assert client.get("/helpdesk/").status_code == 200


def test_the_tokens_page_finds_the_desks_agency_once(client, login, demo, count_queries):
    """Each help-desk role the page offers belongs to the same department: where it is, read once for the page."""
    login("admin")
    assert client.get("/admin/tokens").status_code == 200
    db.session.expunge_all()  # as a server's new request starts
    with count_queries() as sent:
        page = client.get("/admin/tokens")
    assert page.status_code == 200 and 'value="helpdesk_agent"' in page.get_data(as_text=True)
    by_code = [statement for statement in sent if re.match(r"SELECT agency\.path\s+FROM agency\s+WHERE agency\.code", statement)]
    assert len(by_code) == 1, by_code
