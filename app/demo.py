"""Demo data: a small government, one user per role, processes, and manuals with full content in every state."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import AccountKind, User
from app.accounts.services import accounts
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import HumanTask, ProcessInstance, TaskStatus
from app.helpdesk.models import ReporterProfile
from app.inbox.services import inbox
from app.licensing.services import licensing
from app.manuals.models import Manual
from app.manuals.services import links, manual_revisions, manuals, processes
from app.org.models import Agency, AgencyKind, CatalogueEntry, CatalogueKind
from app.org.services import agencies, org

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
    ("mof", None, AgencyKind.ministry, "กระทรวงการคลัง", "Ministry of Finance"),
    ("cgd", "mof", AgencyKind.department, "กรมบัญชีกลาง", "The Comptroller General's Department"),
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
    ("hd_super", "มานพ คัดกรอง (หัวหน้าทีม e-GP)", "helpdesk_supervisor", "cgd"),
    ("hd_agent", "สุดา ตอบไว (เจ้าหน้าที่ e-GP)", "helpdesk_agent", "cgd"),
    ("chat_super", "วรรณา ทบทวน (หัวหน้าทีม Live Chat)", "chat_supervisor", "cgd"),
    ("chat_agent", "ปิยะ ตอบแชต (เจ้าหน้าที่ Live Chat)", "chat_agent", "cgd"),
]

# The procurement FAQ as the knowledge-management working group publishes it (topic, question, answer).
FAQ = [
    ("การลงทะเบียน", "ผู้ค้าจะลงทะเบียนในระบบ e-GP ต้องทำอย่างไร",
     "ลงทะเบียนที่เว็บไซต์ www.gprocurement.go.th โดยเลือก “ลงทะเบียนผู้ค้ากับภาครัฐ” กรอกข้อมูลนิติบุคคลหรือ"
     "บุคคลธรรมดาให้ครบถ้วน แนบเอกสารที่ระบบกำหนด แล้วยืนยันตัวตนตามขั้นตอนของระบบ\n\n"
     "เมื่อกรมบัญชีกลางอนุมัติแล้ว ระบบจะส่งชื่อผู้ใช้และรหัสผ่านไปยังอีเมลที่ลงทะเบียนไว้"),
    ("การลงทะเบียน", "ลืมรหัสผ่านเข้าระบบ e-GP ต้องทำอย่างไร",
     "เลือก “ลืมรหัสผ่าน” ที่หน้าเข้าสู่ระบบ แล้วกรอกชื่อผู้ใช้และอีเมลที่ลงทะเบียนไว้ ระบบจะส่งรหัสผ่านชั่วคราวไปทางอีเมล\n\n"
     "หากเปลี่ยนอีเมลแล้วหรือไม่ได้รับอีเมล โปรดติดต่อศูนย์บริการข้อมูลของกรมบัญชีกลาง"),
    ("e-bidding", "การเสนอราคาด้วยวิธีประกวดราคาอิเล็กทรอนิกส์ (e-bidding) ต้องยื่นเอกสารอะไรบ้าง",
     "ยื่นผ่านระบบ e-GP ตามที่เอกสารประกวดราคากำหนด โดยทั่วไปมีสองส่วน\n"
     "ส่วนที่ 1: หลักฐานการเป็นนิติบุคคล บัญชีรายชื่อหุ้นส่วนผู้จัดการหรือกรรมการ และบัญชีเอกสารส่วนที่ 1\n"
     "ส่วนที่ 2: รายละเอียดคุณลักษณะเฉพาะ หลักประกันการเสนอราคา และเอกสารอื่นตามที่หน่วยงานกำหนด\n\n"
     "แนบเป็นไฟล์ PDF และเสนอราคาให้เสร็จก่อนเวลาปิดการเสนอราคา"),
    ("ราคากลาง", "ราคากลางคืออะไร และหน่วยงานต้องเปิดเผยเมื่อใด",
     "ราคากลางคือราคาที่ใช้เป็นฐานเปรียบเทียบราคาที่ผู้ยื่นข้อเสนอเสนอไว้ ตามมาตรา 4 แห่งพระราชบัญญัติการจัดซื้อจัดจ้าง"
     "และการบริหารพัสดุภาครัฐ พ.ศ. 2560\n\n"
     "หน่วยงานต้องประกาศราคากลางพร้อมกับประกาศและเอกสารเชิญชวน ในระบบเครือข่ายสารสนเทศของกรมบัญชีกลางและของหน่วยงาน"),
    ("หลักประกันสัญญา", "หลักประกันสัญญาใช้อะไรได้บ้าง และจะได้คืนเมื่อใด",
     "ใช้เงินสด เช็คหรือดราฟต์ที่ธนาคารเซ็นสั่งจ่าย หนังสือค้ำประกันของธนาคารในประเทศ (รวมถึงหนังสือค้ำประกัน"
     "อิเล็กทรอนิกส์ผ่านระบบ e-GP) หรือพันธบัตรรัฐบาลไทย ในอัตราไม่เกินร้อยละห้าของวงเงินที่จัดซื้อจัดจ้าง\n\n"
     "หน่วยงานคืนหลักประกันสัญญาโดยเร็ว อย่างช้าไม่เกิน 15 วันนับถัดจากวันที่คู่สัญญาพ้นข้อผูกพันตามสัญญาแล้ว"),
    ("e-market", "e-market ต่างจาก e-bidding อย่างไร",
     "e-market ใช้กับพัสดุที่มีคุณลักษณะเฉพาะไม่ซับซ้อน มีมาตรฐาน และมีอยู่ในระบบข้อมูลสินค้า (e-catalog) "
     "ส่วน e-bidding ใช้กับพัสดุที่ไม่มีในระบบข้อมูลสินค้าหรือมีรายละเอียดซับซ้อน\n\n"
     "ทั้งสองวิธีใช้กับการซื้อหรือจ้างที่มีวงเงินเกิน 500,000 บาท"),
]
# A proposal from a chat, waiting for the supervisor's review (the command line's demo only: see load()).
FAQ_PROPOSAL = ("e-bidding", "ยื่นเอกสารเสนอราคาใน e-GP แล้ว จะแก้ไขไฟล์ได้หรือไม่",
                "แก้ไขได้จนถึงเวลาปิดการเสนอราคา โดยยกเลิกการเสนอราคาเดิมแล้วยื่นใหม่ทั้งชุด "
                "เมื่อพ้นเวลาปิดแล้วระบบจะไม่รับการแก้ไขใด ๆ")

# IR Online's demo reporter: a vendor's account (the user name is the e-mail address, as at sign-up).
REPORTER = ("vendor@demo.ratchaflow.local", "บริษัท ตัวอย่างก่อสร้าง จำกัด")

PROCESSES = [
    # key, agency key, Thai name, English name, service type, legal basis, time limit (days)
    ("id_card", "dopa", "การขอมีบัตรประจำตัวประชาชน", "Applying for a national ID card", "registration",
     "พระราชบัญญัติบัตรประจำตัวประชาชน พ.ศ. 2526", 1),
    ("move", "dopa", "การแจ้งย้ายที่อยู่", "Notifying a change of address", "notification",
     "พระราชบัญญัติการทะเบียนราษฎร พ.ศ. 2534", 1),
    ("rename", "dopa", "การขอเปลี่ยนชื่อตัว ชื่อสกุล", "Changing a first name or surname", "registration",
     "พระราชบัญญัติชื่อบุคคล พ.ศ. 2505", 1),
    ("house_copy", "dopa", "การขอคัดสำเนาทะเบียนบ้าน", "Requesting a copy of a house registration", "certification",
     "พระราชบัญญัติการทะเบียนราษฎร พ.ศ. 2534", 1),
    ("building", "nakhon_nont", "การขออนุญาตก่อสร้างอาคาร", "Building permit", "licence",
     "พระราชบัญญัติควบคุมอาคาร พ.ศ. 2522", 45),
]

MANUALS = [
    # title, agency key, process key, target state, common names
    ("การขอมีบัตรประจำตัวประชาชน", "dopa", "id_card", "published", ["ทำบัตรประชาชน", "ทำบัตรใหม่"]),
    ("การแจ้งย้ายที่อยู่", "dopa", "move", "in_review", ["ย้ายทะเบียนบ้าน", "ย้ายเข้า"]),
    ("การขอเปลี่ยนชื่อตัว ชื่อสกุล", "dopa", "rename", "opdc_review", ["เปลี่ยนชื่อ", "เปลี่ยนนามสกุล"]),
    ("การขอคัดสำเนาทะเบียนบ้าน", "dopa", "house_copy", "returned", ["คัดสำเนาทะเบียนบ้าน"]),
    ("การขออนุญาตก่อสร้างอาคาร", "nakhon_nont", "building", "draft", ["ขออนุญาตสร้างบ้าน"]),
]

# More published manuals for the public front (``flask demo load`` only): title, agency key, category codes, user
# group codes, common names, criteria, and the service points that offer it.
PUBLIC_MANUALS = [
    ("การแจ้งเกิด", "dopa", ["civil_registration"], ["children_families"], ["แจ้งเกิดลูก", "สูติบัตร"],
     "บิดา มารดา หรือผู้ได้รับมอบหมายแจ้งการเกิดภายใน 15 วันนับแต่วันเกิด ณ สำนักทะเบียนที่เด็กเกิด",
     ["sp_muang", "sp_pakkret"]),
    ("การขอเลขที่บ้าน", "dopa", ["civil_registration", "house_registration"], ["citizens"], ["ขอบ้านเลขที่"],
     "เจ้าบ้านยื่นคำขอภายใน 15 วันนับแต่วันที่สร้างบ้านเสร็จ พร้อมหลักฐานการได้รับอนุญาตก่อสร้าง", ["sp_muang"]),
    ("การขอเปลี่ยนแปลงรายการในทะเบียนบ้าน", "dopa", ["civil_registration", "house_registration"], ["citizens"],
     ["แก้ไขทะเบียนบ้าน"], "เจ้าบ้านหรือผู้มีส่วนได้เสียยื่นคำขอพร้อมเอกสารที่แสดงรายการที่ถูกต้อง",
     ["sp_muang", "sp_pakkret"]),
    ("การขอรับเบี้ยยังชีพผู้สูงอายุ", "nakhon_nont", ["welfare"], ["elderly"], ["เบี้ยผู้สูงอายุ", "เงินผู้สูงอายุ"],
     "ผู้มีอายุ 60 ปีบริบูรณ์ขึ้นไป มีชื่ออยู่ในทะเบียนบ้านในเขตเทศบาล ลงทะเบียนภายในเดือนพฤศจิกายนของทุกปี",
     ["nakhon_nont"]),
    ("การขอรับเบี้ยความพิการ", "nakhon_nont", ["welfare"], ["disabled"], ["เบี้ยคนพิการ"],
     "คนพิการที่มีบัตรประจำตัวคนพิการและมีชื่ออยู่ในทะเบียนบ้านในเขตเทศบาล", ["nakhon_nont"]),
    ("การจดทะเบียนพาณิชย์ (ตั้งใหม่)", "nakhon_nont", ["business", "commercial_registration"], ["entrepreneurs", "sme"],
     ["จดทะเบียนร้านค้า", "ทะเบียนพาณิชย์"], "ผู้ประกอบพาณิชยกิจยื่นคำขอภายใน 30 วันนับแต่วันเริ่มประกอบกิจการ",
     ["nakhon_nont"]),
    ("การขออนุญาตจัดตั้งตลาด", "nakhon_nont", ["business"], ["entrepreneurs"], ["เปิดตลาด"],
     "ผู้ประสงค์จะจัดตั้งตลาดต้องได้รับใบอนุญาตจากเจ้าพนักงานท้องถิ่นก่อนเปิดดำเนินการ", ["nakhon_nont"]),
    ("การชำระภาษีที่ดินและสิ่งปลูกสร้าง", "nakhon_nont", ["tax"], ["citizens", "entrepreneurs"], ["ภาษีที่ดิน"],
     "เจ้าของที่ดินหรือสิ่งปลูกสร้างชำระภาษีภายในเดือนเมษายนของทุกปีตามใบแจ้งประเมิน", ["nakhon_nont"]),
    ("การขออนุญาตประกอบกิจการที่เป็นอันตรายต่อสุขภาพ", "nakhon_nont", ["health", "public_health"], ["entrepreneurs"],
     ["ใบอนุญาตกิจการอันตราย"], "ผู้ประกอบกิจการตามประกาศกระทรวงสาธารณสุขต้องได้รับใบอนุญาตก่อนประกอบกิจการ",
     ["nakhon_nont"]),
]


def demo_content(common_names: list[str]) -> dict:
    """A complete manual as info.go.th shows one (the same service steps serve every demo manual)."""
    return {
        "common_names": common_names,
        "tags": ["ทะเบียนราษฎร", "อำเภอ"],
        "criteria": ("ผู้ยื่นคำขอต้องมีสัญชาติไทยและมีชื่ออยู่ในทะเบียนบ้าน\n"
                     "ยื่นคำขอด้วยตนเอง ณ สำนักทะเบียนอำเภอหรือสำนักทะเบียนท้องถิ่นแห่งใดก็ได้"),
        "steps": [
            {"title": "ยื่นคำขอและตรวจสอบเอกสาร", "description": "เจ้าหน้าที่ตรวจสอบเอกสารหลักฐานและข้อมูลในฐานข้อมูลทะเบียนราษฎร",
             "duration": 10, "duration_unit": "minutes", "unit": "สำนักทะเบียนอำเภอ"},
            {"title": "พิจารณาอนุมัติ", "description": "นายทะเบียนพิจารณาและลงนาม",
             "duration": 15, "duration_unit": "minutes", "unit": "นายทะเบียนอำเภอ"},
        ],
        "documents": [
            {"name": "บัตรประจำตัวประชาชน", "issuer": "กรมการปกครอง", "originals": 1, "copies": 0, "remark": ""},
            {"name": "สำเนาทะเบียนบ้าน", "issuer": "กรมการปกครอง", "originals": 0, "copies": 1,
             "remark": "พร้อมรับรองสำเนาถูกต้อง"},
        ],
        "no_fee": False,
        "fees": [{"description": "ค่าธรรมเนียมการออกเอกสาร", "amount": "100", "remark": "กรณีบัตรหมดอายุไม่เสียค่าธรรมเนียม"}],
        "channels": [{"place": "ที่ว่าการอำเภอเมืองนนทบุรี", "address": "ถนนรัตนาธิเบศร์ ตำบลบางกระสอ อำเภอเมืองนนทบุรี นนทบุรี 11000",
                      "hours": "วันจันทร์ถึงวันศุกร์ 08:30–16:30 น. (ยกเว้นวันหยุดราชการ)", "remark": ""}],
        "complaint_channels": [{"channel": "ศูนย์ดำรงธรรม", "detail": "โทร. 1567"},
                               {"channel": "ศูนย์บริการประชาชน สำนักปลัดสำนักนายกรัฐมนตรี", "detail": "สายด่วน 1111"}],
        "statistics": {"average": 1200, "highest": 1800, "lowest": 700},
        "remark": "ผู้ยื่นคำขอสามารถตรวจสอบสถานะได้ที่สำนักทะเบียนที่ยื่นคำขอ",
    }


def password_for(username: str, password: str | None) -> str:
    return password or f"{username}@2569"


def load(password: str | None = None, helpdesk_tickets: bool = False, ratings: bool = False,
         public_front: bool = False, chats: bool = False) -> bool:
    """Create everything once; returns False when it was already there.

    ``helpdesk_tickets`` adds two finished IR Online reports (the command line asks for them; the tests' demo
    leaves them out, as they would add a diagram version and outbox rows that other tests count); ``ratings``
    five months of satisfaction ratings at the demo's service points (the command line asks for them too);
    ``public_front`` more published manuals in several categories and places, so the public front looks like one;
    ``chats`` Live Chat's topics and service hours with two offline questions, one answered and rated, one waiting
    for the agent (the command line again: the waiting one's due-date timer would run into the tests' moved clock)."""
    if db.session.scalar(select(User).where(User.username == "author")) is not None:
        return False
    by_key: dict[str, Agency] = {}
    for key, parent_key, kind, name_th, name_en in AGENCIES:
        by_key[key] = agencies.create(kind=kind.value, name_th=name_th, name_en=name_en, code=key,
                                      parent=by_key.get(parent_key))
    org.seed_demo(by_key)  # the service catalogue and a few public profiles
    people: dict[str, User] = {}
    for username, display_name, role, agency_key in USERS:
        user = accounts.create_user(username, display_name, password_for(username, password),
                                    email=f"{username}@demo.ratchaflow.local")
        accounts.grant(user, by_key[agency_key].id, role)
        people[username] = user
    process_ids = {}
    for key, agency_key, name_th, name_en, service_type, legal_basis, days in PROCESSES:
        editor = people["lg_author" if agency_key == "nakhon_nont" else "central"]
        process = processes.create_process(editor, {
            "name_th": name_th, "name_en": name_en, "agency_id": by_key[agency_key].id, "service_type": service_type,
            "impact_level": "national" if agency_key == "dopa" else "local", "service_area": "regional",
            "legal_basis": legal_basis, "legal_time_limit_days": days})
        process_ids[key] = process.id
    for title, agency_key, process_key, target, common_names in MANUALS:
        author = people["lg_author" if agency_key == "nakhon_nont" else "author"]
        manual = manuals.create_manual(author, title=title, agency_id=by_key[agency_key].id,
                                       process_id=process_ids[process_key])
        content = demo_content(common_names)
        if target == "draft":
            draft = manual_revisions.new_draft(author, manual)
            manual_revisions.save_draft(author, draft, title=title, content=content, change_note=None, row_version=None)
            continue
        manual_revisions.submit(author, manual, title=title, content=content, change_note="ฉบับแรก")
        if target == "in_review":
            continue
        if target == "returned":
            _complete(manual, people["reviewer"], decision="return", comment="โปรดระบุเอกสารที่ต้องใช้ให้ครบถ้วน")
            continue
        _complete(manual, people["reviewer"], decision="approve", comment="")
        if target == "opdc_review":
            continue
        _complete(manual, people["opdc"], decision="approve", comment="")
    if public_front:
        _public_front(people, by_key)
    _licence_reports(people["spoint"], by_key["sp_muang"])
    _helpdesk(people, helpdesk_tickets, password)
    _faq(people, helpdesk_tickets)
    if ratings:
        from app.ratings.services import demo as rating_demo

        rating_demo.load(by_key, people["opdc"], people["central"])
    if chats:
        from app.chat.services import demo as chat_demo

        chat_demo.load(people["chat_super"], people["chat_agent"])
    return True


def _faq(people: dict[str, User], proposal: bool) -> None:
    """The published procurement FAQ and, when asked, one chat answer proposed for it and waiting for review."""
    from app.knowledge.services import faq_entries

    for number, (topic, question, answer) in enumerate(FAQ, start=1):
        faq_entries.seed_published(question, answer, topic=topic, source_ref=f"demo-{number}",
                                 actor_id=people["chat_super"].id)
    if proposal:
        topic, question, answer = FAQ_PROPOSAL
        faq_entries.propose(question, answer, topic=topic, source_kind="chat", source_ref="demo-chat-1",
                          source_label="แชตตัวอย่าง: ผู้ค้าถามเรื่องแก้ไขเอกสารเสนอราคา",
                          proposed_by_id=people["chat_agent"].id)


def _helpdesk(people: dict[str, User], tickets: bool, password: str | None) -> None:
    """A team, standard answers and, when asked, two finished reports (one confirmed and rated, one merged into it).

    Only finished reports: an open one's SLA and waiting timers would run into the tests' moved clock.
    """
    from app.helpdesk.services import helpdesk, helpdesk_desk, helpdesk_intake, helpdesk_lifecycle, helpdesk_staff

    supervisor, agent = people["hd_super"], people["hd_agent"]
    team = helpdesk_staff.save_team(supervisor, "ทีม e-bidding และสัญญา", [agent.id])
    helpdesk_staff.save_answer(supervisor, "รับเรื่องแล้ว", "เรียน {reporter_name}\n\nกรมบัญชีกลางได้รับเรื่อง "
                              "{ticket_number} แล้ว และจะแจ้งผลให้ทราบโดยเร็ว\n\n{agent_name}")
    helpdesk_staff.save_answer(supervisor, "ล้างแคชเบราว์เซอร์", "กรุณาล้างแคชของเบราว์เซอร์ แล้วเข้าสู่ระบบ e-GP "
                              "ใหม่อีกครั้ง หากยังพบปัญหาในโครงการ {project_number} โปรดแจ้งกลับในเรื่อง {ticket_number}")
    if not tickets:
        return
    # A vendor with a verified reporter account, who follows their reports under "My reports".
    vendor = accounts.create_user(REPORTER[0], REPORTER[1], password_for("vendor", password), email=REPORTER[0])
    vendor.account_kind, vendor.email_verified_at = AccountKind.reporter, utcnow()
    db.session.add(ReporterProfile(user_id=vendor.id, reporter_type="vendor", organisation=REPORTER[1]))
    bidding = next(c for c in helpdesk.categories() if c.name_th == "e-bidding")
    first, _token = helpdesk_intake.report(helpdesk_intake.ReportInput(
        reporter_type="vendor", category_id=bidding.id, subject="กดยืนยันการเสนอราคาแล้วระบบค้าง",
        description="เสนอราคาโครงการแล้วหน้าจอค้างที่ขั้นตอนยืนยัน", project_number="69019123456",
        contact_name=REPORTER[1], contact_email=REPORTER[0]), vendor)
    duplicate, _token = helpdesk_intake.report(helpdesk_intake.ReportInput(
        reporter_type="public", category_id=bidding.id, subject="ระบบ e-bidding ค้าง",
        description="เข้าหน้าเสนอราคาไม่ได้"), None)
    task = helpdesk_desk.triage_task(first)
    inbox.complete(supervisor, task, inbox.TaskAnswer({"category_id": bidding.id, "priority": "high",
                                                       "assignee_id": agent.id, "team_id": team.id}))
    helpdesk_desk.merge(agent, duplicate, first.number)
    helpdesk_desk.add_note(agent, first, "ตรวจสอบแล้ว: ปัญหาจากการปรับปรุงระบบเมื่อคืน")
    helpdesk_desk.resolve(agent, first, "ปรับปรุงระบบเรียบร้อยแล้ว กรุณาเสนอราคาอีกครั้ง")
    helpdesk_lifecycle.confirm(first, None)
    helpdesk_lifecycle.rate(first, None, 5, "แก้ไขได้รวดเร็ว")


def _licence_reports(officer: User, service_point: Agency) -> None:
    """This month's figures at one service point (the period is still open)."""
    this_month = licensing.period(*licensing.month_of(utcnow()))
    rows = licensing.sheet(this_month, service_point)
    figures = {row.process.id: {"received": "12", "approved": "9", "refused": "1", "pending": "2",
                                "within_limit": "9", "over_limit": "1"} for row in rows[:2]}
    licensing.save_figures(officer, this_month, service_point, figures)


