"""Every back-office page, walked as each role in Thai, says nothing in English outside names and codes.

The walk follows the links a person can click from their task list (GET only, same site, no downloads), a few
pages per kind of address, and reads the text a person sees: what is between the tags, the buttons' values,
placeholders, titles and labels read aloud. Any word in Latin letters must be a name or code of the allow-list.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.core.extensions import db
from app.demo import USERS
from app.org.models import Agency

# Names, codes and abbreviations that are written in Latin letters in Thai government pages too.
ALLOWED = {
    "ratchaflow", "e-gp", "egp", "ir", "online", "live", "chat", "pdf", "csv", "xlsx", "excel", "qr", "code", "id",
    "digital", "english", "email", "e-mail", "sla", "faq", "url", "link", "www", "gprocurement", "go", "th", "info",
    "opdc", "dga", "bpmn", "api", "json", "openapi", "kiosk", "png", "svg", "token", "pin", "e-bidding", "e-market",
    "e-service", "e-catalog", "tor", "otp", "ok", "sms", "line", "facebook", "b.e", "a.d", "n/a",
}
# Codes a person reads as codes: e-mail and web addresses, "#ref" numbers, {placeholders} (and, below, words in
# capitals: abbreviations and the codes of service points).
CODES = re.compile(r"\S+@\S+|\b[\w-]+(\.[\w-]+)+\b|#\S+|\{\w+\}")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z.\-]*[A-Za-z]|[A-Za-z]")
SKIP_PATHS = re.compile(r"/(logout|language|static|api|export|download|files?|attachments?)\b|\.(pdf|csv|xlsx|png|svg)$"
                        r"|/letter|/poster|/transcript|/qr")
PAGES_PER_KIND = 2
MOST_PAGES = 60


class _Text(HTMLParser):
    """The text a person sees or hears, and the links on the page."""

    def __init__(self):
        super().__init__()
        self.words: list[str] = []
        self.links: list[str] = []
        self._hidden = 0  # inside <script>, <style>, <code>, <pre>, or an element marked translate="no"
        self._stack: list[bool] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        hidden = tag in {"script", "style", "code", "pre", "kbd", "samp"} or values.get("translate") == "no" \
            or "lang" in values and values["lang"] not in ("th", "")
        if tag not in {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "area", "col"}:
            self._stack.append(hidden)
            self._hidden += hidden
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if self._hidden:
            return
        for name in ("title", "placeholder", "aria-label", "alt"):
            if values.get(name):
                self.words.append(values[name])
        if tag == "input" and values.get("type") in {"submit", "button"} and values.get("value"):
            self.words.append(values["value"])

    def handle_endtag(self, tag):
        if self._stack and tag not in {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "area", "col"}:
            self._hidden -= self._stack.pop()

    def handle_data(self, data):
        if not self._hidden:
            self.words.append(data)


def _kind(path: str) -> str:
    return re.sub(r"/\d+", "/N", path)


def _english(text: str, names: set[str]) -> list[str]:
    found = []
    for word in LATIN_WORD.findall(CODES.sub(" ", text)):
        lowered = word.lower().strip(".-")
        if lowered in ALLOWED or lowered in names or len(lowered) <= 1 or word.isupper():
            continue
        found.append(word)
    return found


@pytest.fixture
def on_sqlite(request):
    """The words on a page do not depend on the database: skip the PostgreSQL run before its demo is loaded."""
    if request.node.callspec.params.get("app") != "sqlite":
        pytest.skip("the words on a page do not depend on the database")


@pytest.mark.parametrize("username", [user[0] for user in USERS])
def test_every_page_a_role_reaches_speaks_thai(on_sqlite, client, login, demo, username):
    codes = db.session.scalars(select(Agency.code)).all() + db.session.scalars(select(User.username)).all()
    names = {word.lower() for code in codes for word in LATIN_WORD.findall(code or "")}
    login(username)
    queue, seen, kinds = deque(["/tasks/"]), set(), {}
    problems = {}
    while queue and len(seen) < MOST_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or not response.content_type.startswith("text/html"):
            continue
        page = _Text()
        page.feed(response.get_data(as_text=True))
        english = sorted(set(_english(" ".join(page.words), names)))
        if english:
            problems[path] = english
        for href in page.links:
            target = urlsplit(urljoin(f"http://localhost{path}", href))
            if target.netloc != "localhost" or SKIP_PATHS.search(target.path):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            kind = _kind(target.path)
            if link not in seen and kinds.get(kind, 0) < PAGES_PER_KIND:
                kinds[kind] = kinds.get(kind, 0) + 1
                queue.append(link)
    assert len(seen) > 3, f"{username} reached only {sorted(seen)}"
    assert not problems, "\n".join(f"{path}: {words}" for path, words in problems.items())
