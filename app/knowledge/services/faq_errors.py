"""The FAQ's refusals: each carries a Thai/English ``message`` and, for a form, the ``field`` at fault."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.inbox.services import inbox


class KnowledgeError(inbox.InboxError):
    """An action on the FAQ that cannot happen; nothing of it is saved. An inbox error too, so that a refusal
    raised while a review task is completed is explained on the task page."""

    default = _l("This could not be done. Nothing was saved.")

    def __init__(self, message=None, field: str | None = None):
        self.message = message or self.default
        self.field = field
        super().__init__(str(self.message))


class InvalidEntry(KnowledgeError):
    default = _l("Check the question and the answer.")


class NotAllowed(KnowledgeError):
    default = _l("You do not have permission to do this.")


class EntryNotFound(KnowledgeError):
    default = _l("There is no such FAQ entry, or it is not yours to see.")


class EntryChangedMeanwhile(KnowledgeError):
    default = _l("Someone else changed this FAQ entry at the same moment. Nothing you entered was saved; reload "
                 "and try again.")


class AlreadyProposed(KnowledgeError):
    default = _l("This answer has already been proposed for the FAQ.")

    def __init__(self, entry_id: int | None):
        super().__init__()
        self.entry_id = entry_id


class ReviewOpen(KnowledgeError):
    default = _l("A change of this entry is already in review. Wait for the decision, or answer a return from "
                 "your task list.")


class WrongState(KnowledgeError):
    default = _l("This FAQ entry is no longer in a state that allows this.")


class NotPublished(Exception):
    """Not (or no longer) on the public site; ``withdrawn`` says whether it was there once."""

    def __init__(self, entry_id: int, withdrawn: bool = False):
        super().__init__(entry_id)
        self.withdrawn = withdrawn


