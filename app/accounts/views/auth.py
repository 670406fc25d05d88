"""Signing in and out, and the language switch."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.routing import BuildError
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from app.accounts.services import accounts
from app.accounts.services import digital_id as digital_id_service
from app.accounts.services.digital_id import DigitalIdError
from app.core import messages
from app.core.extensions import db, limiter
from app.core.redirects import local_path
from app.helpdesk.services import reporter_accounts
from forms.base import BaseForm

bp = Blueprint("auth", __name__)


class LoginForm(BaseForm):
    username = StringField(_l("User name"), validators=[DataRequired(message=_l("Enter your user name."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password."))])


def _safe_next(target: str | None) -> str:
    return local_path(target) or url_for("inbox.index")


def _login_page(form: LoginForm | None, status: int = 200):
    password_on = digital_id_service.password_login_enabled(current_app.config)
    return render_template(
        "auth/login.html", form=form if password_on else None, password_login=password_on,
        digital_id=digital_id_service.enabled(current_app.config),
        digital_id_name=current_app.config.get("OIDC_PROVIDER_NAME") or "Digital ID",
        next=local_path(request.args.get("next"))), status


def start_session(user) -> None:
    """Sign the person in: what the sign-in changed is saved, and a fresh session starts (no fixation)."""
    db.session.commit()
    session.clear()
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    if not digital_id_service.password_login_enabled(current_app.config):
        if request.method == "POST":
            abort(403)
        return _login_page(None)
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data, form.password.data)
        if user is None and reporter_accounts.awaiting_verification(form.username.data, form.password.data):
            form.username.errors.append(str(messages.NOT_VERIFIED))
        elif user is None:
            form.password.errors.append(_("The user name or password is not correct."))
        else:
            start_session(user)
            return redirect(_safe_next(request.args.get("next")))
    return _login_page(form, 422 if form.errors else 200)


# --------------------------------------------------------------------------- Digital ID (OpenID Connect)

_FLOW_KEY = "digital_id_flow"

_DIGITAL_ID_MESSAGES = {
    "cancelled": lambda: _("You cancelled signing in with Digital ID. Nothing was changed."),
    "bad_state": lambda: _("This sign-in link has expired or was not started here. "
                           "Please start signing in with Digital ID again."),
    "unavailable": lambda: _("Digital ID cannot be reached right now. Please try again in a moment."),
    "invalid_token": lambda: _("The answer from Digital ID could not be verified, so you were not signed in. "
                               "Please try again."),
    "provider_error": lambda: _("Digital ID did not complete the sign-in. Please try again."),
    "disabled_account": lambda: _("This account has been disabled. Please contact your agency's central officer."),
}


def _digital_id_settings():
    conf = digital_id_service.settings(current_app.config)
    if conf is None:
        abort(404)
    return conf


def _digital_id_failed(error: DigitalIdError):
    db.session.rollback()
    current_app.logger.warning("Digital ID sign-in refused: %s", error)
    flash(_DIGITAL_ID_MESSAGES.get(error.reason, _DIGITAL_ID_MESSAGES["provider_error"])(), "danger")
    return redirect(url_for("auth.login"))


def _first_sign_in_url() -> str:
    """Where a person without a membership goes: the page that takes a one-time role token."""
    try:
        return url_for("tokens.redeem")
    except BuildError:
        return "/welcome/token"


@bp.get("/login/digital-id")
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def digital_id():
    conf = _digital_id_settings()
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    # Behind a proxy that rewrites the host, OIDC_REDIRECT_URI names the callback as registered at the provider.
    redirect_uri = current_app.config.get("OIDC_REDIRECT_URI") or url_for("auth.digital_id_callback", _external=True)
    try:
        url, kept = digital_id_service.begin(conf, redirect_uri)
    except DigitalIdError as error:
        return _digital_id_failed(error)
    kept["next"] = _safe_next(request.args.get("next"))
    session[_FLOW_KEY] = kept
    return redirect(url)


@bp.get("/login/digital-id/callback")
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def digital_id_callback():
    conf = _digital_id_settings()
    kept = session.pop(_FLOW_KEY, None)  # one answer per attempt: a replayed callback finds nothing
    try:
        claims = digital_id_service.finish(conf, kept, request.args.to_dict())
        user, _created = digital_id_service.user_for_claims(claims)
    except DigitalIdError as error:
        return _digital_id_failed(error)
    start_session(user)
    if not digital_id_service.has_active_membership(user):
        return redirect(_first_sign_in_url())
    return redirect(_safe_next(kept.get("next")))


@bp.post("/logout")
@login_required
def logout():
    # Ended on the server too: a copy of the cookie kept from before no longer opens anything.
    accounts.end_sessions(current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated and current_user.locale != code:
            current_user.locale = code
            db.session.commit()
    return redirect(_safe_next(request.args.get("next")))
