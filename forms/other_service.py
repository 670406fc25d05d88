"""The form of an other service (บริการอื่นๆ): title, summary and the lighter content of a manual."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import FieldList, FormField
from wtforms.validators import DataRequired, Length, Optional

from forms.base import BaseForm
from forms.cleaning import LENGTH_MESSAGE
from forms.manual import LONG_TEXT, ChannelForm, ComplaintChannelForm, DocumentForm, FeeForm

LIST_TEXT = [Length(max=20_000, message=LENGTH_MESSAGE)]  # one entry a line: a long list of short names

ROW_LISTS = ("channels", "documents", "fees", "complaint_channels")


class OtherServiceForm(BaseForm):
    """``other_services`` cleans the content with ``manual_content.clean``; ``show_errors`` places its messages."""

    row_version = HiddenField()
    agency_id = SelectField(_l("Agency"), coerce=int, validate_choice=False, validators=[Optional()])
    title = StringField(_l("Service name"), validators=[DataRequired(message=_l("Enter the name of the service.")),
                                                        Length(max=500)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=4000)])
    common_names = TextAreaField(_l("Common names"), description=_l("One per line: the words people use for it."),
                                 validators=LIST_TEXT)
    tags = TextAreaField(_l("Tags"), description=_l("One per line."), validators=LIST_TEXT)
    category_ids = SelectMultipleField(_l("Service categories"), coerce=int, validate_choice=False)
    user_group_ids = SelectMultipleField(_l("User groups"), coerce=int, validate_choice=False)
    criteria = TextAreaField(_l("Criteria, method and conditions"), validators=LONG_TEXT)
    channels = FieldList(FormField(ChannelForm), min_entries=1)
    documents = FieldList(FormField(DocumentForm), min_entries=1)
    no_fee = BooleanField(_l("No fee"))
    fees = FieldList(FormField(FeeForm), min_entries=1)
    complaint_channels = FieldList(FormField(ComplaintChannelForm), min_entries=1)
    remark = TextAreaField(_l("Remark"), validators=LONG_TEXT)

    def raw_content(self) -> dict:
        content = {name: getattr(self, name).data for name in (
            "common_names", "tags", "category_ids", "user_group_ids", "criteria", "no_fee", "remark")}
        content.update({name: [entry.data for entry in getattr(self, name)] for name in ROW_LISTS})
        return content

    def show_errors(self, errors: dict) -> None:
        """Each message next to its field; a message about a whole list of rows goes to ``section_errors``."""
        self.section_errors: dict[str, list] = getattr(self, "section_errors", {})
        for key, message in errors.items():
            parts = key.split(".")
            field = getattr(self, parts[0], None)
            if isinstance(field, FieldList) and len(parts) == 3 and parts[1].isdigit() \
                    and int(parts[1]) < len(field.entries):
                field = getattr(field.entries[int(parts[1])].form, parts[2], None)
            if field is None or isinstance(field, FieldList):
                self.section_errors.setdefault(parts[0], []).append(message)
            else:
                field.errors = [*field.errors, message]

    def add_blank_rows(self) -> None:
        """One empty row at the end of each list, to type a new one without scripts."""
        for name in ROW_LISTS:
            field = getattr(self, name)
            if not field.entries or any(value for value in field.entries[-1].data.values()):
                field.append_entry()


def form_data(service) -> dict:
    """The form's fields from a stored service."""
    content = service.content or {}

    def rows(name):
        return [{key: ("" if value is None else str(value)) for key, value in row.items()}
                for row in content.get(name) or []] or [{}]

    return {
        "row_version": service.lock_version,
        "agency_id": service.agency_id,
        "title": service.title,
        "summary": service.summary or "",
        "common_names": "\n".join(content.get("common_names") or []),
        "tags": "\n".join(content.get("tags") or []),
        "category_ids": content.get("category_ids") or [],
        "user_group_ids": content.get("user_group_ids") or [],
        "criteria": content.get("criteria") or "",
        "no_fee": bool(content.get("no_fee")),
        "remark": content.get("remark") or "",
        **{name: rows(name) for name in ROW_LISTS},
    }
