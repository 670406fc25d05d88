"""Agencies and service points, the service catalogue and free tags."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.extensions import db
from app.core.types import TreePath, UTCDateTime, path_ids, utcnow


class AgencyKind(str, enum.Enum):
    ministry = "ministry"
    department = "department"
    division = "division"
    provincial_office = "provincial_office"
    service_point = "service_point"
    provincial_admin = "provincial_admin"  # อบจ.
    municipality = "municipality"  # เทศบาล
    subdistrict_admin = "subdistrict_admin"  # อบต.
    office = "office"  # stand-alone offices such as OPDC and DGA


# Kinds that own manuals and have central officers: departments and local governments.
OWNING_KINDS = {
    AgencyKind.department,
    AgencyKind.provincial_admin,
    AgencyKind.municipality,
    AgencyKind.subdistrict_admin,
    AgencyKind.office,
}


OWNING_KINDS_VALUES = {kind.value for kind in OWNING_KINDS}


class Agency(db.Model):
    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    name_th: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str | None] = mapped_column(String(255))
    # "/<root id>/.../<own id>/" — the subtree of an agency is one index range.
    path: Mapped[str] = mapped_column(TreePath, unique=True, default="")
    depth: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The public profile, kept in "agencies and structure".
    address: Mapped[str | None] = mapped_column(Text)
    province: Mapped[str | None] = mapped_column(String(100), index=True)
    district: Mapped[str | None] = mapped_column(String(100))
    postcode: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(255))
    website: Mapped[str | None] = mapped_column(String(500))
    opening_hours: Mapped[str | None] = mapped_column(Text)
    # The letter prefix (เลขที่หนังสือ, "นบ 0017.1") its official letters are numbered under: see
    # app/org/services/letter_register.py.
    letter_prefix: Mapped[str | None] = mapped_column(String(40))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # Shown on the public site; a central officer hides a service point that no longer serves.
    publicly_visible: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The record's identifier in a legacy export, so that importing twice changes nothing.
    legacy_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Closed by an administrator (nothing open under it, or merged into ``merged_into_id``): kept for history,
    # hidden from the public site and from every choice of a parent, a survivor or a token's agency.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    # Two officers editing one profile, or moving one subtree, at once: the second gets a conflict.
    row_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    parent: Mapped[Agency | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    __mapper_args__ = {"version_id_col": row_version}

    def name(self, locale: str = "th") -> str:
        return (self.name_en or self.name_th) if locale == "en" else self.name_th

    def ancestor_ids(self) -> list[int]:
        return path_ids(self.path)

    def __repr__(self) -> str:
        return f"<Agency {self.id} {self.path} {self.name_th}>"


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


class LetterCounter(db.Model):
    """The last number given in one agency's outgoing-letter register in one Buddhist-era year.

    Taken with an atomic ``UPDATE ... RETURNING`` (a row lock on PostgreSQL, the write lock on SQLite): two
    letters issued at once get consecutive numbers, and a rolled-back issue gives its number back.
    """

    __tablename__ = "letter_counter"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    be_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class OutgoingLetter(db.Model):
    """One entry of the outgoing-letter register (ทะเบียนหนังสือส่ง): the number an official letter carries.

    ``agency_id`` keeps the register (the sender, or the unit above it whose prefix it writes under);
    ``kind`` and ``object_id`` name what the letter is about (one letter per object), so that printing it
    again shows the number it was sent with.
    """

    __tablename__ = "outgoing_letter"
    __table_args__ = (
        UniqueConstraint("agency_id", "be_year", "number", name="uq_outgoing_letter_number"),
        UniqueConstraint("kind", "object_id", name="uq_outgoing_letter_object"),
        Index("ix_outgoing_letter_year_kind", "be_year", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    be_year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    prefix: Mapped[str | None] = mapped_column(String(40))  # as printed on the day, whatever it becomes later
    sender_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(Text)
    addressee: Mapped[str] = mapped_column(String(255))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    agency: Mapped[Agency] = relationship(foreign_keys=[agency_id], lazy="joined")
    sender: Mapped[Agency] = relationship(foreign_keys=[sender_id], lazy="joined")
