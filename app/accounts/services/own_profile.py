"""One's own profile: the memberships one holds and the agency one acts for."""

from __future__ import annotations

from app.accounts.models import Membership, User
from app.org.models import Agency


def own_memberships(user: User) -> list[Membership]:
    """All of the person's current memberships, whichever agency they act for."""
    return sorted(user.memberships, key=lambda m: (m.agency.path, m.role))


def switchable_agencies(user: User) -> list[Agency]:
    """The agencies the person belongs to, once each, in tree order."""
    seen: dict[int, Agency] = {}
    for membership in own_memberships(user):
        seen.setdefault(membership.agency_id, membership.agency)
    return list(seen.values())


def acting_agency(user: User, agency_id: int | None) -> Agency | None:
    """The agency the person chose to act for, if they still belong to it."""
    if agency_id is None:
        return None
    return next((m.agency for m in user.memberships if m.agency_id == agency_id), None)
