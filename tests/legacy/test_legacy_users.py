"""``users.csv`` of the legacy export: waiting accounts with their roles, re-runs, hostile rows, the unmatched report."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import func, select, text

from app.accounts.models import LegacyAccount, Membership, User
from app.accounts.services import legacy_accounts
from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.org.models import Agency

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "legacy-sample"
AGENCIES = ("ref,parent_ref,kind,code,name_th\n"
            "MOT,,ministry,mot,กระทรวงคมนาคม\n"
            "DLT,MOT,department,dlt,กรมการขนส่งทางบก\n"
            "DLT-CM,DLT,provincial_office,dlt-cm,สำนักงานขนส่งจังหวัดเชียงใหม่\n")
USERS_HEADER = "ref,name,email,citizen_id,roles\n"
SOMSRI_ID = "1103700012346"  # a valid check digit


def invoke(app, folder, *extra):
    result = app.test_cli_runner().invoke(args=["import", "legacy", str(folder), *extra])
    assert result.exit_code == 0, (result.output, result.exception)
    db.session.expire_all()
    return result


def export(tmp_path, users: str, agencies: str = AGENCIES, name: str = "export") -> Path:
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    (folder / "agencies.csv").write_text(agencies, encoding="utf-8")
    (folder / "users.csv").write_bytes(users.encode("utf-8"))
    return folder


def legacy(ref: str) -> LegacyAccount | None:
    return db.session.scalar(select(LegacyAccount).where(LegacyAccount.legacy_ref == ref))


def roles_of(user: User) -> set[tuple[str, str]]:
    return {(m.agency.legacy_ref, m.role) for m in db.session.scalars(select(Membership).where(
        Membership.user_id == user.id))}


def test_the_sample_brings_officers_waiting_for_digital_id_with_their_roles(app):
    result = invoke(app, SAMPLE, "--lang", "en")

    assert "Officers: 6 created, 0 updated, 0 unchanged, 5 rejected" in result.output
    for line, ref, reason in ((8, "U-BAD-AGENCY", "The agency DOH does not exist."),
                              (9, "U-BAD-ROLE", "Unknown role “superuser”."),
                              (10, "U-BAD-MAIL", "The e-mail address “somchai at dlt.go.th” is not valid."),
                              (11, "U-BAD-ID", "The citizen id's check digit does not match"),
                              (12, "U-NO-CONTACT", "Give the officer's e-mail address or citizen id")):
        assert f"Rejected users.csv line {line} ({ref}): {reason}" in result.stderr
    somsri = legacy("U-001")
    user = somsri.user
    assert somsri.state == "pending" and not user.active and user.password_hash is None
    assert user.oidc_subject is None and user.display_name == "นางสาวสมศรี ใจงาม"
    assert roles_of(user) == {("DLT", "central_officer"), ("DLT", "manual_author")}
    assert all(m.source == "legacy" for m in user.memberships)
    assert legacy("U-003").email == "wanpen.s@md.go.th"  # matched without regard to case
    assert legacy("U-004").citizen_id_hash is None
    # the keyed hash, never the id: "1-1037-00012-34-6" in the file
    assert somsri.citizen_id_hash == legacy_accounts.citizen_id_hash(SOMSRI_ID) != SOMSRI_ID
    assert len(somsri.citizen_id_hash) == 64
    assert legacy("U-BAD-AGENCY") is None and legacy("U-BAD-ID") is None


def test_no_citizen_id_is_kept_in_clear_anywhere(app):
    invoke(app, SAMPLE)
    clear_ids = ("1103700012346", "3100500123458", "1509900234565", "1101400456786", "1103700012345")
    for table in ("legacy_account", "user_account", "audit_event", "membership"):
        rows = db.session.execute(text(f"SELECT * FROM {table}")).all()
        dump = repr(rows)
        assert not any(value in dump for value in clear_ids), table


def test_a_second_run_changes_nothing_and_a_changed_officer_is_updated_roles_only_added(app, tmp_path):
    users = USERS_HEADER + f"U-1,นางสาวสมศรี ใจงาม,somsri@dlt.go.th,{SOMSRI_ID},DLT:central_officer\n"
    folder = export(tmp_path, users)
    invoke(app, folder, "--lang", "en")
    again = invoke(app, folder, "--lang", "en")
    assert "Officers: 0 created, 0 updated, 1 unchanged, 0 rejected" in again.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1

    # an administrator took a role away: a re-run does not give it back
    membership = db.session.scalar(select(Membership))
    membership.active = False
    db.session.commit()
    folder = export(tmp_path, USERS_HEADER + f"U-1,นางสาวสมศรี ใจงามยิ่ง,somsri@dlt.go.th,{SOMSRI_ID},"
                                             "DLT:central_officer;DLT-CM:service_point_officer\n")
    changed = invoke(app, folder, "--lang", "en")
    assert "Officers: 0 created, 1 updated, 0 unchanged, 0 rejected" in changed.output
    user = legacy("U-1").user
    assert user.display_name == "นางสาวสมศรี ใจงามยิ่ง"
    assert roles_of(user) == {("DLT", "central_officer"), ("DLT-CM", "service_point_officer")}
    assert not db.session.scalar(select(Membership.active).where(Membership.role == "central_officer"))
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("legacy_account.%"))).all()
    assert sorted(set(actions)) == ["legacy_account.imported", "legacy_account.roles_added", "legacy_account.updated"]


def test_hostile_rows_are_rejected_one_by_one_with_a_reason(app, tmp_path):
    rows = [
        "U-NUL,นาย\x00สมชาย,nul@dlt.go.th,,DLT:manual_author",
        "U-LONG,นายยาว ยาว,long@dlt.go.th,11037000123461234567,DLT:manual_author",
        '"U-CRLF","นายสอง\r\nบรรทัด",crlf@dlt.go.th,,DLT:manual_author',
        "U-NO-ROLE,นายไร้ บทบาท,norole@dlt.go.th,,",
        "U-BAD-SHAPE,นายผิด รูปแบบ,shape@dlt.go.th,,central_officer",
        "U-THAI-DIGITS,นายเลข ไทย,,๑๑๐๓๗๐๐๐๑๒๓๔๖,DLT:manual_author",
        "U-OK,นางสาวดี งาม,ok@dlt.go.th,,DLT:manual_author;DLT:manual_author",
    ]
    result = invoke(app, export(tmp_path, USERS_HEADER + "\n".join(rows) + "\n"), "--lang", "en")

    assert "Officers: 2 created, 0 updated, 0 unchanged, 5 rejected" in result.output
    assert "(U-NUL): The column name holds a control character" in result.stderr
    assert "(U-LONG): The citizen id must be 13 digits." in result.stderr
    assert "(U-CRLF): The column name holds a control character" in result.stderr
    assert "(U-NO-ROLE): The officer has no role at any agency (roles)." in result.stderr
    assert "(U-BAD-SHAPE): Unknown role" in result.stderr or "(U-BAD-SHAPE): Write each role" in result.stderr
    assert "11037000123461234567" not in result.output + result.stderr  # an id is never echoed
    assert legacy("U-THAI-DIGITS").citizen_id_hash == legacy_accounts.citizen_id_hash(SOMSRI_ID)
    assert len(roles_of(legacy("U-OK").user)) == 1
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_a_dry_run_reports_everything_and_keeps_nothing(app):
    dry = app.test_cli_runner().invoke(args=["import", "legacy", str(SAMPLE), "--dry-run", "--lang", "en"])
    assert dry.exit_code == 0, dry.output
    db.session.expire_all()
    assert "Officers: 6 created, 0 updated, 0 unchanged, 5 rejected" in dry.output
    assert db.session.scalar(select(func.count()).select_from(Agency)) == 0
    assert db.session.scalar(select(func.count()).select_from(LegacyAccount)) == 0


def test_an_unreadable_file_stops_the_command_with_a_reason(app, tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "users.csv").write_bytes(b"ref,name\nU-1," + "สมชาย".encode("cp874") + b"\n")
    result = app.test_cli_runner().invoke(args=["import", "legacy", str(folder), "--lang", "en"])
    assert result.exit_code == 1 and "users.csv: The file is not UTF-8 text." in result.output


def test_the_unmatched_report_from_the_command_line_and_as_csv(app, tmp_path):
    invoke(app, SAMPLE)
    target = tmp_path / "unmatched.csv"
    result = app.test_cli_runner().invoke(args=["import", "legacy-unmatched", "--lang", "en", "--csv", str(target)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 7 and lines[0].startswith("U-001\tนางสาวสมศรี ใจงาม\tsomsri.j@dlt.go.th")
    assert lines[-1] == "6 officers not matched yet (0 matched several accounts), 0 matched."
    table = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert table[0] == ["รหัสอ้างอิงในระบบเดิม", "ชื่อ-สกุล", "อีเมล", "มีเลขประจำตัวประชาชน", "บทบาทและหน่วยงาน",
                        "นำเข้าเมื่อ", "พบบัญชีตรงกันหลายบัญชีเมื่อ"]
    assert [row[0] for row in table[1:]] == ["U-001", "U-002", "U-003", "U-004", "U-005", "U-006"]
    assert "กรมการขนส่งทางบก: " in table[1][4]
