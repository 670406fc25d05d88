"""The FAQ's staff side over the API, with real tokens: a proposal reviewed through its task and published, a change
in review, withdrawal with a reason; who may do what; hostile input."""

from __future__ import annotations

from tests.inbox.test_api import API, bearer, create_token

DESK = f"{API}/faq-desk/entries"
TEXT = {"question": "ยื่นหลักประกันสัญญาทางอิเล็กทรอนิกส์ได้อย่างไร", "answer": "ยื่นผ่านเมนูสัญญา\nแนบหนังสือค้ำประกัน",
        "topic": "หลักประกันสัญญา"}


def test_a_proposal_is_reviewed_published_changed_and_withdrawn(client, login, demo):
    agent = bearer(create_token(client, login, "chat_agent"))
    supervisor = bearer(create_token(client, login, "chat_super"))
    proposed = client.post(DESK, headers=agent, json=TEXT)
    assert proposed.status_code == 201, proposed.get_data(as_text=True)
    entry = proposed.get_json()
    assert entry["status"] == "in_review" and entry["review_task_id"]

    approved = client.post(f"{API}/tasks/{entry['review_task_id']}/complete", headers=supervisor,
                           json={"decision": "approve", "question": TEXT["question"],
                                 "answer_text": TEXT["answer"], "topic": TEXT["topic"]})
    assert approved.status_code == 200, approved.get_data(as_text=True)
    published = client.get(f"{DESK}/{entry['id']}", headers=supervisor).get_json()
    assert published["status"] == "published" and client.get(f"{API}/faq/{entry['id']}").status_code == 200

    # A change goes to review; the published text stays until it is approved. Stale versions are refused.
    change = TEXT | {"answer": "ยื่นผ่านเมนูสัญญา", "note": "ย่อให้สั้น", "lock_version": published["lock_version"]}
    assert client.post(f"{DESK}/{entry['id']}/edit", headers=agent, json=change).status_code == 403
    changed = client.post(f"{DESK}/{entry['id']}/edit", headers=supervisor, json=change)
    assert changed.status_code == 200 and changed.get_json()["revision_state"] == "in_review"
    assert changed.get_json()["answer"] == TEXT["answer"]
    stale = client.post(f"{DESK}/{entry['id']}/withdraw", headers=supervisor,
                        json={"reason": "ล้าสมัย", "lock_version": published["lock_version"]})
    assert stale.status_code == 409 and stale.get_json()["error"]["message"] != stale.get_json()["error"]["message_en"]
    task = changed.get_json()["review_task_id"]
    client.post(f"{API}/tasks/{task}/complete", headers=supervisor,
                json={"decision": "reject", "comment": "คงเดิม", "question": TEXT["question"],
                      "answer_text": "ยื่นผ่านเมนูสัญญา", "topic": TEXT["topic"]})
    current = client.get(f"{DESK}/{entry['id']}", headers=supervisor).get_json()
    withdrawn = client.post(f"{DESK}/{entry['id']}/withdraw", headers=supervisor,
                            json={"reason": "ระเบียบเปลี่ยน", "lock_version": current["lock_version"]})
    assert withdrawn.status_code == 200, withdrawn.get_data(as_text=True)
    assert withdrawn.get_json()["status"] == "withdrawn" and client.get(f"{API}/faq/{entry['id']}").status_code == 410
    assert "faq.withdrawn" in [event["action"] for event in withdrawn.get_json()["history"]]
    listed = client.get(DESK, headers=agent, query_string={"status": "withdrawn"}).get_json()
    assert entry["id"] in [item["id"] for item in listed["items"]]


def test_only_the_chat_team_edits_and_hostile_input_is_refused(client, login, demo):
    assert client.get(DESK, headers=bearer(create_token(client, login, "reviewer"))).status_code == 403
    read_only = bearer(create_token(client, login, "chat_agent", scopes=("knowledge:read",)))
    response = client.post(DESK, headers=read_only, json=TEXT)
    assert response.status_code == 403 and response.get_json()["error"]["reason"] == "missing_scope"
    agent = bearer(create_token(client, login, "chat_agent"))
    for changes in ({"question": "ก\x00ข"}, {"question": "ก\r\nข"}, {"answer": "   "}, {"topic": "x" * 101},
                    {"source_kind": "chat"}):
        response = client.post(DESK, headers=agent, json=TEXT | changes)
        assert response.status_code == 422, (changes, response.get_data(as_text=True))
        assert response.get_json()["error"]["fields"]
    assert client.get(f"{DESK}/{'9' * 20}", headers=agent).status_code == 404
    assert client.post(f"{DESK}/1/withdraw", headers=agent,
                       json={"reason": "x", "lock_version": 10**20}).status_code == 422
