"""Who sees and does what with ratings: the policy's role × agency scope (``app.accounts.services.policy``).

- The report, the comments and the posters: a service-point officer their point, a central officer their
  department's subtree, OPDC officers and administrators everywhere.
- The question sets: OPDC (and administrators, who run the system).
- Excluding a rating and putting it back: OPDC alone.
- A counter tablet's kiosk token: whoever keeps the point's profile or structure (its officer, the central officer).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select

from app.accounts.models import Role, User
from app.accounts.services import policy
from app.core.extensions import db
from app.org.models import Agency, AgencyKind

VIEW_ROLES = {Role.service_point_officer.value, Role.central_officer.value, Role.opdc_officer.value,
              Role.admin.value}
QUESTION_ROLES = {Role.opdc_officer.value, Role.admin.value}
EXCLUDE_ROLES = {Role.opdc_officer.value}
KIOSK_ROLES = {Role.service_point_officer.value, Role.central_officer.value, Role.admin.value}

# Who takes ratings: service points, and the local governments that serve citizens at their own counter.
RATEABLE_KINDS = (AgencyKind.service_point.value, AgencyKind.municipality.value,
                  AgencyKind.subdistrict_admin.value, AgencyKind.provincial_admin.value)
EVERYWHERE = policy.EVERYWHERE


def view_paths(user: User) -> list[str]:
    """The agency paths whose ratings the user sees ("/" for everywhere); [] for none."""
    paths = sorted({path for paths in policy.scopes(user, VIEW_ROLES).values() for path in paths})
    if EVERYWHERE in paths:
        return [EVERYWHERE]
    # A path inside another the user also covers adds nothing.
    return [path for path in paths if not any(path != other and path.startswith(other) for other in paths)]


def can_view(user: User) -> bool:
    return bool(view_paths(user))


def covers(paths: list[str], agency_path: str) -> bool:
    return any(path == EVERYWHERE or agency_path.startswith(path) for path in paths)


def within(column, paths: list[str]) -> ColumnElement[bool]:
    return policy.within(column, paths) if paths else false()


def can_manage_questions(user: User) -> bool:
    return bool(policy.scopes(user, QUESTION_ROLES))


def can_exclude(user: User) -> bool:
    return bool(policy.scopes(user, EXCLUDE_ROLES))


def can_manage_kiosk(user: User, agency_path: str) -> bool:
    return any(policy.covers(user, role, agency_path) for role in KIOSK_ROLES)


def is_rateable(agency: Agency) -> bool:
    return agency.kind in RATEABLE_KINDS


def top_agencies(paths: list[str]) -> list[Agency]:
    """The agencies a viewer's scope starts from (none for everywhere: the report starts from the whole country)."""
    if not paths or EVERYWHERE in paths:
        return []
    return list(db.session.scalars(select(Agency).where(Agency.path.in_(paths)).order_by(Agency.path)))
