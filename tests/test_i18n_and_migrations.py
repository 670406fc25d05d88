"""Thai first with an English switch, Buddhist-era dates, and migrations that match the models."""

from __future__ import annotations

import contextvars
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.core.extensions import db
from app.core.i18n import format_date, format_datetime
from app.core.labels import LazyLabels
from app.public.models import is_dialect_search_object


def test_pages_are_thai_by_default_and_english_on_request(client, login, demo):
    login("reviewer")
    page = client.get("/tasks/").get_data(as_text=True)
    assert '<html lang="th">' in page and "งานที่ฉันทำได้" in page
    client.get("/lang/en?next=/tasks/")
    page = client.get("/tasks/").get_data(as_text=True)
    assert '<html lang="en">' in page and "Tasks I can do" in page
    client.get("/lang/th")
    assert "งานที่ฉันทำได้" in client.get("/tasks/").get_data(as_text=True)


def test_dates_use_the_buddhist_era_in_bangkok_time(app):
    moment = datetime(2026, 11, 22, 18, 30, tzinfo=UTC)  # 01:30 on the 23rd in Bangkok
    with force_locale("th"):
        assert format_date(moment) == "23 พ.ย. 2569"
        assert format_datetime(moment) == "23 พ.ย. 2569 01:30"
    with force_locale("en"):
        assert format_date(moment) == "23 Nov 2569 BE"


def test_labels_kept_as_text_are_each_languages_own(app):
    """Labels are read as text once a language; read where no app is running (no catalogue), they are not kept."""
    labels = LazyLabels({"duration": _l("Duration")})
    # where no app is running (a fresh context: the fixture's app context stays outside it), the source text
    assert contextvars.Context().run(lambda: labels.texts()["duration"]) == "Duration"
    with app.test_request_context("/"):
        assert labels.texts()["duration"] == "ระยะเวลา"
        with force_locale("en"):
            assert labels.texts()["duration"] == "Duration"
        assert labels.texts()["duration"] == "ระยะเวลา"
    labels["remark"] = _l("Remark")  # labels added later are read too
    labels.update(place=_l("Place"))
    with app.test_request_context("/"):
        assert labels.texts() == {"duration": "ระยะเวลา", "remark": "หมายเหตุ", "place": "สถานที่"}


def test_the_language_switch_does_not_redirect_elsewhere(client):
    response = client.get("/lang/en?next=https://evil.example/")
    assert response.headers["Location"].startswith("/")


# SQLite cannot reflect the expression index ix_human_task_queue; PostgreSQL compares it.
@pytest.mark.filterwarnings("ignore:.*expression-based index.*")
def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": False,
            "include_name": lambda name, type_, parents: not is_dialect_search_object(name, type_)})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_thai_catalogue_covers_every_message_in_the_code(tmp_path):
    """Run `make messages` and translate whatever it adds; no screen may fall back to English."""
    import subprocess
    import sys
    from pathlib import Path

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-c", "from babel.messages.frontend import main; main()", "-q", "extract",
                    "-F", "babel.cfg", "-k", "_l", "-o", str(pot), "app", "forms", "notifications"], cwd=root, check=True)
    wanted = {m.id for m in read_po(pot.open("rb")) if m.id}
    assert len(wanted) > 150  # the extraction really found the code's messages
    with (root / "app/translations/th/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    missing = sorted(str(i) for i in wanted if i not in catalogue or not catalogue[i].string or catalogue[i].fuzzy)
    assert missing == []


def test_an_oversized_submission_is_refused_with_a_message(client, login, demo):
    login("author")
    response = client.post("/manuals/new", data={"title": "x" * (5 * 1024 * 1024)})
    assert response.status_code == 413
    assert "ใหญ่เกินไป" in response.get_data(as_text=True)
