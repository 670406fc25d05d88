"""The public search index: what citizens can find, one row per published manual or other service.

The rows are derived data, rewritten by ``app/services/public_index.py`` in the
transaction that changes what the public site shows. Substring search over
``search_text`` is index-driven on both databases, through objects the models
cannot describe and the migration creates per dialect:

- SQLite: the FTS5 table ``public_entry_fts`` (``tokenize='trigram'``), rowid =
  ``public_entry.id``, kept in step by the service;
- PostgreSQL: GIN ``gin_trgm_ops`` indexes on ``search_text`` and ``title_key`` (pg_trgm).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from app.core.types import TreePath, UTCDateTime


class PublicEntryKind:
    manual = "manual"
    other_service = "other_service"


class PublicFacet:
    category = "category"  # CatalogueEntry id (and its parent's), as text
    user_group = "user_group"  # CatalogueEntry id (and its parent's), as text
    province = "province"  # the owning agency's and the linked service points' provinces

    ALL = (category, user_group, province)


class PublicEntry(db.Model):
    __tablename__ = "public_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    manual_id: Mapped[int | None] = mapped_column(ForeignKey("manual.id", ondelete="CASCADE"), unique=True)
    other_service_id: Mapped[int | None] = mapped_column(ForeignKey("other_service.id", ondelete="CASCADE"),
                                                         unique=True)
    title: Mapped[str] = mapped_column(String(500))
    common_names: Mapped[str] = mapped_column(Text, default="")  # one per line, as written
    tags: Mapped[str] = mapped_column(Text, default="")  # one per line, as written
    # Normalised copies (see public_index.normalise) for ranking: exact title > title > common name > tag.
    title_key: Mapped[str] = mapped_column(String(500))
    names_key: Mapped[str] = mapped_column(Text, default="")
    tags_key: Mapped[str] = mapped_column(Text, default="")
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="CASCADE"), index=True)
    agency_path: Mapped[str] = mapped_column(TreePath, index=True)
    agency_name_th: Mapped[str] = mapped_column(String(255))
    agency_name_en: Mapped[str | None] = mapped_column(String(255))
    province: Mapped[str | None] = mapped_column(String(100), index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Title, common names, tags, agency name, category and user-group names, normalised.
    search_text: Mapped[str] = mapped_column(Text)

    def agency_name(self, locale: str = "th") -> str:
        return (self.agency_name_en or self.agency_name_th) if locale == "en" else self.agency_name_th


class PublicEntryFacet(db.Model):
    """A facet value of an entry: a category, a user group or a province."""

    __tablename__ = "public_entry_facet"

    entry_id: Mapped[int] = mapped_column(ForeignKey("public_entry.id", ondelete="CASCADE"), primary_key=True)
    facet: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(100), primary_key=True)


Index("ix_public_entry_facet_value", PublicEntryFacet.facet, PublicEntryFacet.value, PublicEntryFacet.entry_id)

SQLITE_FTS_TABLE = "public_entry_fts"
POSTGRES_TRIGRAM_INDEXES = ("ix_public_entry_search_text_trgm", "ix_public_entry_title_key_trgm")


def is_dialect_search_object(name: str | None, type_: str) -> bool:
    """The FTS5 table (with its shadow tables) and trigram indexes that live outside the models.

    Alembic's comparison and autogenerate skip them (``include_name``).
    """
    if not name:
        return False
    if type_ == "table":
        return name == SQLITE_FTS_TABLE or name.startswith(SQLITE_FTS_TABLE + "_")
    return type_ == "index" and name in POSTGRES_TRIGRAM_INDEXES
