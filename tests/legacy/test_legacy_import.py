"""``flask import legacy``: the shipped sample, running twice, changed records, bad records, all-or-nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.manuals.models import Manual, ManualRevision, ManualStatus, Process, RevisionStatus, ServiceLink
from app.org.models import Agency, CatalogueEntry
from app.public.services import public_search

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "legacy-sample"


def _import(app, folder=SAMPLE, *extra):
    result = app.test_cli_runner().invoke(args=["import", "legacy", str(folder), *extra])
    assert result.exit_code == 0, (result.output, result.stderr, result.exception)
    db.session.expire_all()  # the command committed through its own session
    return result


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _by_ref(model, ref):
    return db.session.scalar(select(model).where(model.legacy_ref == ref))


def _rows() -> dict[str, int]:
    return {model.__name__: _count(model) for model in (Agency, Process, Manual, ManualRevision, ServiceLink)}


def _copy_sample(tmp_path) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(SAMPLE, folder)
    return folder


def _rewrite_manual(folder: Path, ref: str, change) -> None:
    path = folder / "manuals.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if f'"ref": "{ref}"' in line:
            record = json.loads(line)
            change(record)
            lines[index] = json.dumps(record, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_sample_loads_agencies_profiles_processes_manuals_and_links(app):
    result = _import(app, SAMPLE, "--lang", "en")

    assert "Agencies: 10 created, 0 updated, 0 unchanged, 3 rejected" in result.output
    assert "Processes: 6 created, 0 updated, 0 unchanged, 1 rejected" in result.output
    assert "Manuals: 6 created, 0 updated, 0 unchanged, 4 rejected" in result.output
    assert "Links: 8 created, 0 updated, 0 unchanged, 1 rejected" in result.output
    assert _rows() == {"Agency": 10, "Process": 6, "Manual": 6, "ManualRevision": 6, "ServiceLink": 16}

    # the tree, although the Chiang Mai office comes before its department in the file
    ministry, department = _by_ref(Agency, "MOT"), _by_ref(Agency, "DLT")
    office, counter = _by_ref(Agency, "DLT-CM"), _by_ref(Agency, "DLT-CM-SP1")
    assert department.parent_id == ministry.id and office.parent_id == department.id
    assert counter.path == f"{office.path}{counter.id}/" and counter.depth == 3
    assert office.path.startswith(ministry.path)
    # a service point's profile
    assert (office.province, office.district, office.postcode) == ("เชียงใหม่", "เมืองเชียงใหม่", "50000")
    assert office.opening_hours.startswith("จันทร์–ศุกร์ 08:30–16:30")
    assert (office.latitude, office.longitude) == (18.7953, 99.0211)
    assert office.publicly_visible and not _by_ref(Agency, "DLT-KK-OLD").publicly_visible
    assert _by_ref(Agency, "CMCITY").kind == "municipality"

    manual = _by_ref(Manual, "M-DL-TEMP")
    revision = manual.published_revision
    assert manual.status == ManualStatus.published and revision.status == RevisionStatus.published
    assert revision.number == 1 and revision.instance_id is None  # published directly, no approval run
    assert manual.process_id == _by_ref(Process, "P-DL-TEMP").id and manual.agency_id == department.id
    content = revision.content
    assert content["common_names"] == ["ทำใบขับขี่ครั้งแรก", "ใบขับขี่ 2 ปี", "สอบใบขับขี่"]
    assert [fee["amount"] for fee in content["fees"]] == ["100.00", "5.00"]
    assert content["steps"][2] == {"title": "อบรมและทดสอบข้อเขียน",
                                   "description": "อบรมภาคทฤษฎี 5 ชั่วโมง และสอบข้อเขียนด้วยคอมพิวเตอร์ 50 ข้อ",
                                   "duration": 6, "duration_unit": "hours", "unit": "ฝ่ายใบอนุญาตขับรถ"}
    category_codes = set(db.session.scalars(select(CatalogueEntry.code)
                                            .where(CatalogueEntry.id.in_(content["category_ids"]))))
    assert category_codes == {"transport", "driving_licence"}
    linked = set(db.session.scalars(select(Agency.legacy_ref).join(ServiceLink, ServiceLink.agency_id == Agency.id)
                                    .where(ServiceLink.manual_id == manual.id)))
    assert linked == {"DLT-CM", "DLT-KK", "DLT-BKK2"}

    # one audit event for the run, with its counts, plus one per record written
    run = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "legacy_import.run"))
    assert run.after["counts"]["manuals"] == {"created": 6, "updated": 0, "unchanged": 0, "rejected": 4}
    published = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "revision.published",
                                                            AuditEvent.object_id == manual.id)).all()
    assert len(published) == 1 and published[0].after["source"] == "legacy_import"


def test_importing_twice_changes_nothing_and_says_unchanged(app):
    _import(app)
    before = _rows()
    events = _count(AuditEvent)

    result = _import(app, SAMPLE, "--lang", "en")

    assert _rows() == before
    assert "Agencies: 0 created, 0 updated, 10 unchanged, 3 rejected" in result.output
    assert "Manuals: 0 created, 0 updated, 6 unchanged, 4 rejected" in result.output
    assert "Links: 0 created, 0 updated, 8 unchanged, 1 rejected" in result.output
    assert _count(AuditEvent) == events + 1  # only the run itself


def test_imported_manuals_are_found_by_the_public_search(app):
    _import(app)

    found = public_search.search("ต่อภาษีรถ")  # a common name, not in the title
    assert [entry.title for entry in found.entries] == ["การชำระภาษีรถประจำปี"]
    in_chiang_mai = public_search.search("ใบขับขี่", public_search.SearchFilters(province="เชียงใหม่"))
    assert {entry.title for entry in in_chiang_mai.entries} == {
        "การขอรับใบอนุญาตขับรถยนต์ส่วนบุคคลชั่วคราว", "การขอต่ออายุใบอนุญาตขับรถยนต์ส่วนบุคคล"}


def test_changed_manual_content_becomes_a_new_published_revision(app, tmp_path):
    _import(app)
    folder = _copy_sample(tmp_path)

    def raise_the_fee(record):
        record["content"]["fees"][0]["amount"] = "150"
        record["content"]["common_names"].append("ใบขับขี่มือใหม่")
        record["published_at"] = "2025-01-15"

    _rewrite_manual(folder, "M-DL-TEMP", raise_the_fee)
    result = _import(app, folder, "--lang", "en")

    assert "Manuals: 0 created, 1 updated, 5 unchanged, 4 rejected" in result.output
    manual = _by_ref(Manual, "M-DL-TEMP")
    first, second = db.session.scalars(select(ManualRevision).where(ManualRevision.manual_id == manual.id)
                                       .order_by(ManualRevision.number)).all()
    assert first.status == RevisionStatus.superseded and first.content["fees"][0]["amount"] == "100.00"
    assert second.status == RevisionStatus.published and second.content["fees"][0]["amount"] == "150.00"
    assert manual.published_revision_id == second.id and second.based_on_id == first.id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "revision.published",
                                                        AuditEvent.object_id == manual.id)
                               .order_by(AuditEvent.id.desc())).first()
    assert event.before == {"published_revision_id": first.id}
    assert event.after["published_revision_id"] == second.id
    assert [entry.manual_id for entry in public_search.search("ใบขับขี่มือใหม่").entries] == [manual.id]


def test_changed_profile_updates_the_agency_and_is_audited(app, tmp_path):
    _import(app)
    folder = _copy_sample(tmp_path)
    path = folder / "agencies.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("053 112 608", "053 112 609"), encoding="utf-8")

    result = _import(app, folder, "--lang", "en")

    assert "Agencies: 0 created, 1 updated, 9 unchanged, 3 rejected" in result.output
    office = _by_ref(Agency, "DLT-CM")
    assert office.phone == "053 112 609"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "legacy_import.agency_updated"))
    assert event.object_id == office.id and event.after == {"phone": "053 112 609"}


def test_invalid_records_are_reported_with_line_and_reason_and_the_rest_loads(app):
    english = _import(app, SAMPLE, "--lang", "en").stderr
    assert "agencies.csv line 12 (DLT-BAD-GEO): The coordinates 98.9853, 18.7883 are outside Thailand." in english
    assert "agencies.csv line 13 (MD-ORPHAN): The parent agency MD-NORTH does not exist." in english
    assert "processes.csv line 8 (P-BAD-TYPE): service_type must be one of" in english
    assert "manuals.jsonl line 7 (M-BAD-FEE): Service channels: Add at least one service channel" in english
    assert "Fee 1 · Amount (baht): Enter an amount in baht" in english
    assert "manuals.jsonl line 8 (M-BAD-CATEGORY): Not in the service catalogue (categories): harbours" in english
    assert "manuals.jsonl line 10 (–): This line is not valid JSON." in english
    assert "links.csv line 10 (–): The process P-DOES-NOT-EXIST does not exist." in english
    for ref in ("DLT-BAD-GEO", "MD-ORPHAN", "CM-BAD-MAIL"):
        assert _by_ref(Agency, ref) is None
    assert _by_ref(Process, "P-BAD-TYPE") is None and _by_ref(Manual, "M-BAD-FEE") is None

    thai = _import(app).stderr  # the application's language by default
    assert "ไม่นำเข้า agencies.csv บรรทัดที่ 12 (DLT-BAD-GEO): พิกัด 98.9853, 18.7883 อยู่นอกประเทศไทย" in thai


def _refuse_manual_links(enable: bool) -> None:
    """A database that refuses a manual's service-point links: the failure comes after the manual was written."""
    if db.engine.dialect.name == "postgresql":
        if enable:
            db.session.execute(text("CREATE FUNCTION refuse_manual_link() RETURNS trigger AS $$ BEGIN "
                                    "IF NEW.manual_id IS NOT NULL THEN RAISE EXCEPTION 'link refused'; END IF; "
                                    "RETURN NEW; END $$ LANGUAGE plpgsql"))
            db.session.execute(text("CREATE TRIGGER refuse_manual_link BEFORE INSERT ON service_link "
                                    "FOR EACH ROW EXECUTE FUNCTION refuse_manual_link()"))
        else:
            db.session.execute(text("DROP TRIGGER IF EXISTS refuse_manual_link ON service_link"))
            db.session.execute(text("DROP FUNCTION IF EXISTS refuse_manual_link()"))
    elif enable:
        db.session.execute(text("CREATE TRIGGER refuse_manual_link BEFORE INSERT ON service_link "
                                "WHEN NEW.manual_id IS NOT NULL BEGIN SELECT RAISE(ABORT, 'link refused'); END"))
    else:
        db.session.execute(text("DROP TRIGGER IF EXISTS refuse_manual_link"))
    db.session.commit()


