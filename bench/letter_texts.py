"""Varied Thai text for the letter benchmark: people, places, agencies, delay reasons and dates, seeded.

Names are a title (นาย, นาง, นางสาว) with one of many given names and a surname put together from two parts;
addresses have house numbers, หมู่, ถนน, ตำบล/อำเภอ/จังหวัด and the province's postcode; delay reasons are
sentences built from a cause, an office or committee, a document and a detail with numbers and dates. People,
addresses, references, codes, reasons and (while eight years of days last) dates are never handed out twice
by one ``Texts``, so that no line of a letter that carries them has been shaped already. Agency names come
again, as one office sends many letters; the fixed wording of a letter repeats, as it does in production.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from notifications.thai_text import thai_date

MALE = ("สมชาย", "สมศักดิ์", "ประเสริฐ", "วิชัย", "สุรชัย", "ธนากร", "ณัฐวุฒิ", "กิตติพงษ์", "อนุชา", "ปิยะพงษ์",
        "ชัยวัฒน์", "วีระพงษ์", "ธีรศักดิ์", "พงศกร", "ศุภชัย", "อภิชาติ", "บุญเลิศ", "ทองดี", "สุทธิพงษ์", "เอกชัย",
        "จักรพันธ์", "ภานุวัฒน์", "ณรงค์ฤทธิ์", "ปิ่น", "เกียรติศักดิ์", "อำนาจ", "วรวุฒิ", "สิทธิชัย", "ชาญณรงค์", "ธวัชชัย")
FEMALE = ("สมศรี", "มาลี", "วันเพ็ญ", "สุภาพร", "กาญจนา", "ญาณี", "ปราณี", "จิราภรณ์", "ศิริพร", "อรุณี", "พรทิพย์",
          "นิภาพร", "รัตนา", "ธิดารัตน์", "ณัฐธิดา", "ปิยะนุช", "วิไลวรรณ", "สุกัญญา", "ฐิติมา", "อัญชลี", "เบญจวรรณ",
          "ลำดวน", "บุษบา", "ชุติมา", "เพ็ญศรี", "อุไรวรรณ", "กนกพร", "ดวงใจ", "ยุพิน", "ฤดีมาศ")
SURNAME_HEADS = ("ศรี", "สุข", "ทอง", "แก้ว", "บุญ", "มั่น", "เจริญ", "ใจ", "พร", "ชัย", "สม", "รุ่ง", "จันทร์", "เพชร",
                 "นิล", "คำ", "อินทร์", "ปัญญา", "ศักดิ์", "พูล", "แสง", "สาย", "ผู้ใหญ่", "ปู่")
SURNAME_TAILS = ("สวัสดิ์", "ดี", "วงศ์", "สกุล", "ประเสริฐ", "มณี", "เจริญ", "ศรี", "ทรัพย์", "สมบูรณ์", "รัตน์", "พงษ์",
                 "กุล", "ธรรม", "สุวรรณ", "งาม", "เรือง", "ทองคำ", "บ้าน", "ทอง", "ชัยศรี", "วิเศษ", "ประทุม", "อ่อน")
# province, its postcode's first two digits, the letters of its official codes, districts with some subdistricts
PROVINCES = (
    ("เชียงใหม่", "50", "ชม", {"เมืองเชียงใหม่": ("ศรีภูมิ", "ช้างเผือก", "สุเทพ", "หายยา"),
                                "สันทราย": ("สันทรายหลวง", "หนองหาร"), "แม่ริม": ("ริมใต้", "แม่สา")}),
    ("ขอนแก่น", "40", "ขก", {"เมืองขอนแก่น": ("ในเมือง", "ศิลา", "บ้านเป็ด"), "ชุมแพ": ("ชุมแพ", "โนนหัน")}),
    ("นนทบุรี", "11", "นบ", {"เมืองนนทบุรี": ("บางกระสอ", "ตลาดขวัญ", "ท่าทราย"), "ปากเกร็ด": ("ปากเกร็ด", "บางตลาด"),
                              "บางบัวทอง": ("โสนลอย", "บางรักพัฒนา")}),
    ("นครราชสีมา", "30", "นม", {"เมืองนครราชสีมา": ("ในเมือง", "หัวทะเล", "โพธิ์กลาง"), "ปากช่อง": ("ปากช่อง", "หนองสาหร่าย")}),
    ("สงขลา", "90", "สข", {"หาดใหญ่": ("หาดใหญ่", "คอหงส์", "คลองแห"), "เมืองสงขลา": ("บ่อยาง", "เขารูปช้าง")}),
    ("อุบลราชธานี", "34", "อบ", {"เมืองอุบลราชธานี": ("ในเมือง", "ขามใหญ่"), "วารินชำราบ": ("วารินชำราบ", "แสนสุข")}),
    ("พิษณุโลก", "65", "พล", {"เมืองพิษณุโลก": ("ในเมือง", "อรัญญิก"), "วังทอง": ("วังทอง", "ชัยนาม")}),
    ("ชลบุรี", "20", "ชบ", {"เมืองชลบุรี": ("บางปลาสร้อย", "เสม็ด"), "ศรีราชา": ("ศรีราชา", "สุรศักดิ์"),
                             "บางละมุง": ("หนองปรือ", "นาเกลือ")}),
    ("สุราษฎร์ธานี", "84", "สฎ", {"เมืองสุราษฎร์ธานี": ("ตลาด", "มะขามเตี้ย"), "เกาะสมุย": ("อ่างทอง", "บ่อผุด")}),
    ("ลำปาง", "52", "ลป", {"เมืองลำปาง": ("เวียงเหนือ", "สวนดอก"), "เกาะคา": ("เกาะคา", "ลำปางหลวง")}),
)
ROADS = ("ถนนพหลโยธิน", "ถนนมิตรภาพ", "ถนนเพชรเกษม", "ถนนสุขุมวิท", "ถนนรัตนาธิเบศร์", "ถนนศรีจันทร์", "ถนนนิพัทธ์อุทิศ",
         "ถนนห้วยแก้ว", "ถนนเทศบาล ๑", "")
AGENCIES = ("ที่ว่าการอำเภอ{district}", "สำนักงานเทศบาลตำบล{subdistrict}", "องค์การบริหารส่วนตำบล{subdistrict}",
            "สำนักงานที่ดินจังหวัด{province} สาขา{district}", "สำนักงานสาธารณสุขอำเภอ{district}")
CAUSES = ("ต้องรอผลการตรวจสอบพื้นที่จาก{office}", "อยู่ระหว่างขอความเห็นจาก{committee}",
          "ต้องส่ง{document}ไปตรวจสอบความถูกต้องกับ{office}", "ต้องรอผลการตรวจสถานที่ร่วมกับ{office}",
          "ผู้ยื่นคำขอต้องแก้ไข{document}ให้ถูกต้องตามที่เจ้าหน้าที่แจ้ง", "ต้องรอผลการรังวัดที่ดินจาก{office}")
OFFICES = ("สำนักงานโยธาธิการและผังเมืองจังหวัด{province}", "สำนักงานที่ดินจังหวัด{province}",
           "สำนักงานสาธารณสุขจังหวัด{province}", "สำนักงานอุตสาหกรรมจังหวัด{province}",
           "สำนักงานทรัพยากรธรรมชาติและสิ่งแวดล้อมจังหวัด{province}", "สำนักงานเจ้าท่าภูมิภาคสาขา{province}")
COMMITTEES = ("คณะกรรมการควบคุมอาคาร", "คณะกรรมการพิจารณาอนุญาตระดับจังหวัด{province}", "คณะกรรมการสิ่งแวดล้อมแห่งชาติ",
              "สภาองค์การบริหารส่วนตำบล{subdistrict}", "คณะอนุกรรมการด้านสาธารณสุขอำเภอ{district}")
DOCUMENTS = ("แบบแปลนอาคาร", "หนังสือรับรองการจดทะเบียนนิติบุคคล", "สำเนาโฉนดที่ดินเลขที่ {number}",
             "หนังสือยินยอมของเจ้าของที่ดิน", "รายงานการประเมินผลกระทบสิ่งแวดล้อม", "ใบรับรองแพทย์",
             "แผนผังแสดงที่ตั้งสถานประกอบการ")
DETAILS = ("ซึ่งมีกำหนดประชุมครั้งที่ {number}/{year} ในวันที่ {day}", "ซึ่งได้มีหนังสือขอให้ตอบภายในวันที่ {day}",
           "โดยได้ส่งเรื่องไปแล้วตามหนังสือที่ {code} {serial}/{year} ลงวันที่ {day}",
           "ทั้งยังมีคำขอค้างพิจารณาอยู่ก่อนจำนวน {number} ราย", "และต้องตรวจสถานที่จริงที่หมู่ที่ {moo} ตำบล{subdistrict} ก่อน")
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # as the app's lookup codes: nothing to misread
FIRST_DAY, DAYS = date(2024, 1, 1), 8 * 365  # letters are dated over eight years, each day once while days last


@dataclass
class Place:
    province: str
    district: str
    subdistrict: str
    postcode: str
    code: str  # the province's letters in official codes, e.g. "ชม"


@dataclass
class AgencyTexts:
    place: Place
    name: str
    code: str
    address: str  # lines
    postcode: str
    phone: str
    email: str


@dataclass
class DelayTexts:
    reference: str
    lookup_code: str
    applicant_name: str
    applicant_address: str
    reason: str
    received_on: date
    promised_days: int
    expected_decision_on: date
    issued_on: date
    officer_name: str


class Texts:
    """Hands out values never handed out before (by this object), from a fixed seed."""

    def __init__(self, seed: int = 2570):
        self.rng = random.Random(seed)
        self.seen: set[str] = set()
        self.days = list(range(DAYS))
        self.rng.shuffle(self.days)

    def _new(self, make) -> str:
        for _ in range(1000):
            value = make()
            if value not in self.seen:
                self.seen.add(value)
                return value
        raise RuntimeError("ran out of new values; widen the word lists")

    def person(self) -> str:
        def make():
            title = self.rng.choice(("นาย", "นาง", "นางสาว"))
            given = self.rng.choice(MALE if title == "นาย" else FEMALE)
            return f"{title}{given} {self.rng.choice(SURNAME_HEADS)}{self.rng.choice(SURNAME_TAILS)}"
        return self._new(make)

    def place(self) -> Place:
        province, prefix, code, districts = self.rng.choice(PROVINCES)
        district = self.rng.choice(list(districts))
        return Place(province, district, self.rng.choice(districts[district]),
                     f"{prefix}{self.rng.randrange(0, 300, 10):03d}", code)

    def street_address(self, place: Place) -> str:
        def make():
            house = f"{self.rng.randint(1, 999)}" + (f"/{self.rng.randint(1, 99)}" if self.rng.random() < 0.4 else "")
            road = self.rng.choice(ROADS)
            return (f"เลขที่ {house} หมู่ที่ {self.rng.randint(1, 15)}{' ' + road if road else ''}\n"
                    f"ตำบล{place.subdistrict} อำเภอ{place.district}\nจังหวัด{place.province}")
        return self._new(make)

    def agency(self) -> AgencyTexts:
        """A service point somewhere: its name may come again (one office sends many letters), its address not."""
        place = self.place()
        number = f"{self.rng.randint(1, 9999):04d}"
        return AgencyTexts(place=place, name=self.rng.choice(AGENCIES).format(**vars(place)),
                           code=f"{place.code} {number}.{self.rng.randint(1, 9)}", address=self.street_address(place),
                           postcode=place.postcode,
                           phone=self._new(lambda: f"0 {self.rng.randint(2000, 7999)} {self.rng.randint(1000, 9999)}"),
                           email=f"saraban{number}@{self.rng.choice(('dopa', 'dol', 'moph', 'lao'))}.example.go.th")

    def day(self) -> date:
        """A day not used before while any is left (then any day)."""
        return FIRST_DAY + timedelta(days=self.days.pop() if self.days else self.rng.randrange(DAYS))

    def reason(self, place: Place) -> str:
        def part(template: str) -> str:
            return template.format(**vars(place), office=self.rng.choice(OFFICES).format(**vars(place)),
                                   committee=self.rng.choice(COMMITTEES).format(**vars(place)),
                                   document=self.rng.choice(DOCUMENTS).format(number=self.rng.randint(1000, 99999)),
                                   number=self.rng.randint(2, 480), year=self.rng.randint(2567, 2574),
                                   day=thai_date(FIRST_DAY + timedelta(days=self.rng.randrange(DAYS))),
                                   serial=f"{self.rng.randint(1, 9999):04d}", moo=self.rng.randint(1, 15))
        return self._new(lambda: f"{part(self.rng.choice(CAUSES))} {part(self.rng.choice(DETAILS))}")

    def delay(self, place: Place) -> DelayTexts:
        """An application made at ``place`` and delayed there; the applicant lives nearby."""
        issued = self.day()
        promised = self.rng.choice((7, 15, 30, 45, 60, 90))
        received = issued - timedelta(days=promised + self.rng.randint(1, 30))
        return DelayTexts(
            reference=self._new(lambda: f"{place.code} {self.rng.randint(1, 9999):04d}/{received.year + 543}"),
            lookup_code=self._new(lambda: "".join(self.rng.choices(CODE_LETTERS, k=8))),
            applicant_name=self.person(), applicant_address=f"{self.street_address(place)} {place.postcode}",
            reason=self.reason(place), received_on=received, promised_days=promised,
            expected_decision_on=issued + timedelta(days=self.rng.randint(7, 60)), issued_on=issued,
            officer_name=self.person())

