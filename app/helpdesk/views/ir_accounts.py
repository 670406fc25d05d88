"""IR Online reporter accounts: sign up with e-mail verification, sign in, a forgotten password, the profile and a
new e-mail address. The routes join the ``ir`` blueprint of ``ir_online``."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user

from app.accounts.views import auth
from app.core import messages
from app.core.extensions import db, limiter
from app.core.redirects import local_path
from app.helpdesk.services import reporter_accounts, reporter_passwords
from app.helpdesk.views.ir_online import bp, fresh_form, locale_code, signed_in_reporter, spam_refusal
from forms.ir_online import (
    ForgotPasswordForm,
    PasswordChangeForm,
    ProfileForm,
    ResendForm,
    ResetPasswordForm,
    SignInForm,
    SignupForm,
)

_SIGNUP_SENT = "ir_signup_sent"


# --- reporter accounts --------------------------------------------------------------------------------------


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_IR_SIGNUP"], methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("ir.index"))
    form = SignupForm()
    if request.method == "GET":
        return render_template("ir/signup.html", form=fresh_form(form))
    if not form.validate_on_submit():
        flash(_("Nothing was saved. Correct the highlighted fields."), "danger")
        return render_template("ir/signup.html", form=fresh_form(form)), 422
    if (message := spam_refusal(form)) is not None:
        flash(message, "danger")
        return render_template("ir/signup.html", form=fresh_form(form)), 422
    reporter_accounts.sign_up(reporter_accounts.SignupInput(
        display_name=form.display_name.data, email=form.email.data, password=form.password.data,
        reporter_type=form.reporter_type.data, organisation=form.organisation.data, locale=locale_code()))
    db.session.commit()
    session[_SIGNUP_SENT] = reporter_accounts.normalise_email(form.email.data)
    return redirect(url_for("ir.signup_sent"))


@bp.get("/signup/sent")
def signup_sent():
    return render_template("ir/signup_sent.html", email=session.get(_SIGNUP_SENT),
                           hours=current_app.config["REPORTER_VERIFY_HOURS"], form=fresh_form(ResendForm()))


@bp.post("/verify/resend")
@limiter.limit(lambda: current_app.config["RATELIMIT_IR_SIGNUP"])
def resend():
    form = ResendForm()
    if not form.validate_on_submit():
        flash(_("Nothing was sent. Correct the highlighted fields."), "danger")
        return render_template("ir/verify.html", outcome="resend", form=fresh_form(form)), 422
    if (message := spam_refusal(form)) is not None:
        flash(message, "danger")
        return render_template("ir/verify.html", outcome="resend", form=fresh_form(form)), 422
    reporter_accounts.resend(form.email.data)
    db.session.commit()
    session[_SIGNUP_SENT] = reporter_accounts.normalise_email(form.email.data)
    return redirect(url_for("ir.signup_sent"))


@bp.get("/verify/resend")
def resend_form():
    return render_template("ir/verify.html", outcome="resend", form=fresh_form(ResendForm()))


@bp.get("/verify/<token>")
@limiter.limit(lambda: current_app.config["RATELIMIT_IR_FOLLOW"], deduct_when=lambda r: r.status_code >= 400)
def verify(token: str):
    try:
        _user, _first = reporter_accounts.verify(token)
        db.session.commit()
    except reporter_accounts.VerificationRefused as refused:
        db.session.rollback()
        status = 410 if refused.code == "expired" else 404
        return render_template("ir/verify.html", outcome=refused.code, form=fresh_form(ResendForm())), status
    session.pop(_SIGNUP_SENT, None)
    flash(_("Your e-mail address is verified. Sign in with it and your password."), "success")
    return redirect(url_for("ir.login", next=url_for("ir.mine")))


# --- a forgotten password, the profile, a new e-mail address ------------------------------------------------

_RESET_SENT = "ir_reset_sent"
# Why a one-time link is refused: each case has its own words (and the page its own element id).
LINK_REFUSALS = {
    "invalid": _l("This link is not valid. Check that you copied the whole link from the e-mail."),
    "used": _l("This link has been used already: each link works once."),
    "replaced": _l("This link no longer works: a newer link was sent after it, or the password or e-mail address "
                   "was changed since. Use the newest e-mail, or ask for a new link."),
    "expired": _l("This link has expired. Ask for a new one."),
    "taken": _l("This e-mail address now belongs to another account, so it cannot be given to yours. Nothing was "
                "changed."),
}
_link_limit = limiter.limit(lambda: current_app.config["RATELIMIT_IR_FOLLOW"],
                            deduct_when=lambda response: response.status_code >= 400)


def _link_refused(template: str, refused: reporter_passwords.LinkRefused, **context):
    db.session.rollback()
    status = 404 if refused.code == "invalid" else 409 if refused.code == "taken" else 410
    return render_template(template, refused=refused.code, message=LINK_REFUSALS[refused.code], **context), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_IR_PASSWORD"], methods=["POST"])
def password_forgot():
    form = ForgotPasswordForm()
    if request.method == "GET":
        return render_template("ir/password_forgot.html", form=fresh_form(form))
    if not form.validate_on_submit():
        flash(_("Nothing was sent. Correct the highlighted fields."), "danger")
        return render_template("ir/password_forgot.html", form=fresh_form(form)), 422
    if (message := spam_refusal(form)) is not None:
        flash(message, "danger")
        return render_template("ir/password_forgot.html", form=fresh_form(form)), 422
    reporter_passwords.request_reset(form.email.data)
    db.session.commit()
    # The same answer whether or not the address has an account, so the page tells nobody who has one.
    session[_RESET_SENT] = reporter_accounts.normalise_email(form.email.data)
    return redirect(url_for("ir.password_forgot_sent"))


@bp.get("/password/forgot/sent")
def password_forgot_sent():
    return render_template("ir/password_forgot_sent.html", email=session.get(_RESET_SENT),
                           hours=current_app.config["REPORTER_RESET_HOURS"])


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@_link_limit
def password_reset(token: str):
    form = ResetPasswordForm()
    try:
        reporter_passwords.check_reset_link(token)
    except reporter_passwords.LinkRefused as refused:
        return _link_refused("ir/password_reset.html", refused, form=None)
    if request.method == "GET":
        return render_template("ir/password_reset.html", form=form, refused=None)
    if not form.validate_on_submit():
        flash(_("Nothing was saved. Correct the highlighted fields."), "danger")
        return render_template("ir/password_reset.html", form=form, refused=None), 422
    try:
        reporter_passwords.reset_password(token, form.password.data)
        db.session.commit()
    except reporter_passwords.LinkRefused as refused:
        return _link_refused("ir/password_reset.html", refused, form=None)
    session.pop(_RESET_SENT, None)
    flash(_("Your new password is saved. Sign in with it."), "success")
    return redirect(url_for("ir.login", next=url_for("ir.mine")))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    """Reporters sign in here with e-mail and password, also where staff sign in with Digital ID only."""
    # Back to an IR Online page only: reporters have nothing to open in the back office.
    target = local_path(request.args.get("next")) or ""
    target = target if target.startswith("/ir/") else url_for("ir.mine")
    if current_user.is_authenticated:
        return redirect(target)
    form = SignInForm()
    if form.validate_on_submit():
        user = reporter_accounts.sign_in(form.email.data, form.password.data)
        if user is None and reporter_accounts.awaiting_verification(form.email.data, form.password.data):
            form.email.errors.append(str(messages.NOT_VERIFIED))
        elif user is None:
            form.password.errors.append(_("The e-mail address or password is not correct."))
        else:
            auth.start_session(user)
            return redirect(target)
    return render_template("ir/login.html", form=form), 422 if form.errors else 200


def _reporter_or_redirect():
    """The signed-in reporter; else a redirect to sign in (anonymous), or 404 (staff have no IR profile)."""
    if not current_user.is_authenticated:
        return None, redirect(url_for("ir.login", next=url_for("ir.profile")))
    if signed_in_reporter() is None:
        abort(404)
    return current_user._get_current_object(), None


def _profile_page(user, profile_form=None, password_form=None, status: int = 200):
    if profile_form is None:
        profile = reporter_accounts.profile_of(user)
        profile_form = ProfileForm(formdata=None, data={
            "display_name": user.display_name, "email": user.email, "reporter_type": profile.reporter_type,
            "organisation": profile.organisation, "phone": profile.phone})
    return render_template("ir/profile.html", form=profile_form,
                           password_form=password_form or PasswordChangeForm(formdata=None),
                           pending_email=reporter_passwords.pending_email(user),
                           hours=current_app.config["REPORTER_VERIFY_HOURS"]), status


def _asks_for_new_email() -> bool:
    return (current_user.is_authenticated and reporter_accounts.normalise_email(request.form.get("email", ""))
            != reporter_accounts.normalise_email(current_user.email or ""))


@bp.route("/profile", methods=["GET", "POST"])
# Each new address is mailed a link: those requests count like sign-ups; other edits are not limited.
@limiter.limit(lambda: current_app.config["RATELIMIT_IR_SIGNUP"], methods=["POST"],
               exempt_when=lambda: not _asks_for_new_email())
def profile():
    user, elsewhere = _reporter_or_redirect()
    if elsewhere is not None:
        return elsewhere
    if request.method == "GET":
        return _profile_page(user)
    form = ProfileForm()
    if not form.validate_on_submit():
        flash(_("Nothing was saved. Correct the highlighted fields."), "danger")
        return _profile_page(user, profile_form=form, status=422)
    new_email = reporter_passwords.update_profile(user, reporter_passwords.ProfileInput(
        display_name=form.display_name.data, email=form.email.data, reporter_type=form.reporter_type.data,
        organisation=form.organisation.data, phone=form.phone.data))
    db.session.commit()
    flash(_("Your profile is saved."), "success")
    if new_email:
        flash(_("If %(email)s can be used, we have sent it a link. Your e-mail address changes when you open it "
                "within %(hours)d hours; until then, keep signing in with %(current)s.", email=new_email,
                hours=current_app.config["REPORTER_VERIFY_HOURS"], current=user.email), "info")
    return redirect(url_for("ir.profile"), 303)


@bp.post("/profile/password")
# Wrong current passwords count like wrong sign-ins.
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], deduct_when=lambda r: r.status_code >= 400)
def profile_password():
    user, elsewhere = _reporter_or_redirect()
    if elsewhere is not None:
        return elsewhere
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            reporter_passwords.change_password(user, form.current_password.data, form.password.data)
        except reporter_passwords.WrongPassword:
            form.current_password.errors = [_("The current password is not correct.")]
        else:
            db.session.commit()
            login_user(user)  # this session goes on under the new generation; the others have ended
            flash(_("Your new password is saved."), "success")
            return redirect(url_for("ir.profile"), 303)
    db.session.rollback()
    flash(_("The password was not changed. Correct the highlighted fields."), "danger")
    return _profile_page(user, password_form=form, status=422)


@bp.get("/profile/email/<token>")
@_link_limit
def email_change(token: str):
    try:
        user = reporter_passwords.confirm_email_change(token)
        db.session.commit()
    except reporter_passwords.LinkRefused as refused:
        return _link_refused("ir/email_change.html", refused)
    flash(_("Your e-mail address is now %(email)s. Sign in with it from now on.", email=user.email), "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("ir.profile"))
    return redirect(url_for("ir.login", next=url_for("ir.profile")))
