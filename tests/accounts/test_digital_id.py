"""Digital ID sign-in: the real OpenID Connect flow against the test provider (tests/oidc_provider.py).

The Flask test client plays the browser on the app's side; the provider's sign-in page is filled in over
real HTTP, and the app exchanges the code at the provider's token endpoint over real HTTP too.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.org.models import Agency
from tests.oidc_provider import OidcProvider, app_path, sign_in_at_provider, sign_in_with_digital_id

BUTTON = "เข้าสู่ระบบด้วย Digital ID"


def _person(provider, **overrides):
    """A person registered at the provider, unique to this test (the provider lives for the whole run)."""
    tag = secrets.token_hex(4)
    data = {"sub": f"sub-{tag}", "given_name": "สมชาย", "family_name": "ใจดี", "email": f"somchai.{tag}@example.go.th",
            "citizen_id": "1103700012345"}
    data.update(overrides)
    username = f"person-{tag}"
    provider.add_person(username, "provider-pass", **data)
    return username, data


def _users() -> list[User]:
    db.session.expire_all()
    return list(db.session.scalars(select(User).where(User.oidc_subject.is_not(None))))


def _signed_in_user_id(client) -> str | None:
    with client.session_transaction() as session:
        signed_in = session.get("_user_id")  # "<user id>:<session generation>"
        return signed_in.partition(":")[0] if signed_in else None


def _login_page_text(client) -> str:
    return client.get("/login").get_data(as_text=True)


def test_first_sign_in_creates_the_user_and_asks_for_a_token(app, client, digital_id, oidc_provider):
    page = _login_page_text(client)
    assert BUTTON in page
    username, person = _person(oidc_provider)

    start = client.get("/login/digital-id")
    assert start.status_code == 302
    authorize = urlsplit(start.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    assert start.headers["Location"].startswith(oidc_provider.issuer + "/authorize?")
    assert query["response_type"] == "code" and query["client_id"] == digital_id.client_id
    assert set(query["scope"].split()) == {"openid", "profile", "email"}
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["state"] and query["nonce"]
    assert query["redirect_uri"] == "http://localhost/login/digital-id/callback"

    back = sign_in_at_provider(start.headers["Location"], username, "provider-pass")
    answer = client.get(app_path(back))

    assert answer.status_code == 302
    assert urlsplit(answer.headers["Location"]).path == "/welcome/token"
    users = _users()
    assert len(users) == 1
    user = users[0]
    assert user.oidc_issuer == oidc_provider.issuer and user.oidc_subject == person["sub"]
    assert user.display_name == "สมชาย ใจดี" and user.email == person["email"]
    assert re.fullmatch(r"did-[0-9a-f]{10}", user.username)
    assert user.password_hash is None and user.last_login_at is not None
    assert _signed_in_user_id(client) == str(user.id)
    # The code went back over HTTP with the PKCE verifier that matches the challenge.
    token_request = oidc_provider.token_requests[-1]
    assert token_request["grant_type"] == "authorization_code" and token_request["code_verifier"]
    # The citizen ID came in the ID token but is kept nowhere.
    row = db.session.execute(select(User.__table__).where(User.id == user.id)).one()
    assert person["citizen_id"] not in repr(tuple(row))
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "user",
                                                        AuditEvent.object_id == user.id)).all()
    assert [event.action for event in audit] == ["user.created_by_digital_id"]
    assert person["citizen_id"] not in repr([(e.before, e.after, e.comment) for e in audit])


def test_a_second_sign_in_finds_the_same_user_and_updates_the_name(app, client, digital_id, oidc_provider):
    username, person = _person(oidc_provider)
    sign_in_with_digital_id(client, username, "provider-pass")
    client.post("/logout")
    (first,) = _users()

    oidc_provider.add_person(username, "provider-pass", sub=person["sub"], given_name="สมชาย", family_name="ใจงาม",
                             email="new." + person["email"])
    answer = sign_in_with_digital_id(client, username, "provider-pass")

    assert answer.status_code == 302
    (again,) = _users()
    assert again.id == first.id and again.username == first.username
    assert again.display_name == "สมชาย ใจงาม" and again.email == "new." + person["email"]
    assert _signed_in_user_id(client) == str(first.id)
    updated = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.updated_by_digital_id"))
    assert updated.before["display_name"] == "สมชาย ใจดี" and updated.after["display_name"] == "สมชาย ใจงาม"


def test_name_falls_back_to_name_then_email(app, client, digital_id, oidc_provider):
    username, _ = _person(oidc_provider, given_name=None, family_name=None, name="Napat K.")
    sign_in_with_digital_id(client, username, "provider-pass")
    client.post("/logout")
    username2, person2 = _person(oidc_provider, given_name=None, family_name=None)
    sign_in_with_digital_id(client, username2, "provider-pass")
    names = sorted(user.display_name for user in _users())
    assert names == sorted(["Napat K.", person2["email"]])


def test_a_person_with_a_membership_lands_in_the_inbox(app, client, demo, digital_id, oidc_provider):
    from app.accounts.services import accounts

    username, _ = _person(oidc_provider)
    sign_in_with_digital_id(client, username, "provider-pass")
    client.post("/logout")
    (user,) = _users()
    agency = db.session.scalar(select(Agency).where(Agency.kind == "department").order_by(Agency.id))
    accounts.grant(user, agency.id, "manual_author")
    db.session.commit()

    answer = sign_in_with_digital_id(client, username, "provider-pass")
    assert answer.status_code == 302 and urlsplit(answer.headers["Location"]).path == "/tasks/"
    assert client.get("/tasks/").status_code == 200

    # A safe "next" is honoured; one pointing elsewhere is not.
    client.post("/logout")
    answer = sign_in_with_digital_id(client, username, "provider-pass", next_path="/tasks/?page=1")
    assert answer.headers["Location"].endswith("/tasks/?page=1")
    client.post("/logout")
    answer = sign_in_with_digital_id(client, username, "provider-pass", next_path="//evil.example/x")
    assert urlsplit(answer.headers["Location"]).path == "/tasks/"
    assert "evil" not in answer.headers["Location"]
    assert len(_users()) == 1


def test_cancelling_at_the_provider_creates_nothing(app, client, digital_id, oidc_provider):
    _person(oidc_provider)
    answer = sign_in_with_digital_id(client, None, cancel=True)
    assert answer.status_code == 302 and urlsplit(answer.headers["Location"]).path == "/login"
    assert "คุณยกเลิกการเข้าสู่ระบบด้วย Digital ID" in _login_page_text(client)
    assert _users() == [] and _signed_in_user_id(client) is None

    # The provider's "?deny" link answers the same way.
    start = client.get("/login/digital-id")
    denied = requests.get(start.headers["Location"] + "&deny=1", timeout=10, allow_redirects=False)
    assert parse_qs(urlsplit(denied.headers["Location"]).query)["error"] == ["access_denied"]
    answer = client.get(app_path(denied.headers["Location"]))
    assert urlsplit(answer.headers["Location"]).path == "/login"
    assert _users() == []


def test_a_tampered_or_missing_state_is_refused(app, client, digital_id, oidc_provider):
    username, _ = _person(oidc_provider)
    start = client.get("/login/digital-id")
    back = sign_in_at_provider(start.headers["Location"], username, "provider-pass")
    tampered = re.sub(r"state=[^&]+", "state=forged-state", back)
    answer = client.get(app_path(tampered))
    assert answer.status_code == 302 and urlsplit(answer.headers["Location"]).path == "/login"
    assert "ลิงก์เข้าสู่ระบบนี้หมดอายุ" in _login_page_text(client)
    assert _users() == []
    # The genuine answer cannot be used afterwards either: the attempt was spent.
    answer = client.get(app_path(back))
    assert urlsplit(answer.headers["Location"]).path == "/login"
    assert _users() == []

    # A callback in a browser that never started signing in (another person's link) is refused too.
    start = client.get("/login/digital-id")
    back = sign_in_at_provider(start.headers["Location"], username, "provider-pass")
    stranger = app.test_client()
    answer = stranger.get(app_path(back))
    assert urlsplit(answer.headers["Location"]).path == "/login"
    assert _users() == []


def test_pkce_is_required_and_checked(app, client, digital_id, oidc_provider):
    username, _ = _person(oidc_provider)
    start = client.get("/login/digital-id")
    authorize_url = start.headers["Location"]

    # A client that leaves PKCE out is turned away by the provider.
    without_pkce = re.sub(r"&?code_challenge(_method)?=[^&]+", "", authorize_url)
    refused = requests.get(without_pkce, timeout=10, allow_redirects=False)
    assert refused.status_code == 302
    error = parse_qs(urlsplit(refused.headers["Location"]).query)
    assert error["error"] == ["invalid_request"] and "code_challenge" in error["error_description"][0]

    # The verifier the app sends must match its challenge: a wrong one gets no token, and nobody is signed in.
    back = sign_in_at_provider(authorize_url, username, "provider-pass")
    with client.session_transaction() as session:
        flow = session["digital_id_flow"]
        flow["code_verifier"] = secrets.token_urlsafe(48)
        session["digital_id_flow"] = flow
    answer = client.get(app_path(back))
    assert urlsplit(answer.headers["Location"]).path == "/login"
    assert "Digital ID ไม่ได้ยืนยันการเข้าสู่ระบบ" in _login_page_text(client)
    assert _users() == [] and _signed_in_user_id(client) is None


def test_a_forged_id_token_is_refused(app, client, digital_id, oidc_provider):
    username, _ = _person(oidc_provider)
    oidc_provider.sign_with_foreign_key = True
    try:
        answer = sign_in_with_digital_id(client, username, "provider-pass")
    finally:
        oidc_provider.sign_with_foreign_key = False
    assert urlsplit(answer.headers["Location"]).path == "/login"
    assert "ตรวจสอบข้อมูลที่ได้รับจาก Digital ID ไม่ผ่าน" in _login_page_text(client)
    assert _users() == [] and _signed_in_user_id(client) is None


@pytest.mark.parametrize("misbehaviour", [{"audience_override": "another-app"}, {"id_token_lifetime": -600}],
                         ids=["another-audience", "expired"])
def test_an_id_token_for_someone_else_or_expired_is_refused(app, client, digital_id, oidc_provider, misbehaviour):
    username, _ = _person(oidc_provider)
    saved = {key: getattr(oidc_provider, key) for key in misbehaviour}
    for key, value in misbehaviour.items():
        setattr(oidc_provider, key, value)
    try:
        answer = sign_in_with_digital_id(client, username, "provider-pass")
    finally:
        for key, value in saved.items():
            setattr(oidc_provider, key, value)
    assert urlsplit(answer.headers["Location"]).path == "/login"
    assert "ตรวจสอบข้อมูลที่ได้รับจาก Digital ID ไม่ผ่าน" in _login_page_text(client)
    assert _users() == [] and _signed_in_user_id(client) is None


def test_a_code_issued_to_another_client_is_refused(app, client, digital_id, oidc_provider):
    username, _ = _person(oidc_provider)
    oidc_provider.register_client("other-app", "other-secret", digital_id.redirect_uris)
    start = client.get("/login/digital-id")
    back = sign_in_at_provider(start.headers["Location"], username, "provider-pass")
    app.config.update(OIDC_CLIENT_ID="other-app", OIDC_CLIENT_SECRET="other-secret")
    answer = client.get(app_path(back))  # the code was issued to ratchaflow-test: the provider refuses it
    assert urlsplit(answer.headers["Location"]).path == "/login"
    assert _users() == []


def test_provider_down_gives_a_clear_message(app, client, digital_id):
    down = OidcProvider.start()
    issuer = down.issuer
    down.stop()
    app.config["OIDC_ISSUER"] = issuer
    answer = client.get("/login/digital-id")
    assert answer.status_code == 302 and urlsplit(answer.headers["Location"]).path == "/login"
    assert "ขณะนี้ติดต่อ Digital ID ไม่ได้" in _login_page_text(client)


def test_provider_going_down_before_the_code_exchange(app, client, digital_id):
    short_lived = OidcProvider.start()
    try:
        short_lived.add_person("somsri", "pw", sub="sub-somsri", given_name="สมศรี", family_name="มีสุข")
        short_lived.register_client(digital_id.client_id, digital_id.client_secret, digital_id.redirect_uris)
        app.config["OIDC_ISSUER"] = short_lived.issuer
        start = client.get("/login/digital-id")
        back = sign_in_at_provider(start.headers["Location"], "somsri", "pw")
    finally:
        short_lived.stop()
    answer = client.get(app_path(back))
    assert answer.status_code == 302 and urlsplit(answer.headers["Location"]).path == "/login"
    assert "ขณะนี้ติดต่อ Digital ID ไม่ได้" in _login_page_text(client)
    assert _users() == []


def test_password_login_can_be_switched_off(app, client, demo, digital_id):
    app.config["PASSWORD_LOGIN_ENABLED"] = False
    page = _login_page_text(client)
    assert BUTTON in page
    assert 'name="password"' not in page and 'id="password-sign-in"' not in page
    refused = client.post("/login", data={"username": "author", "password": demo.password})
    assert refused.status_code == 403
    assert _signed_in_user_id(client) is None

    app.config["PASSWORD_LOGIN_ENABLED"] = True
    page = _login_page_text(client)
    assert 'name="password"' in page and BUTTON in page


def test_digital_id_unconfigured_means_no_button_and_no_route(app, client, demo):
    assert not app.config.get("OIDC_ISSUER")
    page = _login_page_text(client)
    assert BUTTON not in page and 'name="password"' in page
    assert client.get("/login/digital-id").status_code == 404
    assert client.get("/login/digital-id/callback?code=x&state=y").status_code == 404
    assert client.post("/login", data={"username": "author", "password": demo.password}).status_code == 302


def test_digital_id_can_be_switched_off_while_configured(app, client, digital_id):
    app.config["DIGITAL_ID_ENABLED"] = False
    assert BUTTON not in _login_page_text(client)
    assert client.get("/login/digital-id").status_code == 404


def test_the_callback_is_rate_limited(app, client, digital_id):
    from app.core.extensions import limiter

    limiter.reset()
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    try:
        codes = [client.get("/login/digital-id/callback?code=x&state=y").status_code for _ in range(4)]
    finally:
        app.config["RATELIMIT_LOGIN"] = "100000 per minute"
        limiter.reset()
    assert codes == [302, 302, 302, 429], codes


@pytest.mark.parametrize("claims", [{"given_name": "สมหญิง", "family_name": None}])
def test_given_name_alone_is_a_name(app, client, digital_id, oidc_provider, claims):
    username, _ = _person(oidc_provider, **claims)
    sign_in_with_digital_id(client, username, "provider-pass")
    assert [user.display_name for user in _users()] == ["สมหญิง"]
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_an_id_token_with_another_nonce_is_refused(app, client, digital_id, oidc_provider):
    username, _ = _person(oidc_provider)
    start = client.get("/login/digital-id")
    back = sign_in_at_provider(start.headers["Location"], username, "provider-pass")
    with client.session_transaction() as session:
        flow = session["digital_id_flow"]
        flow["nonce"] = "not-the-nonce-sent"
        session["digital_id_flow"] = flow
    answer = client.get(app_path(back))
    assert urlsplit(answer.headers["Location"]).path == "/login"
    assert "ตรวจสอบข้อมูลที่ได้รับจาก Digital ID ไม่ผ่าน" in _login_page_text(client)
    assert _users() == []

# --------------------------------------------------------------------------- in a real browser

try:  # the browser fixtures live with the other journeys; without Playwright only this test is skipped
    from tests.test_browser import chromium_page, live_server, sqlite_only  # noqa: F401
    from tests.test_browser import expect as browser_expect
except pytest.skip.Exception:  # pragma: no cover - Playwright not installed
    browser_expect = None


@pytest.mark.skipif(browser_expect is None, reason="Playwright for Python is not installed")
def test_digital_id_sign_in_in_the_browser(digital_id, oidc_provider, live_server, chromium_page):
    page = chromium_page
    digital_id.allow_base_url(live_server)  # the callback is on the live server's port
    username, person = _person(oidc_provider, given_name="วิภา", family_name="รักงาน")

    page.goto("/login")
    page.click("#digital-id-sign-in")
    browser_expect(page).to_have_url(re.compile(re.escape(oidc_provider.issuer) + r"/authorize\?"))
    page.fill("#username", username)
    page.fill("#password", "wrong")
    page.click("button[name=signin]")
    browser_expect(page.locator("#error")).to_be_visible()
    page.fill("#username", username)
    page.fill("#password", "provider-pass")
    page.click("button[name=signin]")

    browser_expect(page).to_have_url(re.compile(re.escape(live_server) + r"/welcome/token$"))
    db.session.remove()
    (user,) = _users()
    assert user.display_name == "วิภา รักงาน" and user.oidc_subject == person["sub"]

    # Signing out and cancelling at the provider brings the person back to the sign-in page with the reason.
    page.context.clear_cookies()
    page.goto("/login")
    page.click("#digital-id-sign-in")
    page.click("button[name=cancel]")
    browser_expect(page).to_have_url(re.compile(re.escape(live_server) + r"/login$"))
    browser_expect(page.locator("main")).to_contain_text("คุณยกเลิกการเข้าสู่ระบบด้วย Digital ID")
