"""The administrators' legacy import screen: upload, a dry run whose report is the command's, the run in the background
job with its progress, the upload checks, who may open it, and the unmatched officers' page."""

from __future__ import annotations

import html
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts.models import LegacyAccount
from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.legacy.models import LegacyImportRun
from app.legacy.services import import_runs, import_uploads
from app.org.models import Agency
from tasks import jobs
from tests.helpers import th
from tests.legacy.test_legacy_users import AGENCIES, SAMPLE, USERS_HEADER, export, invoke

BASE = "/admin/legacy-import/"


def sample_zip(folder: Path = SAMPLE, prefix: str = "legacy-sample/") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, prefix + path.name)
    return out.getvalue()


def upload(client, *files: tuple[bytes, str]):
    return client.post(BASE, content_type="multipart/form-data",
                       data={"files": [(io.BytesIO(body), name) for body, name in files]})


def the_run() -> LegacyImportRun:
    db.session.expire_all()
    return db.session.scalar(select(LegacyImportRun).order_by(LegacyImportRun.id.desc()))


def start(client, run: LegacyImportRun, mode: str):
    answer = client.post(f"{BASE}{run.id}/start", data={"mode": mode})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"{BASE}{run.id}")
    return answer


def progress(client, run: LegacyImportRun) -> dict:
    answer = client.get(f"{BASE}{run.id}/progress")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    return answer.get_json()


def command_report(app, folder: Path = SAMPLE) -> list[str]:
    """What ``flask import legacy --dry-run`` prints, in Thai, without its progress and timing lines."""
    result = app.test_cli_runner().invoke(args=["import", "legacy", str(folder), "--dry-run", "--lang", "th"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.stderr.splitlines() + result.stdout.splitlines()[:-1]


def test_dry_run_shows_the_commands_report_then_the_run_imports_in_the_background(app, demo, login, monkeypatch):
    admin = login("admin")
    agencies_before = db.session.scalar(select(func.count()).select_from(Agency))
    expected = command_report(app)

    answer = upload(admin, (sample_zip(), "legacy-sample.zip"))
    assert answer.status_code == 303
    run = the_run()
    assert run.files == "agencies.csv,processes.csv,manuals.jsonl,links.csv,users.csv"
    assert run.state == "uploaded" and run.total_lines > 40 and run.locale == "th"
    page = admin.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'value="dry_run"' in page and 'value="run"' not in page  # a dry run first

    start(admin, run, "dry_run")
    assert progress(admin, run) | {"label": None} == {"state": "queued", "mode": "dry_run", "done": 0,
                                                       "total": run.total_lines, "percent": 0, "finished": False,
                                                       "label": None}
    seen = []  # what the page would read while the job works
    writes = import_runs._write_progress

    def watched(path, done):
        writes(path, done)
        seen.append(import_runs.progress(db.session.get(LegacyImportRun, run.id)))

    monkeypatch.setattr(import_runs, "_write_progress", watched)
    assert jobs.run(app, "legacy_imports") == 1
    assert seen and all(state["state"] == "running" for state in seen)
    assert [state["done"] for state in seen] == sorted(state["done"] for state in seen) and seen[-1]["done"] > 0
    assert 0 < seen[-1]["percent"] < 100

    assert progress(admin, run)["state"] == "done" and progress(admin, run)["percent"] == 100
    run = the_run()
    report = json.loads(run.report)
    assert report["lines"] == expected  # the same report, word for word
    assert any(line.startswith("เจ้าหน้าที่") for line in report["lines"])
    assert db.session.scalar(select(func.count()).select_from(Agency)) == agencies_before  # nothing kept
    assert db.session.scalar(select(func.count()).select_from(LegacyAccount)) == 0
    page = admin.get(f"{BASE}{run.id}").get_data(as_text=True)
    assert th("Report of the dry run") in page and html.escape(expected[-1]) in page
    assert 'value="run"' in page

    start(admin, run, "run")
    assert db.session.scalar(select(func.count()).select_from(LegacyAccount)) == 0  # the request did not wait
    assert jobs.run(app, "legacy_imports") == 1
    run = the_run()
    assert run.state == "done" and json.loads(run.report)["lines"] == expected
    assert db.session.scalar(select(func.count()).select_from(LegacyAccount)) == 6
    assert db.session.scalar(select(func.count()).select_from(Agency)) == agencies_before + 10
    # the export holds citizen ids in clear: it is gone once imported
    assert run.files_removed_at is not None and not import_uploads.folder_of(run).exists()
    assert "legacy-imports" in str(import_uploads.folder_of(run))
    assert admin.post(f"{BASE}{run.id}/start", data={"mode": "run"}).status_code == 303
    assert the_run().state == "done"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "legacy_import_run")
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["legacy_import.uploaded", "legacy_import.queued", "legacy_import.dry_run_done",
                       "legacy_import.queued", "legacy_import.run_done"]


def test_the_export_may_be_uploaded_as_its_files(app, demo, login, tmp_path):
    admin = login("admin")
    users = USERS_HEADER + "U-1,นายหนึ่ง ใจดี,one@dlt.go.th,,DLT:manual_author\n"
    answer = upload(admin, (AGENCIES.encode(), "agencies.csv"), (users.encode(), "Users.CSV"))
    assert answer.status_code == 303
    run = the_run()
    assert run.files == "agencies.csv,users.csv"
    start(admin, run, "dry_run")
    start_again = admin.post(f"{BASE}{run.id}/start", data={"mode": "dry_run"}, follow_redirects=True)
    assert th("This import is already waiting or running.") in start_again.get_data(as_text=True)
    jobs.run(app, "legacy_imports")
    assert json.loads(the_run().report)["lines"] == command_report(app, export(tmp_path, users))


@pytest.mark.parametrize("files, message", [
    ([(b"\x89PNG\r\n\x1a\n" + b"0" * 100, "users.csv")], "users.csv ไม่ใช่ไฟล์ CSV หรือ JSONL"),
    ([(b"ref,name\n", "notes.txt")], "notes.txt ไม่ใช่ไฟล์ของข้อมูลส่งออก"),
    ([(b"ref,name\nU-1," + "สมชาย".encode("cp874"), "users.csv")], "ไม่ได้บันทึกเป็นข้อความ UTF-8"),
    ([(b"name,email\nx,y\n", "users.csv")], "บรรทัดแรกต้องเป็นชื่อคอลัมน์"),
    ([(b"PK\x03\x04 not really a zip", "export.zip")], "เปิดไฟล์ ZIP ไม่ได้"),
    ([(b"ref\n", "users.csv"), (b"ref\n", "users.csv")], "ส่งไฟล์ users.csv มาซ้ำสองครั้ง"),
    ([], "เลือกไฟล์ ZIP ของข้อมูลส่งออก"),
])
def test_an_upload_that_is_not_an_export_is_refused_with_a_reason(app, demo, login, files, message):
    admin = login("admin")
    kept_before = kept_folders()
    answer = upload(admin, *files) if files else admin.post(BASE, content_type="multipart/form-data", data={})
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(LegacyImportRun)) == 0
    assert kept_folders() == kept_before  # nothing of a refused upload stays on disk


