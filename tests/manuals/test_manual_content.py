"""Writing a manual: content rules, the draft editor, sample forms, revisions and what reviewers see."""

from __future__ import annotations

import contextvars
import io

import pytest
from flask import has_request_context
from sqlalchemy import select

from app.accounts.models import User
from app.core.extensions import db
from app.core.workflow import AuditEvent
from app.manuals.models import ManualAttachment, ManualRevision
from app.manuals.services import manual_content, manual_diff, manual_revisions, manuals
from tests.helpers import complete_content, draft_of, editor_post, manual_titled, open_task, revisions_of

TITLE = "การขอรับใบอนุญาตทดสอบ"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def _new_manual(client, login, demo):
    login("author")
    client.post("/manuals/new", data={"title": TITLE, "agency_id": demo.agency("dopa").id})
    return manual_titled(TITLE)


def _page(response) -> str:
    return response.get_data(as_text=True)


# --- the content rules other parts of the system rely on --------------------------------------------------


def test_clean_normalises_rows_and_keys_errors_by_position(app):
    content, errors = manual_content.clean({
        "common_names": [" ทำบัตรประชาชน ", "ทำบัตรประชาชน", ""],
        "steps": [{"title": "ยื่นคำขอ", "duration": "10", "duration_unit": "minutes"},
                  {"title": "", "description": "", "duration": ""},  # an empty row is dropped
                  {"title": "พิจารณา", "duration": "-3", "duration_unit": "days"}],
        "fees": [{"description": "ค่าธรรมเนียม", "amount": "1,000.50"}],
        "documents": [{"name": "บัตรประชาชน", "originals": "x"}],
        "statistics": {"average": "10", "highest": "5", "lowest": "1"},
    })
    assert content["common_names"] == ["ทำบัตรประชาชน"]
    assert [step["title"] for step in content["steps"]] == ["ยื่นคำขอ", "พิจารณา"]
    assert content["fees"][0]["amount"] == "1000.50"
    assert set(errors) == {"steps.2.duration", "documents.0.originals", "statistics.average"}


def test_clean_refuses_a_fee_list_together_with_no_fee_and_bad_amounts(app):
    _content, errors = manual_content.clean({"no_fee": True, "fees": [{"description": "ค่าธรรมเนียม", "amount": "1.005"}]})
    assert set(errors) == {"no_fee", "fees.0.amount"}


def test_validate_for_submission_names_each_missing_part(app):
    assert set(manual_content.validate_for_submission({})) == {"criteria", "steps", "channels", "fees"}
    complete = {"criteria": "ก", "steps": [{"title": "ข"}], "channels": [{"place": "ค"}], "no_fee": True}
    assert manual_content.validate_for_submission(complete) == {}


def test_total_minutes_counts_days_as_working_days(app):
    steps = [{"duration": 30, "duration_unit": "minutes"}, {"duration": 1.5, "duration_unit": "hours"},
             {"duration": 1, "duration_unit": "days"}, {"duration": None}]
    assert manual_content.total_minutes(steps) == 30 + 90 + 420
    assert manual_content.as_duration(840) == {"value": 2, "unit": "days"}


def test_diff_lists_field_and_row_changes_with_thai_labels(app):
    old = {"criteria": "เดิม", "steps": [{"title": "ยื่นคำขอ", "duration": 10, "duration_unit": "minutes"}],
           "fees": [{"description": "ค่าธรรมเนียม", "amount": "100.00"}]}
    new = {"criteria": "ใหม่", "steps": [{"title": "ยื่นคำขอ", "duration": 15, "duration_unit": "minutes"},
                                         {"title": "พิจารณา"}], "no_fee": True}
    changes = {change.key: change for change in manual_diff.diff(old, new)}
    assert changes["criteria"].kind == "changed" and changes["criteria"].label == "หลักเกณฑ์ วิธีการ เงื่อนไข"
    assert changes["steps.0.duration"].label == "ขั้นตอนที่ 1 · ระยะเวลา"
    assert (changes["steps.0.duration"].old, changes["steps.0.duration"].new) == ("10", "15")
    assert changes["steps.1"].kind == "added" and "พิจารณา" in changes["steps.1"].new
    assert changes["fees.0"].kind == "removed" and changes["no_fee"].kind == "added"
    assert manual_diff.diff(new, new) == []


