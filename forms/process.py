"""The process (กระบวนงาน) form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from forms.base import BaseForm

SERVICE_TYPES = [SelectChoice("licence", _l("Licence")), SelectChoice("registration", _l("Registration")),
                 SelectChoice("notification", _l("Notification")), SelectChoice("approval", _l("Approval")),
                 SelectChoice("certification", _l("Certification")), SelectChoice("other", _l("Other service"))]
IMPACT_LEVELS = [SelectChoice("", _l("— not set —")), SelectChoice("local", _l("Local")),
                 SelectChoice("provincial", _l("Provincial")), SelectChoice("national", _l("Nationwide"))]
SERVICE_AREAS = [SelectChoice("", _l("— not set —")), SelectChoice("central", _l("Central administration")),
                 SelectChoice("regional", _l("Regional administration")),
                 SelectChoice("local_government", _l("Local government")), SelectChoice("overseas", _l("Overseas"))]


class ProcessForm(BaseForm):
    lock_version = HiddenField()
    name_th = StringField(_l("Name (Thai)"), validators=[DataRequired(message=_l("Enter the name.")),
                                                         Length(max=500)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=500)])
    agency_id = SelectField(_l("Owning department"), coerce=int,
                            validators=[DataRequired(message=_l("Choose the owning department."))])
    service_type = SelectField(_l("Service type"), choices=SERVICE_TYPES, default="licence")
    category_id = SelectField(_l("Category"), coerce=int, validators=[Optional()])
    impact_level = SelectField(_l("Impact level"), choices=IMPACT_LEVELS, validators=[Optional()])
    service_area = SelectField(_l("Service area"), choices=SERVICE_AREAS, validators=[Optional()])
    legal_basis = TextAreaField(_l("Legal basis"), validators=[Optional(), Length(max=10_000)])
    legal_time_limit_days = IntegerField(
        _l("Time limit by law (days)"),
        validators=[Optional(), NumberRange(min=0, max=3650, message=_l("Enter a number of days from 0 to 3650."))])

    def values(self) -> dict:
        return {"name_th": self.name_th.data, "name_en": self.name_en.data, "agency_id": self.agency_id.data,
                "service_type": self.service_type.data, "category_id": self.category_id.data or None,
                "impact_level": self.impact_level.data or None, "service_area": self.service_area.data or None,
                "legal_basis": self.legal_basis.data, "legal_time_limit_days": self.legal_time_limit_days.data}
