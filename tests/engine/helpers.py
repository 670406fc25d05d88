"""What the engine's tests share."""

from __future__ import annotations

from app.core.extensions import db
from app.manuals.services import manual_revisions, manuals
from tests.helpers import complete_content


def submit_manual(demo, title="คู่มือทดสอบ"):
    """A manual created and submitted by the demo's author (committed)."""
    author = demo.user("author")
    manual = manuals.create_manual(author, title=title, agency_id=demo.agency("dopa").id)
    manual_revisions.submit(author, manual, title=title, content=complete_content(), change_note=None)
    db.session.commit()
    return manual