@pytest.fixture
def refusing_manual_links(app):
    _refuse_manual_links(True)
    yield
    db.session.rollback()
    _refuse_manual_links(False)


def test_a_manual_failing_half_way_leaves_nothing_of_itself(app, refusing_manual_links):
    result = _import(app, SAMPLE, "--lang", "en")

    assert "(M-DL-TEMP): " in result.stderr and "link refused" in result.stderr
    # manuals with service points failed at their links: neither the manual nor its revision nor their audit remain
    for ref in ("M-DL-TEMP", "M-DL-RENEW", "M-CAR-TAX", "M-BOAT"):
        assert _by_ref(Manual, ref) is None
    # the others went on: manuals without service points, processes and their links
    survivors = {m.id: m.legacy_ref for m in db.session.scalars(select(Manual))}
    assert set(survivors.values()) == {"M-CAR-TRANSFER", "M-BUILD"}
    audited = db.session.scalars(select(AuditEvent.object_id).where(AuditEvent.object_type == "manual")).all()
    assert set(audited) == set(survivors) and len(audited) == 4  # created + published, for the survivors only
    assert _count(ManualRevision) == 2 and _count(Process) == 6
    assert _count(ServiceLink) == 7  # process links only
    assert "Manuals: 2 created, 0 updated, 0 unchanged, 8 rejected" in result.output

    _refuse_manual_links(False)
    retried = _import(app, SAMPLE, "--lang", "en")  # the next run brings in what failed
    assert "Manuals: 4 created, 0 updated, 2 unchanged, 4 rejected" in retried.output
    assert _count(Manual) == 6


