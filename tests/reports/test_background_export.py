"""A large export is written in the background: its page shows the progress, its owner is notified when it is
ready, and its download link stops working when it expires (a moved clock, never the real one)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from app.core.extensions import db
from app.core.types import utcnow
from app.reports.models import ReportExport
from app.reports.services import background
from notifications.models import Notification
from tests.reports.conftest import FORMULA


def test_a_large_export_shows_its_progress_and_its_link_expires(app, client, login, demo, figures, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_EXPORT_STREAM_LIMIT", 2)
    monkeypatch.setattr(background, "PROGRESS_EVERY", 1)
    login("opdc")
    response = client.get("/reports/licences/rows.csv")
    assert response.status_code == 303
    status_page = response.headers["Location"]
    page = client.get(status_page).get_data(as_text=True)
    assert 'aria-valuenow="0"' in page and 'http-equiv="refresh"' in page and "export-download" not in page

    export = db.session.scalar(select(ReportExport))
    seen = []

    def commit():
        seen.append((export.status, export.rows_done))
        db.session.commit()

    assert background.run_queued(commit) == 1
    assert ("running", 0) in seen and ("running", 2) in seen and seen[-1] == ("done", 4)
    page = client.get(status_page).get_data(as_text=True)
    assert 'aria-valuenow="100"' in page and "http-equiv" not in page
    link = re.search(r'id="export-download" href="([^"]+)"', page).group(1)
    [notice] = db.session.scalars(select(Notification).where(Notification.user_id == demo.user("opdc").id,
                                                             Notification.link.contains(f"/reports/exports/{export.id}")))

    downloaded = client.get(link)
    assert downloaded.status_code == 200
    rows = list(csv.reader(io.StringIO(downloaded.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["เดือน", "จุดให้บริการ", "จังหวัด", "กระบวนงาน"] and len(rows) == 5
    assert ["'" + FORMULA, "7", "7", "0", "0"] == rows[-1][3:] or any(row[3] == "'" + FORMULA for row in rows)
    assert sum(int(row[4]) for row in rows[1:]) == 36  # numbers read back as numbers

    login("central")  # someone else's export: not found
    assert client.get(status_page).status_code == 404 and client.get(link).status_code == 404
    login("opdc")
    with time_machine.travel(utcnow() + timedelta(hours=background.LINK_HOURS, minutes=1), tick=False):
        assert client.get(link).status_code == 410
        assert 'id="export-expired"' in client.get(status_page).get_data(as_text=True)
        background.remove_expired()
        assert not background.file_path(export).exists()


def test_a_small_export_streams_at_once(client, login, demo, figures):
    login("central")
    response = client.get("/reports/licences/rows.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 4 and {row[1] for row in rows[1:]} == {"ที่ว่าการอำเภอเมืองนนทบุรี", "ที่ว่าการอำเภอปากเกร็ด"}
    assert client.get("/reports/satisfaction/rows.csv").status_code == 404
