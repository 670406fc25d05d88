"""Forms of the working-day calendar's administration page."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length, ValidationError

BUDDHIST_ERA_OFFSET = 543
TOO_LONG = _l("The name is too long (at most %(n)s characters).", n=255)


def parse_day(value: str | None) -> date | None:
    """An ISO date (what a date input sends); a Buddhist-era year typed by hand (2569-05-04) is accepted too."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return None
    if parsed.year > 2400:  # no Gregorian year of this application's lifetime is that large: it is B.E.
        try:
            parsed = parsed.replace(year=parsed.year - BUDDHIST_ERA_OFFSET)
        except ValueError:  # 29 February of a B.E. year whose Gregorian year is not a leap year
            return None
    return parsed


class DayField(StringField):
    """A date as ``YYYY-MM-DD``; ``.day`` is the parsed date (None when empty or malformed)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"type": "date"})
        super().__init__(*args, **kwargs)

    @property
    def day(self) -> date | None:
        return parse_day(self.data)

    def pre_validate(self, form):
        if (self.data or "").strip() and self.day is None:
            raise ValidationError(_l("Enter the date as year-month-day, for example 2026-05-04."))


class AddHolidayForm(FlaskForm):
    day = DayField(_l("Date"), validators=[InputRequired(message=_l("Enter a date."))])
    name_th = StringField(_l("Name (Thai)"), validators=[InputRequired(message=_l("Enter the name of the day.")),
                                                         Length(max=255, message=TOO_LONG)])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=255, message=TOO_LONG)])


class CancelHolidayForm(FlaskForm):
    day = DayField(_l("Date of the public holiday"), validators=[InputRequired(message=_l("Enter a date."))])
    name_th = StringField(_l("Note (Thai, optional)"), validators=[Length(max=255, message=TOO_LONG)])


class RemoveSpecialDayForm(FlaskForm):
    """Only the CSRF token: the special day is in the URL, the confirmation on the page."""
