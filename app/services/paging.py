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
