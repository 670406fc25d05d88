"""Who reaches what, generated from the application's routes: every GET and POST route × every demo identity (each
staff user, a reporter account, anonymous), with the URL's ids pointing at objects of another agency and at other
people's IR reports. Nothing may fail with a 500, no page may show another's data (marker strings planted in the
other agency's manual, in each IR report and in the desk's internal note), and the clear cases answer as they
should. A few findings are also pinned down by name below."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app import demo as demo_data
from app.accounts.models import AccountKind, ApiToken, Membership, RoleToken, User
from app.accounts.services import accounts, role_tokens
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import HumanTask, ProcessInstance, TaskStatus
from app.helpdesk.models import ReporterProfile, Ticket, TicketAttachment
from app.helpdesk.services import helpdesk, helpdesk_desk, helpdesk_intake
from app.manuals.models import Manual
from app.manuals.services import manual_revisions, manuals
from tests.conftest import DATABASES
from tests.helpers import answer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
STAFF = [username for username, *_rest in demo_data.USERS]
HELPDESK = {"hd_super", "hd_agent"}
REPORTER = demo_data.REPORTER[0]
IDENTITIES = ["anonymous", REPORTER, *STAFF]
# Blueprints anyone may open; every other one is the back office.
OPEN_BLUEPRINTS = {"public", "ir", "chat_public", "auth", "api", "static"}  # chat_public: Live Chat's visitor pages
# The API's blueprints take a token, never a session; these are open to anyone, as their pages are.
OPEN_API_BLUEPRINTS = {"api", "helpdesk_api", "chat_api", "knowledge_api", "ratings_api"}
SKIPPED = {"static", "auth.logout"}  # a file path; signing out would end the identity's own pass

MARKERS = {
    "dopa": ["คู่มือภายในกรมการปกครอง-ตรวจสิทธิ์"],
    "lg": ["คู่มือภายในเทศบาลนครนนทบุรี-ตรวจสิทธิ์"],
    "ir_a": ["ผู้ค้าเอเสนอราคา 12,345,000 บาท", "a-marker.png", demo_data.REPORTER[1]],
    "ir_b": ["ผู้ค้าบีเสนอราคา 11,900,000 บาท", "b-marker.png", "บริษัท คู่แข่งบี จำกัด", "b@rival.example"],
    "ir_c": ["หน้าประกาศผลค้าง-ตรวจสิทธิ์"],
    "note": ["บันทึกภายในของศูนย์ช่วยเหลือ-ตรวจสิทธิ์"],
}
ALLOWED = {
    "anonymous": set(),
    REPORTER: {"ir_a"},
    "central": {"dopa"}, "author": {"dopa"}, "reviewer": {"dopa"}, "spoint": set(),
    "lg_author": {"lg"}, "lg_reviewer": {"lg"},
    "opdc": {"dopa", "lg"}, "admin": {"dopa", "lg"},
    "hd_super": {"ir_a", "ir_b", "ir_c", "note"}, "hd_agent": {"ir_a", "ir_b", "ir_c", "note"},
    "chat_super": set(), "chat_agent": set(),
}


@dataclass
class World:
    ids: dict[str, list]  # URL parameter -> the values tried, in turn
    by_endpoint: dict[tuple[str, str], list]  # (endpoint, parameter) -> values, where the name alone is ambiguous
    grants: dict[str, str]  # a follow-up token -> the marker group its holder may see
    files: dict[int, str]  # IR attachment id -> the follow-up token whose report it belongs to
    ir_instances: set[int]
    ir_tasks: set[int]
    outsider_api_token: int
    role_token: str
    a: Ticket


def _submitted(author, title: str, agency, process_id: int) -> Manual:
    manual = manuals.create_manual(author, title=title, agency_id=agency.id, process_id=process_id)
    manual_revisions.submit(author, manual, title=title, content=demo_data.demo_content(["ตรวจสิทธิ์"]),
                            change_note="ตรวจสิทธิ์")
    return manual


def ir_and_markers(demo) -> World:
    """On top of the demo: the vendor's reporter account with report A (and a screenshot), a competing bidder's
    report B merged into it, a desk note on A, a fresh report C waiting for triage; a manual submitted in each of
    two agencies; a role token and another person's API token."""
    people = {name: demo.user(name) for name in STAFF}
    dopa, nont, cgd, sp_muang = (demo.agency(code) for code in ("dopa", "nakhon_nont", "cgd", "sp_muang"))
    processes = {m.agency_id: m.process_id for m in db.session.scalars(select(Manual))}
    dopa_manual = _submitted(people["author"], MARKERS["dopa"][0], dopa, processes[dopa.id])
    lg_manual = _submitted(people["lg_author"], MARKERS["lg"][0], nont, processes[nont.id])

    vendor = accounts.create_user(REPORTER, demo_data.REPORTER[1], demo.password, email=REPORTER)
    vendor.account_kind, vendor.email_verified_at = AccountKind.reporter, utcnow()
    db.session.add(ReporterProfile(user_id=vendor.id, reporter_type="vendor", organisation=demo_data.REPORTER[1]))
    category = helpdesk.categories()[3].id
    a, a_token = helpdesk_intake.report(helpdesk_intake.ReportInput(
        reporter_type="vendor", category_id=category, subject="เสนอราคาไม่ได้", description=MARKERS["ir_a"][0],
        files=[("a-marker.png", PNG)]), vendor)
    b, b_token = helpdesk_intake.report(helpdesk_intake.ReportInput(
        reporter_type="vendor", category_id=category, subject="ยืนยันราคาไม่ได้", description=MARKERS["ir_b"][0],
        contact_name=MARKERS["ir_b"][2], contact_email=MARKERS["ir_b"][3], files=[("b-marker.png", PNG)]), None)
    db.session.commit()
    answer(helpdesk_desk.triage_task(a), people["hd_super"], category_id=str(category), priority="normal",
           assignee_id=str(people["hd_agent"].id), team_id="0")
    helpdesk_desk.merge(people["hd_agent"], b, a.number)
    helpdesk_desk.add_note(people["hd_agent"], a, MARKERS["note"][0])
    helpdesk_desk.reply(people["hd_agent"], a, f"เรียน {demo_data.REPORTER[1]} กำลังตรวจสอบให้ค่ะ")
    c, c_token = helpdesk_intake.report(helpdesk_intake.ReportInput(
        reporter_type="public", category_id=category, subject="ประกาศผลไม่ได้", description=MARKERS["ir_c"][0]),
        None)
    _row, role_token = role_tokens.issue(people["central"], "manual_author", dopa.id)
    outsider = accounts.create_user("outsider", "คนนอก", demo.password)
    accounts.grant(outsider, nont.id, "manual_author")
    db.session.flush()
    outsider_token, _plain = accounts.create_api_token(outsider, "ของคนอื่น")
    db.session.commit()

    def instance_of(manual):
        return db.session.scalar(select(ProcessInstance.id).where(ProcessInstance.business_type == "manual",
                                                                  ProcessInstance.business_id == manual.id))

    def task_of(instance_id):
        return db.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance_id,
                                                            HumanTask.status == TaskStatus.open))

    manual_instances = [instance_of(dopa_manual), instance_of(lg_manual)]
    files = {row.id: {a.id: a_token, b.id: b_token}.get(row.ticket_id)
             for row in db.session.scalars(select(TicketAttachment))}
    memberships = {m.user_id: m.id for m in db.session.scalars(select(Membership))}
    users = [people["author"].id, people["lg_author"].id, people["hd_agent"].id]
    ids = {
        "manual_id": [dopa_manual.id, lg_manual.id], "agency_id": [dopa.id, nont.id, sp_muang.id, cgd.id],
        "instance_id": [a.instance_id, c.instance_id, *manual_instances],
        "task_id": [task_of(c.instance_id), *(task_of(i) for i in manual_instances)],
        "user_id": users, "membership_id": [memberships[u] for u in users],
        "attachment_id": list(files), "token": [a_token, b_token], "number": [a.number, c.number],
        "year": [utcnow().year], "month": [utcnow().month], "code": ["th"],
        "process_id": sorted(set(processes.values())),
    }
    by_endpoint = {("accounts.revoke", "token_id"): [outsider_token.id],
                   ("tokens.refresh", "token_id"): [db.session.scalar(select(RoleToken.id))]}
    for endpoint in ("ir.password_reset", "ir.email_change", "ir.verify"):
        by_endpoint[(endpoint, "token")] = ["not-a-real-token-1234567890"]
    by_endpoint[("ir.sent", "number")] = [a.number]
    by_endpoint[("delays.notice_letter", "number")] = [1]
    return World(ids=ids, by_endpoint=by_endpoint, grants={a_token: "ir_a", b_token: "ir_b", c_token: "ir_c"},
                 files=files, ir_instances={a.instance_id, b.instance_id, c.instance_id},
                 ir_tasks={task_of(c.instance_id)}, outsider_api_token=outsider_token.id, role_token=role_token, a=a)


