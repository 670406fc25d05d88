"""Forms of satisfaction ratings: the citizen's rating form (made per question set), the report's filters, a question
set's draft, its publication, and an exclusion. Every one derives from ``BaseForm``: control characters, lengths,
numbers that fit a column and Buddhist-era dates are handled there."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import FieldList, FormField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from forms.base import BaseForm, SubForm

COMMENT_MAX = 1000
SERVICE_KEY = r"^[mo]\d{1,10}$"
KIND_CHOICES = [SelectChoice("scale", _l("Scale of 1 to 5")), SelectChoice("yes_no", _l("Yes or no")),
                SelectChoice("choice", _l("One choice")), SelectChoice("comment", _l("Comment"))]
BREAKDOWN_CHOICES = [SelectChoice("unit", _l("Units below")), SelectChoice("province", _l("Provinces")),
                     SelectChoice("service", _l("Services"))]
SHOW_CHOICES = [SelectChoice("comments", _l("With a comment")), SelectChoice("duplicates", _l("Flagged as duplicates")),
                SelectChoice("excluded", _l("Excluded")), SelectChoice("all", _l("All ratings"))]


# --- the citizen's form ---------------------------------------------------------------------------------------


class RatingFormBase(BaseForm):
    set_id = HiddenField()
    service = SelectField(_l("Which service did you receive?"), choices=[], validate_choice=False,
                          validators=[Optional(), Length(max=24)])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=COMMENT_MAX)])

    def answers(self) -> dict[int, str]:
        return {int(name[1:]): (field.data or "") for name, field in self._fields.items()
                if name.startswith("q") and name[1:].isdigit()}


@lru_cache(maxsize=64)
def rating_form(question_layout: tuple) -> type[RatingFormBase]:
    """The form class of one question set: ``question_layout`` is ((position, kind, option count), …)."""
    fields = {}
    for position, kind, options in question_layout:
        if kind == "comment":
            continue
        values = {"scale": ["1", "2", "3", "4", "5"], "yes_no": ["1", "0"]}.get(kind) or [str(i) for i in range(options)]
        fields[f"q{position}"] = RadioField(choices=[SelectChoice(v, v) for v in values], validate_choice=False,
                                            validators=[Optional()])
    return type("RatingForm", (RatingFormBase,), fields)


# --- the report's filters (GET) ----------------------------------------------------------------------------


class ReportFilterForm(BaseForm):
    agency = IntegerField(_l("Agency"), validators=[Optional()])
    province = StringField(_l("Province"), validators=[Optional(), Length(max=100)])
    service = StringField(_l("Service"), validators=[Optional(), Regexp(SERVICE_KEY, message=_l(
        "Choose a service from the list."))])
    first = DateField(_l("From"), validators=[Optional()])
    last = DateField(_l("To"), validators=[Optional()])
    by = SelectField(_l("Break down by"), choices=BREAKDOWN_CHOICES, default="unit", validators=[Optional()])
    page = IntegerField(validators=[Optional()])
    q = StringField(_l("Search the comments"), validators=[Optional(), Length(max=200)])
    show = SelectField(_l("Show"), choices=SHOW_CHOICES, default="comments", validators=[Optional()])

    class Meta:
        csrf = False

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        first, last = self.first.data, self.last.data
        if valid and isinstance(first, date) and isinstance(last, date) and first > last:
            self.last.errors = [*self.last.errors, str(_l("The end of the period comes before its start."))]
            valid = False
        for name in ("agency", "page"):
            field = self[name]
            if valid and field.data is not None and field.data < 1:
                field.errors = [*field.errors, str(_l("The number is out of range."))]
                valid = False
        return valid

    def first_error(self) -> str:
        for field in self:
            if field.errors:
                return f"{field.label.text}: {field.errors[0]}"
        return ""


# --- question sets (OPDC) -----------------------------------------------------------------------------------


class QuestionRowForm(SubForm):
    kind = SelectField(_l("Type"), choices=KIND_CHOICES, default="scale")
    text_th = StringField(_l("Question (Thai)"), validators=[Optional(), Length(max=500)])
    text_en = StringField(_l("Question (English)"), validators=[Optional(), Length(max=500)])
    required = BooleanField(_l("Required"), default=True)
    options_th = TextAreaField(_l("Labels or choices (Thai), one per line"), validators=[Optional(), Length(max=4000)])
    options_en = TextAreaField(_l("Labels or choices (English), one per line"),
                               validators=[Optional(), Length(max=4000)])
    key = StringField(_l("Measures (the same key across versions)"),
                      validators=[Optional(), Length(max=40), Regexp(r"^[a-z0-9_]*$", message=_l(
                          "Use lower-case letters, digits and _ only, such as waiting_time."))])
    remove = BooleanField(_l("Remove"))


class QuestionSetForm(BaseForm):
    row_version = HiddenField()
    title_th = StringField(_l("Title (Thai)"), validators=[DataRequired(message=_l("Enter the title.")),
                                                           Length(max=255)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=255)])
    questions = FieldList(FormField(QuestionRowForm), min_entries=1, max_entries=40)

    def rows(self) -> list[tuple[int, dict]]:
        """The questions as typed, in order, without the removed and the empty rows: (the row's number, values)."""
        found = []
        for number, entry in enumerate(self.questions, start=1):
            data = entry.form
            if data.remove.data or not ((data.text_th.data or "").strip() or (data.text_en.data or "").strip()):
                continue
            thai = [line.strip() for line in (data.options_th.data or "").splitlines() if line.strip()]
            english = [line.strip() for line in (data.options_en.data or "").splitlines() if line.strip()]
            options = [[text, english[i] if i < len(english) else ""] for i, text in enumerate(thai)]
            found.append((number, {"kind": data.kind.data, "text_th": data.text_th.data or "", "text_en": data.text_en.data,
                          "required": bool(data.required.data), "options": options, "key": data.key.data}))
        return found


class PublishForm(BaseForm):
    row_version = HiddenField()
    effective_from = DateField(_l("Asked from"), validators=[DataRequired(message=_l("Enter the first day."))])


class ExcludeForm(BaseForm):
    reason = TextAreaField(_l("Why is this rating excluded?"), validators=[
        DataRequired(message=_l("Give the reason.")), Length(max=500)])


class ActionForm(BaseForm):
    """A button that changes something (CSRF only): issue or revoke a kiosk token, restore a rating, …"""
