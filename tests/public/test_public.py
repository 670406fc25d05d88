"""The public front: Thai substring search, ranking, facets and the index (no sign-in). The pages citizens read:
``test_public_pages.py``."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from app.accounts.models import Role
from app.accounts.services import accounts
from app.core.extensions import db
from app.core.types import utcnow
from app.manuals.models import Manual, ManualRevision, OtherService, RevisionStatus
from app.manuals.services import links
from app.org.services import org
from app.public.models import PublicEntry
from app.public.services import public_index, public_search
from tests.public.helpers import STEPS, publish, titles


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


def test_a_filtered_search_finds_the_same_whether_the_filter_or_the_word_leads(gov, monkeypatch):
    publish(gov.dopa, "การขอมีบัตรประจำตัวประชาชน", {"category_ids": [gov.id_cards.id]})
    publish(gov.dopa, "การขอเปลี่ยนบัตรประจำตัวประชาชน", {"category_ids": [gov.transport.id]})
    publish(gov.dopa, "การแจ้งเกิด", {"category_ids": [gov.id_cards.id]})
    filters = public_search.SearchFilters(category=gov.civil.id)

    narrow = [e.title for e in public_search.search("การขอ", filters).entries]
    monkeypatch.setattr(public_search, "NARROW_FILTER", 0)  # as if the category held most of the country
    broad = [e.title for e in public_search.search("การขอ", filters).entries]

    assert narrow == broad == ["การขอมีบัตรประจำตัวประชาชน"]