def kept_folders() -> set[str]:
    root = import_uploads.imports_root()
    return {path.name for path in root.iterdir()} if root.exists() else set()


def test_a_huge_upload_is_refused_clearly_and_nothing_is_kept(app, demo, login, monkeypatch):
    admin = login("admin")
    monkeypatch.setitem(app.config, "LEGACY_IMPORT_MAX_BYTES", 10_000)
    kept_before = kept_folders()
    big = USERS_HEADER.encode() + b"U-1,x,x@dlt.go.th,,DLT:manual_author\n" * 1_000
    answer = upload(admin, (big, "users.csv"))
    assert answer.status_code == 413 and "เกิน 0.0 MB" in answer.get_data(as_text=True)

    # past the request's own cap: turned away before anything is read
    answer = upload(admin, (b"x" * 200_000, "users.csv"))
    assert answer.status_code == 413

    monkeypatch.setitem(app.config, "LEGACY_IMPORT_MAX_BYTES", 1_000_000)
    monkeypatch.setitem(app.config, "LEGACY_IMPORT_MAX_UNPACKED_BYTES", 50_000)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("users.csv", USERS_HEADER + " " * 400_000)  # a few hundred bytes packed
    answer = upload(admin, (out.getvalue(), "export.zip"))
    assert answer.status_code == 413 and "เมื่อแตกออกมีขนาดเกิน" in answer.get_data(as_text=True)
    assert kept_folders() == kept_before
    assert db.session.scalar(select(func.count()).select_from(LegacyImportRun)) == 0


def test_names_inside_a_zip_never_reach_outside_the_imports_folder(app, demo, login):
    admin = login("admin")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("../../escape/users.csv", USERS_HEADER + "U-1,นายหนึ่ง,one@dlt.go.th,,DLT:manual_author\n")
        archive.writestr("/etc/agencies.csv", AGENCIES)
        archive.writestr("readme.txt", "ignored")
    assert upload(admin, (out.getvalue(), "export.zip")).status_code == 303
    folder = import_uploads.folder_of(the_run())
    assert sorted(path.name for path in folder.iterdir()) == ["agencies.csv", "users.csv"]
    assert not (folder.parent.parent / "escape").exists()