def test_a_revision_is_submitted_and_compared_with_only_an_app_context(app, demo):
    """Jobs and benchmarks have no request: submitting and comparing (translated labels) must not need one."""
    author_id, agency_id = demo.user("author").id, demo.agency("dopa").id

    def submit_without_a_request():
        # A fresh contextvars context holds no request (the fixture's stays outside it); only this app context.
        with app.app_context():
            assert not has_request_context()
            author = db.session.get(User, author_id)
            manual = manuals.create_manual(author, title=TITLE, agency_id=agency_id)
            revision = manual_revisions.submit(author, manual, title=TITLE, content=complete_content())
            db.session.commit()
            return revision.status, [change.label for change in manual_diff.diff(None, revision.content)]

    status, labels = contextvars.Context().run(submit_without_a_request)
    assert status == "in_review"
    assert "หลักเกณฑ์ วิธีการ เงื่อนไข" in labels  # the default language, Thai


# --- the editor -------------------------------------------------------------------------------------------


def test_author_adds_removes_and_reorders_rows_without_javascript(client, login, demo):
    manual = _new_manual(client, login, demo)
    fields = {"steps-0-title": "พิจารณา", "steps-0-duration": "15", "steps-0-description": "", "steps-0-unit": ""}
    page = _page(editor_post(client, manual, action="add:steps", **fields))
    assert 'name="steps-1-title"' in page and "ไม่มีฉบับร่าง" not in page
    fields |= {"steps-1-title": "ยื่นคำขอ", "steps-1-duration": "10", "steps-1-duration_unit": "minutes"}
    page = _page(editor_post(client, manual, action="up:steps:1", **fields))
    assert page.index('value="ยื่นคำขอ"') < page.index('value="พิจารณา"')
    # nothing is stored until the author saves
    db.session.expire_all()
    assert draft_of(manual).content == {}
    moved = fields | {"steps-0-title": "ยื่นคำขอ", "steps-0-duration": "10",
                      "steps-1-title": "พิจารณา", "steps-1-duration": "15", "steps-1-duration_unit": "minutes",
                      "documents-1-name": "สำเนาทะเบียนบ้าน", "documents-1-copies": "2"}
    assert editor_post(client, manual, **moved).status_code == 302
    db.session.expire_all()
    content = draft_of(manual).content
    assert [step["title"] for step in content["steps"]] == ["ยื่นคำขอ", "พิจารณา"]
    assert [doc["name"] for doc in content["documents"]] == ["บัตรประจำตัวประชาชน", "สำเนาทะเบียนบ้าน"]
    assert content["fees"] == [{"description": "ค่าธรรมเนียม", "amount": "100.00", "remark": ""}]
    page = _page(client.get(f"/manuals/{manual.id}/draft"))
    assert 'id="computed-total"' in page and "25 นาที" in page
    # removing a row and saving drops it
    page = _page(editor_post(client, manual, action="remove:documents:0", **moved))
    assert 'name="documents-1-name"' not in page
    assert 'id="documents-0-name" maxlength="4000" name="documents-0-name" type="text" value="สำเนาทะเบียนบ้าน"' in page
    after_removal = {key: value for key, value in moved.items() if not key.startswith("documents-1-")}
    after_removal |= {"documents-0-name": "สำเนาทะเบียนบ้าน", "documents-0-copies": "2"}
    assert editor_post(client, manual, **after_removal).status_code == 302
    db.session.expire_all()
    assert [doc["name"] for doc in draft_of(manual).content["documents"]] == ["สำเนาทะเบียนบ้าน"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "revision.draft_saved")) is not None


