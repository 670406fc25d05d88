"""Forms of "agencies and structure": a profile, a new service point, a move, links."""

from __future__ import annotations

import math
import re

from flask_babel import lazy_gettext as _l
from wtforms import FloatField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from forms.base import BaseForm

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Thai letters and digits (no marks on their own), Latin letters and digits, spaces, dots, hyphens; no "/", which
# separates the prefix from the number.
LETTER_PREFIX = re.compile(r"^[\u0E01-\u0E5BA-Za-z0-9][\u0E01-\u0E5BA-Za-z0-9 .\-]*$")
WEBSITE = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", re.IGNORECASE)


class CoordinateField(FloatField):
    """A decimal degree; refuses text, NaN and infinity with a message people understand."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            self.data = None
            raise ValueError(str(_l("Enter a number in decimal degrees, such as 13.7563.")))
        self.data = number


class ProfileForm(BaseForm):
    row_version = HiddenField()
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=2000)])
    province = StringField(_l("Province"), validators=[Optional(), Length(max=100)])
    district = StringField(_l("District"), validators=[Optional(), Length(max=100)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), Regexp(r"^\d{5}$", message=_l(
        "A postcode has five digits, such as 11000."))])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=100), Regexp(
        r"^[0-9+()\-,#\s]+(ต่อ|ext\.?)?[0-9\s]*$", message=_l("Use digits, spaces and - + ( ) only, such as 02-123-4567."))])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=255), Regexp(
        EMAIL, message=_l("Enter an e-mail address such as saraban@example.go.th."))])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=500), Regexp(WEBSITE, message=_l(
        "Enter the full address, starting with https://"))])
    opening_hours = TextAreaField(_l("Opening hours"), validators=[Optional(), Length(max=2000)],
                                  description=_l("For example: Monday–Friday 08:30–16:30, closed on public holidays."))
    letter_prefix = StringField(_l("Letter prefix"), validators=[Optional(), Length(max=40), Regexp(
        LETTER_PREFIX, message=_l("Use Thai or Latin letters, digits, spaces and dots only, such as นบ 0017.1."))],
        description=_l("The prefix of the numbers of this agency's official letters (เลขที่หนังสือ). Leave it empty "
                       "to number them in the register of the agency above."))
    latitude = CoordinateField(_l("Latitude"), validators=[Optional(), NumberRange(min=-90, max=90, message=_l(
        "Latitude is between -90 and 90 (Thailand is about 5.6 to 20.5)."))])
    longitude = CoordinateField(_l("Longitude"), validators=[Optional(), NumberRange(min=-180, max=180, message=_l(
        "Longitude is between -180 and 180 (Thailand is about 97.3 to 105.7)."))])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and (self.latitude.data is None) != (self.longitude.data is None):
            missing = self.longitude if self.longitude.data is None else self.latitude
            missing.errors = [*missing.errors, _l("Give both latitude and longitude, or neither.")]
            return False
        return valid

    def profile(self) -> dict:
        """The values for the service; the letter prefix only when the form shows it (to those who may set it)."""
        names = ["address", "province", "district", "postcode", "phone", "email", "website", "opening_hours",
                 "latitude", "longitude"]
        if "letter_prefix" in self:
            names.append("letter_prefix")
        return {name: getattr(self, name).data for name in names}


class ServicePointForm(BaseForm):
    name_th = StringField(_l("Name (Thai)"), validators=[DataRequired(message=_l("Enter the Thai name.")),
                                                         Length(max=255)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=255)])


class MoveForm(BaseForm):
    row_version = HiddenField()
    parent_id = SelectField(_l("New parent"), coerce=int, validate_choice=False,  # the service checks the scope
                            validators=[DataRequired(message=_l("Choose where it moves to."))])


class LinkForm(BaseForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice("process", _l("Process")), SelectChoice("manual", _l("Manual")),
                                            SelectChoice("other_service", _l("Other service"))])
    target_id = IntegerField(_l("Service"), validators=[DataRequired(message=_l("Choose a service."))])
