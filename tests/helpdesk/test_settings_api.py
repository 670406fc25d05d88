"""IR Online over the API beyond the conversation's text: the supervisors' categories, SLA targets and teams
(audited), and files both ways — the desk's replies and the
reporter's — each downloaded only by who may see it; hostile input refused with nothing saved."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.helpdesk.models import HelpdeskTeam, SlaTarget, TicketAttachment, TicketCategory
from tests.helpdesk.test_api import _report
from tests.helpdesk.test_desk_api import _filed
from tests.helpers import count_rows, post_files
from tests.inbox.test_api import API, bearer, conforms, create_token
from tests.manuals.test_manual_content import PDF, PNG

HUGE = "9" * 20


def test_supervisors_keep_categories_targets_and_teams_over_the_api(client, login, demo):
    document = client.get(f"{API}/openapi.json").get_json()
    agent = bearer(create_token(client, login, "hd_agent"))
    supervisor = bearer(create_token(client, login, "hd_super"))
    outsider = bearer(create_token(client, login, "reviewer"))

    listed = client.get(f"{API}/helpdesk/categories", headers=agent)
    assert listed.status_code == 200 and listed.get_json()["items"]
    conforms(document, "Categories", listed.get_json())
    assert client.get(f"{API}/helpdesk/categories", headers=outsider).status_code == 403
    before = count_rows(TicketCategory)
    for hostile in ({"name_th": ""}, {"name_th": "หมวด\x00"}, {"name_th": "หมวด\r\nใหม่"}, {"name_th": "ก" * 256},
                    {"name_th": "หมวด", "position": 5000}, {"name_th": "หมวด", "colour": "red"}):
        response = client.post(f"{API}/helpdesk/categories", headers=supervisor, json=hostile)
        assert response.status_code == 422, (hostile, response.get_data(as_text=True))
    assert client.post(f"{API}/helpdesk/categories", headers=agent, json={"name_th": "หมวด"}).status_code == 403
    assert count_rows(TicketCategory) == before
    created = client.post(f"{API}/helpdesk/categories", headers=supervisor,
                          json={"name_th": "ระบบ e-market", "name_en": "e-market", "position": 9})
    assert created.status_code == 201, created.get_data(as_text=True)
    category_id = created.get_json()["id"]
    withdrawn = client.put(f"{API}/helpdesk/categories/{category_id}", headers=supervisor,
                           json={"name_th": "ระบบ e-market", "position": 9, "active": False})
    assert withdrawn.status_code == 200 and not withdrawn.get_json()["active"]
    assert client.put(f"{API}/helpdesk/categories/{HUGE}", headers=supervisor, json={"name_th": "ก"}).status_code == 404
    assert client.put(f"{API}/helpdesk/categories/99999", headers=supervisor, json={"name_th": "ก"}).status_code == 404
    # Out of use: no longer offered to reporters.
    refused = client.post(f"{API}/ir/reports", json=_report(category_id=category_id))
    assert refused.status_code == 422 and "category_id" in refused.get_json()["error"]["fields"]

    targets = client.get(f"{API}/helpdesk/sla", headers=agent)
    assert [t["priority"] for t in targets.get_json()["items"]] == ["urgent", "high", "normal", "low"]
    for hostile in ({"first_response_minutes": 0, "resolution_minutes": 60},
                    {"first_response_minutes": 30, "resolution_minutes": int(HUGE)},
                    {"first_response_minutes": "abc", "resolution_minutes": 60}, {"first_response_minutes": 30}):
        response = client.put(f"{API}/helpdesk/sla/urgent", headers=supervisor, json=hostile)
        assert response.status_code == 422, hostile
    change = {"first_response_minutes": 30, "resolution_minutes": 120}
    assert client.put(f"{API}/helpdesk/sla/urgent", headers=agent, json=change).status_code == 403
    assert client.put(f"{API}/helpdesk/sla/whenever", headers=supervisor, json=change).status_code == 404
    changed = client.put(f"{API}/helpdesk/sla/urgent", headers=supervisor, json=change)
    assert changed.status_code == 200 and changed.get_json()["items"][0] == {"priority": "urgent", **change}
    assert db.session.get(SlaTarget, "urgent", populate_existing=True).first_response_minutes == 30
    assert count_rows(AuditEvent, AuditEvent.action == "helpdesk.sla_changed") == 1

    agent_id = db.session.scalar(select(User.id).where(User.username == "hd_agent"))
    outsider_id = db.session.scalar(select(User.id).where(User.username == "reviewer"))
    for hostile in ({"name": ""}, {"name": "ทีม\x00"}, {"name": "ทีม", "member_ids": [outsider_id]},
                    {"name": "ทีม", "member_ids": [int(HUGE)]}, {"name": "ทีม", "member_ids": "1"}):
        response = client.post(f"{API}/helpdesk/teams", headers=supervisor, json=hostile)
        assert response.status_code == 422, (hostile, response.get_data(as_text=True))
    team = client.post(f"{API}/helpdesk/teams", headers=supervisor, json={"name": "ทีมระบบ", "member_ids": [agent_id]})
    assert team.status_code == 201 and [m["id"] for m in team.get_json()["members"]] == [agent_id]
    clash = client.post(f"{API}/helpdesk/teams", headers=supervisor, json={"name": "ทีมระบบ"})
    assert clash.status_code == 422 and clash.get_json()["error"]["fields"]["name"]
    emptied = client.put(f"{API}/helpdesk/teams/{team.get_json()['id']}", headers=supervisor,
                         json={"name": "ทีมระบบ", "member_ids": []})
    assert emptied.status_code == 200 and emptied.get_json()["members"] == []
    teams = client.get(f"{API}/helpdesk/teams", headers=agent).get_json()["items"]
    assert [t["name"] for t in teams if t["id"] == team.get_json()["id"]] == ["ทีมระบบ"]
    assert count_rows(HelpdeskTeam, HelpdeskTeam.name == "ทีม") == 0


def test_files_go_both_ways_and_each_side_downloads_only_what_it_may(client, login, demo):
    agent = bearer(create_token(client, login, "hd_agent"))
    outsider = bearer(create_token(client, login, "reviewer"))
    number, token = _filed(client)
    _other_number, other_token = _filed(client)

    sent = post_files(client, f"{API}/ir/follow/{token}/files", [("../หน้าจอ.html", PNG)], body="ภาพหน้าจอข้อผิดพลาด")
    assert sent.status_code == 200, sent.get_data(as_text=True)
    shown = sent.get_json()["messages"][-1]["attachments"]
    assert [(f["filename"], f["content_type"]) for f in shown] == [("หน้าจอ.png", "image/png")]
    note = post_files(client, f"{API}/helpdesk/tickets/{number}/files", [("log.pdf", PDF)], agent, action="note",
                  body="log ภายใน")
    assert note.status_code == 200, note.get_data(as_text=True)
    reply = post_files(client, f"{API}/helpdesk/tickets/{number}/files", [("วิธีแก้.pdf", PDF)], agent, action="reply",
                   body="ทำตามขั้นตอนในไฟล์")
    assert reply.status_code == 200
    assert [len(m["attachments"]) for m in reply.get_json()["messages"] if m["kind"] != "reporter"][-2:] == [1, 1]

    png, note_pdf, reply_pdf = db.session.scalars(select(TicketAttachment).order_by(TicketAttachment.id)).all()
    for attachment in (png, note_pdf, reply_pdf):  # the desk downloads all of them
        got = client.get(f"{API}/helpdesk/attachments/{attachment.id}", headers=agent)
        assert got.status_code == 200 and got.mimetype == attachment.content_type
        assert got.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"{API}/helpdesk/attachments/{png.id}", headers=outsider).status_code == 403
    assert client.get(f"{API}/helpdesk/attachments/{HUGE}", headers=agent).status_code == 404
    followed = client.get(f"{API}/ir/follow/{token}").get_json()
    visible = [f["id"] for m in followed["messages"] for f in m["attachments"]]
    assert visible == [png.id, reply_pdf.id]  # never the internal note's
    got = client.get(f"{API}/ir/follow/{token}/files/{reply_pdf.id}")
    assert got.status_code == 200 and got.data == PDF and got.headers["Content-Disposition"].startswith("attachment;")
    assert client.get(f"{API}/ir/follow/{token}/files/{note_pdf.id}").status_code == 404
    assert client.get(f"{API}/ir/follow/{other_token}/files/{png.id}").status_code == 404
    assert client.get(f"{API}/ir/follow/{'x' * 40}/files/{png.id}").status_code == 404

    before = count_rows(TicketAttachment)
    for files, form in (([("x.png", b"MZ" + PNG)], {}), ([(f"p{n}.png", PNG) for n in range(6)], {}),
                        ([("a.png", PNG)], {"body": "ภาพ\x00"}), ([], {"body": "ไม่มีไฟล์"})):
        for url, headers, extra in ((f"{API}/ir/follow/{token}/files", None, {}),
                                    (f"{API}/helpdesk/tickets/{number}/files", agent, {"action": "reply"})):
            response = post_files(client, url, files, headers, **({"body": "ดูไฟล์"} | extra | form))
            assert response.status_code == 422, (url, files, form, response.get_data(as_text=True))
            assert response.get_json()["error"]["message_en"]
    wrong_action = post_files(client, f"{API}/helpdesk/tickets/{number}/files", [("a.png", PNG)], agent,
                          action="delete", body="ก")
    assert wrong_action.status_code == 422
    assert client.post(f"{API}/helpdesk/tickets/{number}/files", headers=agent,
                       json={"action": "reply", "body": "ก"}).status_code == 400
    assert count_rows(TicketAttachment) == before
