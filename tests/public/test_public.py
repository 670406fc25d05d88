"""The public front: Thai substring search, ranking, facets, and the pages citizens read (no sign-in)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from app.accounts.models import Role
from app.accounts.services import accounts
from app.core import file_store
from app.core.extensions import db
from app.core.types import utcnow
from app.manuals.models import Manual, ManualAttachment, ManualRevision, OtherService, RevisionStatus
from app.manuals.services import links
from app.org.models import Agency, CatalogueEntry
from app.org.services import agencies, org
from app.public.models import PublicEntry
from app.public.services import public_index, public_search
from tests.clock import SUITE_START

STEPS = [
    {"title": "ยื่นคำขอและตรวจสอบเอกสาร", "description": "", "duration": 10, "duration_unit": "minutes",
     "unit": "งานทะเบียน"},
    {"title": "ถ่ายรูปและพิมพ์บัตร", "description": "", "duration": 20, "duration_unit": "minutes", "unit": "งานบัตร"},
]


class Government:
    """A ministry, a department with two service points, a catalogue, and an officer who may link and hide."""

    def __init__(self):
        self.ministry = agencies.create(kind="ministry", name_th="กระทรวงมหาดไทย", code="pub_moi")
        self.dopa = agencies.create(kind="department", name_th="กรมการปกครอง", code="pub_dopa",
                                    name_en="Department of Provincial Administration", parent=self.ministry)
        self.dopa.province = "กรุงเทพมหานคร"
        self.dlt = agencies.create(kind="department", name_th="กรมการขนส่งทางบก", code="pub_dlt", parent=self.ministry)
        self.dlt.province = "กรุงเทพมหานคร"
        self.bangrak = agencies.create(kind="service_point", name_th="สำนักงานเขตบางรัก", code="pub_bangrak",
                                       parent=self.dopa)
        self.bangrak.province, self.bangrak.address = "กรุงเทพมหานคร", "ถนนนเรศ แขวงสี่พระยา"
        self.bangrak.opening_hours, self.bangrak.latitude, self.bangrak.longitude = "จันทร์–ศุกร์ 08:30–16:30", 13.73, 100.52
        self.chiangmai = agencies.create(kind="service_point", name_th="ที่ว่าการอำเภอเมืองเชียงใหม่", code="pub_cm",
                                         parent=self.dopa)
        self.chiangmai.province = "เชียงใหม่"
        self.civil = CatalogueEntry(kind="category", code="pub_civil", name_th="ทะเบียนราษฎร", name_en="Civil registration",
                                    position=1)
        self.transport = CatalogueEntry(kind="category", code="pub_transport", name_th="ใบขับขี่และยานพาหนะ", position=2)
        self.citizens = CatalogueEntry(kind="user_group", code="pub_citizens", name_th="ประชาชนทั่วไป")
        db.session.add_all([self.civil, self.transport, self.citizens])
        db.session.flush()
        self.id_cards = CatalogueEntry(kind="category", code="pub_idcard", name_th="บัตรประจำตัวประชาชน",
                                       parent_id=self.civil.id)
        db.session.add(self.id_cards)
        self.officer = accounts.create_user("pub_officer", "เจ้าหน้าที่ส่วนกลาง", "secret-pass")
        accounts.grant(self.officer, self.dopa.id, Role.central_officer.value)
        db.session.commit()


def publish(agency, title, content=None, *, manual=None, attachment_bytes=None):
    """A manual whose newest revision is published (as the approval workflow leaves it), indexed."""
    if manual is None:
        manual = Manual(title=title, agency_id=agency.id, status="published")
        db.session.add(manual)
        db.session.flush()
    number = 1 + (db.session.scalar(select(func.max(ManualRevision.number))
                                    .where(ManualRevision.manual_id == manual.id)) or 0)
    # Written as a draft (sample forms attach to drafts only), then published.
    revision = ManualRevision(manual_id=manual.id, number=number, title=title, status=RevisionStatus.draft,
                              content=content or {})
    db.session.add(revision)
    db.session.flush()
    if attachment_bytes is not None:
        sha = hashlib.sha256(attachment_bytes).hexdigest()
        path = file_store.path_for(sha)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(attachment_bytes)
        db.session.add(ManualAttachment(revision_id=revision.id, label="แบบคำขอ บ.ป.1", filename="form.pdf",
                                        content_type="application/pdf", size=len(attachment_bytes), sha256=sha))
        db.session.flush()
    revision.status, revision.published_at = RevisionStatus.published, utcnow()
    if manual.published_revision is not None:
        manual.published_revision.status = RevisionStatus.superseded
    manual.published_revision_id, manual.title = revision.id, title
    db.session.flush()
    public_index.index_manual(manual.id)
    db.session.commit()
    return manual


def titles(page_html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r'<h2 class="h6 mb-1">\s*<a href="[^"]+">(.*?)</a>',
                                                           page_html)]


@pytest.fixture
def gov(app):
    return Government()


def test_thai_substring_search_needs_no_word_breaks(client, gov):
    publish(gov.dopa, "การขอมีบัตรประจำตัวประชาชน", {"common_names": ["ทำบัตรประชาชน"], "steps": STEPS})
    publish(gov.dlt, "การขอใบอนุญาตขับรถยนต์", {"common_names": ["ทำใบขับขี่"]})

    page = client.get("/search", query_string={"q": "บัตรประชา"}).get_data(as_text=True)

    assert titles(page) == ["การขอมีบัตรประจำตัวประชาชน"]  # found through the common name, mid-word
    assert "ทำ<mark>บัตรประชา</mark>ชน" in page
    assert titles(client.get("/search?q=ทำใบขับ").get_data(as_text=True)) == ["การขอใบอนุญาตขับรถยนต์"]
    assert titles(client.get("/search?q=กรมการปกครอง").get_data(as_text=True)) == ["การขอมีบัตรประจำตัวประชาชน"]
    assert titles(client.get("/search?q=หนังสือเดินทาง").get_data(as_text=True)) == []


def test_a_short_query_falls_back_to_a_scan_and_says_so(client, gov):
    publish(gov.dopa, "การขอมีบัตรประจำตัวประชาชน", {"common_names": ["ทำบัตร"]})
    publish(gov.dlt, "การขอใบอนุญาตขับรถยนต์")

    page = client.get("/search?q=บั").get_data(as_text=True)

    assert titles(page) == ["การขอมีบัตรประจำตัวประชาชน"]
    assert 'id="short-terms-note"' in page and "สั้นกว่า 3 ตัวอักษร" in page
    assert 'id="short-terms-note"' not in client.get("/search?q=บัตร").get_data(as_text=True)


def test_results_rank_exact_title_then_title_then_common_name_then_tag_then_other_text(client, gov):
    publish(gov.dlt, "ทดสอบสมรรถภาพผู้ขับรถ", {"tags": ["ใบขับขี่"]})
    publish(gov.dlt, "ขอใบอนุญาตขับรถ", {"common_names": ["ใบขับขี่สากล"]})
    publish(gov.dlt, "ตรวจสภาพรถ", {"category_ids": [gov.transport.id]})  # matches the category's name only
    publish(gov.dlt, "ต่ออายุใบขับขี่")
    publish(gov.dlt, "ใบขับขี่")

    page = client.get("/search?q=ใบขับขี่").get_data(as_text=True)

    assert titles(page) == ["ใบขับขี่", "ต่ออายุใบขับขี่", "ขอใบอนุญาตขับรถ", "ทดสอบสมรรถภาพผู้ขับรถ", "ตรวจสภาพรถ"]


def test_words_typed_apart_rank_the_service_that_has_them_all_first(client, gov):
    # The birth certificate lists the ID card among its documents: other text only.
    publish(gov.dopa, "การแจ้งเกิด", {"common_names": ["แจ้งเกิดลูก"],
                                      "documents": [{"name": "บัตรประจำตัวประชาชนของบิดามารดา"}]})
    publish(gov.dopa, "การขอมีบัตรประจำตัวประชาชน", {"common_names": ["ทำบัตรประชาชน"]})
    publish(gov.dopa, "การขอเลขประจำบ้าน", {"common_names": ["บ้านเลขที่สำหรับประชาชน"]})

    found = titles(client.get("/search", query_string={"q": "บัตร ประชาชน"}).get_data(as_text=True))

    assert found[0] == "การขอมีบัตรประจำตัวประชาชน"
    assert found.index("การขอมีบัตรประจำตัวประชาชน") < found.index("การแจ้งเกิด") if "การแจ้งเกิด" in found else True


def test_facets_count_the_matches_and_narrow_them(client, gov):
    id_card = publish(gov.dopa, "การขอมีบัตรประจำตัวประชาชน",
                      {"common_names": ["ทำบัตรประชาชน"], "category_ids": [gov.id_cards.id],
                       "user_group_ids": [gov.citizens.id]})
    publish(gov.dopa, "การแจ้งเกิด", {"common_names": ["แจ้งเกิดลูก"], "category_ids": [gov.civil.id]})
    publish(gov.dlt, "การขอใบอนุญาตขับรถยนต์", {"category_ids": [gov.transport.id]})
    links.link(gov.officer, gov.chiangmai.id, "manual", id_card.id)
    db.session.commit()

    result = public_search.search("การ")
    counts = {facet: {v.label_th: v.count for v in values} for facet, values in result.facets.items()}
    assert counts["category"] == {"ทะเบียนราษฎร": 2, "บัตรประจำตัวประชาชน": 1, "ใบขับขี่และยานพาหนะ": 1}
    assert counts["user_group"] == {"ประชาชนทั่วไป": 1}
    assert counts["agency"] == {"กรมการปกครอง": 2, "กรมการขนส่งทางบก": 1}
    assert counts["province"] == {"กรุงเทพมหานคร": 3, "เชียงใหม่": 1}  # the linked service point's province

    # A main category holds the services of its sub categories.
    assert sorted(titles(client.get(f"/search?q=การ&category={gov.civil.id}").get_data(as_text=True))) == [
        "การขอมีบัตรประจำตัวประชาชน", "การแจ้งเกิด"]
    page = client.get("/search", query_string={"province": "เชียงใหม่"}).get_data(as_text=True)
    assert titles(page) == ["การขอมีบัตรประจำตัวประชาชน"]
    assert titles(client.get(f"/search?agency={gov.dlt.id}").get_data(as_text=True)) == ["การขอใบอนุญาตขับรถยนต์"]
    assert titles(client.get(f"/search?user_group={gov.citizens.id}&category={gov.transport.id}")
                  .get_data(as_text=True)) == []
    # The chosen facet value links back to the results without it.
    page = client.get(f"/search?q=การ&agency={gov.dlt.id}").get_data(as_text=True)
    assert 'aria-current="true"' in page and 'href="/search?q=%E0%B8%81%E0%B8%B2%E0%B8%A3"' in page


def test_only_published_content_of_shown_agencies_is_found_or_shown(client, gov):
    draft = Manual(title="คู่มือที่ยังไม่เผยแพร่ ทำบัตร", agency_id=gov.dopa.id)
    db.session.add(draft)
    db.session.flush()
    db.session.add(ManualRevision(manual_id=draft.id, number=1, title=draft.title, content={"common_names": ["ทำบัตร"]},
                                  status=RevisionStatus.in_review))
    published = OtherService(agency_id=gov.dopa.id, title="ตรวจสอบสถานะบัตร", status="published",
                             content={"common_names": ["เช็คบัตร"]}, published_at=utcnow())
    hidden = OtherService(agency_id=gov.dopa.id, title="บริการที่ซ่อนแล้ว บัตร", status="hidden")
    db.session.add_all([published, hidden])
    db.session.flush()
    for model_id in (draft.id,):
        public_index.index_manual(model_id)
    public_index.index_other_service(published.id)
    public_index.index_other_service(hidden.id)
    db.session.commit()

    assert titles(client.get("/search?q=บัตร").get_data(as_text=True)) == ["ตรวจสอบสถานะบัตร"]
    assert client.get(f"/services/m/{draft.id}").status_code == 404
    assert client.get(f"/services/o/{hidden.id}").status_code == 404
    page = client.get(f"/services/o/{published.id}")
    assert page.status_code == 200 and "ตรวจสอบสถานะบัตร" in page.get_data(as_text=True)
    assert client.get("/services/m/999999").status_code == 404


def test_a_republish_replaces_the_entry(client, gov):
    manual = publish(gov.dopa, "การขอมีบัตรประจำตัวประชาชน", {"common_names": ["ทำบัตรประชาชน"]})
    first = manual.published_revision_id
    publish(gov.dopa, "การขอมีบัตรประจำตัวประชาชน (ฉบับปรับปรุง)", {"common_names": ["ทำบัตรใหม่"]}, manual=manual)

    assert db.session.scalar(select(func.count()).select_from(PublicEntry)) == 1
    assert titles(client.get("/search?q=ทำบัตรประชาชน").get_data(as_text=True)) == []
    assert titles(client.get("/search?q=ทำบัตรใหม่").get_data(as_text=True)) == [
        "การขอมีบัตรประจำตัวประชาชน (ฉบับปรับปรุง)"]
    assert manual.published_revision_id != first


def test_the_manual_page_reads_in_the_citizens_order(client, gov):
    content = {
        "common_names": ["ทำบัตรประชาชน"], "category_ids": [gov.id_cards.id],
        "criteria": "ผู้มีสัญชาติไทยอายุ 7 ปีขึ้นไป",
        "channels": [{"place": "สำนักงานเขตทุกแห่ง", "address": "ทั่วประเทศ", "hours": "08:30–15:30", "remark": ""}],
        "steps": STEPS,
        "documents": [{"name": "สูติบัตร", "issuer": "สำนักทะเบียน", "originals": 1, "copies": 0, "remark": ""}],
        "no_fee": True,
        "complaint_channels": [{"channel": "สายด่วน 1548", "detail": "ทุกวัน"}],
        "statistics": {"average": 120, "highest": 300, "lowest": 50},
    }
    manual = publish(gov.dopa, "การขอมีบัตรประจำตัวประชาชน", content, attachment_bytes=b"%PDF-1.4 form")
    links.link(gov.officer, gov.bangrak.id, "manual", manual.id)
    db.session.commit()

    page = client.get(f"/services/m/{manual.id}").get_data(as_text=True)

    order = ["การขอมีบัตรประจำตัวประชาชน", "กรมการปกครอง", "หลักเกณฑ์ วิธีการ เงื่อนไข", "สำนักงานเขตทุกแห่ง",
             "ขั้นตอนการให้บริการ", "ยื่นคำขอและตรวจสอบเอกสาร", "10 นาที", "งานทะเบียน", "ระยะเวลาดำเนินการรวม",
             "30 นาที", "เอกสารหลักฐานประกอบ", "สูติบัตร", "ค่าธรรมเนียม", "ไม่มีค่าธรรมเนียม",
             "ช่องทางการร้องเรียน", "สายด่วน 1548", "แบบฟอร์มตัวอย่าง", "สถิติการให้บริการต่อเดือน", "120 เรื่อง",
             "สถานที่ให้บริการ", "สำนักงานเขตบางรัก"]
    positions = [page.index(text) for text in order]
    assert positions == sorted(positions)
    assert '<html lang="th">' in page and 'name="viewport"' in page and "เข้าสู่ระบบ" not in page

    form = db.session.scalar(select(ManualAttachment))
    download = client.get(f"/services/m/{manual.id}/forms/{form.id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 form"

    # A new revision with fees; its predecessor's sample form is no longer served.
    publish(gov.dopa, "การขอมีบัตรประจำตัวประชาชน", {**content, "no_fee": False,
                                                     "fees": [{"description": "บัตรหาย", "amount": "100.00",
                                                               "remark": ""}]}, manual=manual)
    page = client.get(f"/services/m/{manual.id}").get_data(as_text=True)
    assert "บัตรหาย: 100.00 บาท" in page and "ไม่มีค่าธรรมเนียม" not in page
    assert client.get(f"/services/m/{manual.id}/forms/{form.id}").status_code == 404


def test_the_service_point_page_lists_what_it_provides_and_disappears_when_hidden(client, gov):
    manual = publish(gov.dopa, "การขอมีบัตรประจำตัวประชาชน", {"common_names": ["ทำบัตรประชาชน"]})
    links.link(gov.officer, gov.bangrak.id, "manual", manual.id)
    db.session.commit()

    page = client.get(f"/places/{gov.bangrak.id}").get_data(as_text=True)
    assert "สำนักงานเขตบางรัก" in page and "ถนนนเรศ" in page and "จันทร์–ศุกร์ 08:30–16:30" in page
    assert "https://www.openstreetmap.org/?mlat=13.73&amp;mlon=100.52" in page
    assert f'href="/services/m/{manual.id}"' in page
    assert "กรุงเทพมหานคร" in {v.value for v in public_search.search("ทำบัตร").facets["province"]}

    org.set_visibility(gov.officer, gov.bangrak.id, False)
    db.session.commit()

    assert client.get(f"/places/{gov.bangrak.id}").status_code == 404
    assert "สำนักงานเขตบางรัก" not in client.get(f"/services/m/{manual.id}").get_data(as_text=True)
    assert client.get(f"/places/{gov.chiangmai.id}").status_code == 200


def test_home_is_the_public_front_for_everyone(client, login, gov):
    publish(gov.dopa, "การขอมีบัตรประจำตัวประชาชน", {"category_ids": [gov.id_cards.id]})

    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'type="search"' in html and 'for="q"' in html
    assert f'href="/search?category={gov.civil.id}"' in html and "ทะเบียนราษฎร" in html
    assert re.search(r'href="/login" id="for-officers"', html)

    login("pub_officer")
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/tasks/" id="for-officers"', html)

    client.get("/lang/en?next=/")
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Civil registration" in html and "For officers" in html


def test_the_reindex_command_rebuilds_the_index(app, client, gov):
    manual = publish(gov.dopa, "การขอมีบัตรประจำตัวประชาชน", {"common_names": ["ทำบัตรประชาชน"]})
    gov.dopa.name_th = "กรมการปกครอง (ชื่อใหม่)"
    db.session.commit()  # changed without telling the index

    result = app.test_cli_runner().invoke(args=["public", "reindex"])

    assert result.exit_code == 0 and "1 entries" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(PublicEntry.agency_name_th).where(PublicEntry.manual_id == manual.id)) == \
        "กรมการปกครอง (ชื่อใหม่)"
    assert titles(client.get("/search?q=ทำบัตร").get_data(as_text=True)) == ["การขอมีบัตรประจำตัวประชาชน"]


def test_search_and_pages_run_a_fixed_number_of_queries(client, gov, count_queries):
    def add(count, offset):
        for number in range(offset, offset + count):
            manual = publish(gov.dopa, f"บริการทำบัตรแบบที่ {number}",
                             {"common_names": [f"ทำบัตร {number}"], "category_ids": [gov.id_cards.id],
                              "user_group_ids": [gov.citizens.id]})
            links.link(gov.officer, gov.bangrak.id, "manual", manual.id)
            db.session.commit()
        return manual

    def measure(manual):
        counts = []
        for url in ("/search?q=ทำบัตร", "/search?q=บั", f"/search?q=ทำบัตร&category={gov.civil.id}",
                    f"/services/m/{manual.id}", f"/places/{gov.bangrak.id}", "/"):
            db.session.expire_all()
            with count_queries() as statements:
                assert client.get(url).status_code == 200
            counts.append(len(statements))
        return counts

    few = measure(add(2, 0))
    many = measure(add(25, 2))  # more than a page of results
    assert few == many


def test_published_at_is_shown_in_the_buddhist_era(client, gov):
    manual = publish(gov.dopa, "การขอมีบัตรประจำตัวประชาชน")
    revision = db.session.get(ManualRevision, manual.published_revision_id)
    revision.published_at = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    db.session.commit()
    public_index.index_manual(manual.id)
    db.session.commit()
    assert "22 พ.ย. 2569" in client.get(f"/services/m/{manual.id}").get_data(as_text=True)


def test_a_service_points_new_province_reaches_the_search_facets(client, gov):
    manual = publish(gov.dopa, "การขอมีบัตรประจำตัวประชาชน", {"common_names": ["ทำบัตรประชาชน"]})
    links.link(gov.officer, gov.chiangmai.id, "manual", manual.id)
    db.session.commit()
    assert titles(client.get("/search", query_string={"province": "เชียงใหม่"}).get_data(as_text=True)) == [
        "การขอมีบัตรประจำตัวประชาชน"]

    values = {name: getattr(gov.chiangmai, name) for name in org.PROFILE_FIELDS}
    org.update_profile(gov.officer, gov.chiangmai.id, {**values, "province": "ลำพูน"},
                       expected_version=gov.chiangmai.row_version)
    db.session.commit()

    assert titles(client.get("/search", query_string={"province": "เชียงใหม่"}).get_data(as_text=True)) == []
    assert titles(client.get("/search", query_string={"province": "ลำพูน"}).get_data(as_text=True)) == [
        "การขอมีบัตรประจำตัวประชาชน"]


def test_an_empty_search_goes_back_to_the_home_page_and_a_category_lists_the_newest_first(client, gov):
    older = publish(gov.dopa, "การแจ้งเกิด", {"category_ids": [gov.civil.id]})
    publish(gov.dopa, "การแจ้งตาย", {"category_ids": [gov.civil.id]})
    revision = db.session.get(ManualRevision, older.published_revision_id)
    revision.published_at = datetime(2020, 1, 1, tzinfo=UTC)
    public_index.index_manual(older.id)
    db.session.commit()

    response = client.get("/search?q=++")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert titles(client.get(f"/search?category={gov.civil.id}").get_data(as_text=True)) == ["การแจ้งตาย",
                                                                                             "การแจ้งเกิด"]


def test_a_category_renamed_by_the_administrator_is_searchable_under_its_new_name(client, login, gov):
    publish(gov.dopa, "การขอมีบัตรประจำตัวประชาชน", {"category_ids": [gov.id_cards.id]})
    admin = accounts.create_user("pub_admin", "ผู้ดูแลระบบ", "secret-pass")
    accounts.grant(admin, gov.ministry.id, Role.admin.value)
    db.session.commit()
    login(admin.username)

    response = client.post(f"/admin/catalogue/entries/{gov.id_cards.id}",
                           data={"name_th": "บัตรประชาชนและเอกสารแสดงตน", "name_en": ""})

    assert response.status_code == 302
    assert titles(client.get("/search?q=เอกสารแสดงตน").get_data(as_text=True)) == ["การขอมีบัตรประจำตัวประชาชน"]


def test_a_broad_word_shows_the_closest_matches_and_asks_for_a_narrower_search(client, gov, monkeypatch):
    monkeypatch.setattr(public_search, "CANDIDATE_LIMIT", 3)
    title_match = publish(gov.dopa, "ใบอนุญาตทั่วไป")  # the oldest entry: a title match must never be crowded out
    for number in range(5):
        publish(gov.dlt, f"บริการที่ {number}", {"tags": ["ใบอนุญาต"]})

    result = public_search.search("ใบอนุญาต")
    page = client.get("/search?q=ใบอนุญาต").get_data(as_text=True)

    assert result.more and result.total == 3 and result.pages == 1
    assert result.entries[0].manual_id == title_match.id
    assert titles(page)[0] == "ใบอนุญาตทั่วไป" and 'id="more-note"' in page
    assert "มากกว่า 3 บริการ" in page
    assert not public_search.search("ทั่วไป").more


def test_a_manual_with_sparse_content_still_reads_well(client, gov):
    manual = publish(gov.dopa, "การขอคัดสำเนาทะเบียนบ้าน", {
        "steps": [{"title": "ยื่นคำขอ"}], "statistics": {"average": 40}, "fees": []})

    page = client.get(f"/services/m/{manual.id}")
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    assert "ยื่นคำขอ" in html and "40 เรื่อง" in html and "ไม่มีค่าธรรมเนียม" in html
    assert "ต่ำสุด" not in html and "Undefined" not in html and 'id="total-time"' not in html


def test_a_filtered_search_finds_the_same_whether_the_filter_or_the_word_leads(gov, monkeypatch):
    publish(gov.dopa, "การขอมีบัตรประจำตัวประชาชน", {"category_ids": [gov.id_cards.id]})
    publish(gov.dopa, "การขอเปลี่ยนบัตรประจำตัวประชาชน", {"category_ids": [gov.transport.id]})
    publish(gov.dopa, "การแจ้งเกิด", {"category_ids": [gov.id_cards.id]})
    filters = public_search.SearchFilters(category=gov.civil.id)

    narrow = [e.title for e in public_search.search("การขอ", filters).entries]
    monkeypatch.setattr(public_search, "NARROW_FILTER", 0)  # as if the category held most of the country
    broad = [e.title for e in public_search.search("การขอ", filters).entries]

    assert narrow == broad == ["การขอมีบัตรประจำตัวประชาชน"]


def test_a_manual_page_states_the_law_and_its_time_limit(client, demo):
    manual = db.session.scalar(select(Manual).where(Manual.title == "การขอมีบัตรประจำตัวประชาชน",
                                                    Manual.published_revision_id.is_not(None)))
    page = client.get(f"/services/m/{manual.id}").get_data(as_text=True)
    assert "กฎหมายที่เกี่ยวข้อง" in page
    assert "พระราชบัญญัติบัตรประจำตัวประชาชน พ.ศ. 2526" in page.split('id="legal-basis"')[1].split("</dd>")[0]
    assert "1 วัน" in page.split('id="legal-time-limit"')[1].split("</dd>")[0]


def test_the_demo_front_looks_like_a_real_one(app, client):
    """``flask demo load`` publishes manuals in several categories and places, so a newcomer's front is not empty."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the demo's content is the same on both databases")
    from app import demo as demo_data

    with time_machine.travel(SUITE_START, tick=False):
        demo_data.load("secret-pass", public_front=True)
        db.session.commit()
    home = client.get("/").get_data(as_text=True)
    counts = [int(n) for n in re.findall(r'class="badge[^"]*"[^>]*>(\d+)<', home)]
    assert sum(1 for n in counts if n) >= 4, counts
    found = titles(client.get("/search", query_string={"q": "เบี้ย"}).get_data(as_text=True))
    assert {"การขอรับเบี้ยยังชีพผู้สูงอายุ", "การขอรับเบี้ยความพิการ"} <= set(found)
    place = db.session.scalar(select(Agency).where(Agency.code == "sp_pakkret"))
    assert "การแจ้งเกิด" in client.get(f"/places/{place.id}").get_data(as_text=True)
