"""Column types shared by the models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, String
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite keeps naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Materialized agency paths ("/1/5/12/") compare byte-wise so that a subtree is one index range.
TreePath = String(255).with_variant(String(255, collation="C"), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


def path_ids(path: str) -> list[int]:
    """The agency ids along a materialized path, root first: "/1/5/12/" -> [1, 5, 12]."""
    return [int(part) for part in path.strip("/").split("/") if part]


def subtree_bounds(path: str) -> tuple[str, str]:
    """Index range [low, high) holding ``path`` and every path below it.

    Paths are digits and '/', and '0' follows '/', so everything starting with
    "/1/5/" sorts before "/1/50".
    """
    return path, path[:-1] + "0"
