"""The base of every form: the cleaning rules of ``forms.cleaning`` on every field, without a word in each form.

``BaseForm`` (a FlaskForm) and ``SubForm`` (rows inside a FieldList/FormField) bind each field with:

- text fields: control characters refused first; text a reader would see as empty sent as empty, so a required
  field says "required"; a length limit with a Thai message when the field names none;
- integer fields and integer choices: the number fits a database column; other choices: no control characters;
- date fields: a Buddhist-era year converted, the date within the calendar's years;
- WTForms' own messages ("Not a valid integer value.") from the application's catalogue, so they read in Thai.

A field that needs a tighter rule still names it (``Length(max=200)``, ``NumberRange``); these are the floor.
"""

from __future__ import annotations

import math
import weakref
from datetime import date
from decimal import Decimal

from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form
from wtforms.fields import (
    DateField,
    DateTimeField,
    DecimalField,
    FieldList,
    FloatField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import Length, StopValidation

from forms import cleaning


class NoControlCharacters:
    """Refuses NUL and other control characters; line breaks and tabs only where several lines are allowed."""

    def __init__(self, multi_line: bool):
        self.multi_line = multi_line

    def __call__(self, form, field):
        values = field.data if isinstance(field.data, list | tuple) else [field.data]
        if any(isinstance(v, str) and cleaning.has_control_characters(v, multi_line=self.multi_line) for v in values):
            raise StopValidation(str(cleaning.CONTROL_MESSAGE))


class FitsColumn:
    """An integer (or each of several) no larger than a database column holds."""

    def __init__(self, message=None):
        self.message = message

    def __call__(self, form, field):
        values = field.data if isinstance(field.data, list | tuple) else [field.data]
        if any(isinstance(v, int) and not cleaning.fits_column(v) for v in values):
            raise StopValidation(str(self.message or cleaning.NUMBER_MESSAGE))


class Finite:
    """A float or decimal that is a number: not NaN, not infinity."""

    def __call__(self, form, field):
        value = field.data
        if value is None:
            return
        if not (value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)):
            raise StopValidation(str(_l("Enter a number.")))


class CleanDate:
    """A date typed with a Buddhist-era year becomes Gregorian; the date must lie within the calendar's years."""

    def __call__(self, form, field):
        if not isinstance(field.data, date):
            return
        typed = " ".join(field.raw_data) if field.raw_data else None
        try:
            field.data = cleaning.clean_date(field.data, typed)
        except cleaning.DateRefused as refused:
            raise StopValidation(str(refused.message)) from None