def _public_front(people: dict[str, User], by_key: dict[str, Agency]) -> None:
    """Publish PUBLIC_MANUALS through the approval workflow and link them to the points that offer them."""
    ids = {(entry.kind, entry.code): entry.id for entry in db.session.scalars(select(CatalogueEntry))}
    for title, agency_key, categories, groups, common_names, criteria, places in PUBLIC_MANUALS:
        local = agency_key == "nakhon_nont"
        author, reviewer = (people["lg_author"], people["lg_reviewer"]) if local else (people["author"],
                                                                                       people["reviewer"])
        manual = manuals.create_manual(author, title=title, agency_id=by_key[agency_key].id, process_id=None)
        content = demo_content(common_names) | {
            "criteria": criteria, "tags": [],
            "category_ids": [ids[(CatalogueKind.category, code)] for code in categories],
            "user_group_ids": [ids[(CatalogueKind.user_group, code)] for code in groups]}
        manual_revisions.submit(author, manual, title=title, content=content, change_note="ฉบับแรก")
        _complete(manual, reviewer, decision="approve", comment="")
        _complete(manual, people["opdc"], decision="approve", comment="")
        for place in places:
            links.link(people["admin"], by_key[place].id, "manual", manual.id)


def _complete(manual: Manual, user: User, *, decision: str, comment: str) -> None:
    """A review decision, as the review form gives it."""
    task = db.session.scalar(
        select(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(HumanTask.status == TaskStatus.open, ProcessInstance.business_type == "manual",
               ProcessInstance.business_id == manual.id)
    )
    inbox.complete(user, task, inbox.TaskAnswer({"decision": decision, "comment": comment}, comment=comment or None))


def sign_ins(password: str | None = None) -> list[tuple[str, str, str, str]]:
    staff = [(username, role, agency_key, password_for(username, password)) for username, _n, role, agency_key in USERS]
    return [*staff, (REPORTER[0], "reporter (IR Online)", "-", password_for("vendor", password))]
