"""The whole chat in two real browsers (Chromium, two contexts), on SQLite and PostgreSQL: a visitor asks (FAQ
answers suggested while typing), waits in the queue; the demo agent accepts from the console and goes online;
they talk (each message shown once on each side); the agent proposes an answer for the FAQ and closes with a
topic; the visitor rates and downloads the transcript as a Thai PDF.

The live server is Werkzeug's threaded one: Socket.IO runs there as it does under ``make run``."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.chat.models import ChatSession, ChatStatus
from app.core.extensions import db
from app.knowledge.models import FaqEntry, FaqStatus
from notifications import letters
from tests.chat.helpers import in_office_hours
from tests.helpers import nfkc, read_pdf
from tests.test_browser import CHROMIUM_ARGS, chromium_page, expect, live_server, sign_in, sqlite_only  # noqa: F401

QUESTION = "หลักประกันสัญญาใช้อะไรได้บ้าง และยื่นเป็นหนังสือค้ำประกันอิเล็กทรอนิกส์ได้หรือไม่"
VISITOR_SAYS = "สวัสดีครับ <b>ขอสอบถามเพิ่มเติม</b>"
AGENT_SAYS = "ได้ครับ ใช้หนังสือค้ำประกันอิเล็กทรอนิกส์ผ่านระบบ e-GP ได้"
PHONE = {"width": 390, "height": 844}


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", nfkc(text))


def _ids(page, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all("items => items.map(i => i.getAttribute('data-id'))")


@pytest.mark.every_database
def test_a_visitor_and_an_agent_chat_from_question_to_rating_and_transcript(app, chromium_page, live_server):  # noqa: F811
    started = time.monotonic()
    with in_office_hours():
        agent = chromium_page
        sign_in(agent, "chat_agent")
        agent.click("#nav-chat")
        expect(agent).to_have_url(re.compile(r"/chat-desk/$"))
        expect(agent.locator("#desk-queue")).to_contain_text("ไม่มีผู้รอ")
        # Long polling alone carries the events too (a proxy or a browser that will not upgrade).
        polled = agent.evaluate("""() => new Promise(done => {
            const s = io('/chat', {transports: ['polling'], forceNew: true});
            s.on('connect_error', e => done({ok: false, error: e.message}));
            s.emit('desk', {}, a => { done({ok: a.ok, transport: s.io.engine.transport.name}); s.close(); });
        })""")
        assert polled == {"ok": True, "transport": "polling"}, polled

        phone = agent.context.browser.new_context(viewport=PHONE, locale="th-TH", timezone_id="Asia/Bangkok",
                                                  is_mobile=True, has_touch=True, base_url=live_server)
        phone.set_default_timeout(15_000)
        visitor = phone.new_page()
        problems: list[str] = []
        visitor.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        visitor.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 500 else None)

        # 1. The visitor asks; published answers like the question are suggested while they type.
        visitor.goto("/chat/")
        expect(visitor.locator("html")).to_have_attribute("lang", "th")
        visitor.check("input[name=visitor_type][value=vendor]")
        visitor.select_option("#topic_id", index=1)
        visitor.locator("#question").press_sequentially("หลักประกันสัญญาใช้อะไรได้บ้าง", delay=5)
        suggestions = visitor.locator("#chat-faq-suggestions")
        expect(suggestions).to_be_visible()
        expect(suggestions.locator("a").first).to_contain_text("หลักประกันสัญญา")
        # The suggestions change as the question grows; the button below them stays where it was.
        button_at = visitor.locator("#chat-start").bounding_box()["y"]
        with visitor.expect_response(lambda r: "suggest" in r.url and parse_qs(urlsplit(r.url).query).get("q") ==
                                     [QUESTION]):
            visitor.fill("#question", QUESTION)
        visitor.evaluate("() => new Promise(shown => requestAnimationFrame(() => requestAnimationFrame(shown)))")
        assert visitor.locator("#chat-start").bounding_box()["y"] == button_at
        visitor.fill("#name", "สมชาย ผู้ค้า")
        visitor.click("#chat-start")
        expect(visitor).to_have_url(re.compile(r"/chat/s/LC\d+-[^/]+$"))
        expect(visitor.locator("#chat-queue")).to_contain_text("ลำดับที่ 1")
        assert visitor.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "scrolls sideways"
        chat = db.session.scalar(select(ChatSession).order_by(ChatSession.id.desc()).limit(1))
        assert chat.status == ChatStatus.queued
        db.session.remove()

        # 2. The agent sees it in the queue, accepts it, and goes online.
        queued = agent.locator(f"#desk-queue li[data-chat='{chat.id}']")
        expect(queued).to_contain_text(chat.number)
        queued.locator(".desk-accept").click()
        box = agent.locator(f".desk-chat[data-chat='{chat.id}']")
        expect(box.locator(".desk-chat-messages")).to_contain_text(QUESTION)
        agent.select_option("#desk-status", "online")
        expect(visitor.locator("#chat-queue")).to_be_hidden()
        expect(visitor.locator("#chat-messages")).to_contain_text("ปิยะ ตอบแชต")  # "… has joined the chat"

        # 3. They talk; each side shows each message once, set as text.
        visitor.fill("#chat-input", VISITOR_SAYS)
        visitor.click("#chat-send")
        expect(box.locator(".desk-chat-messages")).to_contain_text(VISITOR_SAYS)
        box.locator(".desk-chat-input").fill(AGENT_SAYS)
        box.locator(".desk-chat-send").click()
        expect(visitor.locator("#chat-messages")).to_contain_text(AGENT_SAYS)
        expect(box.locator(".desk-chat-messages li", has_text=AGENT_SAYS)).to_have_count(1)
        expect(visitor.locator("#chat-messages li", has_text=AGENT_SAYS)).to_have_count(1)
        expect(visitor.locator("#chat-messages li", has_text=VISITOR_SAYS)).to_have_count(1)
        assert visitor.locator("#chat-messages b").count() == 0  # typed markup stays text
        for page, selector in ((visitor, "#chat-messages li"), (agent, f".desk-chat[data-chat='{chat.id}'] li")):
            ids = _ids(page, selector)
            assert len(ids) == len(set(ids)) >= 4, ids
        # A reload catches up with everything, still once each.
        visitor.reload()
        expect(visitor.locator("#chat-messages li", has_text=AGENT_SAYS)).to_have_count(1)
        visitor.wait_for_timeout(300)
        ids = _ids(visitor, "#chat-messages li")
        assert len(ids) == len(set(ids)), ids

        # 4. The agent proposes the answer for the FAQ and closes with a topic.
        answer = box.locator(".desk-chat-messages li", has_text=AGENT_SAYS)
        answer.locator(".desk-propose").click()
        expect(answer.locator(".desk-propose")).to_have_text("ส่งตรวจสอบแล้ว")
        box.locator(".desk-chat-topic").select_option(index=2)
        box.locator(".desk-chat-close").click()
        expect(box).to_have_count(0)

        # 5. The visitor's page turns to the rating and the transcript.
        expect(visitor.locator("#chat-rate-form")).to_be_visible()
        visitor.check("input[name=rating][value='4']")
        visitor.fill("#comment", "ตอบชัดเจน รวดเร็ว")
        visitor.click("#chat-rate")
        expect(visitor.locator("#chat-rated")).to_contain_text("4")
        with visitor.expect_download() as download:
            visitor.click("#chat-transcript")
        printed = read_pdf(open(download.value.path(), "rb").read())
        text = _flat(printed.text)  # lines wrap where the page ends
        assert _flat(QUESTION) in text and _flat(AGENT_SAYS) in text and _flat(VISITOR_SAYS) in text
        assert "สมชายผู้ค้า" in text and letters.thai_digits(chat.number) in text
        phone.close()
        assert not problems, problems

    db.session.expire_all()
    chat = db.session.get(ChatSession, chat.id)
    assert chat.status == ChatStatus.closed and (chat.rating, chat.rating_comment) == (4, "ตอบชัดเจน รวดเร็ว")
    assert chat.close_topic_id is not None and chat.accepted_at is not None
    proposal = db.session.scalar(select(FaqEntry).where(FaqEntry.source_kind == "chat"))
    assert proposal.status == FaqStatus.in_review and proposal.answer == AGENT_SAYS
    assert time.monotonic() - started < 60
