"""A legacy officer's first Digital ID sign-in, through the real test provider (tests/oidc_provider.py): their
account is found by citizen id (preferred) or verified e-mail, and keeps its roles; ambiguous matches are not linked."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from sqlalchemy import select

from app.accounts.models import LegacyAccount, User
from app.core.extensions import db
from app.core.workflow import AuditEvent
from tests.legacy.test_legacy_users import SOMSRI_ID, USERS_HEADER, export, invoke, legacy, roles_of
from tests.oidc_provider import sign_in_with_digital_id

PRASERT_ID = "3100500123458"


def person(provider, **claims):
    tag = secrets.token_hex(4)
    data = {"sub": f"sub-{tag}", "given_name": "สมศรี", "family_name": "ใจงาม", "email": f"other.{tag}@example.go.th",
            "citizen_id": None}
    data.update(claims)
    provider.add_person(f"person-{tag}", "provider-pass", **data)
    return f"person-{tag}", data


def sign_in(client, username):
    answer = sign_in_with_digital_id(client, username, "provider-pass")
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    db.session.expire_all()
    return urlsplit(answer.headers["Location"]).path


def load(app, tmp_path, rows: list[str]):
    invoke(app, export(tmp_path, USERS_HEADER + "\n".join(rows) + "\n"))


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_matched_by_citizen_id_the_officer_keeps_the_legacy_roles(app, client, digital_id, oidc_provider, tmp_path):
    load(app, tmp_path, [f"U-1,นางสาวสมศรี ใจงาม,somsri@dlt.go.th,{SOMSRI_ID},DLT:central_officer;DLT:manual_author",
                         f"U-2,นายประเสริฐ วงศ์ดี,prasert@dlt.go.th,{PRASERT_ID},DLT-CM:service_point_officer"])
    # the e-mail at Digital ID is another one: the citizen id alone finds the account
    username, claims = person(oidc_provider, citizen_id="1-1037-00012-34-6")

    landed = sign_in(client, username)

    assert landed == "/tasks/"  # straight to work, not to the role-token page
    account = legacy("U-1")
    user = account.user
    assert account.state == "linked" and account.matched_by == "citizen_id" and account.linked_at is not None
    assert user.active and user.oidc_issuer == oidc_provider.issuer and user.oidc_subject == claims["sub"]
    assert user.email == claims["email"]  # name and e-mail follow Digital ID from now on
    assert roles_of(user) == {("DLT", "central_officer"), ("DLT", "manual_author")}
    assert db.session.scalar(select(User.id).where(User.oidc_subject.is_not(None), User.id != user.id)) is None
    [event] = audit("legacy_account.linked")
    assert event.object_id == user.id and event.after["matched_by"] == "citizen_id"
    assert SOMSRI_ID not in repr(event.after)
    assert client.get("/tasks/").status_code == 200
    assert legacy("U-2").state == "pending"

    # the next sign-in finds the linked account directly
    client.post("/logout")
    assert sign_in(client, username) == "/tasks/"
    assert len(audit("legacy_account.linked")) == 1


def test_matched_by_a_verified_e_mail_only(app, client, digital_id, oidc_provider, tmp_path):
    load(app, tmp_path, ["U-4,นายสมบัติ ทองคำ,Sombat.T@cmcity.go.th,,DLT:manual_author"])
    unverified, _ = person(oidc_provider, email="sombat.t@cmcity.go.th")
    assert sign_in(client, unverified) == "/welcome/token"  # an e-mail Digital ID has not checked proves nothing
    assert legacy("U-4").state == "pending"

    client.post("/logout")
    verified, claims = person(oidc_provider, email="SOMBAT.T@cmcity.go.th", email_verified=True)
    assert sign_in(client, verified) == "/tasks/"
    account = legacy("U-4")
    assert account.state == "linked" and account.matched_by == "email"
    assert account.user.oidc_subject == claims["sub"]


def test_the_citizen_id_is_preferred_to_the_e_mail(app, client, digital_id, oidc_provider, tmp_path):
    load(app, tmp_path, [f"U-1,นางสาวสมศรี ใจงาม,,{SOMSRI_ID},DLT:central_officer",
                         "U-2,นางสาวสมศรี อื่น,shared@dlt.go.th,,DLT:manual_author"])
    username, _ = person(oidc_provider, citizen_id=SOMSRI_ID, email="shared@dlt.go.th", email_verified=True)
    sign_in(client, username)
    assert legacy("U-1").state == "linked" and legacy("U-2").state == "pending"


def test_an_ambiguous_match_links_nothing_and_is_reported(app, client, digital_id, oidc_provider, tmp_path, login,
                                                          demo):
    load(app, tmp_path, ["U-A,นายหนึ่ง สารบรรณ,saraban@dlt.go.th,,DLT:manual_author",
                         "U-B,นายสอง สารบรรณ,saraban@dlt.go.th,,DLT:central_officer"])
    username, claims = person(oidc_provider, email="saraban@dlt.go.th", email_verified=True)

    assert sign_in(client, username) == "/welcome/token"  # a new person's account, without any role

    assert {legacy("U-A").state, legacy("U-B").state} == {"pending"}
    assert legacy("U-A").ambiguous_at is not None and legacy("U-B").ambiguous_at is not None
    [event] = audit("legacy_account.ambiguous_match")
    assert event.after == {"matched_by": "email", "legacy_refs": ["U-A", "U-B"], "oidc_subject": claims["sub"]}
    new = db.session.scalar(select(User).where(User.oidc_subject == claims["sub"]))
    assert new.id not in {legacy("U-A").user_id, legacy("U-B").user_id} and not new.memberships

    client.post("/logout")
    admin = login("admin")
    page = admin.get("/admin/legacy-import/unmatched").get_data(as_text=True)
    assert 'data-ref="U-A" class="table-warning"' in page and "ไม่ได้จับคู่บัญชีใด" in page

    # the administrator settles it: U-A's roles go to the account the person signed in with
    link = f"/admin/legacy-import/unmatched/{legacy('U-A').id}/link"
    refused = admin.post(link, data={"username": "central"})  # a password account, never signed in with Digital ID
    assert refused.status_code == 422 and "ยังไม่เคยเข้าสู่ระบบด้วย Digital ID" in refused.get_data(as_text=True)
    assert admin.post(link, data={"username": "nobody-here"}).status_code == 422
    assert admin.post(link, data={"username": new.username}).status_code == 303
    db.session.expire_all()
    assert roles_of(new) == {("DLT", "manual_author")}
    account = legacy("U-A")
    assert account.state == "linked" and account.matched_by == "administrator" and account.linked_user_id == new.id
    assert not account.user.memberships  # the waiting account keeps no role
    [event] = audit("legacy_account.linked_by_administrator")
    assert event.actor_id == demo.user("admin").id and event.object_id == new.id
    assert admin.post(link, data={"username": new.username}).status_code == 409
    page = admin.get("/admin/legacy-import/unmatched").get_data(as_text=True)
    assert 'data-ref="U-A"' not in page and 'data-ref="U-B"' in page


def test_a_pending_account_cannot_sign_in_with_a_password(app, client, tmp_path):
    load(app, tmp_path, ["U-1,นายหนึ่ง,one@dlt.go.th,,DLT:manual_author"])
    user = legacy("U-1").user
    answer = client.post("/login", data={"username": user.username, "password": ""})
    assert answer.status_code == 422
    answer = client.post("/login", data={"username": user.username, "password": "anything"})
    assert answer.status_code == 422
    assert db.session.scalar(select(LegacyAccount.state)) == "pending"