def _urls(app, world: World):
    """(endpoint, method, url, values) for every route, one URL per value tried (the lists zipped, the shorter
    ones repeating their last value)."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint in SKIPPED:
            continue
        choices = {name: world.by_endpoint.get((rule.endpoint, name)) or world.ids.get(name) or [1]
                   for name in rule.arguments}
        rounds = max((len(values) for values in choices.values()), default=1)
        for index in range(rounds):
            values = {name: options[min(index, len(options) - 1)] for name, options in choices.items()}
            with app.test_request_context():
                from flask import url_for

                url = url_for(rule.endpoint, **values)
            for method in sorted(rule.methods & {"GET", "POST"}):
                found.append((rule.endpoint, method, url, values))
    return found


def _sign_in(client, login, identity: str) -> None:
    if identity == "anonymous":
        client.post("/logout")
        with client.session_transaction() as session:
            session.clear()
    else:
        login(identity)


def _problems(identity: str, endpoint: str, method: str, url: str, values: dict, response, world: World) -> list:
    status, blueprint = response.status_code, endpoint.split(".")[0]
    where = f"{identity} {method} {url} → {status}"
    problems = []
    if status >= 500:
        problems.append(f"{where}: server error")
    if response.mimetype.startswith(("text/", "application/json")):
        body = response.get_data(as_text=True)
        allowed = ALLOWED[identity] | {world.grants.get(values.get("token"))}
        for group, markers in MARKERS.items():
            for marker in markers if group not in allowed else ():
                if marker in body:
                    problems.append(f"{where}: shows {group} ({marker})")
    location = response.headers.get("Location", "")
    api_call = blueprint == "api" or blueprint.endswith("_api")
    staff_page = blueprint not in OPEN_BLUEPRINTS and not api_call
    if staff_page and identity == "anonymous" and not (status == 302 and "/login" in location):
        problems.append(f"{where}: a staff page answers someone signed out")
    if staff_page and identity == REPORTER and not (status == 302 and location.endswith("/ir/mine")):
        problems.append(f"{where}: a staff page answers a reporter account")
    if identity in STAFF:
        if blueprint == "helpdesk" and identity not in HELPDESK and status != 403:
            problems.append(f"{where}: the help desk opens to other staff")
        ir_process = (values.get("instance_id") in world.ir_instances and blueprint == "instances") or (
            values.get("task_id") in world.ir_tasks and blueprint == "inbox")
        if ir_process and identity not in HELPDESK and status != 404:
            problems.append(f"{where}: an IR process opens outside the help desk")
    if endpoint == "ir.attachment" and world.files.get(values["attachment_id"]) != values["token"] \
            and status != 404:
        problems.append(f"{where}: a file of another report")
    if api_call and blueprint not in OPEN_API_BLUEPRINTS and status != 401:
        problems.append(f"{where}: the API answers without a token")
    return problems


@pytest.fixture
def world(app, demo, monkeypatch):
    for key, value in list(app.config.items()):
        if key.startswith("RATELIMIT_") and isinstance(value, str) and " per " in value:
            monkeypatch.setitem(app.config, key, "100000 per minute")
    return ir_and_markers(demo)


# Each identity walks every route once, on the two databases in turn: both databases serve the walk, and the whole
# matrix costs one walk per identity instead of two (its checks are about who reaches what, not about storage).
IDENTITY_DATABASES = [(DATABASES[index % len(DATABASES)], identity) for index, identity in enumerate(IDENTITIES)]


@pytest.mark.parametrize(("app", "identity"), IDENTITY_DATABASES, indirect=["app"])
def test_every_route_for_every_identity(app, client, login, world, identity):
    """One identity per test, so that the identities spread over the suite's workers."""
    urls = _urls(app, world)
    tried, problems = 0, []
    _sign_in(client, login, identity)
    for endpoint, method, url, values in sorted(urls, key=lambda u: u[1]):  # every GET before any POST
        response = client.get(url) if method == "GET" else client.post(url, data={})
        tried += 1
        problems += _problems(identity, endpoint, method, url, values, response, world)
    db.session.remove()
    revoked = db.session.get(ApiToken, world.outsider_api_token).revoked_at
    if revoked is not None:
        problems.append(f"{identity} revoked another person's API token")
    routes = {(endpoint, method) for endpoint, method, _url, _values in urls}
    print(f"\naccess matrix: {len(routes)} routes as {identity}, {tried} requests, {len(problems)} failures")
    assert not problems, "\n".join(problems[:80]) + f"\n… {len(problems)} in all"


