"""Forms of the manual pages (not tied to a workflow task)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from forms.manual_revision import RevisionContentForm


class NewManualForm(FlaskForm):
    title = StringField(_l("Manual title"), validators=[DataRequired(message=_l("Enter the title.")),
                                                        Length(max=500)])
    agency_id = SelectField(_l("Owning agency"), coerce=int,
                            validators=[DataRequired(message=_l("Choose the owning agency."))])


class SubmitRevisionForm(RevisionContentForm):
    """A new revision, submitted for approval."""
