"""Live Chat over the API beyond the conversation: the supervisor's settings, topics and blocks (audited, with
the version read), the console's FAQ suggestions and filled answers, and files both ways; who may; hostile input."""

from __future__ import annotations

from sqlalchemy import select

from app.chat.models import ChatAttachment, ChatBlock, ChatSettings, ChatTopic
from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.helpdesk.models import StandardAnswer
from tests.chat.helpers import in_office_hours
from tests.chat.test_api import _new
from tests.chat.test_chat_pages import PDF, PNG, online
from tests.helpers import count_rows, post_files
from tests.inbox.test_api import API, bearer, conforms, create_token

DESK = f"{API}/chat-desk"
HUGE = "9" * 20
SETTINGS = {"opens_at": "08:00", "closes_at": "17:00", "accept_minutes": 3, "idle_remind_minutes": 8,
            "idle_close_minutes": 12, "offline_answer_days": 3, "default_max_chats": 4}


def test_the_supervisor_keeps_the_settings_topics_and_blocks_over_the_api(client, login, demo):
    document = client.get(f"{API}/openapi.json").get_json()
    with in_office_hours():
        supervisor = bearer(create_token(client, login, "chat_super"))
        agent = bearer(create_token(client, login, "chat_agent"))
        read = client.get(f"{DESK}/settings", headers=supervisor)
        assert read.status_code == 200, read.get_data(as_text=True)
        conforms(document, "Settings", read.get_json())
        settings = read.get_json()
        assert settings["opens_at"] == "08:30" and settings["topics"] and settings["blocks"] == []
        assert client.get(f"{DESK}/settings", headers=agent).status_code == 403

        for hostile in ({"opens_at": "25:00"}, {"opens_at": "08:00\r\n"}, {"closes_at": "07:00"},
                        {"accept_minutes": 0}, {"accept_minutes": int(HUGE)}, {"accept_minutes": "abc"},
                        {"default_max_chats": 21}, {"lock_version": 0}, {"lock_version": int(HUGE)},
                        {"opens_at": "08:\x0000"}, {"colour": "red"}):
            response = client.post(f"{DESK}/settings", headers=supervisor,
                                   json=SETTINGS | {"lock_version": settings["lock_version"]} | hostile)
            assert response.status_code == 422, (hostile, response.get_data(as_text=True))
            assert response.get_json()["error"]["message"] != response.get_json()["error"]["message_en"]
        assert db.session.get(ChatSettings, 1, populate_existing=True).opens_at == "08:30"
        refused = client.post(f"{DESK}/settings", headers=agent, json=SETTINGS | {"lock_version": 1})
        assert refused.status_code == 403

        saved = client.post(f"{DESK}/settings", headers=supervisor,
                            json=SETTINGS | {"lock_version": settings["lock_version"]})
        assert saved.status_code == 200 and saved.get_json()["opens_at"] == "08:00"
        # A second supervisor who read the settings before that save: refused, the first one's values kept.
        stale = client.post(f"{DESK}/settings", headers=supervisor,
                            json=SETTINGS | {"accept_minutes": 9, "lock_version": settings["lock_version"]})
        assert stale.status_code == 409
        assert db.session.get(ChatSettings, 1, populate_existing=True).accept_minutes == 3
        assert count_rows(AuditEvent, AuditEvent.action == "chat.settings_saved") == 1

        # Topics: added, changed, a clash or a wrong id refused.
        existing = settings["topics"][0]
        for hostile in ({"name_th": ""}, {"name_th": "หัวข้อ\x00"}, {"name_th": existing["name_th"]},
                        {"name_th": "ใหม่", "position": 5000}, {"name_th": "ใหม่", "topic_id": 99999},
                        {"name_th": "ใหม่", "topic_id": int(HUGE)}, {"name_th": "ก" * 256}):
            response = client.post(f"{DESK}/topics", headers=supervisor, json=hostile)
            assert response.status_code == 422, (hostile, response.get_data(as_text=True))
        added = client.post(f"{DESK}/topics", headers=supervisor,
                            json={"name_th": "การบริหารสัญญา", "name_en": "Contracts", "position": 7})
        assert added.status_code == 200 and added.get_json()["active"]
        changed = client.post(f"{DESK}/topics", headers=supervisor,
                              json={"topic_id": added.get_json()["id"], "name_th": "การบริหารสัญญา", "position": 7,
                                    "active": False})
        assert changed.status_code == 200 and not changed.get_json()["active"]
        assert not db.session.get(ChatTopic, added.get_json()["id"], populate_existing=True).active
        assert client.post(f"{DESK}/topics", headers=agent, json={"name_th": "อื่น"}).status_code == 403

        # A visitor blocked from a chat, then let back in.
        visitor = client.post(f"{API}/chat", json=_new())
        assert visitor.status_code == 201, visitor.get_data(as_text=True)
        chat_id = next(c["id"] for c in client.get(DESK, headers=agent).get_json()["queue"]
                       if c["number"] == visitor.get_json()["number"])
        for hostile in ({"reason": ""}, {"reason": "ก" * 501}, {"reason": "สแปม\x00"}, {}):
            assert client.post(f"{DESK}/chats/{chat_id}/block", headers=supervisor, json=hostile).status_code == 422
        assert client.post(f"{DESK}/chats/{chat_id}/block", headers=agent, json={"reason": "สแปม"}).status_code == 403
        assert client.post(f"{DESK}/chats/{HUGE}/block", headers=supervisor, json={"reason": "สแปม"}).status_code == 404
        blocked = client.post(f"{DESK}/chats/{chat_id}/block", headers=supervisor, json={"reason": "ส่งข้อความซ้ำ ๆ"})
        assert blocked.status_code == 201, blocked.get_data(as_text=True)
        assert client.post(f"{API}/chat", json=_new()).status_code == 403  # the same address, blocked
        block_id = blocked.get_json()["id"]
        assert [b["id"] for b in client.get(f"{DESK}/settings", headers=supervisor).get_json()["blocks"]] == [block_id]
        assert client.post(f"{DESK}/blocks/{block_id}/lift", headers=agent).status_code == 403
        lifted = client.post(f"{DESK}/blocks/{block_id}/lift", headers=supervisor)
        assert lifted.status_code == 200 and lifted.get_json()["blocks"] == []
        assert client.post(f"{DESK}/blocks/{block_id}/lift", headers=supervisor).status_code == 404
        assert client.post(f"{DESK}/blocks/{HUGE}/lift", headers=supervisor).status_code == 404
        assert client.post(f"{API}/chat", json=_new()).status_code == 201
        assert count_rows(ChatBlock, ChatBlock.lifted_at.is_(None)) == 0
        assert count_rows(AuditEvent, AuditEvent.action.in_(("chat.visitor_blocked", "chat.block_lifted"))) == 2


