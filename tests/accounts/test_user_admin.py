"""Manage users: search within scope, change roles, remove from an agency; one's profile and agency switching."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.accounts.models import Membership
from app.accounts.services import accounts, membership_changes, user_directory
from app.core.extensions import db
from app.core.workflow import AuditEvent, TaskStatus
from tests.clock import TODAY, thai_short_date
from tests.helpers import manual_titled, open_task, outcome_of, run_twice_at_once, th


def _membership(user, role, agency):
    return db.session.scalar(select(Membership).where(Membership.user_id == user.id, Membership.role == role,
                                                      Membership.agency_id == agency.id))


def _page(client, url, **kwargs):
    response = client.get(url, **kwargs)
    return response.status_code, response.get_data(as_text=True)


def _person(username, display_name, agency, role="manual_author"):
    user = accounts.create_user(username, display_name, "secret-pass", email=f"{username}@example.go.th")
    accounts.grant(user, agency.id, role)
    return user


# --- search ------------------------------------------------------------------------------------------------------


def test_search_lists_only_the_people_of_the_officers_scope(client, login, demo):
    login("central")
    status, page = _page(client, "/admin/users")
    assert status == 200
    for username in ("central", "spoint", "author", "reviewer"):
        assert f'data-user-id="{demo.user(username).id}"' in page
    for username in ("opdc", "admin", "lg_author", "lg_reviewer"):
        assert f'data-user-id="{demo.user(username).id}"' not in page
    assert "กรมการปกครอง" in page and "ที่ว่าการอำเภอเมืองนนทบุรี" in page  # roles with their agencies

    _status, by_name = _page(client, "/admin/users", query_string={"q": "ตรวจทาน"})
    assert by_name.count("data-user-id=") == 1 and f'data-user-id="{demo.user("reviewer").id}"' in by_name
    _status, by_mail = _page(client, "/admin/users", query_string={"q": "SPOINT@demo"})
    assert by_mail.count("data-user-id=") == 1 and f'data-user-id="{demo.user("spoint").id}"' in by_mail
    _status, outside = _page(client, "/admin/users", query_string={"q": "lg_author"})
    assert "data-user-id=" not in outside
    _status, wildcard = _page(client, "/admin/users", query_string={"q": "%"})
    assert "data-user-id=" not in wildcard  # LIKE wildcards are searched for literally

    login("admin")
    _status, everyone = _page(client, "/admin/users", query_string={"q": "lg_"})
    assert f'data-user-id="{demo.user("lg_author").id}"' in everyone


def test_last_sign_in_is_shown_in_the_buddhist_era(client, login, demo):
    login("reviewer")
    login("central")
    _status, page = _page(client, "/admin/users", query_string={"q": "reviewer"})
    assert thai_short_date(TODAY) in page  # e.g. "2 ธ.ค. 2569" for 2 December 2026


def test_the_list_is_paged_and_its_query_count_does_not_grow(client, login, demo, count_queries):
    login("central")
    client.get("/admin/users")  # each measure follows the same request, so both start from the same session state
    with count_queries() as few:
        assert client.get("/admin/users").status_code == 200
    dopa, bora = demo.agency("dopa"), demo.agency("bora")
    for number in range(30):
        user = _person(f"officer{number:02d}", f"เจ้าหน้าที่ทดสอบ {number:02d}", bora if number % 2 else dopa)
        accounts.grant(user, dopa.id, "manual_reviewer")
    db.session.commit()
    client.get("/admin/users")
    with count_queries() as many:
        page = client.get("/admin/users").get_data(as_text=True)
    assert page.count("data-user-id=") == user_directory.PAGE_SIZE
    assert len(many) == len(few), (len(few), len(many))
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert second.count("data-user-id=") == 34 - user_directory.PAGE_SIZE


def test_only_central_officers_and_administrators_manage_users(client, login, demo):
    reviewer = demo.user("reviewer")
    for username in ("spoint", "author", "reviewer", "opdc"):
        login(username)
        assert client.get("/admin/users").status_code == 403
        assert client.get(f"/admin/users/{reviewer.id}").status_code == 403
        membership = _membership(reviewer, "manual_reviewer", demo.agency("dopa"))
        assert client.post(f"/admin/users/{reviewer.id}/memberships/{membership.id}/remove").status_code == 403
    assert _membership(reviewer, "manual_reviewer", demo.agency("dopa")).active


def test_people_and_memberships_outside_the_scope_are_not_found(client, login, demo):
    lg_author = demo.user("lg_author")
    outside = _membership(lg_author, "manual_author", demo.agency("nakhon_nont"))
    login("central")
    assert client.get(f"/admin/users/{lg_author.id}").status_code == 404
    assert client.get("/admin/users/999999").status_code == 404
    assert client.post(f"/admin/users/{lg_author.id}/memberships/{outside.id}/role",
                       data={f"m{outside.id}-role": "manual_reviewer"}).status_code == 404
    assert client.post(f"/admin/users/{lg_author.id}/memberships/{outside.id}/remove").status_code == 404
    # a membership in scope reached through another person's URL is not found either
    reviewer_membership = _membership(demo.user("reviewer"), "manual_reviewer", demo.agency("dopa"))
    author = demo.user("author")
    assert client.post(f"/admin/users/{author.id}/memberships/{reviewer_membership.id}/remove").status_code == 404
    db.session.expire_all()
    assert outside.active and reviewer_membership.active
    # a central officer does not touch nationwide roles even when held in its department
    opdc = demo.user("opdc")
    accounts.grant(opdc, demo.agency("dopa").id, "opdc_officer")
    db.session.commit()
    nationwide = _membership(opdc, "opdc_officer", demo.agency("dopa"))
    assert client.post(f"/admin/users/{opdc.id}/memberships/{nationwide.id}/remove").status_code == 403


# --- changing a role ---------------------------------------------------------------------------------------------


def test_role_change_is_shown_and_audited(client, login, demo):
    reviewer = demo.user("reviewer")
    membership = _membership(reviewer, "manual_reviewer", demo.agency("dopa"))
    login("central")
    _status, page = _page(client, f"/admin/users/{reviewer.id}")
    assert f'name="m{membership.id}-role"' in page
    assert 'value="manual_author"' in page and 'value="admin"' not in page and 'value="opdc_officer"' not in page

    response = client.post(f"/admin/users/{reviewer.id}/memberships/{membership.id}/role",
                           data={f"m{membership.id}-role": "manual_author"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    author, reviewer_role = th("Manual author"), th("Manual reviewer")
    assert th("Role changed to %(role)s.", role=author) in page
    db.session.expire_all()
    assert membership.role == "manual_author" and membership.active
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.role_changed"))
    assert event.actor_id == demo.user("central").id and event.object_id == membership.id
    assert event.before["role"] == "manual_reviewer" and event.after["role"] == "manual_author"
    assert 'data-action="membership.role_changed"' in page
    assert f"{reviewer_role} → {author}" in page  # the history shows the change

    # the person now works as an author: the review task is no longer theirs, the editor is
    login("reviewer")
    assert "การแจ้งย้ายที่อยู่" not in client.get("/tasks/").get_data(as_text=True)


def test_roles_the_officer_may_not_grant_are_refused(client, login, demo):
    reviewer = demo.user("reviewer")
    membership = _membership(reviewer, "manual_reviewer", demo.agency("dopa"))
    login("central")
    for role in ("admin", "opdc_officer", "nonsense", ""):
        page = client.post(f"/admin/users/{reviewer.id}/memberships/{membership.id}/role",
                           data={f"m{membership.id}-role": role}, follow_redirects=True).get_data(as_text=True)
        assert "คุณไม่มีสิทธิ์มอบบทบาทนี้" in page
    page = client.post(f"/admin/users/{reviewer.id}/memberships/{membership.id}/role",
                       data={f"m{membership.id}-role": "manual_reviewer"}, follow_redirects=True).get_data(as_text=True)
    assert "มีบทบาทนี้อยู่แล้ว" in page
    db.session.expire_all()
    assert membership.role == "manual_reviewer"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type == "membership")) == 0
    # an administrator grants any role
    login("admin")
    client.post(f"/admin/users/{reviewer.id}/memberships/{membership.id}/role",
                data={f"m{membership.id}-role": "opdc_officer"})
    db.session.expire_all()
    assert membership.role == "opdc_officer"


def test_one_row_per_user_agency_and_role(client, login, demo):
    reviewer, dopa = demo.user("reviewer"), demo.agency("dopa")
    membership = _membership(reviewer, "manual_reviewer", dopa)
    login("central")
    url = f"/admin/users/{reviewer.id}/memberships/{{}}/role"
    client.post(url.format(membership.id), data={f"m{membership.id}-role": "manual_author"})
    # back to reviewer: the same row changes again (no second row)
    client.post(url.format(membership.id), data={f"m{membership.id}-role": "manual_reviewer"})
    rows = db.session.scalars(select(Membership).where(Membership.user_id == reviewer.id)).all()
    assert [(m.role, m.active) for m in rows] == [("manual_reviewer", True)]

    # an earlier, removed row for the target role is brought back instead of a new one
    author_row = accounts.grant(reviewer, dopa.id, "manual_author")
    db.session.commit()
    client.post(f"/admin/users/{reviewer.id}/memberships/{author_row.id}/remove")
    client.post(url.format(membership.id), data={f"m{membership.id}-role": "manual_author"})
    db.session.expire_all()
    rows = {m.id: (m.role, m.active) for m in db.session.scalars(select(Membership).where(
        Membership.user_id == reviewer.id))}
    assert rows == {membership.id: ("manual_reviewer", False), author_row.id: ("manual_author", True)}

    # the target role already held and active: a clear message, nothing changes
    db.session.get(Membership, membership.id).active = True
    db.session.commit()
    page = client.post(url.format(author_row.id), data={f"m{author_row.id}-role": "manual_reviewer"},
                       follow_redirects=True).get_data(as_text=True)
    assert "มีบทบาทนี้ในหน่วยงานนี้อยู่แล้ว" in page
    db.session.expire_all()
    rows = {m.id: (m.role, m.active) for m in db.session.scalars(select(Membership).where(
        Membership.user_id == reviewer.id))}
    assert rows == {membership.id: ("manual_reviewer", True), author_row.id: ("manual_author", True)}


def test_nobody_removes_or_demotes_themselves_out_of_their_last_central_officer_role(client, login, demo):
    central, dopa = demo.user("central"), demo.agency("dopa")
    membership = _membership(central, "central_officer", dopa)
    login("central")
    message = "คุณไม่สามารถนำตัวเองออกหรือลดบทบาทตัวเอง"
    page = client.post(f"/admin/users/{central.id}/memberships/{membership.id}/remove",
                       follow_redirects=True).get_data(as_text=True)
    assert message in page
    page = client.post(f"/admin/users/{central.id}/memberships/{membership.id}/role",
                       data={f"m{membership.id}-role": "manual_author"}, follow_redirects=True).get_data(as_text=True)
    assert message in page
    db.session.expire_all()
    assert membership.active and membership.role == "central_officer"
    # with a second central-officer membership, giving up one of them is fine
    accounts.grant(central, demo.agency("bora").id, "central_officer")
    db.session.commit()
    client.post(f"/admin/users/{central.id}/memberships/{membership.id}/remove")
    db.session.expire_all()
    assert not membership.active


# --- removing ----------------------------------------------------------------------------------------------------


def test_removal_returns_the_claimed_task_to_the_queue_and_is_on_the_page(client, login, demo):
    reviewer, dopa = demo.user("reviewer"), demo.agency("dopa")
    accounts.grant(reviewer, dopa.id, "manual_author")  # still a member of the agency, in another role
    colleague = _person("reviewer2", "มานี ตรวจทาน", dopa, role="manual_reviewer")
    db.session.commit()
    task = open_task(manual_titled("การแจ้งย้ายที่อยู่"))
    login("reviewer")
    client.post(f"/tasks/{task.id}/claim")
    db.session.expire_all()
    assert task.assignee_id == reviewer.id
    login("reviewer2")
    assert f'data-task-id="{task.id}"' in client.get("/tasks/").get_data(as_text=True)
    assert client.post(f"/tasks/{task.id}/claim", follow_redirects=True).status_code == 200
    db.session.expire_all()
    assert task.assignee_id == reviewer.id  # claimed by someone else: the colleague cannot take it

    membership = _membership(reviewer, "manual_reviewer", dopa)
    login("central")
    page = client.post(f"/admin/users/{reviewer.id}/memberships/{membership.id}/remove",
                       follow_redirects=True).get_data(as_text=True)
    assert "นำออกจากหน่วยงานแล้ว" in page
    assert 'data-action="membership.removed"' in page
    db.session.expire_all()
    assert not membership.active
    assert task.assignee_id is None and task.claimed_at is None and task.status == TaskStatus.open
    removed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.removed"))
    assert removed.before["active"] is True and removed.after["active"] is False
    assert removed.after["released_task_ids"] == [task.id]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "task.unclaimed", AuditEvent.human_task_id == task.id)) == 1

    # the person no longer sees it; the colleague finds it in the queue and takes it
    login("reviewer")
    assert f'data-task-id="{task.id}"' not in client.get("/tasks/?view=claimed").get_data(as_text=True)
    assert f'data-task-id="{task.id}"' not in client.get("/tasks/").get_data(as_text=True)
    assert client.get(f"/tasks/{task.id}").status_code == 404
    login("reviewer2")
    client.post(f"/tasks/{task.id}/claim")
    db.session.expire_all()
    assert task.assignee_id == colleague.id

    # the removed membership stays on the person's page, without buttons
    login("central")
    _status, page = _page(client, f"/admin/users/{reviewer.id}")
    assert f'<span class="badge text-bg-secondary">{th("Removed")}</span>' in page
    assert f"/memberships/{membership.id}/remove" not in page
    assert client.post(f"/admin/users/{reviewer.id}/memberships/{membership.id}/remove").status_code == 404


def test_tasks_still_covered_by_another_membership_stay_claimed(client, login, demo):
    reviewer = demo.user("reviewer")
    accounts.grant(reviewer, demo.agency("moi").id, "manual_reviewer")  # the ministry covers the department too
    db.session.commit()
    task = open_task(manual_titled("การแจ้งย้ายที่อยู่"))
    login("reviewer")
    client.post(f"/tasks/{task.id}/claim")
    login("admin")
    membership = _membership(reviewer, "manual_reviewer", demo.agency("dopa"))
    client.post(f"/admin/users/{reviewer.id}/memberships/{membership.id}/remove")
    db.session.expire_all()
    assert not membership.active and task.assignee_id == reviewer.id


def test_account_history_is_newest_first_and_about_this_person(client, login, demo):
    reviewer, author = demo.user("reviewer"), demo.user("author")
    membership = _membership(reviewer, "manual_reviewer", demo.agency("dopa"))
    other = _membership(author, "manual_author", demo.agency("dopa"))
    login("central")
    client.post(f"/admin/users/{reviewer.id}/memberships/{membership.id}/role", data={f"m{membership.id}-role": "manual_author"})
    client.post(f"/admin/users/{reviewer.id}/memberships/{membership.id}/remove")
    client.post(f"/admin/users/{author.id}/memberships/{other.id}/role", data={f"m{other.id}-role": "manual_reviewer"})
    _status, page = _page(client, f"/admin/users/{reviewer.id}")
    history = page[page.index('id="account-history"'):]
    assert history.count("data-action=") == 2
    assert history.index('data-action="membership.removed"') < history.index('data-action="membership.role_changed"')
    assert "สมชาย ใจดี" in history  # by whom


# --- two officers at once ----------------------------------------------------------------------------------------


def test_two_officers_changing_one_membership_at_once_one_wins(app, demo):
    reviewer, dopa = demo.user("reviewer"), demo.agency("dopa")
    membership_id = _membership(reviewer, "manual_reviewer", dopa).id
    officers = [demo.user("central").id, demo.user("admin").id]
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    actions = iter([("role", "manual_author"), ("role", "central_officer")])
    lock = threading.Lock()

    def worker():
        from app.accounts.models import User

        with lock:
            officer_id = officers.pop()
            kind, role = next(actions)
        with app.test_request_context():
            officer = db.session.get(User, officer_id)
            user_directory.grantable_roles(officer)
            # Held, so that both sides act on the state they read before the race (the session's identity
            # map keeps only weak references: a dropped row would be read again, after the other side won).
            membership = db.session.get(Membership, membership_id)
            assert membership.agency is not None
            barrier.wait()
            outcomes.append(outcome_of(lambda: (membership_changes.change_role(officer, membership_id, role),
                                                db.session.commit()), user_directory.MembershipChangedMeanwhile))

    run_twice_at_once(worker)
    assert sorted(outcomes) == ["conflict", "ok"]
    rows = db.session.scalars(select(Membership).where(Membership.user_id == reviewer.id)).all()
    assert len(rows) == 1 and rows[0].active and rows[0].role in ("manual_author", "central_officer")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type == "membership")) == 1


def test_a_role_change_and_a_removal_at_once_one_wins(app, demo):
    reviewer, dopa = demo.user("reviewer"), demo.agency("dopa")
    membership_id = _membership(reviewer, "manual_reviewer", dopa).id
    central_id, admin_id = demo.user("central").id, demo.user("admin").id
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def run(name, officer_id, act):
        from app.accounts.models import User

        with app.test_request_context():
            officer = db.session.get(User, officer_id)
            user_directory.grantable_roles(officer)
            membership = db.session.get(Membership, membership_id)  # held: see the test above
            assert membership.agency is not None
            barrier.wait()
            try:
                act(officer)
                db.session.commit()
                outcomes[name] = "ok"
            except user_directory.MembershipChangedMeanwhile:
                db.session.rollback()
                outcomes[name] = "conflict"
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=run, args=("change", central_id,
                                           lambda o: membership_changes.change_role(o, membership_id, "manual_author"))),
        threading.Thread(target=run, args=("remove", admin_id, lambda o: membership_changes.remove(o, membership_id))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes.values()) == ["conflict", "ok"]
    membership = db.session.get(Membership, membership_id)
    if outcomes["change"] == "ok":
        assert membership.active and membership.role == "manual_author"
    else:
        assert not membership.active and membership.role == "manual_reviewer"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type == "membership")) == 1
