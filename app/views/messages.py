"""What a person reads when an action cannot happen."""

from __future__ import annotations

from flask_babel import gettext as _

from app.services import inbox, manual_revisions, manuals


def for_error(exc: Exception) -> str:
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
    if isinstance(exc, manuals.NotAllowed):
        return _("You do not have permission to do this.")
    return _("This could not be done. Nothing was saved.")