def test_the_console_helpers_and_files_both_ways_over_the_api(app, client, login, demo):
    with in_office_hours():
        agent = bearer(create_token(client, login, "chat_agent"))
        outsider = bearer(create_token(client, login, "reviewer"))
        online(login, client)
        started = client.post(f"{API}/chat", json=_new()).get_json()
        token = started["follow_up_token"]
        chat_id = next(c["id"] for c in client.get(DESK, headers=agent).get_json()["chats"]
                       if c["number"] == started["number"])

        suggestions = client.get(f"{DESK}/suggest", headers=agent, query_string={"q": "หลักประกันสัญญา"})
        assert suggestions.status_code == 200 and isinstance(suggestions.get_json()["suggestions"], list)
        assert client.get(f"{DESK}/suggest", headers=agent, query_string={"q": "ก" * 2001}).status_code == 422
        assert client.get(f"{DESK}/suggest", headers=outsider).status_code == 403

        answer = StandardAnswer(title="ขอเลขโครงการ", body="เรื่อง {ticket_number} เรียนคุณ {reporter_name} — {agent_name}",
                                active=True)
        db.session.add(answer)
        db.session.commit()
        filled = client.get(f"{DESK}/chats/{chat_id}/answers/{answer.id}", headers=agent)
        assert filled.status_code == 200 and started["number"] in filled.get_json()["text"]
        assert "{agent_name}" not in filled.get_json()["text"]
        assert client.get(f"{DESK}/chats/{chat_id}/answers/{HUGE}", headers=agent).status_code == 404
        assert client.get(f"{DESK}/chats/{HUGE}/answers/{answer.id}", headers=agent).status_code == 404

        # The visitor sends a picture (a resend is stored once); the agent a PDF; each side downloads both.
        sent = post_files(client, f"{API}/chat/{token}/files", [("../screen.html", PNG)], body="ภาพหน้าจอ",
                      client_ref="f-1")
        assert sent.status_code == 200, sent.get_data(as_text=True)
        again = post_files(client, f"{API}/chat/{token}/files", [("../screen.html", PNG)], body="ภาพหน้าจอ",
                       client_ref="f-1")
        assert again.status_code == 200 and count_rows(ChatAttachment) == 1
        reply = post_files(client, f"{DESK}/chats/{chat_id}/files", [("คู่มือ.pdf", PDF), ("ภาพ.png", PNG)], agent,
                       body="คู่มือครับ")
        assert reply.status_code == 200, reply.get_data(as_text=True)
        assert reply.get_json()["new"] and len(reply.get_json()["message"]["attachments"]) == 2
        png, pdf = db.session.scalars(select(ChatAttachment).order_by(ChatAttachment.id).limit(2)).all()
        for base, headers in ((f"{API}/chat/{token}/files", {}), (f"{DESK}/chats/{chat_id}/files", agent)):
            got = client.get(f"{base}/{png.id}", headers=headers)
            assert got.status_code == 200 and got.mimetype == "image/png" and got.data == PNG
            assert "screen.png" in got.headers["Content-Disposition"]
            got = client.get(f"{base}/{pdf.id}", headers=headers)
            assert got.mimetype == "application/pdf" and got.data == PDF
            assert client.get(f"{base}/{HUGE}", headers=headers).status_code == 404
        assert client.get(f"{API}/chat/{'x' * 40}/files/{png.id}").status_code == 404
        kept = client.get(f"{API}/chat/{token}/transcript.pdf")
        assert kept.status_code == 200 and kept.data.startswith(b"%PDF") and started["number"] in kept.headers[
            "Content-Disposition"]
        assert client.get(f"{API}/chat/{'x' * 40}/transcript.pdf").status_code == 404
        assert client.get(f"{DESK}/chats/{chat_id}/files/{png.id}", headers=outsider).status_code == 403

        # Refused, nothing stored: not a picture or PDF, too many, no file, a NUL in the text, JSON, no scope.
        before = count_rows(ChatAttachment)
        for files, form in (([("x.png", b"MZ" + PNG)], {}), ([(f"p{n}.png", PNG) for n in range(6)], {}),
                            ([("a.png", PNG)], {"body": "ภาพ\x00"}), ([("a.png", PNG)], {"client_ref": "r" * 65}),
                            ([], {"body": "ไม่มีไฟล์"})):
            for url, headers in ((f"{API}/chat/{token}/files", None), (f"{DESK}/chats/{chat_id}/files", agent)):
                response = post_files(client, url, files, headers, **form)
                assert response.status_code == 422, (url, files, form, response.get_data(as_text=True))
                assert response.get_json()["error"]["message_en"]
        too_large = post_files(client, f"{DESK}/chats/{chat_id}/files", [("huge.pdf", PDF + b"0" * (12 * 1024 * 1024))],
                           agent)
        assert too_large.status_code in (413, 422) and too_large.get_json()["error"]["message"]
        assert client.post(f"{DESK}/chats/{chat_id}/files", headers=agent, json={"body": "ก"}).status_code == 400
        read_only = bearer(create_token(client, login, "chat_agent", scopes=("chat:read",)))
        assert post_files(client, f"{DESK}/chats/{chat_id}/files", [("a.png", PNG)], read_only).status_code == 403
        assert count_rows(ChatAttachment) == before
