"""One page of a list, as every list page shows it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Page:
    rows: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))
