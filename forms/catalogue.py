"""Forms of the service catalogue pages: list entries and tags."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from forms.base import BaseForm


class EntryForm(BaseForm):
    kind = HiddenField()
    name_th = StringField(_l("Name (Thai)"), validators=[DataRequired(message=_l("Enter the Thai name.")),
                                                         Length(max=255)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=255)])
    parent_id = SelectField(_l("Level"), coerce=int, default=0,
                            description=_l("A sub entry sits under one main entry; there are two levels only."))


class RenameEntryForm(BaseForm):
    name_th = StringField(_l("Name (Thai)"), validators=[DataRequired(message=_l("Enter the Thai name.")),
                                                         Length(max=255)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=255)])


class RenameTagForm(BaseForm):
    name = StringField(_l("New name"), validators=[DataRequired(message=_l("Enter the tag.")), Length(max=100)])


class MergeTagForm(BaseForm):
    target = StringField(_l("Merge into the tag"), validators=[DataRequired(message=_l("Enter the tag to keep.")),
                                                              Length(max=100)])