# --- the findings, by name -------------------------------------------------------------------------------------------


def test_ir_processes_are_the_help_desks_alone(client, login, world):
    a = world.a
    triage = next(iter(world.ir_tasks))
    for person in ("opdc", "admin", "central"):
        login(person)
        assert client.get(f"/instances/{a.instance_id}").status_code == 404, person
        assert client.get(f"/instances/{a.instance_id}/diagram.json").status_code == 404, person
        assert client.get(f"/tasks/{triage}").status_code == 404, person
        for view in ("available", "claimed", "completed", "started"):
            assert f'data-task-id="{triage}"' not in client.get(f"/tasks/?view={view}").get_data(as_text=True)
    login("hd_agent")
    assert client.get(f"/instances/{a.instance_id}").status_code == 200
    assert client.get(f"/instances/{a.instance_id}/diagram.json").status_code == 200
    login("hd_super")
    assert client.get(f"/tasks/{triage}").status_code == 200


def test_a_reporter_account_never_reaches_staff_pages_nor_takes_a_staff_role(client, login, world):
    login(REPORTER)
    for method, url in (("GET", "/welcome/token"), ("POST", "/welcome/token"), ("GET", "/tasks/"),
                        ("GET", f"/instances/{world.a.instance_id}"), ("GET", "/account/tokens"),
                        ("POST", "/account/tokens")):
        data = {"token": world.role_token, "name": "ของผู้แจ้ง"}
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        assert response.status_code == 302 and response.headers["Location"].endswith("/ir/mine"), (method, url)
    user = db.session.scalar(select(Ticket.reporter_user_id).where(Ticket.id == world.a.id))
    assert db.session.scalar(select(Membership).where(Membership.user_id == user)) is None
    assert db.session.scalar(select(RoleToken.state)) == "waiting"
    # The staff menu is nowhere, not even on an error page outside IR Online.
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and 'id="nav-inbox"' not in missing.get_data(as_text=True)
    assert 'id="nav-ir-mine"' in missing.get_data(as_text=True)
    # Nor does the service hand a reporter account the role, whoever calls it.
    with pytest.raises(role_tokens.TokenRefused) as refused:
        role_tokens.redeem(db.session.get(User, user), world.role_token)
    assert refused.value.code == "reporter"
    db.session.rollback()


def test_a_reporter_account_given_a_role_by_mistake_still_gets_no_staff_page(app, client, login, world, demo):
    vendor = db.session.scalar(select(Ticket).where(Ticket.id == world.a.id)).reporter_user
    accounts.grant(vendor, demo.agency("dopa").id, "central_officer")
    _row, plain = accounts.create_api_token(vendor, "ของผู้แจ้ง")
    db.session.commit()
    login(REPORTER)
    for url in ("/tasks/", "/manuals/", "/admin/users", "/welcome/token", f"/instances/{world.a.instance_id}"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/ir/mine"), url
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    assert client.get("/ir/mine").status_code == 200
    assert re.search(r'id="nav-inbox"', client.get("/ir/mine").get_data(as_text=True)) is None
