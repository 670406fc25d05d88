"""Small helpers shared by tests: finding tasks the way the inbox does, reading printed letters back."""

from __future__ import annotations

import html
import io
import os
import re
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from app.core.extensions import db
from app.core.workflow import HumanTask, ProcessInstance, TaskStatus
from app.manuals.models import Manual, ManualRevision


def open_task(manual: Manual, spec_name: str | None = None) -> HumanTask | None:
    query = (
        select(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(ProcessInstance.business_type == "manual", ProcessInstance.business_id == manual.id,
               HumanTask.status == TaskStatus.open)
    )
    if spec_name:
        query = query.where(HumanTask.spec_name == spec_name)
    return db.session.scalar(query)


def manual_titled(title: str) -> Manual:
    return db.session.scalar(select(Manual).where(Manual.title == title))


def revisions_of(manual: Manual) -> list[ManualRevision]:
    return list(db.session.scalars(select(ManualRevision).where(ManualRevision.manual_id == manual.id)
                                   .order_by(ManualRevision.number)))


def answer(task: HumanTask, user, **values):
    """Complete a task through the service layer with the task's own form."""
    from werkzeug.datastructures import MultiDict

    from app.inbox.services import inbox
    from forms import form_for

    form = form_for(task.form_key)(formdata=MultiDict(values), meta={"csrf": False})
    assert form.validate(), form.errors
    instance = inbox.complete(user, task, form.answer())
    db.session.commit()
    return instance


def draft_of(manual: Manual) -> ManualRevision | None:
    return db.session.scalar(select(ManualRevision).where(ManualRevision.manual_id == manual.id,
                                                          ManualRevision.status == "draft"))


# A complete draft as the editor posts it (one row of each list); keyword arguments override fields.
EDITOR_FIELDS = {
    "title": "การขอรับใบอนุญาตทดสอบ",
    "common_names-0": "ขอใบอนุญาต",
    "tags-0": "ใบอนุญาต",
    "criteria": "ผู้ยื่นต้องมีสัญชาติไทย",
    "steps-0-title": "ยื่นคำขอ",
    "steps-0-description": "ตรวจเอกสาร",
    "steps-0-duration": "10",
    "steps-0-duration_unit": "minutes",
    "steps-0-unit": "สำนักทะเบียน",
    "total_time_value": "",
    "total_time_unit": "minutes",
    "documents-0-name": "บัตรประจำตัวประชาชน",
    "documents-0-issuer": "กรมการปกครอง",
    "documents-0-originals": "1",
    "documents-0-copies": "0",
    "fees-0-description": "ค่าธรรมเนียม",
    "fees-0-amount": "100",
    "channels-0-place": "ที่ว่าการอำเภอ",
    "channels-0-hours": "08:30–16:30 น.",
    "complaint_channels-0-channel": "ศูนย์ดำรงธรรม",
    "complaint_channels-0-detail": "1567",
    "change_note": "",
}


def editor_post(client, manual: Manual, action: str = "save", row_version=None, follow_redirects=False, **fields):
    """Post the manual editor as the browser does, with the draft's current row version unless given."""
    if row_version is None:
        draft = draft_of(manual)
        row_version = draft.row_version if draft else ""
    data = EDITOR_FIELDS | {"row_version": row_version, "action": action} | fields
    return client.post(f"/manuals/{manual.id}/draft", data=data, follow_redirects=follow_redirects)


def submitted_tasks(demo, *titles: str) -> list[HumanTask]:
    """A manual of each title submitted by the demo author at the demo department: their reviewer's open tasks."""
    from app.manuals.services import manual_revisions, manuals

    author = demo.user("author")
    for title in titles:
        manual = manuals.create_manual(author, title=title, agency_id=demo.agency("dopa").id)
        manual_revisions.submit(author, manual, title=manual.title, content=complete_content())
    db.session.commit()
    return [open_task(manual_titled(title)) for title in titles]


def complete_content(criteria: str = "เนื้อหา") -> dict:
    """The smallest content a revision may be submitted with (criteria, a step, a channel, no fee)."""
    return {"criteria": criteria, "steps": [{"title": "ยื่นคำขอ", "duration": 10, "duration_unit": "minutes"}],
            "channels": [{"place": "ที่ว่าการอำเภอ"}], "no_fee": True}


def answer_return(task: HumanTask, author, criteria: str, change_note: str = ""):
    """The author answers a returned revision: a draft copied from it, corrected, submitted through the task."""
    from app.manuals.services import manual_revisions

    manual = db.session.get(Manual, manual_revisions.revision_under_review(task.instance_id).manual_id)
    draft = manual_revisions.current_draft(manual) or manual_revisions.new_draft(author, manual)
    manual_revisions.save_draft(author, draft, title=draft.title, content=complete_content(criteria),
                                change_note=change_note, row_version=None)
    return answer(task, author, revision_id=str(draft.id))


def run_twice_at_once(worker) -> None:
    """Two threads, each its own request and database session (the worker meets them at a barrier)."""
    import threading

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)


