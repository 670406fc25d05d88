"""The FAQ's review through HTTP, as people do it: a chat answer proposed, reviewed in the supervisor's inbox,
approved, and then found on the public FAQ and in the suggestions; returned and corrected; rejected; given up;
proposed by hand; a published entry changed and withdrawn."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.knowledge.models import FaqStatus
from notifications.models import Notification
from tests.knowledge.helpers import ANSWER, QUESTION, TOPIC, actions, fresh, from_chat, open_task, review, revisions


def test_a_chat_answer_is_reviewed_published_and_found(client, login, demo):
    entry = from_chat(demo)
    assert entry.status == FaqStatus.in_review and entry.source_kind == "chat"

    # Not public while in review.
    assert client.get(f"/faq/{entry.id}").status_code == 404
    assert QUESTION not in client.get("/faq", query_string={"q": "อิเล็กทรอนิกส์"}).get_data(as_text=True)
    suggested = client.get("/faq/suggest", query_string={"q": "หนังสือค้ำประกันอิเล็กทรอนิกส์"}).get_json()
    assert entry.id not in [s["id"] for s in suggested["suggestions"]]

    # The supervisor finds the task in the inbox, with what it is about.
    login("chat_super")
    task = open_task(entry)
    assert (task.role, task.form_key, task.due_at is not None) == ("chat_supervisor", "knowledge.review", True)
    assert f'data-task-id="{task.id}"' in client.get("/tasks/").get_data(as_text=True)
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'id="task-faq-entry"' in page and "แชต #7 ข้อความ #42" in page and QUESTION in page
    assert 'list="faq-topics"' in page and '<datalist id="faq-topics">' in page

    # Approving with a correction publishes the corrected text.
    corrected = ANSWER + "\nอ้างอิง: ระเบียบกระทรวงการคลังฯ พ.ศ. 2560 ข้อ 168"
    assert review(client, task, "approve", answer=corrected).status_code == 302
    entry = fresh(entry)
    assert (entry.status, entry.version, entry.answer) == (FaqStatus.published, 1, corrected)
    assert entry.reviewed_by_id == demo.user("chat_super").id and entry.published_at is not None
    assert actions(entry) == ["faq.proposed", "faq.edited_in_review", "faq.approve", "faq.published"]
    assert [r.state for r in revisions(entry)] == ["approved"]

    # Anyone finds it: the list, a Thai substring search, its page, the suggestions.
    client.post("/logout")
    page = client.get("/faq").get_data(as_text=True)
    assert f'data-entry="{entry.id}"' in page and TOPIC in page
    page = client.get("/faq", query_string={"q": "อิเล็กทรอนิกส์"}).get_data(as_text=True)
    assert f'data-entry="{entry.id}"' in page and "<mark>อิเล็กทรอนิกส์</mark>" in page
    page = client.get(f"/faq/{entry.id}").get_data(as_text=True)
    assert QUESTION in page and "ข้อ 168" in page
    typed = client.get("/faq/suggest", query_string={"q": "ขอใช้หนังสือค้ำประกันแบบอิเล็กทรอนิกส์ได้ไหมคะ"})
    found = typed.get_json()["suggestions"]
    assert found[0]["id"] == entry.id and found[0]["url"] == f"/faq/{entry.id}" and found[0]["question"] == QUESTION

    # The agent who proposed it is told.
    note = db.session.scalar(select(Notification).where(Notification.user_id == demo.user("chat_agent").id))
    assert note is not None and "เผยแพร่" in note.subject


def test_a_return_goes_back_to_the_proposer_who_corrects_and_resubmits(client, login, demo):
    entry = from_chat(demo)
    login("chat_super")
    task = open_task(entry)
    response = review(client, task, "return", comment="")
    assert response.status_code == 422 and "invalid-feedback" in response.get_data(as_text=True)
    assert open_task(entry).id == task.id  # nothing happened
    assert review(client, task, "return", comment="โปรดอ้างข้อระเบียบที่เกี่ยวข้อง").status_code == 302
    entry = fresh(entry)
    assert entry.status == FaqStatus.draft
    assert client.get(f"/faq/{entry.id}").status_code == 404

    # The chat agent sees the revise task with the reason, and the text prefilled.
    login("chat_agent")
    revise = open_task(entry, "revise")
    assert revise is not None and revise.role == "chat_agent"
    page = client.get(f"/tasks/{revise.id}").get_data(as_text=True)
    assert "โปรดอ้างข้อระเบียบที่เกี่ยวข้อง" in page and QUESTION in page
    fixed = ANSWER + " (ระเบียบฯ ข้อ 168)"
    response = client.post(f"/tasks/{revise.id}", data={"question": QUESTION, "answer_text": fixed, "topic": TOPIC,
                                                        "action": "resubmit", "note": "เพิ่มข้ออ้างอิงแล้ว"})
    assert response.status_code == 302
    assert fresh(entry).status == FaqStatus.in_review and fresh(entry).answer == fixed

    login("chat_super")
    task = open_task(entry, "review")
    assert "เพิ่มข้ออ้างอิงแล้ว" in client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert review(client, task, "approve", answer=fixed).status_code == 302
    entry = fresh(entry)
    assert entry.status == FaqStatus.published and entry.answer == fixed
    assert actions(entry) == ["faq.proposed", "faq.return", "faq.revised", "faq.resubmitted", "faq.approve",
                              "faq.published"]
    diagram = client.get(f"/instances/{task.instance_id}/diagram.json").get_json()
    for element in ("start", "review", "revise", "publish", "end_published"):
        assert diagram["states"][element] == "done", element


def test_a_rejected_proposal_is_never_public_and_its_proposer_is_told_why(client, login, demo):
    entry = from_chat(demo)
    login("chat_super")
    assert review(client, open_task(entry), "reject", comment="ซ้ำกับรายการที่มีอยู่").status_code == 302
    entry = fresh(entry)
    assert entry.status == FaqStatus.rejected and open_task(entry) is None
    assert client.get(f"/faq/{entry.id}").status_code == 404
    note = db.session.scalar(select(Notification).where(Notification.user_id == demo.user("chat_agent").id))
    assert note.body == "ซ้ำกับรายการที่มีอยู่"
    login("chat_agent")
    page = client.get(f"/knowledge/{entry.id}").get_data(as_text=True)
    assert "ไม่ได้รับการอนุมัติ" in page and "ซ้ำกับรายการที่มีอยู่" in page


def test_a_returned_proposal_can_be_given_up(client, login, demo):
    entry = from_chat(demo)
    login("chat_super")
    review(client, open_task(entry), "return", comment="ไม่ชัดเจน")
    login("chat_agent")
    revise = open_task(entry, "revise")
    response = client.post(f"/tasks/{revise.id}", data={"question": QUESTION, "answer_text": ANSWER, "topic": TOPIC,
                                                        "action": "abandon"})
    assert response.status_code == 302
    entry = fresh(entry)
    assert entry.status == FaqStatus.withdrawn and open_task(entry) is None
    assert [r.state for r in revisions(entry)] == ["abandoned"]


def test_an_agent_proposes_by_hand_and_follows_the_proposal(client, login, demo):
    login("chat_agent")
    assert client.get("/knowledge/new").status_code == 200
    response = client.post("/knowledge/new", data={"question": "ราคากลางงานก่อสร้างคำนวณอย่างไร",
                                                   "answer_text": "ใช้หลักเกณฑ์การคำนวณราคากลางงานก่อสร้างของ"
                                                             "คณะกรรมการราคากลาง", "topic": "ราคากลาง"})
    assert response.status_code == 302
    page = client.get("/knowledge/?status=in_review").get_data(as_text=True)
    assert "ราคากลางงานก่อสร้างคำนวณอย่างไร" in page
    entry_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    login("chat_super")
    from app.knowledge.models import FaqEntry

    entry = db.session.get(FaqEntry, entry_id)
    assert entry.source_kind == "manual" and entry.proposed_by_id == demo.user("chat_agent").id
    assert review(client, open_task(entry), "approve", question=entry.question, answer=entry.answer,
                  topic="ราคากลาง").status_code == 302
    assert fresh(entry).status == FaqStatus.published


def test_a_published_entry_changes_only_through_a_new_review(client, login, demo):
    entry = from_chat(demo)
    login("chat_super")
    review(client, open_task(entry), "approve")
    entry = fresh(entry)
    page = client.get(f"/knowledge/{entry.id}/edit").get_data(as_text=True)
    assert f'value="{entry.lock_version}"' in page
    changed = ANSWER + " ทั้งนี้ตรวจสอบสถานะได้ในเมนูหนังสือค้ำประกัน"
    response = client.post(f"/knowledge/{entry.id}/edit", data={
        "question": QUESTION, "answer_text": changed, "topic": TOPIC, "note": "เพิ่มวิธีตรวจสอบ",
        "lock_version": entry.lock_version})
    assert response.status_code == 302
    # The public FAQ keeps the published text while the change waits.
    assert "เมนูหนังสือค้ำประกัน" not in client.get(f"/faq/{entry.id}").get_data(as_text=True)
    assert "มีการแก้ไขรอตรวจสอบ" in client.get("/knowledge/").get_data(as_text=True)
    # A second change while one is in review is refused.
    response = client.post(f"/knowledge/{entry.id}/edit", data={
        "question": QUESTION, "answer_text": "อีกแบบ", "topic": TOPIC, "lock_version": fresh(entry).lock_version})
    assert response.status_code == 409 and "อยู่ระหว่างตรวจสอบ" in response.get_data(as_text=True)
    task = open_task(entry)
    assert "ฉบับที่เผยแพร่อยู่ซึ่งจะถูกแทนที่" in client.get(f"/tasks/{task.id}").get_data(as_text=True)
    review(client, task, "approve", answer=changed)
    entry = fresh(entry)
    assert entry.version == 2 and entry.answer == changed
    page = client.get(f"/faq/{entry.id}").get_data(as_text=True)
    assert "เมนูหนังสือค้ำประกัน" in page and "ฉบับที่ 2" in page


def test_a_rejected_change_leaves_the_published_entry_as_it_was(client, login, demo):
    entry = from_chat(demo)
    login("chat_super")
    review(client, open_task(entry), "approve")
    entry = fresh(entry)
    client.post(f"/knowledge/{entry.id}/edit", data={"question": "คำถามใหม่ที่ไม่ดี", "answer_text": "คำตอบใหม่",
                                                     "topic": TOPIC, "lock_version": entry.lock_version})
    task = open_task(entry)
    review(client, task, "reject", comment="ฉบับเดิมถูกต้องแล้ว", question="คำถามใหม่ที่ไม่ดี", answer="คำตอบใหม่")
    entry = fresh(entry)
    assert (entry.status, entry.version, entry.question) == (FaqStatus.published, 1, QUESTION)
    assert [r.state for r in revisions(entry)] == ["approved", "rejected"]


def test_withdrawing_takes_an_entry_off_the_public_faq_with_a_reason(client, login, demo):
    entry = from_chat(demo)
    login("chat_super")
    review(client, open_task(entry), "approve")
    entry = fresh(entry)
    response = client.post(f"/knowledge/{entry.id}/withdraw", data={"reason": "", "lock_version": entry.lock_version})
    assert response.status_code == 422 and "โปรดระบุเหตุผลที่ถอนรายการนี้" in response.get_data(as_text=True)
    response = client.post(f"/knowledge/{entry.id}/withdraw",
                           data={"reason": "ระเบียบเปลี่ยนแล้ว", "lock_version": entry.lock_version})
    assert response.status_code == 302
    entry = fresh(entry)
    assert entry.status == FaqStatus.withdrawn and entry.search_text == ""
    assert actions(entry)[-1] == "faq.withdrawn"
    assert "ระเบียบเปลี่ยนแล้ว" in client.get(f"/knowledge/{entry.id}").get_data(as_text=True)
    client.post("/logout")
    gone = client.get(f"/faq/{entry.id}")
    assert gone.status_code == 410 and "ถอนการเผยแพร่แล้ว" in gone.get_data(as_text=True)
    assert f'data-entry="{entry.id}"' not in client.get("/faq", query_string={"q": "อิเล็กทรอนิกส์"}).get_data(
        as_text=True)
    suggested = client.get("/faq/suggest", query_string={"q": QUESTION}).get_json()["suggestions"]
    assert entry.id not in [s["id"] for s in suggested]


def test_the_demo_faq_is_published_and_browsable_by_topic(client, demo):
    page = client.get("/faq").get_data(as_text=True)
    assert "ผู้ค้าจะลงทะเบียนในระบบ e-GP ต้องทำอย่างไร" in page
    assert 'id="faq-topics"' in page and "หลักประกันสัญญา" in page
    page = client.get("/faq", query_string={"topic": "การลงทะเบียน"}).get_data(as_text=True)
    assert page.count('class="card mb-2 faq-result"') == 2
    assert "ลืมรหัสผ่าน" in page and "ราคากลางคืออะไร" not in page
    english = client.get("/lang/en?next=/faq", follow_redirects=True).get_data(as_text=True)
    assert "Frequently asked questions on public procurement" in english


def test_a_withdrawn_entry_comes_back_through_a_new_review(client, login, demo):
    entry = from_chat(demo)
    login("chat_super")
    review(client, open_task(entry), "approve")
    entry = fresh(entry)
    client.post(f"/knowledge/{entry.id}/withdraw", data={"reason": "ตรวจทานใหม่", "lock_version": entry.lock_version})
    entry = fresh(entry)
    response = client.post(f"/knowledge/{entry.id}/edit", data={
        "question": QUESTION, "answer_text": ANSWER + " (ปรับปรุง)", "topic": TOPIC, "lock_version": entry.lock_version})
    assert response.status_code == 302
    assert fresh(entry).status == FaqStatus.withdrawn  # until the change is approved
    review(client, open_task(entry), "approve", answer=ANSWER + " (ปรับปรุง)")
    entry = fresh(entry)
    assert (entry.status, entry.version, entry.withdrawn_at) == (FaqStatus.published, 2, None)
    assert client.get(f"/faq/{entry.id}").status_code == 200
