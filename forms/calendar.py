"""Forms of the working-day calendar's administration page."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length, ValidationError

from forms.base import BaseForm
from forms.cleaning import DateRefused, parse_day

TOO_LONG = _l("The name is too long (at most %(n)s characters).", n=255)


class DayField(StringField):
    """A date as ``YYYY-MM-DD`` (a Buddhist-era year typed by hand, 2569-05-04, is converted); ``.day`` is the date,
    None when empty, malformed or outside the calendar's years."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"type": "date"})
        super().__init__(*args, **kwargs)

    @property
    def day(self) -> date | None:
        try:
            return parse_day(self.data)
        except DateRefused:
            return None

    def pre_validate(self, form):
        try:
            parse_day(self.data)
        except DateRefused as refused:
            raise ValidationError(str(refused.message)) from None


class AddHolidayForm(BaseForm):
    day = DayField(_l("Date"), validators=[InputRequired(message=_l("Enter a date."))])
    name_th = StringField(_l("Name (Thai)"), validators=[InputRequired(message=_l("Enter the name of the day.")),
                                                         Length(max=255, message=TOO_LONG)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=255, message=TOO_LONG)])


class CancelHolidayForm(BaseForm):
    day = DayField(_l("Date of the public holiday"), validators=[InputRequired(message=_l("Enter a date."))])
    name_th = StringField(_l("Note (Thai, optional)"), validators=[Length(max=255, message=TOO_LONG)])


class RemoveSpecialDayForm(BaseForm):
    """Only the CSRF token: the special day is in the URL, the confirmation on the page."""
