"""What agencies and structure plug in: their pages, the organisational roles, the service catalogue, the holidays
page, and the outgoing-letter register."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import Role
from app.core.capabilities import Capability, Labels, NavEntry
from app.org.services import agency_admin, catalogue, letter_register, org
from app.org.views import admin_api as org_admin_api
from app.org.views import agency_admin as agency_admin_views
from app.org.views import api as org_api
from app.org.views import calendar, calendar_api, catalogue_api, letters_api, profile_api
from app.org.views import catalogue as catalogue_views
from app.org.views import letters as letter_views
from app.org.views import org as org_views

PERMISSION = _l("You do not have permission to do this.")


def _move_refused(exc: org.InvalidMove) -> str:
    texts = {
        "not_movable": _("Only divisions, provincial offices and service points can be moved."),
        "outside_scope": _("It can only move to an agency in your care."),
        "into_own_subtree": _("It cannot move under itself or one of its own units."),
        "leaf_parent": _("Nothing can be placed under a service point."),
        "same_parent": _("It is already there. Choose a different place."),
        "closed_parent": _("That agency is closed. Choose an open one."),
        "wrong_parent_kind": _("An agency of this kind cannot sit there (see the rules of the tree)."),
    }
    return texts.get(exc.reason, _("This could not be done. Nothing was saved."))


def _kind(kind: str) -> str:
    return str(org_views.KIND_LABELS.get(kind, kind))


def _agency_refused(exc: agency_admin.AgencyRefused) -> str:
    values = exc.values
    if exc.reason == "still_holds":
        held = ", ".join(f"{label} {number}" for label, number in exc.held)
        return _("%(name)s cannot be closed while it still has: %(held)s. Move them, or merge it into another "
                 "agency instead.", name=values.get("name", ""), held=held)
    if exc.reason == "wrong_parent_kind" and values.get("parent_kind") is None:
        return _("A %(kind)s cannot sit at the top of the tree: choose the agency it belongs to.",
                 kind=_kind(values.get("kind", "")))
    if exc.reason == "wrong_parent_kind":
        return _("A %(kind)s cannot sit under a %(parent)s.", kind=_kind(values.get("kind", "")),
                 parent=_kind(values["parent_kind"]))
    if exc.reason == "different_kind":
        return _("Choose an agency of the same kind (%(kind)s).", kind=_kind(values.get("kind", "")))
    texts = {
        "unknown_kind": _("There is no agency kind “%(kind)s”.", kind=values.get("kind", "")),
        "code_taken": _("The code %(code)s already belongs to another agency.", code=values.get("code", "")),
        "code_twice": _("The code %(code)s is already used on a line above.", code=values.get("code", "")),
        "no_parent": _("That agency does not exist. Choose from the list."),
        "unknown_parent": _("There is no agency with the code %(code)s, here or on a line above.",
                            code=values.get("code", "")),
        "closed_parent": _("%(parent)s is closed. Choose an open agency.", parent=values.get("parent", "")),
        "closed": _("%(name)s is already closed.", name=values.get("name", "")),
        "same_agency": _("Choose another agency to merge it into."),
        "into_own_subtree": _("It cannot be merged into one of its own units."),
    }
    return texts.get(exc.reason, _("This could not be done. Nothing was saved."))


def _entry_refused(exc: Exception) -> str:
    if isinstance(exc, catalogue.TagNameTaken):
        return _("The tag “%(name)s” already exists. Merge into it instead.", name=str(exc))
    texts = {
        "required": _("Fill this in."),
        "too_long": _("This is too long."),
        "not_main": _("A sub entry can only sit under a main entry."),
        "unknown": _("There is no such tag. Type an existing tag."),
        "same": _("Choose a different tag."),
    }
    return texts.get(getattr(exc, "reason", ""), _("This could not be done. Nothing was saved."))


CAPABILITY = Capability(
    name="org",
    blueprints=(org_views.bp, agency_admin_views.bp, calendar.bp, catalogue_views.bp, letter_views.bp),
    api_blueprints=(org_api.bp, org_admin_api.bp, calendar_api.bp, catalogue_api.bp, letters_api.bp,
                    profile_api.bp),
    api_label=_l("Agencies and service points"),
    labels=Labels(roles={
        Role.central_officer.value: _l("Central officer"),
        Role.service_point_officer.value: _l("Service-point officer"),
        Role.opdc_officer.value: _l("OPDC officer"),
    }),
    messages={
        org.InvalidMove: _move_refused,
        org.AgencyChangedMeanwhile: _l("Someone else changed this agency at the same moment. Nothing you entered "
                                       "was saved; reload and try again."),
        org.NotAllowed: PERMISSION,
        agency_admin.AgencyRefused: _agency_refused,
        agency_admin.UploadRefused: _l("Some lines cannot be created. Nothing was saved; correct them and upload "
                                       "again."),
        catalogue.InvalidEntry: _entry_refused,
        catalogue.TagNameTaken: _entry_refused,
        catalogue.NotAllowed: PERMISSION,
        letter_register.NotAllowed: PERMISSION,
    },
    nav=(
        NavEntry("org.index", _l("Agencies and structure"), 60, group="organisation"),
        NavEntry("agency_admin.index", _l("Agency administration"), 61, roles=frozenset({Role.admin.value}),
                 element_id="nav-agency-admin", group="organisation"),
        NavEntry("letters.register", _l("Outgoing-letter register"), 62,
                 roles=frozenset(letter_register.REGISTER_ROLES), element_id="nav-letters", group="organisation"),
        NavEntry("catalogue.index", _l("Service catalogue"), 100, roles=frozenset({Role.admin.value}),
                 group="organisation"),
        NavEntry("calendar.index", _l("Holidays"), 110, roles=frozenset({Role.admin.value}),
                 element_id="nav-calendar", group="organisation"),
    ),
)
