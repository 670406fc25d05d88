"""What citizen manuals plug in: their pages, the approval diagram's operations, forms and task-page partial,
the manual and revision statuses, and the message for each refusal."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import Role
from app.core.capabilities import AgencyHoldings, Capability, Labels, NavEntry
from app.manuals.services import agency_holdings, attachments, links, manual_revisions, manuals, other_services, processes
from app.manuals.views import api as manual_api
from app.manuals.views import content_api, services_api
from app.manuals.views import manuals as manual_views
from app.manuals.views import other_services as other_service_views
from app.manuals.views import processes as process_views

PERMISSION = _l("You do not have permission to do this.")


CAPABILITY = Capability(
    name="manuals",
    blueprints=(manual_views.bp, process_views.bp, other_service_views.bp),
    api_blueprints=(manual_api.bp, content_api.bp, services_api.bp),
    api_label=_l("Manuals"),
    operation_modules=("app.manuals.services.manual_revisions", "app.manuals.services.revision_operations"),
    form_modules=("forms.manual_revision",),
    processes=("manual_revision",),
    task_partial="manuals/_task_subject.html",
    labels=Labels(
        roles={
            Role.manual_author.value: _l("Manual author"),
            Role.manual_reviewer.value: _l("Manual reviewer"),
        },
        statuses={
            # manuals
            "draft": _l("Draft"),
            "in_review": _l("In review"),
            "returned": _l("Returned for changes"),
            "published": _l("Published"),
            # revisions
            "agency_approved": _l("Approved by agency, waiting for OPDC"),
            "superseded": _l("Superseded"),
        },
        history={
            "revision.approve": _l("Revision approved"),
            "revision.return": _l("Revision returned"),
            "revision.published": _l("Revision published"),
            "review.escalated": _l("Overdue review escalated"),
        },
    ),
    messages={
        manual_revisions.RevisionAlreadyInReview: _l("A revision of this manual is already in review. Wait for the "
                                                     "decision, or answer a return from your task list."),
        manual_revisions.ManualChangedMeanwhile: _l("Someone else changed this manual at the same moment. Reload "
                                                    "and try again."),
        manual_revisions.DraftNotReady: _l("Open the editor, complete the draft (criteria, steps, channels, fees) "
                                           "and submit it from there."),
        manual_revisions.DraftExists: _l("This manual already has a draft. Edit that one."),
        manual_revisions.NotADraft: _l("This revision has been submitted and can no longer change."),
        manual_revisions.RevisionIncomplete: _l("The revision is not complete yet. Fill in the highlighted parts."),
        attachments.WrongFileType: _l("Only PDF, PNG or JPEG files can be attached. This file is something else."),
        attachments.FileTooLarge: lambda exc: _("The file is too large: at most %(size)s MB.", size=exc.limit_mb),
        processes.ProcessChangedMeanwhile: _l("Someone else changed this process at the same moment. Reload it and "
                                              "make your change again."),
        manuals.NotAllowed: PERMISSION,
        other_services.ServiceChangedMeanwhile: _l("Someone else changed this service at the same moment. Nothing "
                                                   "you entered was saved; reload and try again."),
        other_services.NotAllowed: PERMISSION,
        links.AlreadyLinked: _l("This service is already linked here."),
        links.TargetNotFound: _l("Only services of this agency's own department can be linked here."),
        links.NotAllowed: PERMISSION,
    },
    nav=(
        NavEntry("manuals.index", _l("Manuals"), 30, element_id="nav-manuals", group="content"),
        NavEntry("processes.index", _l("Processes"), 40, element_id="nav-processes", group="content"),
        NavEntry("other_services.index", _l("Other services"), 50, element_id="nav-other-services",
                 group="content"),
    ),
    agency_holdings=AgencyHoldings(held=agency_holdings.held, merge=agency_holdings.merge),
)
