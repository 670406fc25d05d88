"""What a person reads when an action cannot happen."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.services import attachments, catalogue, delays, inbox, links, manual_revisions, manuals, org, other_services, processes

# Why a delay record or decision could not be saved, by DelayError.code.
NOT_VERIFIED = _l("Your e-mail address is not verified yet. Open the link in the e-mail we sent you; if it has "
                  "expired, ask IR Online for a new one.")

DELAY_REFUSED = {
    "duplicate": _l("A delay with this application reference is already recorded at this service point."),
    "bad_process": _l("Choose one of the service point's processes."),
    "decided": _l("The decision on this application is already recorded."),
    "bad_decision": _l("Choose the decision."),
    "conflict": _l("The application changed at the same moment. Nothing was saved: reload and try again."),
}


def for_error(exc: Exception) -> str:
    if isinstance(exc, delays.DelayError):
        return str(DELAY_REFUSED.get(exc.code, _("This could not be done. Nothing was saved.")))
    if isinstance(exc, inbox.TaskAlreadyCompleted):
        return _("Someone else has already completed this task. Nothing you entered was applied.")
    if isinstance(exc, inbox.TaskChangedMeanwhile):
        return _("Someone else acted on this task at the same moment. Reload and check before trying again.")
    if isinstance(exc, inbox.TaskClaimedByOther):
        return _("%(name)s has claimed this task; only they can complete it now.", name=exc.assignee_name)
    if isinstance(exc, inbox.TaskNotFound):
        return _("This task does not exist, or it is not yours to do.")
    if isinstance(exc, manual_revisions.RevisionAlreadyInReview):
        return _("A revision of this manual is already in review. Wait for the decision, or answer a return from your task list.")
    if isinstance(exc, manual_revisions.ManualChangedMeanwhile):
        return _("Someone else changed this manual at the same moment. Reload and try again.")
    if isinstance(exc, manual_revisions.DraftNotReady):
        return _("Open the editor, complete the draft (criteria, steps, channels, fees) and submit it from there.")
    if isinstance(exc, manual_revisions.DraftExists):
        return _("This manual already has a draft. Edit that one.")
    if isinstance(exc, manual_revisions.NotADraft):
        return _("This revision has been submitted and can no longer change.")
    if isinstance(exc, manual_revisions.RevisionIncomplete):
        return _("The revision is not complete yet. Fill in the highlighted parts.")
    if isinstance(exc, attachments.WrongFileType):
        return _("Only PDF, PNG or JPEG files can be attached. This file is something else.")
    if isinstance(exc, attachments.FileTooLarge):
        return _("The file is too large: at most %(size)s MB.", size=exc.limit_mb)
    if isinstance(exc, processes.ProcessChangedMeanwhile):
        return _("Someone else changed this process at the same moment. Reload it and make your change again.")
    if isinstance(exc, manuals.NotAllowed):
        return _("You do not have permission to do this.")
    if isinstance(exc, (catalogue.InvalidEntry, org.InvalidMove, catalogue.TagNameTaken)):
        return _structure_reason(exc)
    if isinstance(exc, org.AgencyChangedMeanwhile):
        return _("Someone else changed this agency at the same moment. Nothing you entered was saved; reload and try again.")
    if isinstance(exc, other_services.ServiceChangedMeanwhile):
        return _("Someone else changed this service at the same moment. Nothing you entered was saved; reload and try again.")
    if isinstance(exc, links.AlreadyLinked):
        return _("This service is already linked here.")
    if isinstance(exc, links.TargetNotFound):
        return _("Only services of this agency's own department can be linked here.")
    if isinstance(exc, (org.NotAllowed, links.NotAllowed, other_services.NotAllowed, catalogue.NotAllowed)):
        return _("You do not have permission to do this.")
    return _("This could not be done. Nothing was saved.")


def _structure_reason(exc: Exception) -> str:
    if isinstance(exc, catalogue.TagNameTaken):
        return _("The tag “%(name)s” already exists. Merge into it instead.", name=str(exc))
    reason = getattr(exc, "reason", "")
    texts = {
        "required": _("Fill this in."),
        "too_long": _("This is too long."),
        "not_main": _("A sub entry can only sit under a main entry."),
        "unknown": _("There is no such tag. Type an existing tag."),
        "same": _("Choose a different tag."),
        "not_movable": _("Only divisions, provincial offices and service points can be moved."),
        "outside_scope": _("It can only move to an agency in your care."),
        "into_own_subtree": _("It cannot move under itself or one of its own units."),
        "leaf_parent": _("Nothing can be placed under a service point."),
        "same_parent": _("It is already there. Choose a different place."),
    }
    return texts.get(reason, _("This could not be done. Nothing was saved."))
