"""The FAQ's Thai search (the manuals' one: normalised substrings, no word splitting), its suggestions, paging
by topic, and lists that cost the same number of queries however long they are."""

from __future__ import annotations

import re
import unicodedata

import pytest

from app.core.extensions import db
from app.demo import FAQ
from app.knowledge.services import faq_entries, faq_lists, faq_search, faq_text

GUARANTEE = "หลักประกันสัญญาใช้อะไรได้บ้าง และจะได้คืนเมื่อใด"
REGISTRATION = "ผู้ค้าจะลงทะเบียนในระบบ e-GP ต้องทำอย่างไร"


def _questions(page: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", q) for q in re.findall(r'<h3 class="h6 mb-1"><a href="[^"]+">(.*?)</a>', page)]


def _published(count: int, topic: str = "ทดสอบ", prefix: str = "คำถามทดสอบ") -> None:
    for number in range(count):
        faq_entries.seed_published(f"{prefix}ที่ {number} เรื่องการตรวจรับพัสดุ", f"คำตอบที่ {number}", topic=topic,
                                 source_ref=f"{prefix}-{number}", actor_id=None)
    db.session.commit()


def test_thai_substrings_are_found_without_word_breaks(client, demo):
    # Mid-word, as the manuals' search finds them: "ประกันสัญ" sits inside "หลักประกันสัญญา".
    assert _questions(client.get("/faq?q=ประกันสัญ").get_data(as_text=True)) == [GUARANTEE]
    # Invisible word-break marks and letter case change nothing; every word must be there.
    assert _questions(client.get("/faq", query_string={"q": "หลัก\u200bประกันสัญญา"}).get_data(as_text=True)) == [GUARANTEE]
    assert REGISTRATION in _questions(client.get("/faq?q=E-GP").get_data(as_text=True))
    assert _questions(client.get("/faq?q=ลืม รหัสผ่าน").get_data(as_text=True)) == [
        "ลืมรหัสผ่านเข้าระบบ e-GP ต้องทำอย่างไร"]
    # A word only an answer holds finds the entry too; the question's matches come first.
    found = _questions(client.get("/faq?q=ร้อยละห้า").get_data(as_text=True))
    assert found == [GUARANTEE]
    found = _questions(client.get("/faq?q=อิเล็กทรอนิกส์").get_data(as_text=True))
    assert found == ["การเสนอราคาด้วยวิธีประกวดราคาอิเล็กทรอนิกส์ (e-bidding) ต้องยื่นเอกสารอะไรบ้าง", GUARANTEE]


def test_a_question_with_no_match_offers_similar_questions(client, demo):
    page = client.get("/faq", query_string={"q": "หลักประกันสัญญาคืนเมื่อไหร่ครับ"}).get_data(as_text=True)
    assert 'id="faq-nothing"' in page and 'id="faq-similar"' in page and GUARANTEE in page


@pytest.mark.parametrize(("typed", "expected"), [
    ("หลักประกันสัญญาคืนเมื่อไหร่ครับ", GUARANTEE),  # a whole question, no spaces
    ("ลงทะเบียนผู้ค้ายังไงคะ", REGISTRATION),
    ("e-market กับ e-bidding ต่างกันยังไง", "e-market ต่างจาก e-bidding อย่างไร"),
    ("ราคากลาง", "ราคากลางคืออะไร และหน่วยงานต้องเปิดเผยเมื่อใด"),
    ("ร้อยละห้า", GUARANTEE),  # a word only an answer holds
])
def test_suggestions_find_the_closest_question_first(client, demo, typed, expected):
    found = client.get("/faq/suggest", query_string={"q": typed}).get_json()["suggestions"]
    assert found and found[0]["question"] == expected
    assert found[0]["url"] == f"/faq/{found[0]['id']}" and found[0]["excerpt"]


def test_suggestions_say_nothing_rather_than_something_unrelated(client, demo):
    for typed in ("ขอสอบถามเรื่องการเบิกจ่ายเงินเดือนข้าราชการ", "สวัสดีครับ", "ab", "   "):
        assert client.get("/faq/suggest", query_string={"q": typed}).get_json()["suggestions"] == [], typed


def test_the_service_api_for_the_chat(app, demo):
    found = faq_search.suggest("หลักประกันสัญญาคืนเมื่อไหร่", limit=1)
    assert len(found) == 1 and isinstance(found[0], faq_search.Suggestion)
    assert found[0].question == GUARANTEE and found[0].topic == "หลักประกันสัญญา"
    assert len(found[0].excerpt) <= faq_text.EXCERPT_LENGTH + 1 and found[0].excerpt.endswith("…")
    assert faq_search.suggest("") == [] and faq_search.suggest("ก" * 10000) == []
    assert faq_lists.figures()["published"] == len(FAQ)


def test_the_excerpt_never_parts_a_thai_mark_from_its_letter():
    for text in ("ก" * 159 + "ี่" + "ข" * 10, "ก" * 160 + "เก" + "ข" * 10, "ก" * 159 + "ป็น" + "ข" * 10):
        cut = faq_text.excerpt(text)
        assert cut.endswith("…") and text.startswith(cut[:-1])
        kept = len(cut) - 1
        assert unicodedata.category(text[kept]) != "Mn" and text[kept - 1] not in "เแโใไ", cut[-5:]


def test_paging_and_topics(client, demo):
    _published(25, topic="การตรวจรับ")
    page = client.get("/faq", query_string={"topic": "การตรวจรับ"}).get_data(as_text=True)
    assert "25 คำตอบในหัวข้อ การตรวจรับ" in page and len(_questions(page)) == 20
    second = client.get("/faq", query_string={"topic": "การตรวจรับ", "page": 2}).get_data(as_text=True)
    assert len(_questions(second)) == 5 and not set(_questions(page)) & set(_questions(second))
    assert 'href="/faq?topic=%E0%B8%81%E0%B8%B2%E0%B8%A3%E0%B8%95%E0%B8%A3%E0%B8%A7%E0%B8%88%E0%B8%A3%E0%B8%B1%E0%B8%9A"' \
           in client.get("/faq").get_data(as_text=True)
    assert len(_questions(client.get("/faq", query_string={"q": "ตรวจรับ", "topic": "การลงทะเบียน"})
                          .get_data(as_text=True))) == 0


def test_list_pages_cost_the_same_queries_however_long(client, login, demo, count_queries):
    def cost(url: str) -> int:
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    login("chat_super")
    urls = ("/faq", "/faq?q=ตรวจรับ", "/faq?topic=ทดสอบ", "/knowledge/", "/knowledge/?status=published",
            "/faq/suggest?q=ตรวจรับพัสดุต้องทำอย่างไร")
    _published(2)
    before = {url: cost(url) for url in urls}
    _published(18, prefix="คำถามเพิ่ม")
    after = {url: cost(url) for url in urls}
    assert after == before


def test_a_search_of_a_larger_faq_finds_exactly_the_entries_holding_every_word(app):
    """300 entries with answers of some length (``bench/faq.py`` times the same FAQ at 3,000): the count is every
    entry holding both words, questions holding them come first, and a typed question without spaces is suggested
    the entries it is about."""
    from bench.faq import WORDS, entry_text, load

    load(300)
    texts = [entry_text(number) for number in range(300)]
    holding = [question for number, (question, answer) in enumerate(texts)
               if all(word in question + answer + WORDS[number % len(WORDS)] for word in ("ค่าปรับ", "ขยายเวลา"))]
    found = faq_search.search("ค่าปรับ ขยายเวลา", per_page=50)
    assert found.page.total == len(holding) > 0
    questions = [row.question for row in found.page.rows]
    in_question = [q for q in questions if "ค่าปรับ" in q and "ขยายเวลา" in q]
    assert questions[:len(in_question)] == in_question
    typed = texts[7][0].split("(")[0]
    assert texts[7][0] in [suggestion.question for suggestion in faq_search.suggest(typed)]
