"""The public front's tests' government: agencies, a published manual, and reading result titles."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import func, select

from app.accounts.models import Role
from app.accounts.services import accounts
from app.core import file_store
from app.core.extensions import db
from app.core.types import utcnow
from app.manuals.models import Manual, ManualAttachment, ManualRevision, RevisionStatus
from app.org.models import CatalogueEntry
from app.org.services import agencies
from app.public.services import public_index

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
