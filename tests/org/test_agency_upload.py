"""Agencies from a CSV file on the administrators' screen: a preview, then all created or none; each line's problems
in Thai; files that are not UTF-8 CSV, too large or confirmed after someone took a code."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from app.core.extensions import db
from app.org.models import Agency
from app.org.services import agencies
from tests.org.test_agency_admin import _audits, _by_code, _page

# --- uploading -------------------------------------------------------------------------------------------------


def _upload(client, content: bytes, name: str = "agencies.csv"):
    return client.post("/agencies/admin/upload", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def _confirm(client, response):
    page = _page(response)
    encoded = page.split('name="content"')[1].split('value="')[1].split('"')[0]
    return client.post("/agencies/admin/upload", data={"content": encoded})


GOOD = ("รหัส,ประเภท,รหัสหน่วยงานแม่,ชื่อภาษาไทย,ชื่อภาษาอังกฤษ,จังหวัด,อำเภอ,รหัสไปรษณีย์,เลขที่หนังสือ\r\n"
        "mdes,กระทรวง,,กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม,Ministry of Digital Economy,,,,\r\n"
        "nso,department,mdes,สำนักงานสถิติแห่งชาติ,National Statistical Office,กรุงเทพมหานคร,ดุสิต,10300,ดศ 0601\r\n"
        "nso_north,กอง,nso,\"กองสถิติภาคเหนือ, เชียงใหม่\",,เชียงใหม่,เมืองเชียงใหม่,50000,\r\n"
        ",service_point,nso_north,จุดบริการข้อมูลสถิติ,,,,,\r\n"
        ",division,dopa,กองใหม่ในกรมการปกครอง,,,,,\r\n")


def test_an_upload_is_previewed_then_created_all_at_once(client, login, demo):
    login("admin")
    assert "รหัสหน่วยงานแม่" in _page(client.get("/agencies/admin/upload"))
    before = db.session.scalar(select(func.count(Agency.id)))
    preview = _upload(client, b"\xef\xbb\xbf" + GOOD.encode("utf-8"))  # Excel's "CSV UTF-8" has a byte-order mark
    assert preview.status_code == 200
    page = _page(preview)
    assert "สร้างได้ทั้ง 5 บรรทัด" in page and "กองสถิติภาคเหนือ, เชียงใหม่" in page
    assert db.session.scalar(select(func.count(Agency.id))) == before  # nothing yet
    response = _confirm(client, preview)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Agency.id))) == before + 5
    nso, north = _by_code("nso"), _by_code("nso_north")
    assert nso.parent_id == _by_code("mdes").id and nso.kind == "department" and nso.letter_prefix == "ดศ 0601"
    assert north.parent_id == nso.id and north.postcode == "50000"
    point = db.session.scalar(select(Agency).where(Agency.name_th == "จุดบริการข้อมูลสถิติ"))
    assert point.path == f"{north.path}{point.id}/" and point.code is None
    assert _by_code("dopa").id == db.session.scalar(select(Agency.parent_id).where(
        Agency.name_th == "กองใหม่ในกรมการปกครอง"))
    assert sum(1 for e in _audits("agency.created") if e.after.get("source") == "upload") == 5
    # the same file again: every code is taken now, and nothing is created twice
    again = _upload(client, GOOD.encode("utf-8"))  # no byte-order mark this time
    assert again.status_code == 422 and "รหัส mdes มีหน่วยงานอื่นใช้อยู่แล้ว" in _page(again)
    assert db.session.scalar(select(func.count(Agency.id))) == before + 5


def test_an_upload_with_bad_lines_shows_each_lines_problems_in_thai_and_creates_nothing(client, login, demo):
    login("admin")
    before = db.session.scalar(select(func.count(Agency.id)))
    content = ("code,kind,parent_code,name_th,name_en,postcode\n"
               "ok1,ministry,,กระทรวงที่ถูกต้อง,,\n"                     # 2: fine on its own
               "x1,department,nowhere,กรมไม่มีแม่,,\n"                   # 3: unknown parent
               "ok1,ministry,,กระทรวงซ้ำรหัส,,\n"                         # 4: code twice in the file
               "dopa,ministry,,กระทรวงรหัสซ้ำในระบบ,,\n"                   # 5: code taken
               "x2,spaceship,,ยานอวกาศ,,\n"                             # 6: bad kind
               "x3,ministry,,\"กระทรวง\r\nสองบรรทัด\",,\n"               # 7: CR/LF in a cell
               "x4,ministry,,=HYPERLINK(\"http://evil\"),,\n"           # 8: a formula
               f"x5,ministry,,{'ก' * 256},,\n"                          # 9: too long
               "x6,department,,กรมระดับบนสุด,,\n"                       # 10: a department at the top
               "x7,ministry,,กระทรวงรหัสไปรษณีย์ผิด,,1234\n"              # 11: postcode
               "x8,ministry,,,,\n"                                      # 12: no name
               "x9,division,ok1,กองใต้กระทรวง,,\n")                     # 13: a division under a ministry (above)
    response = _upload(client, content.encode("utf-8"))
    assert response.status_code == 422
    page = _page(response)
    assert "มี 11 จาก 12 บรรทัดที่สร้างไม่ได้" in page
    expected = {
        3: "ไม่พบหน่วยงานแม่รหัส nowhere", 4: "รหัส ok1 ซ้ำกับบรรทัดก่อนหน้าในไฟล์",
        5: "รหัส dopa มีหน่วยงานอื่นใช้อยู่แล้ว", 6: "ไม่มีประเภทหน่วยงาน “spaceship”",
        7: "ลบการขึ้นบรรทัดใหม่และอักขระควบคุม", 8: "โปรแกรมตารางคำนวณจะอ่านเป็นสูตร",
        9: "ยาวได้ไม่เกิน 255 ตัวอักษร", 10: "หน่วยงานประเภทกรมอยู่ระดับบนสุดของโครงสร้างไม่ได้",
        11: "รหัสไปรษณีย์ (postcode): ตัวเลขห้าหลัก", 12: "ชื่อภาษาไทย (name_th): ต้องกรอก",
        13: "หน่วยงานประเภทสำนัก/กองอยู่ภายใต้กระทรวงไม่ได้",
    }
    for line, message in expected.items():
        row = page.split(f'data-line="{line}"')[1].split("</tr>")[0]
        assert message in row, (line, message, row)
    assert "พร้อมสร้าง" in page.split('data-line="2"')[1].split("</tr>")[0]
    assert 'id="confirm-upload"' not in page
    # posting the checked content anyway creates nothing either
    import base64
    refused = client.post("/agencies/admin/upload", data={"content": base64.b64encode(content.encode()).decode()})
    assert refused.status_code == 422
    assert db.session.scalar(select(func.count(Agency.id))) == before


def test_files_that_are_not_utf8_csv_or_too_large_are_refused_with_a_message(client, login, demo):
    login("admin")
    thai = "code,kind,parent_code,name_th\nx,ministry,,กระทรวงทดลอง\n"
    header = "code,kind,parent_code,name_th\n"
    cases = [
        (thai.encode("cp874"), "TIS-620 หรือ Windows-874"),
        (thai.encode("utf-16"), "UTF-16"),
        (b"\xff\x00\xfe" * 10, "ไม่ใช่ข้อความแบบ UTF-8"),
        (b"", "ไฟล์ว่างเปล่า"),
        (header.encode(), "ไฟล์ไม่มีหน่วยงานต่อจากบรรทัดแรก"),
        (b"name,colour\nx,y\n", "ไม่รู้จักคอลัมน์: name, colour"),
        (b"code,code,kind,name_th\n", "คอลัมน์ละครั้ง"),
        (b"code,kind,parent_code,name_th\nx,ministry,,\x00NUL\n", "อักขระ NUL"),
        ((header + "x,ministry,,ก\n" * 1001).encode(), "นำเข้าได้ครั้งละไม่เกิน 1000 หน่วยงาน"),
        ((header + "x,ministry,," + "ก" * 600 * 1024 + "\n").encode(), "ไฟล์ใหญ่เกิน 512 KB"),
    ]
    for content, message in cases:
        response = _upload(client, content)
        assert response.status_code == 422, message
        assert message in _page(response), message
    assert client.post("/agencies/admin/upload", data={"content": "not base64!"}).status_code == 422
    assert client.post("/agencies/admin/upload", data={"content": "ab\r\ncd"}).status_code == 422


def test_an_upload_confirmed_after_someone_took_a_code_creates_nothing(client, login, demo):
    login("admin")
    preview = _upload(client, GOOD.encode("utf-8"))
    assert preview.status_code == 200
    agencies.create(kind="ministry", name_th="กระทรวงที่สร้างก่อน", code="nso")  # another administrator, meanwhile
    db.session.commit()
    before = db.session.scalar(select(func.count(Agency.id)))
    response = _confirm(client, preview)
    assert response.status_code == 422 and "รหัส nso มีหน่วยงานอื่นใช้อยู่แล้ว" in _page(response)
    assert db.session.scalar(select(func.count(Agency.id))) == before


