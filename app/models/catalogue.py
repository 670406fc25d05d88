"""The service catalogue (OPDC's grouping of services) and free tags."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class CatalogueKind:
    category = "category"  # หมวดหมู่บริการ
    user_group = "user_group"  # กลุ่มผู้ใช้บริการ

    ALL = (category, user_group)


class CatalogueEntry(db.Model):
    """One entry of a catalogue list: a main entry, or a sub entry under one (``parent_id``)."""

    __tablename__ = "catalogue_entry"
    __table_args__ = (UniqueConstraint("kind", "code", name="uq_catalogue_entry_kind_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("catalogue_entry.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name_th: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str | None] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    parent: Mapped[CatalogueEntry | None] = relationship(remote_side=[id])

    def name(self, locale: str = "th") -> str:
        return (self.name_en or self.name_th) if locale == "en" else self.name_th


class Tag(db.Model):
    """A free tag (ป้ายคำ); ``name`` is stored trimmed with single spaces, matched case-insensitively."""

    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
