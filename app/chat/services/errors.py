"""Live Chat's refusals: each says in Thai (or English) what went wrong; nothing of the action is saved."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class ChatError(Exception):
    """An action that cannot happen; ``message`` is a lazy text, ``field`` the form field at fault."""

    default = _l("This could not be done. Nothing was saved.")
    status = 422

    def __init__(self, message=None, field: str | None = None):
        self.message = message or self.default
        self.field = field
        super().__init__(str(self.message))


class InvalidInput(ChatError):
    default = _l("Check what you entered.")


class NotAllowed(ChatError):
    default = _l("You do not have permission to do this.")
    status = 403


class ChatNotFound(ChatError):
    default = _l("There is no such chat, or it is not yours to see.")
    status = 404


class WrongState(ChatError):
    default = _l("This chat is no longer in a state that allows this.")
    status = 409


class ChatConflict(ChatError):
    default = _l("Someone else acted on this chat at the same moment. Nothing you entered was saved; try again.")
    status = 409


class Blocked(ChatError):
    default = _l("This chat service is not available to you. Please contact the Comptroller General's Department "
                 "by another channel.")
    status = 403


class AtCapacity(ChatError):
    default = _l("You already have as many chats as you take at once. Close one first, or raise your limit.")
    status = 409
