"""IR Online reporters: a forgotten password over real SMTP, and the profile with a new e-mail address."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import time_machine
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.extensions import db, limiter
from app.core.types import utcnow
from app.core.workflow import AuditEvent
from app.helpdesk.models import ReporterLink, ReporterProfile
from forms.ir_online import SPAM_MESSAGES
from notifications.models import OutboxMessage
from tasks.jobs import send_outbox
from tests.helpers import run_twice_at_once, stamp, th

EMAIL = "somchai@vendor.example"
NEW_EMAIL = "somchai.new@vendor.example"
PASSWORD = "a-long-password"
NEW_PASSWORD = "another-long-password"
VERIFY_LINK = re.compile(r"http://localhost(/ir/verify/[A-Za-z0-9_\-]+)")
RESET_LINK = re.compile(r"http://localhost(/ir/password/reset/[A-Za-z0-9_\-]+)")
EMAIL_LINK = re.compile(r"http://localhost(/ir/profile/email/[A-Za-z0-9_\-]+)")


def user_with(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == email))


def audits(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def mailed_link(smtp_server, pattern, to: str) -> str:
    """The link in the newest mail sent to ``to``."""
    for envelope, message in zip(reversed(smtp_server.envelopes), reversed(smtp_server.handler.messages()),
                                 strict=True):
        if envelope.rcpt_tos == [to] and (found := pattern.search(message.get_content())):
            return found.group(1)
    raise AssertionError(f"no link mailed to {to}")


def verified_reporter(app, client, smtp) -> User:
    """A reporter signed up and verified the way a person does it, over HTTP and SMTP."""
    response = client.post("/ir/signup", data={
        "display_name": "สมชาย ใจดี", "email": EMAIL, "password": PASSWORD, "password_again": PASSWORD,
        "reporter_type": "vendor", "organisation": "บริษัท ตัวอย่าง จำกัด", "started": stamp(), "website": ""})
    assert response.status_code == 302
    send_outbox(app)
    assert client.get(mailed_link(smtp, VERIFY_LINK, EMAIL)).status_code == 302
    return user_with(EMAIL)


def forgot(client, email: str = EMAIL, **overrides):
    return client.post("/ir/password/forgot", data={"email": email, "started": stamp(), "website": ""} | overrides)


def sign_in(client, username: str, password: str):
    client.post("/logout", data={})
    return client.post("/login", data={"username": username, "password": password})


def test_reset_journey_over_smtp(app, client, smtp):
    verified_reporter(app, client, smtp)
    assert 'href="/ir/password/forgot"' in client.get("/login").get_data(as_text=True)
    page = client.get("/ir/password/forgot")
    assert page.status_code == 200 and 'name="started"' in page.get_data(as_text=True)

    response = forgot(client, email="  SomChai@Vendor.example ")
    assert response.status_code == 302 and response.headers["Location"].endswith("/ir/password/forgot/sent")
    assert EMAIL in client.get("/ir/password/forgot/sent").get_data(as_text=True)
    link = db.session.scalar(select(ReporterLink))
    assert link.expires_at - utcnow() > timedelta(hours=1, minutes=59)
    assert link.expires_at - utcnow() <= timedelta(hours=2)

    assert send_outbox(app)["sent"] == 1
    assert smtp.envelopes[-1].rcpt_tos == [EMAIL]
    with force_locale("th"):
        assert str(smtp.handler.messages()[-1]["Subject"]) == gettext("Reset your IR Online password")
    path = mailed_link(smtp, RESET_LINK, EMAIL)
    token = path.rsplit("/", 1)[-1]
    assert link.token_hash != token and token not in link.token_hash  # only its hash is kept

    form = client.get(path)
    assert form.status_code == 200 and 'id="reset-form"' in form.get_data(as_text=True)
    for data, message in (({"password": NEW_PASSWORD, "password_again": "something-else"},
                           th("The two passwords are not the same.")),
                          ({"password": "short", "password_again": "short"},
                           th("The password must have at least %(min)d characters.", min=10))):
        refused = client.post(path, data=data)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)

    done = client.post(path, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 302 and "/login" in done.headers["Location"]
    login_page = client.get(done.headers["Location"])
    assert th("Your new password is saved. Sign in with it.") in login_page.get_data(as_text=True)
    assert audits("reporter.password_reset") == 1

    assert sign_in(client, EMAIL, PASSWORD).status_code == 422
    signed_in = sign_in(client, EMAIL, NEW_PASSWORD)
    assert signed_in.status_code == 302 and client.get("/ir/mine").status_code == 200

    # The person is told of the change at the account's address.
    send_outbox(app)
    with force_locale("th"):
        assert str(smtp.handler.messages()[-1]["Subject"]) == gettext("Your IR Online password was changed")
    assert smtp.envelopes[-1].rcpt_tos == [EMAIL]

    used = client.get(path)
    assert used.status_code == 410 and 'id="link-used"' in used.get_data(as_text=True)


def test_unknown_staff_and_reporter_addresses_answer_the_same(app, client, smtp, demo):
    verified_reporter(app, client, smtp)
    send_outbox(app)
    before, queued = len(smtp.envelopes), outbox_count()
    staff = demo.user("author").email
    assert staff
    answers = []
    for address in ("nobody@example.com", staff, EMAIL):
        browser = app.test_client()  # each a stranger's, with nothing left over from the sign-up
        response = forgot(browser, email=address)
        page = browser.get(response.headers["Location"]).get_data(as_text=True)
        answers.append((response.status_code, response.headers["Location"], page.replace(address, "ADDRESS")))
    assert answers[0] == answers[1] == answers[2]
    assert outbox_count() == queued + 1  # the reporter's link, nothing for the others
    send_outbox(app)
    assert [e.rcpt_tos for e in smtp.envelopes[before:]] == [[EMAIL]]
    assert db.session.scalar(select(func.count()).select_from(ReporterLink)) == 1


def test_expired_used_replaced_and_wrong_links_are_refused_with_their_own_messages(app, client, smtp):
    verified_reporter(app, client, smtp)
    good = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    forgot(client)
    send_outbox(app)
    first = mailed_link(smtp, RESET_LINK, EMAIL)

    with time_machine.travel(utcnow() + timedelta(hours=2, minutes=1), tick=False):
        for answer in (client.get(first), client.post(first, data=good)):
            assert answer.status_code == 410
            assert 'id="link-expired"' in answer.get_data(as_text=True)
            assert th("This link has expired. Ask for a new one.") in answer.get_data(as_text=True)
        # A new request replaces the link; one a minute later replaces that one too.
        forgot(client)
        send_outbox(app)
        second = mailed_link(smtp, RESET_LINK, EMAIL)
    with time_machine.travel(utcnow() + timedelta(hours=2, minutes=3), tick=False):
        forgot(client)
        send_outbox(app)
        third = mailed_link(smtp, RESET_LINK, EMAIL)
        assert len({first, second, third}) == 3

        replaced = client.post(second, data=good)
        assert replaced.status_code == 410 and 'id="link-replaced"' in replaced.get_data(as_text=True)
        assert client.post(third, data=good).status_code == 302
        used = client.post(third, data=good)
        assert used.status_code == 410 and 'id="link-used"' in used.get_data(as_text=True)
        assert th("This link has been used already: each link works once.") in used.get_data(as_text=True)
        wrong = client.get("/ir/password/reset/not-a-real-token")
        assert wrong.status_code == 404 and 'id="link-invalid"' in wrong.get_data(as_text=True)
    # Every link of the account is spent now.
    assert db.session.scalar(select(func.count()).select_from(ReporterLink).where(
        ReporterLink.used_at.is_(None), ReporterLink.replaced_at.is_(None))) == 0
    assert sign_in(client, EMAIL, NEW_PASSWORD).status_code == 302


def test_a_reset_link_for_an_unverified_account_also_verifies_it(app, client, smtp):
    client.post("/ir/signup", data={
        "display_name": "สมชาย", "email": EMAIL, "password": PASSWORD, "password_again": PASSWORD,
        "reporter_type": "public", "started": stamp(), "website": ""})
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False):
        forgot(client)
        send_outbox(app)
        path = mailed_link(smtp, RESET_LINK, EMAIL)
        assert client.post(path, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}).status_code == 302
    user = user_with(EMAIL)
    assert user.active and user.email_verified_at is not None
    assert db.session.get(ReporterProfile, user.id).verify_token_hash is None


def test_two_uses_of_one_link_at_once_succeed_once(app, client, smtp):
    verified_reporter(app, client, smtp)
    forgot(client)
    send_outbox(app)
    path = mailed_link(smtp, RESET_LINK, EMAIL)
    db.session.remove()
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def worker():
        browser = app.test_client()
        with app.app_context():
            barrier.wait()
            statuses.append(browser.post(path, data={"password": NEW_PASSWORD,
                                                     "password_again": NEW_PASSWORD}).status_code)
            db.session.remove()

    run_twice_at_once(worker)
    assert sorted(statuses) == [302, 410]
    assert audits("reporter.password_reset") == 1
    assert sign_in(client, EMAIL, NEW_PASSWORD).status_code == 302


def test_profile_edit_and_e_mail_change_verified_at_the_new_address(app, client, smtp, demo):
    user = verified_reporter(app, client, smtp)
    assert client.get("/ir/profile").status_code == 302  # not signed in yet
    assert sign_in(client, EMAIL, PASSWORD).status_code == 302
    page = client.get("/ir/profile").get_data(as_text=True)
    assert 'id="profile-form"' in page and "บริษัท ตัวอย่าง จำกัด" in page

    details = {"display_name": "สมชาย ใจงาม", "email": EMAIL, "reporter_type": "agency",
               "organisation": "กรมตัวอย่าง", "phone": "02-123-4567"}
    bad = client.post("/ir/profile", data=details | {"phone": "call me"})
    assert bad.status_code == 422 and th("Enter a valid phone number.") in bad.get_data(as_text=True)
    assert user_with(EMAIL).display_name == "สมชาย ใจดี"

    saved = client.post("/ir/profile", data=details)
    assert saved.status_code == 303
    user = user_with(EMAIL)
    profile = db.session.get(ReporterProfile, user.id)
    assert (user.display_name, profile.reporter_type, profile.organisation, profile.phone) == (
        "สมชาย ใจงาม", "agency", "กรมตัวอย่าง", "02-123-4567")
    assert audits("reporter.profile_updated") == 1

    # A new address: a link goes to it, and the old address stays in use until the link is opened.
    send_outbox(app)
    before = len(smtp.envelopes)
    asked = client.post("/ir/profile", data=details | {"email": NEW_EMAIL.upper()}, follow_redirects=True)
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'id="pending-email"' in text and NEW_EMAIL in text
    assert user_with(EMAIL) is not None and user_with(NEW_EMAIL) is None
    send_outbox(app)
    assert [e.rcpt_tos for e in smtp.envelopes[before:]] == [[NEW_EMAIL]]
    with force_locale("th"):
        assert str(smtp.handler.messages()[-1]["Subject"]) == gettext("Verify your new e-mail address for IR Online")
    path = mailed_link(smtp, EMAIL_LINK, NEW_EMAIL)
    assert sign_in(client, EMAIL, PASSWORD).status_code == 302

    opened = client.get(path)
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/ir/profile")
    user = user_with(NEW_EMAIL)
    assert user is not None and user.email == NEW_EMAIL and user_with(EMAIL) is None
    assert audits("reporter.email_changed") == 1
    send_outbox(app)
    assert smtp.envelopes[-1].rcpt_tos == [EMAIL]  # the old address is told
    used = client.get(path)
    assert used.status_code == 410 and 'id="link-used"' in used.get_data(as_text=True)
    assert sign_in(client, EMAIL, PASSWORD).status_code == 422
    assert sign_in(client, NEW_EMAIL, PASSWORD).status_code == 302

    # An address that has another account gets the same answer, and nothing is mailed to it.
    staff = demo.user("author").email
    before = len(smtp.envelopes)
    taken = client.post("/ir/profile", data=details | {"email": staff}, follow_redirects=True)
    assert taken.status_code == 200 and 'id="pending-email"' in taken.get_data(as_text=True)
    send_outbox(app)
    assert len(smtp.envelopes) == before
    assert user_with(NEW_EMAIL).email == NEW_EMAIL

    # Staff have no IR profile.
    assert sign_in(client, "author", demo.password).status_code == 302
    assert client.get("/ir/profile").status_code == 404


def test_changing_the_password_needs_the_current_one(app, client, smtp):
    verified_reporter(app, client, smtp)
    sign_in(client, EMAIL, PASSWORD)
    wrong = client.post("/ir/profile/password", data={
        "current_password": "not-the-password", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert wrong.status_code == 422
    assert th("The current password is not correct.") in wrong.get_data(as_text=True)
    assert audits("reporter.password_changed") == 0

    # A reset link asked for earlier stops working once the password is changed.
    forgot(client)
    send_outbox(app)
    reset = mailed_link(smtp, RESET_LINK, EMAIL)
    done = client.post("/ir/profile/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 303
    assert audits("reporter.password_changed") == 1
    assert client.get(reset).status_code == 410
    assert sign_in(client, EMAIL, PASSWORD).status_code == 422
    assert sign_in(client, EMAIL, NEW_PASSWORD).status_code == 302


def test_forgot_password_is_rate_limited_and_guarded_against_scripts(app, client, monkeypatch):
    refused = forgot(client, website="http://spam.example")
    assert refused.status_code == 422
    with force_locale("th"):
        assert str(SPAM_MESSAGES["honeypot"]) in refused.get_data(as_text=True)
    limiter.reset()
    monkeypatch.setitem(app.config, "RATELIMIT_IR_PASSWORD", "2 per hour")
    for number in range(2):
        assert forgot(client, email=f"person{number}@example.com").status_code == 302
    limited = forgot(client, email="third@example.com")
    assert limited.status_code == 429
    assert th("Too many attempts from your connection. Nothing was saved; please wait and try again later.") \
        in limited.get_data(as_text=True)
    assert client.get("/ir/password/forgot").status_code == 200  # reading the form is not counted
    assert outbox_count() == 0


# --- a new password ends the other sessions --------------------------------------------------------------------------


def _signed_in_elsewhere(app):
    browser = app.test_client()
    assert browser.post("/ir/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    assert browser.get("/ir/mine").status_code == 200
    return browser


def _asked_to_sign_in(browser, url: str) -> bool:
    response = browser.get(url)
    return response.status_code == 302 and "/ir/login" in response.headers["Location"]


def test_a_password_reset_signs_the_reporter_out_everywhere(app, client, smtp):
    verified_reporter(app, client, smtp)
    laptop = _signed_in_elsewhere(app)  # left signed in somewhere the password may have leaked from
    forgot(client)
    send_outbox(app)
    path = mailed_link(smtp, RESET_LINK, EMAIL)
    assert client.post(path, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}).status_code == 302
    assert _asked_to_sign_in(laptop, "/ir/mine")
    assert laptop.post("/ir/login", data={"email": EMAIL, "password": NEW_PASSWORD}).status_code == 302
    assert laptop.get("/ir/mine").status_code == 200


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, client, smtp):
    verified_reporter(app, client, smtp)
    phone = _signed_in_elsewhere(app)
    assert client.post("/ir/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    done = client.post("/ir/profile/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 303
    page = client.get("/ir/profile")
    assert page.status_code == 200 and th("Your new password is saved.") in page.get_data(as_text=True)
    assert _asked_to_sign_in(phone, "/ir/profile")
