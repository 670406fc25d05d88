"""What a person reads when an action cannot happen.

Each capability declares the message of each of its refusals (``Capability.messages``: an exception class and
its text, or a function of the exception); the most specific class of the exception that has one decides.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core import capabilities

# Shown where a password sign-in is refused because the e-mail address is not verified yet.
NOT_VERIFIED = _l("Your e-mail address is not verified yet. Open the link in the e-mail we sent you; if it has "
                  "expired, ask IR Online for a new one.")


def for_error(exc: Exception) -> str:
    message = capabilities.current().message_for(exc)
    return message if message is not None else _("This could not be done. Nothing was saved.")
