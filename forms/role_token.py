"""Forms of one-time role tokens: issuing one, and redeeming one on first sign-in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from forms import cleaning
from forms.base import BaseForm

SERVICE_POINT_ROLE = "service_point_officer"


class IssueTokenForm(BaseForm):
    """Choices come from the view (the officer's scope); the service checks the pick again."""

    role = SelectField(_l("Role"), validators=[DataRequired(message=_l("Choose a role."))], validate_choice=False)
    agency_id = SelectField(_l("Agency"), validate_choice=False)
    service_point_id = SelectField(_l("Service point"), validate_choice=False,
                                   description=_l("Only for service-point officers."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.role.data == SERVICE_POINT_ROLE and not self.service_point_id.data:
            self.service_point_id.errors = [_l("Choose the service point this officer will work at.")]
            return False
        if valid and self.role.data != SERVICE_POINT_ROLE and not self.agency_id.data:
            self.agency_id.errors = [_l("Choose the agency.")]
            return False
        return valid

    def target_agency_id(self) -> int | None:
        value = self.service_point_id.data if self.role.data == SERVICE_POINT_ROLE else self.agency_id.data
        return cleaning.whole_number(value, minimum=1)


class RedeemTokenForm(BaseForm):
    token = StringField(_l("Token"), validators=[
        DataRequired(message=_l("Enter the token you were given.")), Length(max=64)],
        description=_l("Sixteen letters and digits, such as ABCD-EFGH-JKMN-PQRS."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})
