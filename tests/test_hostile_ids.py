"""Ids and page numbers beyond what a database column holds: every route answers 404 (or a clamped page), never 500.

Generated from the URL map, so a route added later is covered without an edit here.
"""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter, UnicodeConverter

from tests.inbox.test_api import bearer, create_token

HUGE = "9" * 20  # beyond 2**64
INTEGER_END = str(2**31)  # the first number an INTEGER column (PostgreSQL) does not hold
METHODS_SKIPPED = {"HEAD", "OPTIONS"}


def rules_with(app, kind, number: str, text: str) -> list[tuple[str, str]]:
    """(url, method) for every rule with a part converted by ``kind``: integer parts ``number``, others ``text``."""
    pairs = []
    for rule in app.url_map.iter_rules():
        if not any(isinstance(conv, kind) for conv in rule._converters.values()) or rule.endpoint == "static":
            continue
        url = rule.rule
        for name, conv in rule._converters.items():
            value = number if isinstance(conv, IntegerConverter) else text
            url = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, url)
        pairs.extend((url, method) for method in sorted(rule.methods - METHODS_SKIPPED))
    return sorted(pairs)


def status_of(client, url, method="GET", headers=None) -> int | str:
    """The status code, with an exception that escaped the app counted as the 500 a visitor would get."""
    try:
        return client.open(url, method=method, headers=headers or {}, data={}).status_code
    except Exception as exc:  # the test app propagates exceptions; a server would answer 500
        return f"500 ({type(exc).__name__})"


def _try_all(client, pairs, headers=None) -> dict[str, int]:
    answers = {}
    for url, method in pairs:
        answers[f"{method} {url}"] = status_of(client, url, method, headers)
    return answers


@pytest.mark.parametrize("number", [HUGE, INTEGER_END])
def test_every_route_with_an_integer_answers_404_for_an_id_beyond_a_column(app, client, login, demo, number):
    pairs = rules_with(app, IntegerConverter, number, "x")
    assert len(pairs) >= 60, "the map has the routes this test is about"
    token = create_token(client, login, "admin")

    anonymous = _try_all(client, pairs)
    login("admin")
    signed_in = _try_all(client, pairs, headers=bearer(token))

    for answers in (anonymous, signed_in):
        assert {key: code for key, code in answers.items() if code != 404} == {}
    print(f"{number}: {len(pairs)} route/method pairs, each anonymously and as an administrator")


def test_every_route_with_a_text_part_answers_404_for_a_control_character(app, client, login, demo):
    pairs = rules_with(app, UnicodeConverter, "1", "IR%00x")
    assert len(pairs) >= 15
    anonymous = _try_all(client, pairs)
    login("admin")
    signed_in = _try_all(client, pairs)
    for answers in (anonymous, signed_in):
        assert {key: code for key, code in answers.items() if code != 404} == {}
    print(f"{len(pairs)} route/method pairs with a NUL in a text part, each anonymously and as an administrator")


LIST_PAGES = {
    "admin": ("/tasks/", "/tasks/?view=completed", "/manuals/", "/other-services/", "/notifications/", "/admin/users",
              "/admin/catalogue/tag-list", "/admin/tokens", "/search?q=บัตร", "/tasks/?agency={value}",
              "/search?q=บัตร&agency={value}&category={value}", "/manuals/?agency_id={value}"),
    "central": ("/processes/", "/processes/?agency_id={value}"),
    "hd_super": ("/helpdesk/", "/helpdesk/?queue=all&q=x%00"),
}


@pytest.mark.parametrize("value", [HUGE, INTEGER_END, str(2**62), "-" + HUGE, "abc", "1%00"])
def test_huge_page_numbers_show_a_page(app, client, login, demo, value):
    for user, paths in LIST_PAGES.items():
        login(user)
        for path in paths:
            path = path.format(value=value)
            separator = "&" if "?" in path else "?"
            assert status_of(client, f"{path}{separator}page={value}") == 200, (user, path)


@pytest.mark.parametrize("query", [f"page={HUGE}", f"per_page={HUGE}", f"agency={HUGE}", f"page={2**62}&per_page=100",
                                   f"agency={INTEGER_END}", "process=x%00y", "view=available%00"])
def test_huge_numbers_in_the_api_list(client, login, demo, query):
    token = create_token(client, login, "reviewer")
    assert status_of(client, f"/api/v1/tasks?{query}", headers=bearer(token)) == 200
    assert client.get(f"/api/v1/tasks?{query}", headers=bearer(token)).get_json()["page"] >= 1
