"""Demo data: a small government, one user per role, and manuals in every state."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import Agency, AgencyKind, HumanTask, Manual, ProcessInstance, TaskStatus, User
from app.services import accounts, agencies, inbox, manual_revisions, manuals
from forms import form_for

AGENCIES = [
    # key, parent key, kind, Thai name, English name
    ("opdc", None, AgencyKind.office, "สำนักงานคณะกรรมการพัฒนาระบบราชการ (สำนักงาน ก.พ.ร.)", "Office of the Public Sector Development Commission"),
    ("dga", None, AgencyKind.office, "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)", "Digital Government Development Agency"),
    ("moi", None, AgencyKind.ministry, "กระทรวงมหาดไทย", "Ministry of Interior"),
    ("dopa", "moi", AgencyKind.department, "กรมการปกครอง", "Department of Provincial Administration"),
    ("bora", "dopa", AgencyKind.division, "สำนักบริหารการทะเบียน", "Bureau of Registration Administration"),
    ("sp_muang", "dopa", AgencyKind.service_point, "ที่ว่าการอำเภอเมืองนนทบุรี", "Mueang Nonthaburi District Office"),
    ("sp_pakkret", "dopa", AgencyKind.service_point, "ที่ว่าการอำเภอปากเกร็ด", "Pak Kret District Office"),
    ("nakhon_nont", None, AgencyKind.municipality, "เทศบาลนครนนทบุรี", "Nonthaburi City Municipality"),
]

USERS = [
    # username, display name, role, agency key
    ("central", "สมชาย ใจดี (เจ้าหน้าที่ส่วนกลาง)", "central_officer", "dopa"),
    ("spoint", "สมหญิง บริการ (จุดบริการ)", "service_point_officer", "sp_muang"),
    ("author", "วิภา เขียนคู่มือ (จัดทำคู่มือ)", "manual_author", "dopa"),
    ("reviewer", "ประเสริฐ ตรวจทาน (รีวิวคู่มือ)", "manual_reviewer", "dopa"),
    ("opdc", "กมล ก.พ.ร. (เจ้าหน้าที่ ก.พ.ร.)", "opdc_officer", "opdc"),
    ("admin", "ผู้ดูแลระบบ สพร.", "admin", "dga"),
    ("lg_author", "อรุณ เทศบาล (จัดทำคู่มือ อปท.)", "manual_author", "nakhon_nont"),
    ("lg_reviewer", "นภา เทศบาล (รีวิวคู่มือ อปท.)", "manual_reviewer", "nakhon_nont"),
]

MANUALS = [
    # title, agency key, target state
    ("การขอมีบัตรประจำตัวประชาชน", "dopa", "published"),
    ("การแจ้งย้ายที่อยู่", "dopa", "in_review"),
    ("การขอเปลี่ยนชื่อตัว ชื่อสกุล", "dopa", "opdc_review"),
    ("การขอคัดสำเนาทะเบียนบ้าน", "dopa", "returned"),
    ("การขออนุญาตก่อสร้างอาคาร", "nakhon_nont", "draft"),
]

BODY = (
    "หลักเกณฑ์ วิธีการ เงื่อนไข\n"
    "ผู้ยื่นคำขอต้องมีสัญชาติไทยและมีชื่ออยู่ในทะเบียนบ้าน\n\n"
    "ขั้นตอนการให้บริการ\n"
    "1. ยื่นคำขอและตรวจสอบเอกสาร (10 นาที)\n"
    "2. พิจารณาอนุมัติ (15 นาที)\n\n"
    "ระยะเวลาดำเนินการรวม 25 นาที\n"
    "ค่าธรรมเนียม 100 บาท\n"
    "ช่องทางการร้องเรียน ศูนย์ดำรงธรรม โทร. 1567"
)


def password_for(username: str, password: str | None) -> str:
    return password or f"{username}@2569"


def load(password: str | None = None) -> bool:
    """Create everything once; returns False when it was already there."""
    if db.session.scalar(select(User).where(User.username == "author")) is not None:
        return False
    by_key: dict[str, Agency] = {}
    for key, parent_key, kind, name_th, name_en in AGENCIES:
        by_key[key] = agencies.create(kind=kind.value, name_th=name_th, name_en=name_en, code=key,
                                      parent=by_key.get(parent_key))
    people: dict[str, User] = {}
    for username, display_name, role, agency_key in USERS:
        user = accounts.create_user(username, display_name, password_for(username, password),
                                    email=f"{username}@demo.ratchaflow.local")
        accounts.grant(user, by_key[agency_key].id, role)
        people[username] = user
    for title, agency_key, target in MANUALS:
        author = people["lg_author" if agency_key == "nakhon_nont" else "author"]
        manual = manuals.create_manual(author, title=title, agency_id=by_key[agency_key].id)
        if target == "draft":
            continue
        manual_revisions.submit(author, manual, title=title, body=BODY, change_note="ฉบับแรก")
        if target == "in_review":
            continue
        if target == "returned":
            _complete(manual, people["reviewer"], decision="return", comment="โปรดระบุเอกสารที่ต้องใช้ให้ครบถ้วน")
            continue
        _complete(manual, people["reviewer"], decision="approve", comment="")
        if target == "opdc_review":
            continue
        _complete(manual, people["opdc"], decision="approve", comment="")
    return True


def _complete(manual: Manual, user: User, **values) -> None:
    task = db.session.scalar(
        select(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(HumanTask.status == TaskStatus.open, ProcessInstance.business_type == "manual",
               ProcessInstance.business_id == manual.id)
    )
    form = form_for(task.form_key)(formdata=MultiDict(values), meta={"csrf": False})
    if not form.validate():
        raise ValueError(form.errors)
    inbox.complete(user, task, form)


def sign_ins(password: str | None = None) -> list[tuple[str, str, str, str]]:
    return [(username, role, agency_key, password_for(username, password)) for username, _n, role, agency_key in USERS]