def test_a_manual_in_review_in_the_back_office_is_not_overwritten(app, tmp_path):
    from app.accounts.services import accounts
    from app.manuals.services import manual_revisions

    _import(app)
    manual = _by_ref(Manual, "M-CAR-TAX")
    author = accounts.create_user("dlt_author", "ผู้จัดทำคู่มือ กรมการขนส่งทางบก", "secret-pass")
    accounts.grant(author, _by_ref(Agency, "DLT").id, "manual_author")
    content = dict(manual.published_revision.content, remark="ปรับปรุงในระบบใหม่")
    manual_revisions.submit(author, manual, title=manual.title, content=content, change_note="แก้ไข")
    db.session.commit()

    unchanged = _import(app, SAMPLE, "--lang", "en")  # the export did not change: nothing to refuse
    assert "Manuals: 0 created, 0 updated, 6 unchanged, 4 rejected" in unchanged.output

    folder = _copy_sample(tmp_path)
    _rewrite_manual(folder, "M-CAR-TAX", lambda record: record["content"].update(remark="แก้ไขในระบบเดิม"))
    result = _import(app, folder, "--lang", "en")

    assert "(M-CAR-TAX): A revision of this manual is in review in the back office" in result.stderr
    manual = _by_ref(Manual, "M-CAR-TAX")
    assert manual.status == ManualStatus.in_review
    assert [r.status for r in db.session.scalars(select(ManualRevision).where(ManualRevision.manual_id == manual.id)
                                                  .order_by(ManualRevision.number))] == ["published", "in_review"]


def test_an_agency_given_another_parent_moves_with_everything_below_it(app, tmp_path):
    _import(app)
    folder = _copy_sample(tmp_path)
    path = folder / "agencies.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("DLT-KK,DLT,provincial_office", "DLT-KK,MD,provincial_office"),
                    encoding="utf-8")

    result = _import(app, folder, "--lang", "en")

    assert "Agencies: 0 created, 1 updated, 9 unchanged, 3 rejected" in result.output
    marine, office, closed = _by_ref(Agency, "MD"), _by_ref(Agency, "DLT-KK"), _by_ref(Agency, "DLT-KK-OLD")
    assert office.parent_id == marine.id and office.path == f"{marine.path}{office.id}/"
    assert closed.path == f"{office.path}{closed.id}/" and closed.depth == office.depth + 1
