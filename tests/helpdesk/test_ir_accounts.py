"""IR Online reporter accounts: sign-up, the verification e-mail over real SMTP, sign-in only once verified."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import time_machine
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from app.accounts.models import AccountKind, User
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import AuditEvent
from app.helpdesk.models import ReporterProfile
from notifications.models import OutboxMessage
from tasks.jobs import send_outbox
from tests.helpers import run_twice_at_once, stamp, th

EMAIL = "somchai@vendor.example"
PASSWORD = "a-long-password"
LINK = re.compile(r"http://localhost(/ir/verify/[A-Za-z0-9_\-]+)")


def signup_data(**overrides) -> dict:
    return {"display_name": "สมชาย ใจดี", "email": EMAIL, "password": PASSWORD, "password_again": PASSWORD,
            "reporter_type": "vendor", "organisation": "บริษัท ตัวอย่าง จำกัด", "started": stamp(), "website": ""
            } | overrides


def reporter() -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == EMAIL))


def users_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def link_in_mail(smtp_server, index: int = -1) -> str:
    message = smtp_server.handler.messages()[index]
    found = LINK.search(message.get_content())
    assert found, message.get_content()
    return found.group(1)


NOT_VERIFIED = ("Your e-mail address is not verified yet. Open the link in the e-mail we sent you; if it has "
                "expired, ask IR Online for a new one.")


def test_sign_up_verify_over_smtp_then_sign_in(app, client, smtp):
    page = client.get("/ir/signup")
    assert page.status_code == 200 and 'name="started"' in page.get_data(as_text=True)

    response = client.post("/ir/signup", data=signup_data(email="  SomChai@Vendor.example "))
    assert response.status_code == 302 and response.headers["Location"].endswith("/ir/signup/sent")
    assert EMAIL in client.get("/ir/signup/sent").get_data(as_text=True)
    user = reporter()
    assert user.account_kind == AccountKind.reporter and user.email == EMAIL and not user.active
    assert user.email_verified_at is None and user.memberships == []
    profile = db.session.get(ReporterProfile, user.id)
    assert profile.reporter_type == "vendor" and profile.organisation == "บริษัท ตัวอย่าง จำกัด"
    assert profile.verify_expires_at - utcnow() > timedelta(hours=47, minutes=59)

    # Not yet: the right password gets a clear message; a wrong one the usual answer.
    refused = client.post("/login", data={"username": EMAIL, "password": PASSWORD})
    assert refused.status_code == 422 and th(NOT_VERIFIED) in refused.get_data(as_text=True)
    wrong = client.post("/login", data={"username": EMAIL, "password": "not-the-password"})
    assert wrong.status_code == 422 and th(NOT_VERIFIED) not in wrong.get_data(as_text=True)

    assert send_outbox(app)["sent"] == 1
    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == [EMAIL]
    [message] = smtp.handler.messages()
    with force_locale("th"):
        assert str(message["Subject"]) == gettext("Verify your e-mail address for IR Online")
    path = link_in_mail(smtp)
    token = path.rsplit("/", 1)[-1]
    assert token not in {profile.verify_token_hash}  # only its hash is kept

    opened = client.get(path)
    assert opened.status_code == 302 and "/login" in opened.headers["Location"]
    user = reporter()
    assert user.active and user.email_verified_at is not None
    assert db.session.get(ReporterProfile, user.id).verify_token_hash is None

    # The link works once.
    again = client.get(path)
    assert again.status_code == 404 and 'id="verify-invalid"' in again.get_data(as_text=True)

    # Signed in, a reporter lands in IR Online, never in the back office.
    response = client.post("/login", data={"username": EMAIL, "password": PASSWORD})
    assert response.status_code == 302
    followed = client.get(response.headers["Location"])
    assert followed.status_code == 302 and followed.headers["Location"].endswith("/ir/mine")
    for staff_page in ("/tasks/", "/manuals/", "/notifications/"):
        answer = client.get(staff_page)
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/ir/mine"), staff_page
    assert client.get("/ir/mine").status_code == 200


@pytest.mark.parametrize("overrides, field_message", [
    ({"password_again": "something-else"}, "The two passwords are not the same."),
    ({"email": "not-an-address"}, "Enter a valid e-mail address."),
    ({"password": "short", "password_again": "short"}, "The password must have at least %(min)d characters."),
    ({"reporter_type": ""}, "Choose who you are reporting as."),
    ({"display_name": ""}, "Enter your name."),
])
def test_bad_sign_up_saves_nothing_and_says_why(app, client, overrides, field_message):
    response = client.post("/ir/signup", data=signup_data(**overrides))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    expected = th(field_message, min=10) if "%(min)d" in field_message else th(field_message)
    assert expected in text
    assert users_count() == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize("overrides, reason", [
    ({"started": None}, "too_fast"),  # filled in below: shown a second ago
    ({"started": "tampered"}, "stale"),
    ({"website": "http://spam.example"}, "honeypot"),
])
def test_spam_traps_refuse_the_sign_up(app, client, overrides, reason):
    from forms.ir_online import SPAM_MESSAGES

    if overrides.get("started", "") is None:
        overrides = {"started": stamp(seconds_ago=1)}
    response = client.post("/ir/signup", data=signup_data(**overrides))
    assert response.status_code == 422
    with force_locale("th"):
        assert str(SPAM_MESSAGES[reason]) in response.get_data(as_text=True)
    assert users_count() == 0


def test_an_expired_link_is_refused_and_a_new_one_works(app, client, smtp):
    client.post("/ir/signup", data=signup_data())
    send_outbox(app)
    old = link_in_mail(smtp)
    with time_machine.travel(utcnow() + timedelta(hours=48, minutes=1), tick=False):
        expired = client.get(old)
        assert expired.status_code == 410 and 'id="verify-expired"' in expired.get_data(as_text=True)
        assert not reporter().active

        response = client.post("/ir/verify/resend", data={"email": EMAIL, "started": stamp(), "website": ""})
        assert response.status_code == 302
        send_outbox(app)
    assert len(smtp.envelopes) == 2
    new = link_in_mail(smtp)
    assert new != old
    assert client.get(old).status_code == 404  # replaced by the new one
    assert client.get(new).status_code == 302
    assert reporter().active


def test_resend_is_paused_and_tells_nobody_about_other_addresses(app, client, smtp, demo):
    send_outbox(app)  # the demo's own mail
    before = len(smtp.envelopes)
    client.post("/ir/signup", data=signup_data())
    # A second request right away sends nothing more; the first link is on its way.
    client.post("/ir/verify/resend", data={"email": EMAIL, "started": stamp(), "website": ""})
    # Addresses without a waiting reporter account get the same answer and no e-mail.
    for address in ("nobody@example.com", demo.user("author").email):
        response = client.post("/ir/verify/resend", data={"email": address, "started": stamp(), "website": ""})
        assert response.status_code == 302 and response.headers["Location"].endswith("/ir/signup/sent")
    send_outbox(app)
    assert [e.rcpt_tos for e in smtp.envelopes[before:]] == [[EMAIL]]


def test_signing_up_twice_makes_one_account_and_says_nothing_on_screen(app, client, smtp):
    first = client.post("/ir/signup", data=signup_data())
    send_outbox(app)
    client.get(link_in_mail(smtp))
    second = client.post("/ir/signup", data=signup_data(display_name="คนอื่น", password="another-password",
                                                        password_again="another-password"))
    assert second.status_code == first.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == EMAIL)) == 1
    assert reporter().display_name == "สมชาย ใจดี"
    send_outbox(app)
    [_verify, note] = smtp.handler.messages()
    with force_locale("th"):
        assert str(note["Subject"]) == gettext("You already have an account")
    assert "/login" in note.get_content() and "/ir/verify/" not in note.get_content()


def test_two_clicks_at_once_verify_once(app, client, smtp):
    client.post("/ir/signup", data=signup_data())
    send_outbox(app)
    path = link_in_mail(smtp)
    db.session.remove()
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def worker():
        browser = app.test_client()
        with app.app_context():
            barrier.wait()
            statuses.append(browser.get(path).status_code)
            db.session.remove()

    run_twice_at_once(worker)
    assert sorted(statuses) in ([302, 302], [302, 404])
    user = reporter()
    assert user.active and user.email_verified_at is not None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "reporter.verified", AuditEvent.object_id == user.id)) == 1


def test_sign_up_is_rate_limited(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_IR_SIGNUP", "2 per hour")
    for number in range(2):
        response = client.post("/ir/signup", data=signup_data(email=f"person{number}@example.com"))
        assert response.status_code == 302
    refused = client.post("/ir/signup", data=signup_data(email="third@example.com"))
    assert refused.status_code == 429
    assert th("Too many attempts from your connection. Nothing was saved; please wait and try again later.") \
        in refused.get_data(as_text=True)
    assert users_count() == 2
    assert client.get("/ir/signup").status_code == 200  # reading the form is not counted


def test_reporters_sign_in_at_ir_online_even_where_staff_use_digital_id_only(app, client, demo, smtp):
    client.post("/ir/signup", data=signup_data())
    send_outbox(app)
    app.config["PASSWORD_LOGIN_ENABLED"] = False
    try:
        sign_in = {"email": EMAIL, "password": PASSWORD}
        early = client.post("/ir/login", data=sign_in)
        assert early.status_code == 422 and th(NOT_VERIFIED) in early.get_data(as_text=True)
        client.get(link_in_mail(smtp))
        assert client.post("/login", data={"username": EMAIL, "password": PASSWORD}).status_code == 403
        wrong = client.post("/ir/login", data=sign_in | {"password": "not-the-password"})
        assert wrong.status_code == 422 and th("The e-mail address or password is not correct.") in wrong.get_data(
            as_text=True)
        # A staff account does not sign in here, whatever its password.
        staff = client.post("/ir/login", data={"email": "author@demo.ratchaflow.local", "password": demo.password})
        assert staff.status_code == 422
        done = client.post("/ir/login?next=/ir/profile", data=sign_in)
        assert done.status_code == 302 and done.headers["Location"].endswith("/ir/profile")
        assert client.get("/ir/mine").status_code == 200
        client.post("/logout")
        offsite = client.post("/ir/login?next=//elsewhere.example/", data=sign_in)
        assert offsite.headers["Location"].endswith("/ir/mine")
    finally:
        app.config["PASSWORD_LOGIN_ENABLED"] = True
