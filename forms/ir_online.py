"""IR Online forms on the reporter's side: sign-up, password and profile, the report, and the follow-up page's actions.

The public forms carry two spam traps that need no outside service: a signed time stamp of when the form was
shown (a form sent back within seconds was not filled in by a person) and a field people never see.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, TimestampSigner
from wtforms import (
    HiddenField,
    MultipleFileField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, Regexp, ValidationError

from forms import cleaning
from forms.base import BaseForm
from forms.delays import EMAIL

# The same address check as the other forms' (no extra package for it).
PHONE = re.compile(r"^[0-9+\-\s]{6,20}$")
PROJECT_NUMBER = re.compile(r"^\d{11}$")
# A form older than this is refused as stale (the page was left open for a day).
FORM_MAX_AGE_SECONDS = 24 * 3600
MIN_PASSWORD = 10

REPORTER_TYPES = (
    ("agency", _l("Government agency")),
    ("vendor", _l("Vendor (business)")),
    ("public", _l("General public")),
)

RATINGS = (("5", _l("5 · Very satisfied")), ("4", _l("4 · Satisfied")), ("3", _l("3 · Neutral")),
           ("2", _l("2 · Dissatisfied")), ("1", _l("1 · Very dissatisfied")))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _max(n: int):
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


def _signer() -> TimestampSigner:
    return TimestampSigner(current_app.config["SECRET_KEY"], salt="ir-form-shown")


def form_stamp() -> str:
    """The signed moment a form was shown."""
    return _signer().sign("ir").decode()


class SpamGuard:
    """Mixed into a public form: ``started`` (signed time stamp) and ``website`` (the field only scripts fill)."""

    started = HiddenField()
    website = StringField(_l("Leave this field empty"), validators=[Optional()])

    def restamp(self) -> None:
        self.started.data = form_stamp()

    def spam_reason(self) -> str | None:
        """None when the form looks sent by a person; else "honeypot", "too_fast" or "stale"."""
        if (self.website.data or "").strip():
            return "honeypot"
        try:
            _value, shown_at = _signer().unsign(self.started.data or "", return_timestamp=True)
        except BadSignature:
            return "stale"
        age = (datetime.now(UTC) - shown_at).total_seconds()
        if age < current_app.config["IR_FORM_MIN_SECONDS"]:
            return "too_fast"
        if age > FORM_MAX_AGE_SECONDS:
            return "stale"
        return None


SPAM_MESSAGES = {
    "too_fast": _l("The form was sent only seconds after it was opened, which is how automated spam behaves. "
                   "Nothing was saved: check your entries and send the form again."),
    "stale": _l("This form has expired. Nothing was saved: check your entries and send the form again."),
    "honeypot": _l("The form could not be accepted. Nothing was saved: leave the hidden field empty and send it "
                   "again."),
}


def _reporter_type_field():
    return RadioField(_l("I am reporting as"), choices=[SelectChoice(v, label) for v, label in REPORTER_TYPES],
                      validators=[InputRequired(message=_l("Choose who you are reporting as."))])


def _password_field(label):
    """One strength rule for every password a reporter chooses (sign-up, reset, change)."""
    return PasswordField(label, validators=[
        DataRequired(message=_l("Choose a password.")),
        Length(min=MIN_PASSWORD, max=200,
               message=_l("The password must have at least %(min)d characters.", min=MIN_PASSWORD))])


def _password_again_field():
    return PasswordField(_l("Password again"), validators=[
        DataRequired(message=_l("Type the password again.")),
        EqualTo("password", message=_l("The two passwords are not the same."))])


def _email_field(label=_l("E-mail"), description=None):
    return StringField(label, description=description, filters=[_strip],
                       validators=[DataRequired(message=_l("Enter your e-mail address.")),
                                   Regexp(EMAIL, message=_l("Enter a valid e-mail address.")), _max(80)])


class SignupForm(SpamGuard, BaseForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(message=_l("Enter your name.")), _max(255)])
    email = StringField(_l("E-mail"), description=_l("This is also your user name. We send a link to it."),
                        filters=[_strip], validators=[DataRequired(message=_l("Enter your e-mail address.")),
                                    Regexp(EMAIL, message=_l("Enter a valid e-mail address.")), _max(80)])
    password = _password_field(_l("Password"))
    password_again = _password_again_field()
    reporter_type = _reporter_type_field()
    organisation = StringField(_l("Agency or company (optional)"), validators=[Optional(), _max(255)])


class SignInForm(BaseForm):
    email = _email_field()
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password."))])


class ResendForm(SpamGuard, BaseForm):
    email = StringField(_l("E-mail"), filters=[_strip], validators=[DataRequired(message=_l("Enter your e-mail address.")),
                                                  Regexp(EMAIL, message=_l("Enter a valid e-mail address.")), _max(80)])


class ReportForm(SpamGuard, BaseForm):
    reporter_type = _reporter_type_field()
    category_id = SelectField(_l("Topic"), coerce=int, validate_choice=True,
                              validators=[InputRequired(message=_l("Choose the topic of the problem."))])
    project_number = StringField(_l("e-GP project number (optional)"),
                                 description=_l("11 digits, as shown in the e-GP system."),
                                 validators=[Optional()])
    subject = StringField(_l("Subject"), validators=[DataRequired(message=_l("Enter a short subject.")), _max(200)])
    description = TextAreaField(_l("What happened?"), description=_l(
        "What you did, what you expected and what you saw instead; the error message if there was one."),
        validators=[DataRequired(message=_l("Describe the problem.")), _max(10000)])
    attachments = MultipleFileField(_l("Screenshots or documents (optional)"))
    contact_name = StringField(_l("Your name (optional)"), validators=[Optional(), _max(255)])
    contact_email = StringField(_l("E-mail (optional)"), validators=[Optional(), _max(255)])
    contact_phone = StringField(_l("Phone (optional)"), filters=[cleaning.arabic_digits],
                                validators=[Optional(), _max(32)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = []

    def validate_project_number(self, field):
        if field.data:
            field.data = re.sub(r"[\s-]", "", field.data)
            if not PROJECT_NUMBER.match(field.data):
                raise ValidationError(_l("The e-GP project number has 11 digits (for example 66019123456). "
                                         "Leave it empty if you do not have one."))

    def validate_contact_email(self, field):
        if field.data:
            field.data = field.data.strip()
            if not EMAIL.match(field.data):
                raise ValidationError(_l("Enter a valid e-mail address."))

    def validate_contact_phone(self, field):
        if field.data and not PHONE.match(field.data.strip()):
            raise ValidationError(_l("Enter a valid phone number."))

    def files(self) -> list:
        """The files actually chosen (browsers send one empty part when none is)."""
        return [f for f in (self.attachments.data or []) if getattr(f, "filename", "")]


class ReplyForm(BaseForm):
    body = TextAreaField(_l("Your message"), validators=[DataRequired(message=_l("Write your message.")),
                                                         _max(10000)])
    attachments = MultipleFileField(_l("Attach files (optional)"))

    def files(self) -> list:
        return [f for f in (self.attachments.data or []) if getattr(f, "filename", "")]


class ConfirmForm(BaseForm):
    pass


class ReopenForm(BaseForm):
    reason = TextAreaField(_l("Why is the problem not solved?"), validators=[
        DataRequired(message=_l("Tell us why the problem is not solved.")), _max(2000)])


class RatingForm(BaseForm):
    rating = RadioField(_l("How satisfied are you with the help you got?"),
                        choices=[SelectChoice(v, label) for v, label in RATINGS],
                        validators=[InputRequired(message=_l("Choose a rating from 1 to 5."))])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), _max(2000)])


class ForgotPasswordForm(SpamGuard, BaseForm):
    email = _email_field(description=_l("The address you signed up to IR Online with."))


class ResetPasswordForm(BaseForm):
    password = _password_field(_l("New password"))
    password_again = _password_again_field()


class ProfileForm(BaseForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(message=_l("Enter your name.")), _max(255)])
    email = _email_field(description=_l(
        "Also your user name. A new address is used once you open the link we send to it."))
    reporter_type = _reporter_type_field()
    organisation = StringField(_l("Agency or company (optional)"), validators=[Optional(), _max(255)])
    phone = StringField(_l("Phone (optional)"), filters=[_strip, cleaning.arabic_digits],
                        validators=[Optional(), _max(32)])

    def validate_phone(self, field):
        if field.data and not PHONE.match(field.data):
            raise ValidationError(_l("Enter a valid phone number."))


class PasswordChangeForm(BaseForm):
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Enter your current password."))])
    password = _password_field(_l("New password"))
    password_again = _password_again_field()
