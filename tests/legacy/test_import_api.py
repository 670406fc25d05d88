"""The legacy import over the API, with an administrator's token: the export uploaded, a dry run whose report is
the command's, the run in the background job, the officers no sign-in matched yet; refusals with nothing kept."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from app.accounts.models import LegacyAccount
from app.core.extensions import db
from tasks import jobs
from tests.inbox.test_api import API, bearer, conforms, create_token
from tests.legacy.test_import_screen import command_report, sample_zip

RUNS = f"{API}/legacy-imports"


def _sent(client, headers, *files: tuple[bytes, str]):
    return client.post(RUNS, headers=headers, content_type="multipart/form-data",
                       data={"files": [(io.BytesIO(body), name) for body, name in files]})


def test_an_administrator_imports_the_legacy_export_over_the_api(app, client, login, demo):
    document = client.get(f"{API}/openapi.json").get_json()
    expected = command_report(app)
    admin = bearer(create_token(client, login, "admin", scopes=("admin:read", "admin:write")))
    reader = bearer(create_token(client, login, "admin", scopes=("admin:read",)))
    assert client.get(RUNS, headers=bearer(create_token(client, login, "opdc"))).status_code == 403
    assert _sent(client, reader, (sample_zip(), "legacy-sample.zip")).status_code == 403

    uploaded = _sent(client, admin, (sample_zip(), "legacy-sample.zip"))
    assert uploaded.status_code == 201, uploaded.get_data(as_text=True)
    run = uploaded.get_json()
    conforms(document, "Run", run)
    assert run["files"] == ["agencies.csv", "processes.csv", "manuals.jsonl", "links.csv", "users.csv"]
    assert run["state"] == "uploaded" and run["report"] is None

    for hostile in ({"mode": "everything"}, {"mode": "run\r\n"}, {}):
        assert client.post(f"{RUNS}/{run['id']}/start", headers=admin, json=hostile).status_code == 422
    queued = client.post(f"{RUNS}/{run['id']}/start", headers=admin, json={"mode": "dry_run"})
    assert queued.status_code == 202 and queued.get_json()["state"] == "queued"
    twice = client.post(f"{RUNS}/{run['id']}/start", headers=admin, json={"mode": "dry_run"})
    assert twice.status_code == 409 and twice.get_json()["error"]["message_en"]
    assert jobs.run(app, "legacy_imports") == 1
    done = client.get(f"{RUNS}/{run['id']}", headers=reader).get_json()
    assert done["state"] == "done" and done["progress"]["percent"] == 100
    assert done["report"]["lines"] == expected  # the command's report, word for word
    assert db.session.scalar(select(func.count()).select_from(LegacyAccount)) == 0  # a dry run keeps nothing

    client.post(f"{RUNS}/{run['id']}/start", headers=admin, json={"mode": "run"})
    assert jobs.run(app, "legacy_imports") == 1
    assert db.session.scalar(select(func.count()).select_from(LegacyAccount)) == 6
    listed = client.get(RUNS, headers=reader).get_json()
    assert listed["items"][0]["id"] == run["id"] and listed["officers"]["pending"] == 6
    unmatched = client.get(f"{RUNS}/unmatched", headers=reader).get_json()
    assert unmatched["total"] == 6 and unmatched["items"][0]["roles"]
    waiting = unmatched["items"][0]["id"]
    for username, status in (("nobody-here", 422), ("admin", 422), ("", 422)):
        refused = client.post(f"{RUNS}/unmatched/{waiting}/link", headers=admin, json={"username": username})
        assert refused.status_code == status, (username, refused.get_data(as_text=True))
    assert client.post(f"{RUNS}/unmatched/{'9' * 20}/link", headers=admin, json={"username": "x"}).status_code == 404
    assert client.post(f"{RUNS}/unmatched/999999/link", headers=admin, json={"username": "x"}).status_code == 409

    assert client.get(f"{RUNS}/{'9' * 20}", headers=reader).status_code == 404
    refused = _sent(client, admin, (b"not a zip", "export.zip"))
    assert refused.status_code == 422 and refused.get_json()["error"]["fields"]["files"]
    assert client.post(RUNS, headers=admin, json={"files": []}).status_code == 400
