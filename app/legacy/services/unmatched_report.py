"""Officers moved in from the legacy system that no Digital ID sign-in has matched yet: a page, a CSV and the
command's text. Accounts a sign-in matched together with others come first: an administrator settles those."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.accounts.models import LegacyAccount, LegacyAccountState
from app.accounts.services import legacy_accounts
from app.core import csv_export, thai_dates
from app.core.extensions import db
from app.core.i18n import role_label
from app.core.paging import Page

PAGE_SIZE = 50
CSV_LIMIT = 100_000
CSV_HEADER = ("รหัสอ้างอิงในระบบเดิม", "ชื่อ-สกุล", "อีเมล", "มีเลขประจำตัวประชาชน", "บทบาทและหน่วยงาน",
              "นำเข้าเมื่อ", "พบบัญชีตรงกันหลายบัญชีเมื่อ")


@dataclass
class UnmatchedRow:
    id: int
    legacy_ref: str
    name: str
    email: str | None
    has_citizen_id: bool
    roles: list[tuple[str, str]]  # (agency name, role label)
    imported_at: datetime
    ambiguous_at: datetime | None


def _row(legacy: LegacyAccount) -> UnmatchedRow:
    roles = sorted((membership.agency.name_th, role_label(membership.role)) for membership in legacy.user.memberships)
    return UnmatchedRow(legacy.id, legacy.legacy_ref, legacy.user.display_name, legacy.email, bool(legacy.citizen_id_hash),
                        roles, legacy.imported_at, legacy.ambiguous_at)


def page(number: int = 1) -> Page:
    """One page of the report: three queries whatever the page size (accounts with users, their memberships)."""
    total = db.session.scalar(select(func.count()).select_from(LegacyAccount)
                              .where(LegacyAccount.state == LegacyAccountState.pending)) or 0
    number = max(1, min(number, max(1, -(-total // PAGE_SIZE))))
    rows = db.session.scalars(legacy_accounts.unmatched_query().limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE))
    return Page([_row(legacy) for legacy in rows], total, number, PAGE_SIZE)


def rows(limit: int = CSV_LIMIT) -> list[UnmatchedRow]:
    return [_row(legacy) for legacy in db.session.scalars(legacy_accounts.unmatched_query().limit(limit))]


def _roles_text(row: UnmatchedRow) -> str:
    return "; ".join(f"{agency}: {role}" for agency, role in row.roles)


def csv_text(report_rows: list[UnmatchedRow]) -> str:
    return csv_export.write(CSV_HEADER, (
        [row.legacy_ref, row.name, row.email or "", "ใช่" if row.has_citizen_id else "ไม่ใช่", _roles_text(row),
         thai_dates.long_date(row.imported_at), thai_dates.long_date(row.ambiguous_at) if row.ambiguous_at else ""]
        for row in report_rows))


def text_lines(report_rows: list[UnmatchedRow]) -> list[str]:
    """The command's report: one line per account, then the totals."""
    lines = []
    for row in report_rows:
        flag = _(" (matched several accounts at a sign-in)") if row.ambiguous_at else ""
        lines.append(f"{row.legacy_ref}\t{row.name}\t{row.email or '–'}\t{_roles_text(row)}{flag}")
    totals = legacy_accounts.counts()
    lines.append(_("%(pending)s officers not matched yet (%(ambiguous)s matched several accounts), %(linked)s "
                   "matched.", **totals))
    return lines
