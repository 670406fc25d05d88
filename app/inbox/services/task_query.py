"""What an inbox list shows, as the page's URL carries it: the tab, filters, sort and search text.

The same values are kept by a saved filter and can be given by the API, so they are parsed here once: anything
unknown or malformed falls back to the default instead of failing (a permalink from an older version still opens).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

from app.core.workflow import HumanTask

VIEWS = ("available", "claimed", "completed", "started")
# sort key -> the direction it starts in when first chosen (received: newest first; priority: highest first)
SORTS = {"due": "asc", "received": "desc", "priority": "desc"}
ORDERS = ("asc", "desc")
SEARCH_MAX = 100  # characters of search text kept: a title or subject fragment, not a paragraph
# Sorting does not apply to "Completed by me": a year's history is read newest-completed first, off its own index.
SORTABLE_VIEWS = ("available", "claimed", "started")


@dataclass(frozen=True)
class TaskQuery:
    view: str = "available"
    process_id: str | None = None
    agency_id: int | None = None
    sort: str = "due"
    order: str = "asc"
    search: str = ""

    @classmethod
    def from_args(cls, args: Mapping) -> TaskQuery:
        """From a query string or saved parameters; what is not understood is left at its default."""
        view = args.get("view") if args.get("view") in VIEWS else "available"
        sort = args.get("sort") if args.get("sort") in SORTS else "due"
        order = args.get("order") if args.get("order") in ORDERS else SORTS[sort]
        agency = str(args.get("agency") or "")
        # an id a column can hold, or none (a huge number would overflow the query)
        agency_id = int(agency) if agency.isascii() and agency.isdigit() and 0 < int(agency[:11]) < 2**31 else None
        process_id = _text(args.get("process"))[:64] or None
        search = " ".join(_text(args.get("q")).split())[:SEARCH_MAX]
        return cls(view, process_id, agency_id, sort, order, search)

    def params(self, **changes) -> dict[str, str | int]:
        """The query string of this list (with ``changes``), defaults left out so that links stay short."""
        query = replace(self, **changes) if changes else self
        values = {"view": query.view, "process": query.process_id, "agency": query.agency_id, "sort": query.sort,
                  "order": query.order, "q": query.search}
        defaults = {"view": "available", "sort": "due", "order": SORTS[query.sort], "q": ""}
        return {key: value for key, value in values.items() if value not in (None, defaults.get(key))}

    def toggled(self, sort: str) -> dict[str, str | int]:
        """The link of a column heading: that sort in its first direction, or the other direction if it is on."""
        if sort == self.sort:
            return self.params(order="desc" if self.order == "asc" else "asc")
        return self.params(sort=sort, order=SORTS[sort])

    def as_dict(self) -> dict:
        return asdict(self)


def _text(value) -> str:
    """Printable text only: a NUL or another control character is dropped (PostgreSQL refuses a NUL in a string)."""
    return "".join(char for char in str(value or "") if char.isprintable() or char == " ")


def order_by(query: TaskQuery, tasks=HumanTask) -> tuple:
    """The ORDER BY of a list, ending in the id so that paging is stable.

    Each sort runs along one index in one direction (ix_human_task_queue, _received, _priority), so "desc" reverses
    every key: sorted latest-due first, tasks without a due date (never due) come first, as they come last in
    soonest-due order. ``tasks`` is the table, or the columns of the rows a search reads.
    """
    if query.view == "completed":
        return (tasks.completed_at.desc(), tasks.id.desc())  # ix_human_task_completed_by read backwards
    queue = (tasks.due_at.is_(None), tasks.due_at, tasks.created_at, tasks.id)
    keys = {
        "due": queue,
        "received": (tasks.created_at, tasks.id),
        "priority": (tasks.priority.desc(), *queue),
    }[query.sort]
    # "priority" starts highest first, which is its index's forward direction
    forward = query.order == ("desc" if query.sort == "priority" else "asc")
    if forward:
        return keys
    return tuple(_reversed(key) for key in keys)


def _reversed(key):
    modifier = getattr(key, "modifier", None)
    if modifier is not None and getattr(modifier, "__name__", "") == "desc_op":
        return key.element.asc()
    return key.desc()


def search_clause(text: str):
    """Tasks whose title (Thai or English) or subject contains every word of ``text``, whatever the letter case.

    A substring test of ``search_text`` (the three in lower case), checked on the rows the tab and filters already
    select through their index, at most ``task_lists.SEARCH_WINDOW`` of them: it narrows a bounded list, it never scans
    the whole table on its own.
    """
    clauses = []
    for word in text.lower().split():
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append(HumanTask.search_text.like(pattern, escape="\\"))
    return clauses
