"""Forms of the manual-revision process."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from forms import cleaning, register
from forms.tasks import TaskForm


@register("manual_revision.review")
class ReviewForm(TaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[SelectChoice("approve", _l("Approve")), SelectChoice("return", _l("Return for changes"))],
        validators=[DataRequired(message=_l("Choose approve or return."))],
    )
    comment = TextAreaField(
        _l("Comment"),
        # No Optional(): it stops the chain on empty input, so validate_comment would never run.
        validators=[Length(max=4000)],
        description=_l("Required when you return the revision: say what must change."),
    )

    def validate_comment(self, field):
        if self.decision.data == "return" and not (field.data or "").strip():
            raise ValidationError(_l("Say what the author must change."))

    def task_data(self) -> dict:
        return {"decision": self.decision.data, "comment": (self.comment.data or "").strip()}

    def comment_text(self) -> str | None:
        return (self.comment.data or "").strip() or None


@register("manual_revision.revise")
class ReviseForm(TaskForm):
    """The author answers a return by submitting the draft written in the manual editor."""

    revision_id = HiddenField()

    def task_data(self) -> dict:
        return {"revision_id": cleaning.whole_number(self.revision_id.data, minimum=1)}
