"""Forms of delayed applications: the record, the decision and the 7-day update task."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from forms import cleaning, register
from forms.base import BaseForm
from forms.tasks import TaskForm

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9+\-\s]{6,20}$")


def _reason_field(label):
    return TextAreaField(label, validators=[
        DataRequired(message=_l("Give the reason for the delay.")),
        Length(max=2000, message=_l("At most %(max)d characters.", max=2000))])


class DelayRecordForm(BaseForm):
    reference = StringField(_l("Application reference"), validators=[
        DataRequired(message=_l("Enter the application reference.")),
        Length(max=64, message=_l("At most %(max)d characters.", max=64))])
    applicant_name = StringField(_l("Applicant's name"), validators=[
        DataRequired(message=_l("Enter the applicant's name.")),
        Length(max=255, message=_l("At most %(max)d characters.", max=255))])
    applicant_address = TextAreaField(_l("Applicant's postal address"), validators=[
        Optional(), Length(max=1000, message=_l("At most %(max)d characters.", max=1000))])
    applicant_email = StringField(_l("Applicant's e-mail"), validators=[Optional(), Length(max=255)])
    applicant_phone = StringField(_l("Applicant's phone"), filters=[cleaning.arabic_digits],
                                  validators=[Optional(), Length(max=32)])
    process_id = SelectField(_l("Process"), coerce=int, validate_choice=True,
                             validators=[InputRequired(message=_l("Choose the process."))])
    promised_days = IntegerField(_l("Time promised in the citizen manual (days)"), validators=[
        InputRequired(message=_l("Enter the promised time in days.")),
        NumberRange(min=1, max=3650, message=_l("Enter a number of days from 1 to 3650."))])
    received_on = DateField(_l("Date received"), validators=[
        InputRequired(message=_l("Enter the date the application was received."))])
    reason = _reason_field(_l("Reason for the delay"))
    expected_decision_on = DateField(_l("Expected decision date"), validators=[
        InputRequired(message=_l("Enter the expected decision date."))])

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._today = today
        self.process_id.choices = []

    def validate_applicant_email(self, field):
        if field.data and not EMAIL.match(field.data.strip()):
            raise ValidationError(_l("Enter a valid e-mail address."))

    def validate_applicant_phone(self, field):
        if field.data and not PHONE.match(field.data.strip()):
            raise ValidationError(_l("Enter a valid phone number."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Checked here, not on the field: Optional() would skip a field-level check when the field is empty.
        if not any((field.data or "").strip() for field in (self.applicant_address, self.applicant_email)):
            self.applicant_address.errors = [*self.applicant_address.errors, _l(
                "Give a postal address or an e-mail address: the notices must reach the applicant.")]
            valid = False
        return valid

    def validate_received_on(self, field):
        if field.data and self._today and field.data > self._today:
            raise ValidationError(_l("The date received cannot be in the future."))

    def validate_expected_decision_on(self, field):
        if field.data and self.received_on.data and field.data < self.received_on.data:
            raise ValidationError(_l("The expected decision date cannot be before the date received."))


DECISION_CHOICES = (
    ("approved", _l("Approved")),
    ("refused", _l("Refused")),
    ("withdrawn", _l("Withdrawn by the applicant")),
)


class DelayDecisionForm(BaseForm):
    decision = RadioField(_l("Decision"), choices=[SelectChoice(v, label) for v, label in DECISION_CHOICES],
                          validators=[DataRequired(message=_l("Choose the decision."))])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000, message=_l("At most %(max)d characters.",
                                                                             max=2000))])


@register("delay_notice.update_reason")
class DelayUpdateForm(TaskForm):
    outcome = RadioField(
        _l("Status of the application"),
        choices=[SelectChoice("pending", _l("Still undecided: the next notice gives the reason below"))]
        + [SelectChoice(v, label) for v, label in DECISION_CHOICES],
        default="pending",
        validators=[DataRequired(message=_l("Choose the status of the application."))])
    reason = TextAreaField(_l("Current reason for the delay"),
                           validators=[Length(max=2000, message=_l("At most %(max)d characters.", max=2000))])
    expected = DateField(_l("Expected decision date"), validators=[Optional()])

    def validate_reason(self, field):
        if self.outcome.data == "pending" and not (field.data or "").strip():
            raise ValidationError(_l("Give the reason for the delay."))

    def task_data(self) -> dict:
        return {"outcome": self.outcome.data, "reason": (self.reason.data or "").strip(),
                "expected": self.expected.data.isoformat() if self.expected.data else ""}
