"""Who reaches what: the public FAQ is everyone's; the chat team's pages and the review are the chat team's alone,
the supervisors' decisions the supervisors'."""

from __future__ import annotations

from app.accounts.models import AccountKind
from app.accounts.services import accounts
from app.core.extensions import db
from tests.knowledge.helpers import QUESTION, fresh, from_chat, open_task, review

STAFF_PAGES = ("/knowledge/", "/knowledge/new")


def _reporter(demo):
    user = accounts.create_user("vendor@example.test", "บริษัท ผู้ค้า จำกัด", demo.password, email="vendor@example.test")
    user.account_kind = AccountKind.reporter
    from app.core.types import utcnow

    user.email_verified_at = utcnow()
    db.session.commit()
    return user


def test_the_public_faq_is_open_to_everyone(client, login, demo):
    _reporter(demo)
    for who in (None, "vendor@example.test", "author", "chat_agent"):
        if who:
            login(who)
        for url in ("/faq", "/faq?q=e-GP", "/faq/1", "/faq/suggest?q=ลงทะเบียนผู้ค้า"):
            assert client.get(url).status_code == 200, (who, url)


def test_the_chat_teams_pages_are_theirs_alone(client, login, demo):
    entry = from_chat(demo)
    for url in (*STAFF_PAGES, f"/knowledge/{entry.id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    _reporter(demo)
    login("vendor@example.test")
    for url in (*STAFF_PAGES, f"/knowledge/{entry.id}"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/ir/mine"), url
    for person in ("author", "opdc", "admin", "hd_super", "hd_agent", "central"):
        login(person)
        for url in (*STAFF_PAGES, f"/knowledge/{entry.id}", f"/knowledge/{entry.id}/edit"):
            assert client.get(url).status_code == 403, (person, url)
        assert client.post("/knowledge/new", data={"question": "ถาม", "answer_text": "ตอบ"}).status_code == 403
        assert 'id="nav-knowledge"' not in client.get("/tasks/").get_data(as_text=True)


def test_the_review_is_the_chat_teams_process_alone(client, login, demo):
    entry = from_chat(demo)
    task = open_task(entry)
    # Nationwide roles and the help desk's staff at the same department neither see nor open it.
    for person in ("opdc", "admin", "hd_super", "central"):
        login(person)
        assert client.get(f"/tasks/{task.id}").status_code == 404, person
        assert client.get(f"/instances/{task.instance_id}").status_code == 404, person
        assert f'data-task-id="{task.id}"' not in client.get("/tasks/").get_data(as_text=True)
        assert review(client, task, "approve").status_code == 404
    # An agent cannot open or decide the review task.
    login("chat_agent")
    assert client.get(f"/tasks/{task.id}").status_code == 404
    assert review(client, task, "approve").status_code == 404
    assert fresh(entry).status == "in_review"
    login("chat_super")
    assert f'data-task-id="{task.id}"' in client.get("/tasks/").get_data(as_text=True)
    assert 'id="nav-knowledge"' in client.get("/tasks/").get_data(as_text=True)


def test_an_agent_sees_their_own_proposals_and_decides_nothing(client, login, demo):
    mine = from_chat(demo, ref="chat-1:msg-1")
    other = accounts.create_user("chat_agent2", "อีกคน ตอบแชต", demo.password)
    accounts.grant(other, demo.agency("cgd").id, "chat_agent")
    db.session.commit()
    theirs = from_chat(demo, ref="chat-2:msg-2", question="คำถามของอีกคนหนึ่ง", agent="chat_agent2")
    login("chat_agent")
    page = client.get("/knowledge/").get_data(as_text=True)
    assert f'data-entry="{mine.id}"' in page and f'data-entry="{theirs.id}"' not in page
    assert "ผู้ค้าจะลงทะเบียนในระบบ e-GP" not in page  # the published demo entries are the supervisors' list
    assert client.get(f"/knowledge/{mine.id}").status_code == 200
    assert client.get(f"/knowledge/{theirs.id}").status_code == 404
    assert client.get(f"/knowledge/{mine.id}/edit").status_code == 403
    assert client.post(f"/knowledge/{mine.id}/withdraw", data={"reason": "ไม่ใช้"}).status_code == 403
    login("chat_super")
    page = client.get("/knowledge/").get_data(as_text=True)
    assert f'data-entry="{mine.id}"' in page and f'data-entry="{theirs.id}"' in page
    assert QUESTION in page and "ผู้ค้าจะลงทะเบียนในระบบ e-GP" in page


def test_a_membership_elsewhere_does_not_make_a_chat_supervisor(client, login, demo):
    person = accounts.create_user("elsewhere", "หัวหน้าที่อื่น", demo.password)
    accounts.grant(person, demo.agency("dopa").id, "chat_supervisor")  # not at the department that keeps the FAQ
    db.session.commit()
    login("elsewhere")
    assert client.get("/knowledge/").status_code == 403
