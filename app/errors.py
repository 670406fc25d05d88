"""Error pages (Thai first) and JSON errors for the API."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from app.core import api
from app.input_limits import JSONTooDeep

MESSAGES = {
    400: lambda: _("The request could not be understood."),
    403: lambda: _("You do not have permission to do this."),
    404: lambda: _("The page you asked for does not exist, or you cannot see it."),
    405: lambda: _("This action is not allowed here."),
    409: lambda: _("Someone else changed this at the same time. Reload and try again."),
    413: lambda: _("What you sent is too large."),
    429: lambda: _("Too many attempts. Please wait a minute and try again."),
    500: lambda: _("Something went wrong on our side. Nothing was saved; please try again."),
}


def _respond(code: int, message=None):
    """``message``: a text, or a function giving it in the current language (the API answers in Thai and English)."""
    message = message or MESSAGES.get(code, MESSAGES[500])
    if request.path.startswith("/api/"):
        return jsonify(api.error_body(code, message)), code
    message = message() if callable(message) else message
    return render_template("errors/error.html", code=code, message=message), code


def register(app: Flask) -> None:
    for code in (400, 403, 404, 405, 409, 413, 429, 500):
        app.register_error_handler(code, lambda exc, code=code: _respond(code))

    @app.errorhandler(JSONTooDeep)
    def _too_deep(exc):
        return _respond(400, exc.message)

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return _respond(400, _("The form expired. Reload the page and send it again."))
