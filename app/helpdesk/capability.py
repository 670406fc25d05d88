"""What the e-GP help desk plugs in: the desk and IR Online, the incident diagram's operations, form and
task-page partial, the helpdesk roles, and the reporter accounts' menu."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.accounts.models import Role
from app.core.capabilities import Capability, Labels, NavEntry
from app.helpdesk.services.helpdesk import helpdesk_agency_path
from app.helpdesk.views import (
    api,
    desk_api,
    files_api,
    helpdesk,
    ir_accounts,  # noqa: F401  its routes join the ir blueprint before it is registered
    ir_online,
    settings_api,
)

HELPDESK_STAFF = frozenset({Role.helpdesk_agent.value, Role.helpdesk_supervisor.value})


def _context(user) -> dict:
    return {"helpdesk_supervisor": any(m.role == Role.helpdesk_supervisor.value for m in user.memberships)}


CAPABILITY = Capability(
    reporter_pages=("ir",),
    reporter_home="ir.mine",
    reporter_profile="ir.profile",
    name="helpdesk",
    blueprints=(ir_online.bp, helpdesk.bp),
    # IR Online's public actions (open to anyone, like its pages) and the desk's (helpdesk staff, with a token).
    api_blueprints=(api.bp, desk_api.bp, files_api.bp, settings_api.bp),
    api_label=_l("e-GP help desk (IR Online)"),
    operation_modules=("app.helpdesk.services.helpdesk", "app.helpdesk.services.helpdesk_lifecycle", "app.helpdesk.services.helpdesk_sla",
                       "app.helpdesk.services.helpdesk_desk"),
    form_modules=("forms.helpdesk",),
    processes=("incident_ticket",),
    task_partial="helpdesk/_task_subject.html",
    labels=Labels(roles={
        Role.helpdesk_agent.value: _l("Helpdesk agent"),
        Role.helpdesk_supervisor.value: _l("Helpdesk supervisor"),
    }),
    nav=(
        NavEntry("helpdesk.index", _l("e-GP help desk"), 90, roles=HELPDESK_STAFF, element_id="nav-helpdesk"),
        NavEntry("ir.mine", _l("My reports"), 10, element_id="nav-ir-mine", audience="reporter"),
    ),
    template_context=_context,
    role_homes={role: helpdesk_agency_path for role in sorted(HELPDESK_STAFF)},
    private_pages=("ir", api.bp.name, desk_api.bp.name),
)
