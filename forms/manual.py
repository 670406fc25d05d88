"""Forms of the manual pages: a new manual, the draft editor, sample forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import FieldList, FormField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.manuals.services.manual_content import MAX_LONG_TEXT, MAX_TEXT
from forms.base import BaseForm, SubForm
from forms.cleaning import LENGTH_MESSAGE

UNIT_CHOICES = [SelectChoice("minutes", _l("minutes")), SelectChoice("hours", _l("hours")),
                SelectChoice("days", _l("working days"))]
REPEATABLE = ("common_names", "tags", "steps", "documents", "fees", "channels", "complaint_channels")
# The limits ``manual_content.clean`` keeps, so that any stored content, imported manuals' too, saves again.
ROW_TEXT = [Length(max=MAX_TEXT, message=LENGTH_MESSAGE)]
LONG_TEXT = [Length(max=MAX_LONG_TEXT, message=LENGTH_MESSAGE)]


class NewManualForm(BaseForm):
    title = StringField(_l("Manual title"), validators=[DataRequired(message=_l("Enter the title.")),
                                                        Length(max=500)])
    agency_id = SelectField(_l("Owning agency"), coerce=int,
                            validators=[DataRequired(message=_l("Choose the owning agency."))])
    process_id = SelectField(_l("Process"), coerce=int, validators=[Optional()],
                             description=_l("The process (กระบวนงาน) this manual describes, if any."))


class StepForm(SubForm):
    title = StringField(_l("Step"), validators=ROW_TEXT)
    description = TextAreaField(_l("Description"), validators=ROW_TEXT)
    duration = StringField(_l("Duration"), validators=ROW_TEXT)
    duration_unit = SelectField(_l("Unit of time"), choices=UNIT_CHOICES, default="minutes")
    unit = StringField(_l("Responsible unit"), validators=ROW_TEXT)


class DocumentForm(SubForm):
    name = StringField(_l("Document"), validators=ROW_TEXT)
    issuer = StringField(_l("Issued by"), validators=ROW_TEXT)
    originals = StringField(_l("Originals"), validators=ROW_TEXT)
    copies = StringField(_l("Copies"), validators=ROW_TEXT)
    remark = StringField(_l("Remark"), validators=ROW_TEXT)


class FeeForm(SubForm):
    description = StringField(_l("Fee"), validators=ROW_TEXT)
    amount = StringField(_l("Amount (baht)"), validators=ROW_TEXT)
    remark = StringField(_l("Remark"), validators=ROW_TEXT)


class ChannelForm(SubForm):
    place = StringField(_l("Place"), validators=ROW_TEXT)
    address = TextAreaField(_l("Address"), validators=ROW_TEXT)
    hours = StringField(_l("Opening hours"), validators=ROW_TEXT)
    remark = StringField(_l("Remark"), validators=ROW_TEXT)


class ComplaintChannelForm(SubForm):
    channel = StringField(_l("Channel"), validators=ROW_TEXT)
    detail = StringField(_l("Contact details"), validators=ROW_TEXT)


class RevisionEditorForm(BaseForm):
    """Every content key of a draft; the rows are repeatable. ``manual_content.clean`` does the checking."""

    row_version = HiddenField()
    title = StringField(_l("Manual title"), validators=[DataRequired(message=_l("Enter the title.")),
                                                        Length(max=500)])
    change_note = TextAreaField(_l("What changed in this revision"), validators=[Length(max=4000)])
    common_names = FieldList(StringField(_l("Common name")), min_entries=1)
    tags = FieldList(StringField(_l("Tag")), min_entries=1)
    category_ids = SelectMultipleField(_l("Service categories"), coerce=int, validate_choice=False)
    user_group_ids = SelectMultipleField(_l("User groups"), coerce=int, validate_choice=False)
    criteria = TextAreaField(_l("Criteria, method and conditions"), validators=LONG_TEXT)
    steps = FieldList(FormField(StepForm), min_entries=1)
    total_time_value = StringField(_l("Total processing time"),
                                   description=_l("Leave empty to use the sum of the steps."))
    total_time_unit = SelectField(_l("Unit of time"), choices=UNIT_CHOICES, default="minutes")
    documents = FieldList(FormField(DocumentForm), min_entries=1)
    no_fee = BooleanField(_l("No fee"))
    fees = FieldList(FormField(FeeForm), min_entries=1)
    channels = FieldList(FormField(ChannelForm), min_entries=1)
    complaint_channels = FieldList(FormField(ComplaintChannelForm), min_entries=1)
    statistics_average = StringField(_l("Average"))
    statistics_highest = StringField(_l("Highest"))
    statistics_lowest = StringField(_l("Lowest"))
    remark = TextAreaField(_l("Remark"), validators=LONG_TEXT)

    def raw_content(self) -> dict:
        """The content as typed, in the shape of ``ManualRevision.content`` (not yet cleaned)."""
        return {
            "common_names": [entry.data for entry in self.common_names],
            "tags": [entry.data for entry in self.tags],
            "category_ids": self.category_ids.data or [],
            "user_group_ids": self.user_group_ids.data or [],
            "criteria": self.criteria.data,
            "steps": [entry.data for entry in self.steps],
            "total_time": {"value": self.total_time_value.data, "unit": self.total_time_unit.data},
            "documents": [entry.data for entry in self.documents],
            "no_fee": self.no_fee.data,
            "fees": [entry.data for entry in self.fees],
            "channels": [entry.data for entry in self.channels],
            "complaint_channels": [entry.data for entry in self.complaint_channels],
            "statistics": {"average": self.statistics_average.data, "highest": self.statistics_highest.data,
                           "lowest": self.statistics_lowest.data},
            "remark": self.remark.data,
        }

    def show_errors(self, errors: dict) -> None:
        """Put each content error (keyed like ``steps.2.duration``) next to its field or its list of rows."""
        self.section_errors: dict[str, list] = getattr(self, "section_errors", {})
        for key, message in errors.items():
            field = self._field_for(key)
            if field is None:
                self.section_errors.setdefault(key.split(".")[0], []).append(message)
            else:
                field.errors = [*field.errors, message]

    def _field_for(self, key: str):
        """The field an error belongs to, or None for a whole list of rows."""
        parts = key.split(".")
        if parts[0] in ("total_time", "statistics"):
            return getattr(self, f"{parts[0]}_{parts[-1]}", None) if len(parts) == 2 else None
        field = getattr(self, parts[0], None)
        if not isinstance(field, FieldList):
            return field
        if len(parts) < 2 or not parts[1].isdigit() or int(parts[1]) >= len(field.entries):
            return None
        entry = field.entries[int(parts[1])]
        return getattr(entry.form, parts[2], None) if len(parts) == 3 and isinstance(entry, FormField) else entry


def editor_data(title: str, change_note: str | None, content: dict, row_version: int | None) -> dict:
    """The editor's fields from a stored (or row-edited) content document."""
    content = content or {}
    total = content.get("total_time") or {}
    stats = content.get("statistics") or {}
    return {
        "row_version": row_version,
        "title": title,
        "change_note": change_note or "",
        "common_names": content.get("common_names") or [""],
        "tags": content.get("tags") or [""],
        "category_ids": content.get("category_ids") or [],
        "user_group_ids": content.get("user_group_ids") or [],
        "criteria": content.get("criteria") or "",
        "steps": [_as_text(row) for row in content.get("steps") or []] or [{}],
        "total_time_value": _number_text(total.get("value")),
        "total_time_unit": total.get("unit") or "minutes",
        "documents": [_as_text(row) for row in content.get("documents") or []] or [{}],
        "no_fee": bool(content.get("no_fee")),
        "fees": [_as_text(row) for row in content.get("fees") or []] or [{}],
        "channels": [_as_text(row) for row in content.get("channels") or []] or [{}],
        "complaint_channels": [_as_text(row) for row in content.get("complaint_channels") or []] or [{}],
        "statistics_average": _number_text(stats.get("average")),
        "statistics_highest": _number_text(stats.get("highest")),
        "statistics_lowest": _number_text(stats.get("lowest")),
        "remark": content.get("remark") or "",
    }


def _number_text(value) -> str:
    return "" if value in (None, "") else (f"{value:g}" if isinstance(value, float) else str(value))


def _as_text(row: dict) -> dict:
    return {key: (_number_text(value) if isinstance(value, int | float) and not isinstance(value, bool) else value)
            for key, value in (row or {}).items()}


class AttachmentForm(BaseForm):
    label = StringField(_l("Label"), validators=[DataRequired(message=_l("Say what this form is.")),
                                                 Length(max=255)])
    file = FileField(_l("File (PDF, PNG or JPEG)"))
