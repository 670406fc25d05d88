"""The sample capability's task form, found by the user task's form key."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired

from forms import register
from forms.base import BaseForm


@register("sample_permit.check")
class SampleCheckForm(BaseForm):
    note = StringField("Note", validators=[DataRequired()])

    def task_data(self) -> dict:
        return {"note": self.note.data}
