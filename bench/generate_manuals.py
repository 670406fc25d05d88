"""Bulk writers of citizen manuals for the benchmarks: agencies and service points, manuals with their published
revisions in several shapes, and a legacy export to import (the engine's instances: ``bench/generate.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text
from sqlalchemy.engine import Connection

from app.accounts.models import Membership, User
from app.org.models import Agency
from bench.generate import next_id

# === citizen manuals at scale ==================================================================================
#
# The agency tree of a whole government (80,000 agencies and service points at scale 1): ministries, their
# departments, a provincial office of each department in every province with service points under it, and the
# local governments (อบจ., เทศบาล, อบต.). 100,000 manuals with three revisions each are spread over the
# departments and local governments; one department holds ``BIG_DEPARTMENT_MANUALS`` of them. Every manual has a
# published revision (number 3, or number 2 with a draft as number 3 for one manual in ten) and the two before it
# are superseded; department manuals are linked to two of the department's service points.

FULL_AGENCIES = 80_000
FULL_MANUALS = 100_000
REVISIONS_PER_MANUAL = 3
BIG_DEPARTMENT_MANUALS = 5_000
PROVINCES = ("กรุงเทพมหานคร", "เชียงใหม่", "เชียงราย", "ลำปาง", "พิษณุโลก", "นครสวรรค์", "ขอนแก่น", "อุดรธานี",
             "นครราชสีมา", "อุบลราชธานี", "ชลบุรี", "ระยอง", "นนทบุรี", "ปทุมธานี", "พระนครศรีอยุธยา",
             "สุพรรณบุรี", "ราชบุรี", "เพชรบุรี", "ประจวบคีรีขันธ์", "สุราษฎร์ธานี", "นครศรีธรรมราช", "ภูเก็ต",
             "สงขลา", "ปัตตานี", "ยะลา", "นราธิวาส", "ตรัง", "กระบี่", "ชุมพร", "สกลนคร", "นครพนม", "มุกดาหาร",
             "ร้อยเอ็ด", "มหาสารคาม", "กาฬสินธุ์", "สุรินทร์", "บุรีรัมย์", "ศรีสะเกษ", "ลพบุรี", "สระบุรี")
MINISTRY_NAMES = ("กระทรวงมหาดไทย", "กระทรวงคมนาคม", "กระทรวงพาณิชย์", "กระทรวงสาธารณสุข", "กระทรวงอุตสาหกรรม",
                  "กระทรวงเกษตรและสหกรณ์", "กระทรวงการคลัง", "กระทรวงแรงงาน", "กระทรวงยุติธรรม",
                  "กระทรวงทรัพยากรธรรมชาติและสิ่งแวดล้อม", "กระทรวงพลังงาน", "กระทรวงศึกษาธิการ",
                  "กระทรวงวัฒนธรรม", "กระทรวงการท่องเที่ยวและกีฬา", "กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม",
                  "กระทรวงการพัฒนาสังคมและความมั่นคงของมนุษย์", "กระทรวงการต่างประเทศ", "กระทรวงกลาโหม",
                  "กระทรวงการอุดมศึกษา วิทยาศาสตร์ วิจัยและนวัตกรรม", "สำนักนายกรัฐมนตรี")
DEPARTMENT_WORDS = ("กรมการปกครอง", "กรมการขนส่งทางบก", "กรมพัฒนาธุรกิจการค้า", "กรมโรงงานอุตสาหกรรม",
                    "กรมอนามัย", "กรมที่ดิน", "กรมสรรพสามิต", "กรมการจัดหางาน", "กรมเจ้าท่า", "กรมปศุสัตว์",
                    "กรมประมง", "กรมวิชาการเกษตร", "กรมธุรกิจพลังงาน", "กรมการค้าภายใน", "กรมศุลกากร")
# (verb, object, common names): process names as agencies write them, and what citizens call them.
ACTIONS = ("การขออนุญาต", "การขอรับใบอนุญาต", "การจดทะเบียน", "การแจ้ง", "การขอต่ออายุใบอนุญาต",
           "การขอหนังสือรับรอง", "การขอเปลี่ยนแปลงรายการ", "การขอยกเลิก")
SUBJECTS = (
    ("ก่อสร้างอาคาร", ("ขออนุญาตปลูกบ้าน", "ใบอนุญาตสร้างบ้าน")),
    ("ประกอบกิจการโรงงาน", ("ร.ง.4", "ใบอนุญาตโรงงาน")),
    ("ขายสุรา", ("ใบอนุญาตขายเหล้า", "ขายเบียร์")),
    ("ขับรถยนต์ส่วนบุคคล", ("ใบขับขี่", "ต่อใบขับขี่")),
    ("ใช้เรือ", ("ทะเบียนเรือ", "เรือประมง")),
    ("ตั้งสถานพยาบาล", ("เปิดคลินิก", "คลินิกเอกชน")),
    ("ประกอบกิจการที่เป็นอันตรายต่อสุขภาพ", ("ใบอนุญาตกิจการอันตราย", "ค่าธรรมเนียมสุขภาพ")),
    ("จัดตั้งสถานที่จำหน่ายอาหาร", ("เปิดร้านอาหาร", "ใบอนุญาตร้านอาหาร")),
    ("พาณิชย์", ("ทะเบียนพาณิชย์", "จดร้านค้า")),
    ("นำเข้ายาแผนปัจจุบัน", ("นำเข้ายา", "ใบอนุญาตยา")),
    ("ค้าข้าว", ("ใบอนุญาตค้าข้าว", "โรงสีข้าว")),
    ("ขุดดินและถมดิน", ("ถมที่", "ขุดบ่อ")),
    ("โฆษณาโดยใช้เครื่องขยายเสียง", ("ขอใช้เสียงตามสาย", "รถแห่")),
    ("เลี้ยงสัตว์", ("เลี้ยงหมู", "ฟาร์มไก่")),
    ("ติดตั้งป้าย", ("ป้ายโฆษณา", "ภาษีป้าย")),
    ("ประกอบธุรกิจนำเที่ยว", ("ใบอนุญาตทัวร์", "มัคคุเทศก์")),
)


@dataclass
class ManualsLoaded:
    agencies: int
    manuals: int
    revisions: int
    links: int
    big_department_id: int
    big_department_manuals: int
    author_id: int
    department_ids: list[int]


def manual_title(i: int) -> tuple[str, tuple[str, ...]]:
    subject, common = SUBJECTS[(i // len(ACTIONS)) % len(SUBJECTS)]
    return f"{ACTIONS[i % len(ACTIONS)]}{subject}", common


def manual_content(i: int, title: str, common: tuple[str, ...], version: int,
                   category_ids: list[int] | None = None) -> dict:
    """A complete manual in the keys of ``app/services/manual_content.py``; ``version`` varies the fee."""
    province = PROVINCES[i % len(PROVINCES)]
    return {
        "common_names": list(common),
        "category_ids": [category_ids[i % len(category_ids)]] if category_ids else [],
        "tags": [title[:20]],
        "criteria": f"ผู้ยื่นคำขอต้องมีคุณสมบัติตามที่กฎหมายกำหนด {title} ต้องยื่นคำขอพร้อมเอกสารหลักฐานให้ครบถ้วน "
                    f"ณ หน่วยงานที่รับผิดชอบในจังหวัด{province} เจ้าหน้าที่จะแจ้งผลการพิจารณาเป็นหนังสือ",
        "channels": [{"place": f"ศูนย์บริการร่วม จังหวัด{province}", "address": "", "hours": "จันทร์–ศุกร์ 08:30–16:30 น.",
                      "remark": ""}],
        "steps": [{"title": "ยื่นคำขอและตรวจสอบเอกสาร", "description": "", "duration": 15, "duration_unit": "minutes",
                   "unit": "งานธุรการ"},
                  {"title": "พิจารณาคำขอ", "description": "", "duration": 3, "duration_unit": "days", "unit": "ฝ่ายอนุญาต"},
                  {"title": "แจ้งผลการพิจารณา", "description": "", "duration": 1, "duration_unit": "days",
                   "unit": "ฝ่ายอนุญาต"}],
        "documents": [{"name": "บัตรประจำตัวประชาชน", "issuer": "กรมการปกครอง", "originals": 1, "copies": 1, "remark": ""},
                      {"name": "สำเนาทะเบียนบ้าน", "issuer": "กรมการปกครอง", "originals": 0, "copies": 1, "remark": ""}],
        "fees": [{"description": "ค่าธรรมเนียมใบอนุญาต", "amount": f"{100 + 50 * version}.00", "remark": ""}],
        "complaint_channels": [{"channel": "ศูนย์ดำรงธรรม", "detail": "โทร. 1567"}],
    }


def load_manuals(conn: Connection, *, scale: float = 1.0, now: datetime | None = None, batch: int = 5_000,
                 category_ids: list[int] | None = None, progress=print) -> ManualsLoaded:
    """Agencies, manuals, their revisions, links, and one author of the big department; the caller commits.

    ``category_ids``: catalogue entries the manuals are spread over (for the search facets).
    """
    from app.manuals.models import Manual, ManualRevision, ServiceLink

    now = now or datetime.now(UTC)
    total_agencies = max(200, round(FULL_AGENCIES * scale))
    n_manuals = max(100, round(FULL_MANUALS * scale))
    ministries = max(2, round(20 * scale))
    departments_per_ministry = 10
    n_departments = ministries * departments_per_ministry
    n_local = round(total_agencies * 7_800 / FULL_AGENCIES)
    offices_per_department = min(len(PROVINCES), max(1, (total_agencies - n_local) // (n_departments * 5)))
    n_offices = n_departments * offices_per_department
    n_points = max(0, total_agencies - ministries - n_departments - n_offices - n_local)

    a = next_id(conn, "agency")
    rows: list[dict] = []

    def agency(parent: dict | None, kind: str, name_th: str, **profile) -> dict:
        nonlocal a
        # Every row has the same keys: one executemany statement serves them all.
        row = {"id": a, "parent_id": parent["id"] if parent else None, "kind": kind, "code": f"mb-{a}",
               "name_th": name_th, "name_en": None, "path": f"{parent['path'] if parent else '/'}{a}/",
               "depth": parent["depth"] + 1 if parent else 0, "created_at": now, "publicly_visible": True,
               "updated_at": now, "row_version": 1, "province": None, "opening_hours": None, "latitude": None,
               "longitude": None} | profile
        a += 1
        rows.append(row)
        return row

    departments, offices = [], []
    for m in range(ministries):
        ministry = agency(None, "ministry", f"{MINISTRY_NAMES[m % len(MINISTRY_NAMES)]} ({m + 1})")
        for d in range(departments_per_ministry):
            departments.append(agency(ministry, "department",
                                      f"{DEPARTMENT_WORDS[(m + d) % len(DEPARTMENT_WORDS)]} ({m + 1}.{d + 1})"))
    for k, department in enumerate(departments):
        for p in range(offices_per_department):
            province = PROVINCES[(k + p) % len(PROVINCES)]
            offices.append(agency(department, "provincial_office", f"สำนักงาน{department['name_th']} จังหวัด{province}",
                                  province=province, opening_hours="จันทร์–ศุกร์ 08:30–16:30 น."))
    points_by_department: dict[int, list[int]] = {}
    for s in range(n_points):
        office = offices[s % len(offices)]
        point = agency(office, "service_point", f"จุดบริการที่ {s // len(offices) + 1} {office['name_th']}",
                       province=office["province"], opening_hours="ทุกวัน 10:00–19:00 น.",
                       latitude=13.0 + (s % 700) / 100, longitude=99.0 + (s % 500) / 100)
        points_by_department.setdefault(office["parent_id"], []).append(point["id"])
    local_governments = []
    for g in range(n_local):
        province = PROVINCES[g % len(PROVINCES)]
        kind, prefix = (("provincial_admin", "องค์การบริหารส่วนจังหวัด") if g < len(PROVINCES) else
                        ("municipality", "เทศบาลตำบล") if g % 3 == 0 else ("subdistrict_admin", "องค์การบริหารส่วนตำบล"))
        local_governments.append(agency(None, kind, f"{prefix}ที่ {g + 1} จังหวัด{province}", province=province))
    for start in range(0, len(rows), batch):
        conn.execute(insert(Agency.__table__), rows[start:start + batch])
    progress(f"    agencies {len(rows):,} (ministries {ministries}, departments {n_departments}, offices {n_offices}, "
             f"service points {n_points:,}, local governments {n_local:,})")

    # One author and reviewer for the big department (the manual list is measured as them).
    u = next_id(conn, "user_account")
    big = departments[0]
    conn.execute(insert(User.__table__), [{"id": u, "username": f"bench_manuals_author_{u}",
                                           "display_name": "ผู้จัดทำคู่มือ (ทดสอบ)", "locale": "th", "active": True,
                                           "created_at": now}])
    conn.execute(insert(Membership.__table__), [{"user_id": u, "agency_id": big["id"], "role": "manual_author",
                                                 "source": "admin", "active": True, "created_at": now}])

    owners = departments[1:] + local_governments
    big_count = min(BIG_DEPARTMENT_MANUALS, n_manuals // 2)
    m0 = next_id(conn, "manual") - 1
    r0 = next_id(conn, "manual_revision") - 1
    manuals_done = revisions_done = links_done = 0
    for start in range(0, n_manuals, batch):
        manual_rows, revision_rows, link_rows = [], [], []
        for i in range(start, min(start + batch, n_manuals)):
            owner = big if i < big_count else owners[i % len(owners)]
            title, common = manual_title(i)
            title = f"{title} ({owner['name_th']})" if i % 4 == 0 else title
            manual_id = m0 + 1 + i
            stamp = now - timedelta(minutes=n_manuals - i)
            manual_rows.append({"id": manual_id, "title": title, "agency_id": owner["id"], "process_id": None,
                                "status": "published", "published_revision_id": None, "created_at": stamp,
                                "created_by_id": None, "updated_at": stamp, "legacy_ref": None, "lock_version": 1})
            published_number = 2 if i % 10 == 0 else 3
            for number in range(1, REVISIONS_PER_MANUAL + 1):
                status = ("published" if number == published_number else
                          "draft" if number > published_number else "superseded")
                revision_rows.append({
                    "id": r0 + REVISIONS_PER_MANUAL * i + number, "manual_id": manual_id, "number": number,
                    "title": title, "content": manual_content(i, title, common, number, category_ids),
                    "change_note": None,
                    "status": status, "based_on_id": None, "instance_id": None, "created_at": stamp,
                    "created_by_id": None, "updated_at": stamp, "submitted_at": None if status == "draft" else stamp,
                    "submitted_by_id": None, "published_at": None if status == "draft" else stamp, "row_version": 1})
            for point_id in (points_by_department.get(owner["id"]) or [])[i % 7:i % 7 + 2]:
                link_rows.append({"agency_id": point_id, "manual_id": manual_id, "created_at": stamp})
        conn.execute(insert(Manual.__table__), manual_rows)
        conn.execute(insert(ManualRevision.__table__), revision_rows)
        if link_rows:
            conn.execute(insert(ServiceLink.__table__), link_rows)
        manuals_done += len(manual_rows)
        revisions_done += len(revision_rows)
        links_done += len(link_rows)
        if (start // batch) % 5 == 0:
            progress(f"    manuals {manuals_done:,}, revisions {revisions_done:,}, links {links_done:,}")
    conn.execute(text(
        f"UPDATE manual SET published_revision_id = {int(r0)} + {REVISIONS_PER_MANUAL} * (id - {int(m0)} - 1) + "
        f"CASE WHEN (id - {int(m0)} - 1) % 10 = 0 THEN 2 ELSE 3 END WHERE id > {int(m0)}"))
    progress(f"    manuals {manuals_done:,}, revisions {revisions_done:,}, links {links_done:,}; published ids set")
    if conn.dialect.name == "postgresql":
        for table in ("agency", "user_account", "membership", "manual", "manual_revision", "service_link"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT max(id) FROM {table}))"))
    return ManualsLoaded(agencies=len(rows), manuals=manuals_done, revisions=revisions_done, links=links_done,
                         big_department_id=big["id"], big_department_manuals=big_count, author_id=u,
                         department_ids=[d["id"] for d in departments])


def write_legacy_export(folder, *, records: int = 5_000, prefix: str = "BENCH") -> dict[str, int]:
    """A legacy export (``docs/legacy-import.md``) of about ``records`` records: agencies, processes, manuals, links."""
    import csv
    import json
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    n_departments = max(1, records // 500)
    n_points = records // 5
    n_processes = records // 5
    n_manuals = records - n_departments - 1 - n_points - n_processes - records // 10
    n_links = records // 10
    agency_fields = ["ref", "parent_ref", "kind", "code", "name_th", "name_en", "province", "postcode",
                     "opening_hours", "latitude", "longitude", "display"]
    with (folder / "agencies.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, agency_fields)
        writer.writeheader()
        for k in range(n_points):  # children first: the importer orders them
            writer.writerow({"ref": f"{prefix}-SP{k}", "parent_ref": f"{prefix}-D{k % n_departments}",
                             "kind": "service_point", "name_th": f"จุดบริการทดสอบที่ {k + 1}",
                             "province": PROVINCES[k % len(PROVINCES)], "postcode": f"{10000 + k % 80000:05d}",
                             "opening_hours": "จันทร์–ศุกร์ 08:30–16:30 น.", "latitude": f"{13 + (k % 700) / 100:.4f}",
                             "longitude": f"{99 + (k % 500) / 100:.4f}", "display": "show"})
        writer.writerow({"ref": f"{prefix}-MIN", "kind": "ministry", "name_th": "กระทรวงทดสอบการนำเข้า"})
        for d in range(n_departments):
            writer.writerow({"ref": f"{prefix}-D{d}", "parent_ref": f"{prefix}-MIN", "kind": "department",
                             "name_th": f"กรมทดสอบการนำเข้าที่ {d + 1}"})
    with (folder / "processes.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["ref", "agency_ref", "name_th", "service_type", "legal_time_limit_days"])
        writer.writeheader()
        for p in range(n_processes):
            writer.writerow({"ref": f"{prefix}-P{p}", "agency_ref": f"{prefix}-D{p % n_departments}",
                             "name_th": manual_title(p)[0], "service_type": "licence", "legal_time_limit_days": 15})
    with (folder / "manuals.jsonl").open("w", encoding="utf-8") as handle:
        for i in range(n_manuals):
            title, common = manual_title(i)
            handle.write(json.dumps({
                "ref": f"{prefix}-M{i}", "agency_ref": f"{prefix}-D{i % n_departments}",
                "process_ref": f"{prefix}-P{i % n_processes}", "title": title, "published_at": "2024-01-15",
                "service_point_refs": [f"{prefix}-SP{(i * 7) % n_points}"],
                "content": manual_content(i, title, common, 1)}, ensure_ascii=False) + "\n")
    with (folder / "links.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["agency_ref", "target_type", "target_ref"])
        writer.writeheader()
        for k in range(n_links):
            writer.writerow({"agency_ref": f"{prefix}-SP{k % n_points}", "target_type": "process",
                             "target_ref": f"{prefix}-P{k % n_processes}"})
    return {"agencies": n_points + n_departments + 1, "processes": n_processes, "manuals": n_manuals,
            "links": n_links}
