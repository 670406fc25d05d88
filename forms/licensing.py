"""Forms of licence reports and unlock requests."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from forms import register
from forms.base import BaseForm
from forms.tasks import TaskForm


class UnlockAskForm(BaseForm):
    reason = TextAreaField(
        _l("Reason for the unlock"),
        validators=[DataRequired(message=_l("Say why the period must be unlocked.")),
                    Length(max=2000, message=_l("At most %(max)d characters.", max=2000))],
        description=_l("OPDC decides on this reason. After approval you have 5 working days to report."),
    )


@register("unlock_request.decide")
class UnlockDecideForm(TaskForm):
    # Shown read-only so the OPDC officer decides with the reason in front of them; never sent to the workflow.
    reason = TextAreaField(_l("Reason given by the service point"), render_kw={"readonly": True})
    decision = RadioField(
        _l("Decision"),
        choices=[SelectChoice("approve", _l("Approve: open the period for 5 working days")),
                 SelectChoice("refuse", _l("Refuse"))],
        validators=[DataRequired(message=_l("Choose approve or refuse."))],
    )
    comment = TextAreaField(
        _l("Comment"),
        validators=[Length(max=4000)],
        description=_l("Required when you refuse: the service point reads it."),
    )

    def validate_comment(self, field):
        if self.decision.data == "refuse" and not (field.data or "").strip():
            raise ValidationError(_l("Say why the request is refused."))

    def task_data(self) -> dict:
        return {"decision": self.decision.data, "comment": (self.comment.data or "").strip()}

    def comment_text(self) -> str | None:
        return (self.comment.data or "").strip() or None