def test_hostile_rows_on_the_screen_are_reported_per_line(app, demo, login):
    admin = login("admin")
    users = (USERS_HEADER + "U-NUL,นาย\x00หนึ่ง,one@dlt.go.th,,DLT:manual_author\n"
             "U-LONG,นายสอง,two@dlt.go.th,11037000123461234567,DLT:manual_author\n"
             '"U-CRLF","นาย\r\nสาม",three@dlt.go.th,,DLT:manual_author\n')
    upload(admin, (AGENCIES.encode(), "agencies.csv"), (users.encode(), "users.csv"))
    run = the_run()
    start(admin, run, "dry_run")
    jobs.run(app, "legacy_imports")
    lines = json.loads(the_run().report)["lines"]
    assert any("U-NUL" in line and "อักขระควบคุม" in line for line in lines)
    assert any("U-LONG" in line and "13 หลัก" in line for line in lines)
    assert any("U-CRLF" in line and "อักขระควบคุม" in line for line in lines)
    assert not any("11037000123461234567" in line for line in lines)


def test_only_administrators_open_the_import(app, demo, login, client):
    assert client.get(BASE).status_code == 302  # to the sign-in page
    central = login("central")
    for path in (BASE, f"{BASE}unmatched", f"{BASE}unmatched.csv", f"{BASE}1", f"{BASE}1/progress"):
        assert central.get(path).status_code == 403, path
    assert upload(central, (AGENCIES.encode(), "agencies.csv")).status_code == 403
    assert central.post(f"{BASE}1/start", data={"mode": "run"}).status_code == 403
    admin = login("admin")
    page = admin.get(BASE).get_data(as_text=True)
    assert th("Legacy import") in page and 'id="nav-legacy-import"' in page


def test_the_unmatched_page_and_csv_read_in_constant_queries(app, demo, login, tmp_path, count_queries):
    def officers(first: int, count: int) -> str:
        return USERS_HEADER + "".join(f"U-{n},นายคนที่ {n},u{n}@dlt.go.th,,DLT:manual_author;DLT-CM:service_point_officer\n"
                                      for n in range(first, first + count))

    invoke(app, export(tmp_path, officers(1, 2), name="small"))
    admin = login("admin")
    admin.get(f"{BASE}unmatched")
    with count_queries() as few:
        page = admin.get(f"{BASE}unmatched").get_data(as_text=True)
    assert 'data-ref="U-1"' in page and "เจ้าหน้าที่จุดบริการ · สำนักงานขนส่งจังหวัดเชียงใหม่" in page
    invoke(app, export(tmp_path, officers(3, 20), name="large"))
    with count_queries() as many:
        page = admin.get(f"{BASE}unmatched").get_data(as_text=True)
    assert page.count("data-ref=") == 22
    assert len(many) == len(few)

    answer = admin.get(f"{BASE}unmatched.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    body = answer.get_data(as_text=True)
    assert body.startswith("\ufeffรหัสอ้างอิงในระบบเดิม,ชื่อ-สกุล,อีเมล") and body.count("\n") == 23


def test_a_run_whose_process_ended_is_marked_failed_and_a_live_one_is_left_alone(app, demo):
    from datetime import timedelta

    import time_machine

    from app.core.types import utcnow

    admin = demo.user("admin")
    now = utcnow()
    ended = LegacyImportRun(created_by_id=admin.id, folder="ended-run", files="agencies.csv", total_lines=10,
                            mode="run", state="running", started_at=now - timedelta(minutes=30))
    live = LegacyImportRun(created_by_id=admin.id, folder="live-run", files="agencies.csv", total_lines=10,
                           mode="run", state="running", started_at=now - timedelta(minutes=30))
    db.session.add_all([ended, live])
    db.session.commit()
    import_runs._write_progress(import_runs._progress_path(ended), 3)  # written, then nothing for 11 minutes
    import_runs._write_progress(import_runs._progress_path(live), 3)
    import_runs._fail_stalled()
    assert {run.state for run in (ended, live)} == {"running"}
    with time_machine.travel(now + timedelta(minutes=11), tick=False):
        import_runs._write_progress(import_runs._progress_path(live), 7)  # still writing
        import_runs._fail_stalled()
    db.session.expire_all()
    ended, live = db.session.get(LegacyImportRun, ended.id), db.session.get(LegacyImportRun, live.id)
    assert ended.state == "failed" and ended.error.startswith("กระบวนการที่นำเข้าข้อมูลหยุดไป") and live.state == "running"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "legacy_import.run_failed", AuditEvent.object_id == ended.id)) == 1
    for run in (ended, live):
        import_runs._progress_path(run).unlink(missing_ok=True)
