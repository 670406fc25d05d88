"""Sessions end on the server: signing out, a removed role; HTTPS cookies and HSTS; pages kept out of caches; and
``next`` that never leads off the site."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import Membership
from app.accounts.services import accounts
from app.core.extensions import db
from tests.helpdesk.test_ir_reports import verified_reporter
from tests.helpers import manual_titled, open_task


def saved_cookie(client) -> str:
    return client.get_cookie("session").value


def put_back(client, value: str) -> None:
    client.set_cookie("session", value)


def opens_tasks(client) -> bool:
    response = client.get("/tasks/")
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


# --- signing out ends the session on the server ------------------------------------------------------------------


def test_a_cookie_saved_before_sign_out_no_longer_opens_tasks(app, client, login, demo):
    login("reviewer")
    assert opens_tasks(client)
    kept = saved_cookie(client)  # what someone copied from the browser, or a proxy logged
    assert client.post("/logout").status_code == 302
    put_back(client, kept)
    assert not opens_tasks(client)
    assert client.get("/account/tokens").status_code == 302
    # Signing in again works, and that new session is unaffected by the old one.
    login("reviewer")
    assert opens_tasks(client)


def test_signing_out_ends_the_persons_sessions_on_every_device(app, client, login, demo):
    other_device = app.test_client()
    other_device.post("/login", data={"username": "reviewer", "password": demo.password})
    login("reviewer")
    assert opens_tasks(other_device)
    client.post("/logout")
    assert not opens_tasks(other_device)


def test_a_session_written_without_its_generation_is_signed_out(app, client, login, demo):
    login("reviewer")
    with client.session_transaction() as session:
        session["_user_id"] = str(demo.user("reviewer").id)  # as sessions were written before generations
    assert not opens_tasks(client)


def test_removing_a_role_signs_the_person_out_everywhere(app, client, login, demo):
    reviewer, dopa = demo.user("reviewer"), demo.agency("dopa")
    extra = accounts.grant(reviewer, dopa.id, "manual_author")  # still a member after the removal
    db.session.commit()
    reviewers_browser = app.test_client()
    reviewers_browser.post("/login", data={"username": "reviewer", "password": demo.password})
    assert opens_tasks(reviewers_browser)
    login("central")
    assert client.post(f"/admin/users/{reviewer.id}/memberships/{extra.id}/remove").status_code == 302
    db.session.expire_all()
    assert not db.session.get(Membership, extra.id).active
    assert not opens_tasks(reviewers_browser)
    assert opens_tasks(client)  # the officer who removed it stays signed in
    # The reviewer signs in again to what they may still do.
    reviewers_browser.post("/login", data={"username": "reviewer", "password": demo.password})
    assert opens_tasks(reviewers_browser)


def test_an_officer_removing_their_own_membership_stays_signed_in(app, client, login, demo):
    central = demo.user("central")
    accounts.grant(central, demo.agency("bora").id, "central_officer")
    db.session.commit()
    own = db.session.scalar(select(Membership).where(Membership.user_id == central.id,
                                                     Membership.agency_id == demo.agency("dopa").id))
    login("central")
    assert client.post(f"/admin/users/{central.id}/memberships/{own.id}/remove").status_code == 302
    db.session.expire_all()
    assert not db.session.get(Membership, own.id).active
    assert opens_tasks(client)


# --- HTTPS: secure cookies and HSTS ------------------------------------------------------------------------------


def _sign_in_on(other_app, demo, base_url: str):
    browser = other_app.test_client()
    response = browser.post("/login", data={"username": "reviewer", "password": demo.password}, base_url=base_url)
    assert response.status_code == 302
    return browser, response


def test_an_https_base_url_turns_on_secure_cookies_and_hsts(app, demo, another_app):
    secure = another_app(BASE_URL="https://ratchaflow.example")
    browser, response = _sign_in_on(secure, demo, "https://ratchaflow.example")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "; Secure" in cookie and "HttpOnly" in cookie
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    page = browser.get("/tasks/", base_url="https://ratchaflow.example")
    assert page.status_code == 200 and page.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_plain_http_sends_no_hsts_and_settings_can_override_the_https_defaults(app, client, login, demo,
                                                                                 another_app):
    login("reviewer")
    response = client.get("/tasks/")
    assert "Strict-Transport-Security" not in response.headers
    _browser, signed_in = _sign_in_on(app, demo, "http://localhost")
    assert "Secure" not in signed_in.headers["Set-Cookie"]

    overridden = another_app(BASE_URL="https://ratchaflow.example", SESSION_COOKIE_SECURE=False,
                             STRICT_TRANSPORT_SECURITY="off")
    _browser, response = _sign_in_on(overridden, demo, "https://ratchaflow.example")
    assert "Secure" not in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in response.headers


# --- pages kept out of caches ------------------------------------------------------------------------------------


def test_pages_of_a_signed_in_person_are_not_stored(app, client, login, demo):
    login("reviewer")
    task = open_task(manual_titled("การแจ้งย้ายที่อยู่"))
    for url in ("/tasks/", f"/tasks/{task.id}", "/account/tokens", "/notifications/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_public_pages_stay_cacheable_and_private_ones_opened_by_a_code_are_not(app, client, demo):
    home = client.get("/")
    assert home.status_code == 200 and "no-store" not in home.headers.get("Cache-Control", "")
    static = client.get("/static/css/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
    static.close()
    for url in ("/status?ref=DL-0000&code=WRONG", "/ir/follow/IR0000001-guess", "/ir/"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url


# --- "next" stays on the site ------------------------------------------------------------------------------------

HOSTILE = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "/\t/evil.example/", "\\\\evil.example",
           "/tasks/\r\nSet-Cookie: x=1", "javascript:alert(1)", " //evil.example", "http:/evil.example"]


def _stays_here(response, expected_path: str, *, beneath: bool = False) -> None:
    """Sent to ``expected_path`` (or, with ``beneath``, a path under it), never off the site nor with a header."""
    assert response.status_code in (302, 303)
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "evil" not in location and "\n" not in location and "\r" not in location
    path = location.split("?")[0]
    assert path.startswith(expected_path) if beneath else path == expected_path, location


@pytest.mark.parametrize("target", HOSTILE)
def test_revoking_a_token_never_redirects_off_the_site(client, login, demo, target):
    login("reviewer")
    row, _plain = accounts.create_api_token(demo.user("reviewer"), "ทดสอบ")
    db.session.commit()
    response = client.post(f"/account/tokens/{row.id}/revoke", data={"next": target})
    _stays_here(response, "/account/tokens")
    db.session.expire_all()
    assert row.revoked_at is not None


def test_every_next_goes_through_one_check(client, login, demo):
    login("reviewer")
    task = open_task(manual_titled("การแจ้งย้ายที่อยู่"))
    for target in HOSTILE:
        _stays_here(client.post(f"/tasks/{task.id}/claim", data={"next": target}), f"/tasks/{task.id}")
        _stays_here(client.post(f"/tasks/{task.id}/unclaim", data={"next": target}), f"/tasks/{task.id}")
        _stays_here(client.post("/notifications/read", data={"next": target}), "/notifications/")
        # A query string loses its control characters before any view reads it: "/tasks/\r\nSet-Cookie: x=1"
        # arrives as a harmless path under /tasks/.
        _stays_here(client.get("/lang/th", query_string={"next": target}), "/tasks/", beneath=True)
    # A path on the site is kept, with its query.
    kept = client.post(f"/tasks/{task.id}/claim", data={"next": "/tasks/?view=claimed"})
    assert kept.headers["Location"] == "/tasks/?view=claimed"
    client.post("/logout")
    verified_reporter()
    for target in HOSTILE:
        _stays_here(client.post("/login", query_string={"next": target},
                                data={"username": "reviewer", "password": demo.password}), "/tasks/", beneath=True)
        client.post("/logout")
        _stays_here(client.post("/ir/login", query_string={"next": target},
                                data={"email": "reporter@vendor.example", "password": "a-long-password"}), "/ir/mine",
                   beneath=True)
        client.post("/logout")


def test_a_password_hashed_with_older_parameters_still_signs_in_and_is_hashed_again(client, login, demo):
    """Werkzeug's default scrypt (N=2^15) made the hashes of earlier versions: they keep working, and the first
    sign-in stores the hash with today's parameters, the wrong password changing nothing."""
    from werkzeug.security import generate_password_hash


    author = demo.user("author")
    author.password_hash = generate_password_hash(demo.password, method="scrypt:32768:8:1")
    db.session.commit()
    assert client.post("/login", data={"username": "author", "password": "wrong"}).status_code == 422
    db.session.expire_all()
    assert demo.user("author").password_hash.startswith("scrypt:32768:8:1$")
    login("author")
    db.session.expire_all()
    assert demo.user("author").password_hash.startswith(accounts.password_method() + "$")
    login("author")  # and the new hash signs in
