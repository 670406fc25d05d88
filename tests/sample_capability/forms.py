"""The sample capability's task form, found by the user task's form key."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired

from forms import register
from forms.tasks import TaskForm


@register("sample_permit.check")
class SampleCheckForm(TaskForm):
    note = StringField("Note", validators=[DataRequired()])

    def task_data(self) -> dict:
        return {"note": self.note.data}
