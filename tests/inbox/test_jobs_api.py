"""The administrators' jobs page over the API: each job's last run with its result labelled, the e-mail given up on,
and sending one again — once, audited; for administrators' tokens only."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import AuditEvent
from notifications.models import OutboxMessage, OutboxStatus
from tasks import jobs
from tasks.models import JobRun
from tests.helpers import th
from tests.inbox.test_api import API, bearer, create_token


def _failed_mail() -> OutboxMessage:
    row = OutboxMessage(dedup_key="api:failed", channel="email", to_address="victim@example.test",
                        subject="แจ้งเตือน\r\nBcc: someone@example.test", body="ทดสอบ", status=OutboxStatus.failed,
                        attempts=3, last_error="subject has a line break", next_attempt_at=utcnow())
    db.session.add(row)
    db.session.commit()
    return row


def test_jobs_failed_mail_and_retry(client, login, demo):
    db.session.add(JobRun(job="send_outbox", started_at=utcnow(), finished_at=utcnow(), outcome="ok",
                          result=jobs.stored_result({"sent": 3, "skipped": 0, "retry": 1, "failed": 0})))
    db.session.add(JobRun(job="send_outbox", started_at=utcnow(), finished_at=utcnow(), outcome="failed",
                          error="SMTP refused"))
    db.session.commit()
    failed = _failed_mail()
    admin = bearer(create_token(client, login, "admin", scopes=("admin:write",)))

    listed = {item["name"]: item for item in client.get(f"{API}/admin/jobs", headers=admin).get_json()["items"]}
    outbox = listed["send_outbox"]
    assert outbox["last_run"]["outcome"] == "failed" and outbox["last_run"]["error"] == "SMTP refused"
    assert outbox["failures"] == 1 and outbox["last_ok_at"] is not None and outbox["description"]
    assert "ratings_fold" in listed  # every capability's jobs, even those never run
    english = client.get(f"{API}/admin/jobs", headers=admin | {"Accept-Language": "en"}).get_json()
    assert english["items"]

    mail = client.get(f"{API}/admin/outbox/failed", headers=admin).get_json()["items"]
    assert [(m["id"], m["to_address"], m["attempts"]) for m in mail] == [(failed.id, "victim@example.test", 3)]
    assert mail[0]["last_error"] == "subject has a line break" and mail[0]["failed_at"]

    retried = client.post(f"{API}/admin/outbox/{failed.id}/retry", headers=admin)
    assert retried.status_code == 200 and retried.get_json() == {"id": failed.id, "status": "pending"}
    db.session.expire_all()
    row = db.session.get(OutboxMessage, failed.id)
    assert row.status == OutboxStatus.pending and "\n" not in row.subject  # made one line before it goes again
    again = client.post(f"{API}/admin/outbox/{failed.id}/retry", headers=admin)
    assert again.status_code == 409 and again.get_json()["error"]["message"] == th(
        "This e-mail is not waiting to be sent again: it was sent again already, or there is no such e-mail.")
    assert client.get(f"{API}/admin/outbox/failed", headers=admin).get_json()["items"] == []
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.retried")))
    assert [(e.object_id, e.actor_id) for e in events] == [(failed.id, demo.user("admin").id)]


def test_only_administrators_tokens_and_hostile_ids(client, login, demo):
    failed = _failed_mail()
    reader = bearer(create_token(client, login, "admin", name="อ่านอย่างเดียว", scopes=("admin:read",)))
    assert client.get(f"{API}/admin/jobs", headers=reader).status_code == 200
    assert client.post(f"{API}/admin/outbox/{failed.id}/retry", headers=reader).status_code == 403
    officer = bearer(create_token(client, login, "opdc"))  # not offered the admin scopes
    assert client.get(f"{API}/admin/jobs", headers=officer).status_code == 403
    assert client.get(f"{API}/admin/outbox/failed", headers=officer).status_code == 403
    admin = bearer(create_token(client, login, "admin", scopes=("admin:write",)))
    for path in ("99999999999999999999", "0", "-1", "1%00"):
        assert client.post(f"{API}/admin/outbox/{path}/retry", headers=admin).status_code == 404, path
    db.session.expire_all()
    assert db.session.get(OutboxMessage, failed.id).status == OutboxStatus.failed