class TypedDateField(DateField):
    """Every form's date field: what is typed is read as ``cleaning.read_day`` reads it, a Buddhist-era year made
    Gregorian before the day is (WTForms' own reading refused 29/02/2571, 2571 being no leap year)."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        try:
            day = cleaning.read_day(" ".join(valuelist))
        except cleaning.DateRefused as refused:
            raise ValueError(str(refused.message)) from None
        if day is None:
            raise ValueError(self.invalid_value_message or self.gettext("Not a valid date value."))
        self.data = day


def _text_limit(field_class) -> int:
    if issubclass(field_class, PasswordField):
        return cleaning.PASSWORD_MAX
    return cleaning.TEXT_MAX if issubclass(field_class, TextAreaField) else cleaning.LINE_MAX


def _coerces_int(field_class, kwargs) -> bool:
    return issubclass(field_class, SelectField | SelectMultipleField | RadioField) and kwargs.get("coerce") is int


def _checks_for(field_class, kwargs, declared: list) -> tuple[list, list]:
    """The cleaning validators for a field of ``field_class``: those before its own, and those after."""
    if issubclass(field_class, StringField):
        before = [] if issubclass(field_class, PasswordField) else [
            NoControlCharacters(multi_line=issubclass(field_class, TextAreaField))]
        limited = any(isinstance(v, Length) and v.max != -1 for v in declared)
        return before, [] if limited else [Length(max=_text_limit(field_class), message=cleaning.LENGTH_MESSAGE)]
    if issubclass(field_class, IntegerField):
        return [FitsColumn()], []
    if _coerces_int(field_class, kwargs):
        return [FitsColumn(_l("Choose from the list."))], []
    if issubclass(field_class, SelectField | SelectMultipleField | RadioField):  # a choice the view checks itself
        return [NoControlCharacters(multi_line=False)], []
    if issubclass(field_class, FloatField | DecimalField):
        return [Finite()], []
    if issubclass(field_class, DateField | DateTimeField):
        return [CleanDate()], []
    return [], []


_cleaned: weakref.WeakKeyDictionary[UnboundField, UnboundField] = weakref.WeakKeyDictionary()


def cleaned(unbound: UnboundField) -> UnboundField:
    """The same field with the cleaning validators first (inside a FieldList too); made once per declared field."""
    found = _cleaned.get(unbound)
    if found is None:
        found = _cleaned[unbound] = _with_checks(unbound)
    return found


def _with_checks(unbound: UnboundField) -> UnboundField:
    field_class, args, kwargs = unbound.field_class, list(unbound.args), dict(unbound.kwargs)
    if issubclass(field_class, FieldList):
        if args and isinstance(args[0], UnboundField):
            args[0] = cleaned(args[0])
        elif isinstance(kwargs.get("unbound_field"), UnboundField):
            kwargs["unbound_field"] = cleaned(kwargs["unbound_field"])
        return _rebuilt(unbound, field_class, args, kwargs)
    positional = len(args) > 1  # StringField(label, validators, ...)
    declared = list((args[1] if positional else kwargs.get("validators")) or [])
    before, after = _checks_for(field_class, kwargs, declared)
    if field_class is DateField:
        field_class = TypedDateField
    if issubclass(field_class, DateField) and "format" not in kwargs:
        kwargs["format"] = cleaning.DATE_FORMATS  # what a date input posts, or a day typed as Thai people write it
    if not before and not after:
        return unbound
    validators = before + declared + after
    if positional:
        args[1] = validators
    else:
        kwargs["validators"] = validators
    return _rebuilt(unbound, field_class, args, kwargs)


def _rebuilt(unbound: UnboundField, field_class, args, kwargs) -> UnboundField:
    copy = UnboundField(field_class, *args, name=unbound.name, **kwargs)
    copy.creation_counter = unbound.creation_counter  # keeps the fields in their declared order
    return copy


class _CatalogueTranslations:
    """WTForms' own messages looked up in the application's catalogue, in the language of the request."""

    def gettext(self, string):
        return get_translations().gettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ngettext(singular, plural, n)


class _CleaningMeta:
    def bind_field(self, form, unbound_field, options):
        return super().bind_field(form, cleaned(unbound_field), options)

    def get_translations(self, form):
        return _CatalogueTranslations()


class BaseForm(FlaskForm):
    """Every page form derives from this one."""

    class Meta(_CleaningMeta):
        def wrap_formdata(self, form, formdata):
            formdata = super().wrap_formdata(form, formdata)
            if formdata is None:
                return None
            from werkzeug.datastructures import MultiDict

            return MultiDict([(key, cleaning.blank_as_empty(value)) for key, value in formdata.items(multi=True)])


class SubForm(Form):
    """A row inside a page form (FormField); the page form has already cleaned the data it passes on."""

    class Meta(_CleaningMeta):
        pass


def _wtforms_messages() -> None:  # never called: marks WTForms' own messages for the catalogue (make messages)
    from flask_babel import gettext, ngettext

    ngettext("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 1)
    ngettext("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1)
    ngettext("Field must be exactly %(max)d character long.", "Field must be exactly %(max)d characters long.", 1)
    gettext("Field must be between %(min)d and %(max)d characters long.")
    gettext("Number must be at least %(min)s.")
    gettext("Number must be at most %(max)s.")
    gettext("Number must be between %(min)s and %(max)s.")
    gettext("This field is required.")
    gettext("Invalid input.")
    gettext("Invalid email address.")
    gettext("Invalid URL.")
    gettext("Invalid value, must be one of: %(values)s.")
    gettext("Field must be equal to %(other_name)s.")
    gettext("Invalid Choice: could not coerce.")
    gettext("Not a valid choice.")
    gettext("Invalid choice(s): one or more data inputs could not be coerced.")
    ngettext("'%(value)s' is not a valid choice for this field.", "'%(value)s' are not valid choices for this field.", 1)
    gettext("Not a valid datetime value.")
    gettext("Not a valid date value.")
    gettext("Not a valid integer value.")
    gettext("Not a valid decimal value.")
    gettext("Not a valid float value.")
