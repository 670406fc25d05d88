"""Each person's profile: memberships, how they sign in, and switching the agency they act for."""

from __future__ import annotations

from app.accounts.services import accounts
from app.core.extensions import db
from tests.accounts.test_user_admin import _page
from tests.helpers import manual_titled, open_task


def test_profile_shows_the_person_and_their_memberships(client, login, demo):
    login("central")
    status, page = _page(client, "/account/profile")
    assert status == 200
    assert "สมชาย ใจดี" in page and "central@demo.ratchaflow.local" in page
    assert "รหัสผ่าน" in page  # signs in with a password
    assert "กรมการปกครอง" in page and "เจ้าหน้าที่ส่วนกลาง" in page
    assert 'id="switch-agency"' not in page  # one agency: nothing to switch
    assert client.get("/account/profile", follow_redirects=False).status_code == 200
    client.post("/logout", data={})
    assert client.get("/account/profile").status_code == 302


def test_switching_agency_narrows_the_inbox_and_the_manual_list(client, login, demo):
    reviewer = demo.user("reviewer")
    nakhon = demo.agency("nakhon_nont")
    accounts.grant(reviewer, nakhon.id, "manual_reviewer")
    db.session.commit()
    dopa_task = open_task(manual_titled("การแจ้งย้ายที่อยู่"))
    login("reviewer")
    _status, page = _page(client, "/account/profile")
    assert 'id="switch-agency"' in page and "เทศบาลนครนนทบุรี" in page
    assert f'data-task-id="{dopa_task.id}"' in client.get("/tasks/").get_data(as_text=True)
    manuals_page = client.get("/manuals/").get_data(as_text=True)
    assert "การขอมีบัตรประจำตัวประชาชน" in manuals_page and "การขออนุญาตก่อสร้างอาคาร" in manuals_page

    page = client.post("/account/profile/agency", data={"agency": str(nakhon.id)},
                       follow_redirects=True).get_data(as_text=True)
    assert "เทศบาลนครนนทบุรี" in page
    assert f'data-task-id="{dopa_task.id}"' not in client.get("/tasks/").get_data(as_text=True)
    assert client.get(f"/tasks/{dopa_task.id}").status_code == 404
    manuals_page = client.get("/manuals/").get_data(as_text=True)
    assert "การขอมีบัตรประจำตัวประชาชน" not in manuals_page and "การขออนุญาตก่อสร้างอาคาร" in manuals_page

    client.post("/account/profile/agency", data={"agency": ""})
    assert f'data-task-id="{dopa_task.id}"' in client.get("/tasks/").get_data(as_text=True)


def test_an_agency_one_does_not_belong_to_cannot_be_chosen(client, login, demo):
    reviewer = demo.user("reviewer")
    accounts.grant(reviewer, demo.agency("nakhon_nont").id, "manual_reviewer")
    db.session.commit()
    login("reviewer")
    for choice in (str(demo.agency("opdc").id), "abc", "999999"):
        page = client.post("/account/profile/agency", data={"agency": choice},
                           follow_redirects=True).get_data(as_text=True)
        assert "คุณไม่ได้เป็นสมาชิกของหน่วยงานนั้น" in page
    with client.session_transaction() as session:
        assert "acting_agency_id" not in session


def test_a_choice_whose_membership_is_gone_is_ignored(client, login, demo):
    reviewer = demo.user("reviewer")
    nakhon = demo.agency("nakhon_nont")
    extra = accounts.grant(reviewer, nakhon.id, "manual_reviewer")
    db.session.commit()
    dopa_task = open_task(manual_titled("การแจ้งย้ายที่อยู่"))
    login("reviewer")
    client.post("/account/profile/agency", data={"agency": str(nakhon.id)})
    assert f'data-task-id="{dopa_task.id}"' not in client.get("/tasks/").get_data(as_text=True)
    extra.active = False  # removed meanwhile
    db.session.commit()
    assert f'data-task-id="{dopa_task.id}"' in client.get("/tasks/").get_data(as_text=True)
    with client.session_transaction() as session:
        assert "acting_agency_id" not in session


def test_nationwide_roles_keep_working_after_switching(client, login, demo):
    opdc = demo.user("opdc")
    accounts.grant(opdc, demo.agency("nakhon_nont").id, "manual_author")
    db.session.commit()
    opdc_task = open_task(manual_titled("การขอเปลี่ยนชื่อตัว ชื่อสกุล"))
    assert opdc_task.role == "opdc_officer"
    login("opdc")
    client.post("/account/profile/agency", data={"agency": str(demo.agency("nakhon_nont").id)})
    assert f'data-task-id="{opdc_task.id}"' in client.get("/tasks/").get_data(as_text=True)
    assert "การขอมีบัตรประจำตัวประชาชน" in client.get("/manuals/").get_data(as_text=True)


def test_a_central_officer_acting_for_one_agency_manages_only_its_people(client, login, demo):
    central = demo.user("central")
    accounts.grant(central, demo.agency("nakhon_nont").id, "central_officer")
    db.session.commit()
    login("central")
    assert f'data-user-id="{demo.user("lg_author").id}"' in client.get("/admin/users").get_data(as_text=True)
    client.post("/account/profile/agency", data={"agency": str(demo.agency("dopa").id)})
    page = client.get("/admin/users").get_data(as_text=True)
    assert f'data-user-id="{demo.user("lg_author").id}"' not in page
    assert client.get(f"/admin/users/{demo.user('lg_author').id}").status_code == 404


def test_the_navbar_partial_names_the_acting_agency(app, client, login, demo):
    from flask import render_template
    from flask_login import login_user

    reviewer = demo.user("reviewer")
    accounts.grant(reviewer, demo.agency("nakhon_nont").id, "manual_reviewer")
    db.session.commit()
    with app.test_request_context():
        login_user(reviewer)
        reviewer.acting_agency_id, reviewer.acting_agency = None, None
        assert "nav-acting-agency" in render_template("users/_acting_agency.html")  # several agencies: "all"
        reviewer.acting_agency = demo.agency("nakhon_nont")
        assert "เทศบาลนครนนทบุรี" in render_template("users/_acting_agency.html")
    central = demo.user("central")
    with app.test_request_context():
        login_user(central)
        central.acting_agency = None
        assert "nav-acting-agency" not in render_template("users/_acting_agency.html")


def test_a_redeemed_token_shows_in_the_history_and_the_profile(client, login, demo):
    from app.accounts.services import role_tokens

    central, dopa = demo.user("central"), demo.agency("dopa")
    _token, plain = role_tokens.issue(central, "manual_reviewer", dopa.id)
    newcomer = accounts.create_user("newcomer", "ใหม่ ใจดี", "secret-pass")
    db.session.commit()
    membership = role_tokens.redeem(newcomer, plain)
    db.session.commit()
    login("newcomer")
    _status, page = _page(client, "/account/profile")
    assert "รหัสเข้าใช้งานแบบใช้ครั้งเดียว" in page and "กรมการปกครอง" in page
    login("central")
    client.post(f"/admin/users/{newcomer.id}/memberships/{membership.id}/role",
                data={f"m{membership.id}-role": "manual_author"})
    client.post(f"/admin/users/{newcomer.id}/memberships/{membership.id}/remove")
    _status, page = _page(client, f"/admin/users/{newcomer.id}")
    history = page[page.index('id="account-history"'):]
    actions = [part.split('"')[0] for part in history.split('data-action="')[1:]]
    assert actions == ["membership.removed", "membership.role_changed", "role_token.redeemed"]
    assert "ใช้รหัสเข้าใช้งาน" in history and "กรมการปกครอง" in history
