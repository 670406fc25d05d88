"""One page of a list, as every list page shows it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Page:
    rows: list
    total: int
    page: int
    per_page: int
    more: bool = False  # counting stopped at ``total``: there are more rows than that

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# Pages past this are not read (an offset beyond it would only show an empty page, and a huge one breaks the query).
MAX_PAGE = 100_000


def page_number(value) -> int:
    """The page a query string asks for: 1 when missing or not a number, at most ``MAX_PAGE``."""
    try:
        number = int(value)
    except (TypeError, ValueError):  # also a number too long to read
        return 1
    return min(max(number, 1), MAX_PAGE)