def outcome_of(action, *conflicts: type[Exception]) -> str:
    """One side of two at once (``run_twice_at_once``'s worker, past its barrier): "ok" when ``action`` (which
    commits what it does) succeeds, "conflict" when it raises one of ``conflicts`` (rolled back); the thread's
    session removed either way."""
    from app.core.extensions import db

    try:
        action()
        return "ok"
    except conflicts:
        db.session.rollback()
        return "conflict"
    finally:
        db.session.remove()


def approved_unlock(app, client, login, point):
    """February 2027 closes for the service point, its officer asks to unlock it on 11 March 2027 and OPDC approves
    through the task page: the unlock request, approved."""
    from datetime import datetime

    import time_machine

    from app.licensing.models import UnlockRequest
    from tasks import jobs
    from workflows.calendar import BANGKOK

    with time_machine.travel(datetime(2027, 3, 11, 0, 30, tzinfo=BANGKOK)):
        jobs.run(app, "lock_periods")
    with time_machine.travel(datetime(2027, 3, 11, 10, 0, tzinfo=BANGKOK)):
        login("spoint")
        asked = client.post(f"/licensing/2027/2/points/{point.id}/unlock", data={"reason": "ระบบเครือข่ายขัดข้องช่วงปิดงวด"})
        assert asked.status_code == 302
        unlock = db.session.scalar(select(UnlockRequest).order_by(UnlockRequest.id.desc()).limit(1))
        task = db.session.scalar(select(HumanTask).where(HumanTask.instance_id == unlock.instance_id,
                                                         HumanTask.status == TaskStatus.open))
        login("opdc")
        assert client.post(f"/tasks/{task.id}", data={"decision": "approve", "comment": ""}).status_code == 302
    return unlock


# --- printed letters ---------------------------------------------------------------------------------------

ARTEFACTS = Path(os.environ.get("TEST_ARTEFACTS_DIR", Path(__file__).resolve().parent.parent / "test-artefacts"))


@dataclass
class ReadPdf:
    text: str  # NFKC-normalised, as pdftotext extracts it, so that ำ compares equal either way
    pages: int
    fonts: list[dict]  # one per font: name, emb ("yes"/"no"), sub, uni
    qr_codes: list[str]  # what a phone reads from the QR codes on page 1 (when asked for)


def read_pdf(body: bytes, *, png_name: str | None = None, scan_qr: bool = False) -> ReadPdf:
    """Read a PDF back the way a recipient's software would: poppler's pdftotext, pdfinfo and pdffonts, and
    zbar for the QR codes of page 1 printed at 150 dpi.

    With ``png_name`` page 1 is rendered to ``test-artefacts/<png_name>.png`` for a person to look at.
    """
    qr_codes: list[str] = []
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(body)
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        if png_name:
            ARTEFACTS.mkdir(parents=True, exist_ok=True)
            subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", str(path),
                            str(ARTEFACTS / png_name)], check=True)
        if scan_qr:
            subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", str(path),
                            str(Path(folder) / "page")], check=True)
            scanned = subprocess.run(["zbarimg", "--quiet", "--raw", str(Path(folder) / "page.png")],
                                     capture_output=True, text=True)
            qr_codes = scanned.stdout.split()
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    fonts = []
    for line in listing.splitlines()[2:]:
        parts = line.split()
        # name type… encoding emb sub uni object-id generation: the last five columns are fixed.
        fonts.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return ReadPdf(text=unicodedata.normalize("NFKC", text), pages=pages, fonts=fonts, qr_codes=qr_codes)


@dataclass(frozen=True)
class PlacedText:
    """One span of text on page 1 as poppler places it, in points from the top-left corner of the page."""

    text: str  # NFKC-normalised
    left: float
    top: float
    right: float
    bottom: float

    @property
    def centre(self) -> float:
        return (self.left + self.right) / 2


def pdf_layout(body: bytes) -> tuple[float, float, list[PlacedText]]:
    """(page width, page height, the spans of page 1 from top to bottom) read with poppler's ``pdftotext -bbox``:
    each line of a letter is one span (the letters mark each with its real text)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(body)
        markup = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"], capture_output=True,
                                text=True, check=True).stdout
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', markup)
    spans = [PlacedText(unicodedata.normalize("NFKC", html.unescape(text)), float(left), float(top), float(right),
                        float(bottom))
             for left, top, right, bottom, text in re.findall(
                 r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', markup)]
    return float(page.group(1)), float(page.group(2)), sorted(spans, key=lambda span: (round(span.top), span.left))


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


# --- public forms --------------------------------------------------------------------------------------------


def stamp(seconds_ago: int = 10) -> str:
    """The time-trap field of a public form shown ``seconds_ago`` seconds ago."""
    import time_machine

    from app.core.types import utcnow
    from forms.ir_online import form_stamp

    with time_machine.travel(utcnow() - timedelta(seconds=seconds_ago), tick=False):
        return form_stamp()


def th(message: str, **values) -> str:
    """A message as a Thai reader sees it."""
    from flask_babel import force_locale, gettext

    with force_locale("th"):
        return gettext(message, **values)


def count_rows(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def post_files(client, url: str, files: list[tuple[str, bytes]], headers: dict | None = None, **form):
    """A multipart request with ``files`` (name, content) under the "files" parts and the other form fields."""
    return client.post(url, headers=headers or {}, content_type="multipart/form-data",
                       data={**form, "files": [(io.BytesIO(content), name) for name, content in files]})
