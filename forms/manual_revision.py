"""Forms of the manual-revision process."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from forms import register


@register("manual_revision.review")
class ReviewForm(FlaskForm):
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


class RevisionContentForm(FlaskForm):
    title = StringField(_l("Manual title"), validators=[DataRequired(message=_l("Enter the title.")),
                                                        Length(max=500)])
    body = TextAreaField(_l("Manual content"), validators=[DataRequired(message=_l("Enter the content.")),
                                                           Length(max=200_000)])
    change_note = TextAreaField(_l("What changed in this revision"), validators=[Optional(), Length(max=4000)])

    def task_data(self) -> dict:
        return {"change_note": (self.change_note.data or "").strip()}

    def comment_text(self) -> str | None:
        return (self.change_note.data or "").strip() or None


@register("manual_revision.revise")
class ReviseForm(RevisionContentForm):
    """The author answers a return with a new revision."""
