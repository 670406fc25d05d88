"""The pages citizens read on the public front (no sign-in): a manual in the citizen's order with its law and time
limit, a service point's page, the home page, dates in the Buddhist era, and the demo's front."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select

from app.core.extensions import db
from app.manuals.models import Manual, ManualAttachment, ManualRevision
from app.manuals.services import links
from app.org.models import Agency
from app.org.services import org
from app.public.services import public_index, public_search
from tests.clock import SUITE_START
from tests.public.helpers import STEPS, publish, titles


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


def test_published_at_is_shown_in_the_buddhist_era(client, gov):
    manual = publish(gov.dopa, "การขอมีบัตรประจำตัวประชาชน")
    revision = db.session.get(ManualRevision, manual.published_revision_id)
    revision.published_at = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    db.session.commit()
    public_index.index_manual(manual.id)
    db.session.commit()
    assert "22 พ.ย. 2569" in client.get(f"/services/m/{manual.id}").get_data(as_text=True)


def test_a_manual_with_sparse_content_still_reads_well(client, gov):
    manual = publish(gov.dopa, "การขอคัดสำเนาทะเบียนบ้าน", {
        "steps": [{"title": "ยื่นคำขอ"}], "statistics": {"average": 40}, "fees": []})

    page = client.get(f"/services/m/{manual.id}")
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    assert "ยื่นคำขอ" in html and "40 เรื่อง" in html and "ไม่มีค่าธรรมเนียม" in html
    assert "ต่ำสุด" not in html and "Undefined" not in html and 'id="total-time"' not in html


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


def test_a_place_page_reads_the_place_once(client, gov, count_queries):
    """The place's row serves both the page and the check that it and its parents are shown."""
    place_id = gov.bangrak.id
    db.session.commit()
    db.session.expunge_all()  # as a server's new request starts
    with count_queries() as sent:
        page = client.get(f"/places/{place_id}")
    assert page.status_code == 200 and "สำนักงานเขตบางรัก" in page.get_data(as_text=True)
    agency_rows = [statement for statement in sent
                   if statement.startswith("SELECT agency.id, agency.parent_id") and "WHERE agency.id = " in statement]
    assert len(agency_rows) == 2, agency_rows  # the place, then its parent for the way back