def test_no_fee_and_statistics_are_checked_with_clear_messages(client, login, demo):
    manual = _new_manual(client, login, demo)
    response = editor_post(client, manual, no_fee="y", statistics_average="50", statistics_highest="40",
                           statistics_lowest="-1")
    assert response.status_code == 422
    page = _page(response)
    assert "อย่างใดอย่างหนึ่งเท่านั้น" in page and "ค่าเฉลี่ยต้องไม่มากกว่าค่าสูงสุด" in page
    assert 'id="statistics_lowest-errors"' in page
    response = editor_post(client, manual, no_fee="y", **{"fees-0-description": "", "fees-0-amount": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert draft_of(manual).content["no_fee"] is True
    assert "ไม่มีค่าธรรมเนียม" in _page(client.get(f"/manuals/{manual.id}/revisions/{draft_of(manual).id}"))


def test_categories_and_user_groups_must_come_from_the_catalogue(client, login, demo):
    from app.org.models import CatalogueEntry

    group = CatalogueEntry(kind="user_group", code="test-elderly", name_th="ผู้สูงอายุ (ทดสอบ)", active=True)
    retired = CatalogueEntry(kind="user_group", code="test-retired", name_th="กลุ่มที่เลิกใช้", active=False)
    db.session.add_all([group, retired])
    db.session.commit()
    manual = _new_manual(client, login, demo)
    for wrong in ("987654", str(retired.id)):
        response = editor_post(client, manual, user_group_ids=[wrong])
        assert response.status_code == 422 and 'id="user_group_ids-errors"' in _page(response)
    assert editor_post(client, manual, user_group_ids=[str(group.id)]).status_code == 302
    db.session.expire_all()
    assert draft_of(manual).content["user_group_ids"] == [group.id]
    assert "ผู้สูงอายุ (ทดสอบ)" in _page(client.get(f"/manuals/{manual.id}/revisions/{draft_of(manual).id}"))


def test_two_saves_of_the_same_draft_at_once_do_not_overwrite_each_other(app, client, login, demo):
    manual = _new_manual(client, login, demo)
    loaded = draft_of(manual).row_version  # both tabs loaded the editor at this version
    assert editor_post(client, manual, row_version=loaded, criteria="ฉบับแท็บแรก").status_code == 302
    response = editor_post(client, manual, row_version=loaded, criteria="ฉบับแท็บที่สอง")
    assert response.status_code == 409
    assert "มีผู้อื่นแก้ไขคู่มือนี้ในเวลาเดียวกัน" in _page(response)
    db.session.expire_all()
    assert draft_of(manual).content["criteria"] == "ฉบับแท็บแรก"


def test_a_save_landing_between_reading_and_writing_the_draft_is_a_conflict(app, client, login, demo):
    """The check above cannot see a colleague who saves after it: the version column catches that one."""
    manual = _new_manual(client, login, demo)
    draft = draft_of(manual)
    seen = draft.row_version
    with db.engine.begin() as other:  # a colleague's save commits after this request read the draft
        other.execute(ManualRevision.__table__.update().where(ManualRevision.id == draft.id)
                      .values(content={"criteria": "ของเพื่อน"}, row_version=ManualRevision.row_version + 1))
    with pytest.raises(manual_revisions.ManualChangedMeanwhile):
        manual_revisions.save_draft(demo.user("author"), draft, title=TITLE, content={"criteria": "ของฉัน"},
                                    change_note=None, row_version=seen)
    db.session.rollback()
    assert draft_of(manual).content == {"criteria": "ของเพื่อน"}


def test_a_manual_of_another_agency_cannot_be_edited(client, login, demo):
    login("lg_author")
    manual = manual_titled("การขออนุญาตก่อสร้างอาคาร")
    assert client.get(f"/manuals/{manual.id}/draft").status_code == 200
    login("author")
    assert client.get(f"/manuals/{manual.id}/draft").status_code == 404
    assert editor_post(client, manual, criteria="แอบแก้").status_code == 404


# --- sample forms -------------------------------------------------------------------------------------------


def _attach(client, manual, data: bytes, filename: str, label="แบบคำขอ"):
    return client.post(f"/manuals/{manual.id}/draft/attachments", content_type="multipart/form-data",
                       data={"label": label, "file": (io.BytesIO(data), filename)})


def test_sample_forms_are_checked_by_content_stored_once_and_downloadable(app, client, login, demo):
    manual = _new_manual(client, login, demo)
    response = _attach(client, manual, b"MZ\x90\x00 not really a pdf", "form.pdf")
    assert response.status_code == 422 and "แนบได้เฉพาะไฟล์ PDF, PNG หรือ JPEG" in _page(response)
    app.config["MANUAL_ATTACHMENT_MAX_BYTES"] = 100
    try:
        response = _attach(client, manual, PDF + b"0" * 200, "big.pdf")
        assert response.status_code == 422 and "ไฟล์มีขนาดใหญ่เกินไป" in _page(response)
    finally:
        app.config["MANUAL_ATTACHMENT_MAX_BYTES"] = 5 * 1024 * 1024
    assert db.session.scalar(select(ManualAttachment.id)) is None

    # the upload alone may pass the app-wide request cap (4 MB), up to the sample-form cap (5 MB)
    assert _attach(client, manual, PDF + b"0" * (4 * 1024 * 1024 + 500_000), "scan.pdf").status_code == 302
    assert client.post(f"/manuals/{manual.id}/draft/attachments/{draft_of(manual).attachments[0].id}/delete"
                       ).status_code == 302
    response = _attach(client, manual, PDF + b"0" * (6 * 1024 * 1024), "huge.pdf")
    assert response.status_code == 413 and "ใหญ่เกินไป" in _page(response)

    assert _attach(client, manual, PNG, "scan.bin", label="ตัวอย่างแบบคำขอ").status_code == 302
    attachment = draft_of(manual).attachments[0]
    assert (attachment.content_type, attachment.size, attachment.label) == ("image/png", len(PNG), "ตัวอย่างแบบคำขอ")
    response = client.get(f"/manuals/{manual.id}/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data == PNG and response.mimetype == "image/png"
    login("lg_author")  # another local government: out of scope
    assert client.get(f"/manuals/{manual.id}/attachments/{attachment.id}").status_code == 404
    login("author")
    assert client.post(f"/manuals/{manual.id}/draft/attachments/{attachment.id}/delete").status_code == 302
    db.session.expire_all()
    assert draft_of(manual).attachments == []


# --- revisions ---------------------------------------------------------------------------------------------


def _publish(client, login, manual):
    assert editor_post(client, manual, action="submit").status_code == 302
    for person in ("reviewer", "opdc"):
        login(person)
        assert client.post(f"/tasks/{open_task(manual).id}", data={"decision": "approve"}).status_code == 302
    login("author")


def test_add_revision_copies_the_published_one_and_only_one_draft_exists(client, login, demo):
    manual = _new_manual(client, login, demo)
    _attach(client, manual, PDF, "form.pdf")
    _publish(client, login, manual)
    published = revisions_of(manual)[0]
    assert client.post(f"/manuals/{manual.id}/revisions").status_code == 302
    assert client.post(f"/manuals/{manual.id}/revisions").status_code == 302  # a second click opens the same draft
    db.session.expire_all()
    revisions = revisions_of(manual)
    assert [r.status for r in revisions] == ["published", "draft"]
    draft = revisions[1]
    assert draft.based_on_id == published.id and draft.content == published.content
    assert [(a.label, a.sha256) for a in draft.attachments] == [(a.label, a.sha256) for a in published.attachments]
    page = _page(client.get(f"/manuals/{manual.id}"))
    assert 'id="draft-box"' in page and 'id="add-revision"' not in page
    assert "บัตรประจำตัวประชาชน" in _page(client.get(f"/manuals/{manual.id}/revisions/{published.id}"))


def test_the_review_task_shows_the_revision_and_a_diff_against_the_published_one(client, login, demo):
    manual = _new_manual(client, login, demo)
    _publish(client, login, manual)
    client.post(f"/manuals/{manual.id}/revisions")
    assert editor_post(client, manual, action="submit", **{"steps-0-duration": "20", "fees-0-amount": "200"}
                       ).status_code == 302
    login("reviewer")
    page = _page(client.get(f"/tasks/{open_task(manual).id}"))
    assert 'id="changes-vs-published"' in page
    assert 'data-key="steps.0.duration"' in page and 'data-key="fees.0.amount"' in page
    assert 'data-key="criteria"' not in page  # unchanged fields are not listed
    assert "ขั้นตอนที่ 1 · ระยะเวลา" in page
    # the comparison's labels follow the reader's language, both ways (they are kept as text once a language)
    client.get("/lang/en")
    page = _page(client.get(f"/tasks/{open_task(manual).id}"))
    assert "Step 1 · Duration" in page and "ขั้นตอนที่ 1 · ระยะเวลา" not in page
    client.get("/lang/th")
    assert "ขั้นตอนที่ 1 · ระยะเวลา" in _page(client.get(f"/tasks/{open_task(manual).id}"))

    # OPDC returns it; the corrected revision shows what changed since the agency approved the last one
    client.post(f"/tasks/{open_task(manual).id}", data={"decision": "approve"})
    login("opdc")
    page = _page(client.get(f"/tasks/{open_task(manual).id}"))
    assert "ยังไม่เคยส่งกลับ" in page
    client.post(f"/tasks/{open_task(manual).id}", data={"decision": "return", "comment": "ลดค่าธรรมเนียม"})
    login("author")
    revise = open_task(manual)
    assert "ลดค่าธรรมเนียม" in _page(client.get(f"/tasks/{revise.id}"))
    client.post(f"/manuals/{manual.id}/revisions")
    assert editor_post(client, manual, action="submit", **{"steps-0-duration": "20", "fees-0-amount": "150"}
                       ).status_code == 302
    login("reviewer")
    client.post(f"/tasks/{open_task(manual).id}", data={"decision": "approve"})
    login("opdc")
    page = _page(client.get(f"/tasks/{open_task(manual).id}"))
    since = page[page.index('id="step-one-heading"'):]
    assert 'id="changes-since-step-one"' in since and 'data-key="fees.0.amount"' in since
    assert 'data-key="steps.0.duration"' not in since


def test_the_manual_list_shows_steps_and_published_revisions_in_a_fixed_number_of_queries(
        client, login, demo, count_queries):
    login("author")
    page = _page(client.get("/manuals/"))
    for status in ("published", "step1", "step2", "returned"):
        assert f'data-status="{status}"' in page
    assert "ฉบับที่ 1" in page
    assert 'data-status="published"' in _page(client.get("/manuals/?status=published"))
    assert 'data-status="step1"' not in _page(client.get("/manuals/?status=step2"))
    municipal = _page(client.get(f"/manuals/?agency_id={demo.agency('nakhon_nont').id}"))
    assert "การขอมีบัตรประจำตัวประชาชน" not in municipal  # the author's scope does not reach the municipality
    assert "การขอมีบัตรประจำตัวประชาชน" in _page(client.get("/manuals/?q=บัตรประจำตัว"))
    assert "การแจ้งย้ายที่อยู่" not in _page(client.get("/manuals/?q=บัตรประจำตัว"))
    with count_queries() as few:
        client.get("/manuals/")
    for number in range(12):
        client.post("/manuals/new", data={"title": f"คู่มือเพิ่ม {number}", "agency_id": demo.agency("dopa").id})
    with count_queries() as many:
        assert client.get("/manuals/").status_code == 200
    assert len(many) == len(few)
