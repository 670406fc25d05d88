"""The catalogue lists a new installation starts with (the categories and user groups of info.go.th), and loading
them: at set-up, by the legacy import, and by the demo."""

from __future__ import annotations

from sqlalchemy import select

from app.core.extensions import db
from app.org.models import CatalogueEntry, CatalogueKind

# code, Thai name, English name, sub entries (code, Thai, English)
DEFAULT_CATEGORIES = [
    ("civil_registration", "ทะเบียนราษฎร์และบัตร", "Civil registration and ID cards", [
        ("id_card", "บัตรประจำตัวประชาชน", "Identity cards"),
        ("house_registration", "ทะเบียนบ้านและการย้ายที่อยู่", "House registration and change of address"),
        ("names", "ชื่อบุคคล", "Personal names"),
    ]),
    ("land_housing", "ที่ดินและที่อยู่อาศัย", "Land and housing", [
        ("land_title", "โฉนดและเอกสารสิทธิ", "Title deeds"),
        ("building", "การก่อสร้างและดัดแปลงอาคาร", "Building and alteration"),
    ]),
    ("business", "ธุรกิจและการค้า", "Business and trade", [
        ("company", "การจดทะเบียนนิติบุคคล", "Company registration"),
        ("commercial_registration", "ทะเบียนพาณิชย์", "Commercial registration"),
        ("import_export", "การนำเข้าและส่งออก", "Import and export"),
    ]),
    ("tax", "ภาษี", "Taxes", []),
    ("education", "การศึกษา", "Education", []),
    ("health", "สุขภาพ", "Health", [
        ("food_drug", "อาหารและยา", "Food and drugs"),
        ("public_health", "การสาธารณสุข", "Public health"),
    ]),
    ("agriculture", "เกษตร", "Agriculture", []),
    ("labour", "แรงงาน", "Labour", []),
    ("transport", "การเดินทางและยานพาหนะ", "Travel and vehicles", [
        ("driving_licence", "ใบอนุญาตขับขี่", "Driving licences"),
        ("vehicle_registration", "การจดทะเบียนรถ", "Vehicle registration"),
    ]),
    ("environment", "สิ่งแวดล้อม", "Environment", []),
    ("energy", "พลังงาน", "Energy", []),
    ("culture_tourism", "วัฒนธรรมและการท่องเที่ยว", "Culture and tourism", []),
    ("welfare", "สวัสดิการสังคม", "Social welfare", []),
    ("justice", "กฎหมายและกระบวนการยุติธรรม", "Law and justice", []),
]
DEFAULT_USER_GROUPS = [
    ("citizens", "ประชาชนทั่วไป", "General public", []),
    ("entrepreneurs", "ผู้ประกอบการ", "Entrepreneurs", [
        ("sme", "วิสาหกิจขนาดกลางและขนาดย่อม", "Small and medium enterprises"),
        ("large_business", "ธุรกิจขนาดใหญ่", "Large businesses"),
    ]),
    ("farmers", "เกษตรกร", "Farmers", []),
    ("elderly", "ผู้สูงอายุ", "Older people", []),
    ("disabled", "คนพิการ", "People with disabilities", []),
    ("students", "นักเรียนนักศึกษา", "Students", []),
    ("foreigners", "ชาวต่างชาติ", "Foreigners", []),
    ("children_families", "เด็ก เยาวชน และครอบครัว", "Children, youth and families", []),
    ("workers", "ผู้ใช้แรงงาน", "Workers", []),
    ("government", "หน่วยงานภาครัฐ", "Government agencies", []),
]
DEFAULTS = {CatalogueKind.category: DEFAULT_CATEGORIES, CatalogueKind.user_group: DEFAULT_USER_GROUPS}


def seed_defaults() -> int:
    """Load the default lists; entries already there (by code) are left as they are. Returns how many were added."""
    existing = {(kind, code): entry_id for kind, code, entry_id in db.session.execute(
        select(CatalogueEntry.kind, CatalogueEntry.code, CatalogueEntry.id))}
    added = 0
    for kind, defaults in DEFAULTS.items():
        for position, (code, name_th, name_en, subs) in enumerate(defaults, start=1):
            main_id = existing.get((kind, code))
            if main_id is None:
                main = CatalogueEntry(kind=kind, code=code, name_th=name_th, name_en=name_en, position=position)
                db.session.add(main)
                db.session.flush()
                main_id, added = main.id, added + 1
            for sub_position, (sub_code, sub_th, sub_en) in enumerate(subs, start=1):
                if (kind, sub_code) not in existing:
                    db.session.add(CatalogueEntry(kind=kind, code=sub_code, parent_id=main_id, name_th=sub_th,
                                                  name_en=sub_en, position=sub_position))
                    added += 1
    db.session.flush()
    return added
