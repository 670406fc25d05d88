"""The administrators' legacy import screen: uploading the export, then asking for a dry run or a run."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import MultipleFileField, StringField
from wtforms.validators import DataRequired, Length

from forms.base import BaseForm


class ExportUploadForm(BaseForm):
    """The files are checked by the upload service (content, names, size); the form carries the CSRF token."""

    files = MultipleFileField(_l("The export: one zip file, or its CSV and JSON Lines files"))


class StartRunForm(BaseForm):
    """A dry run or a run of an uploaded export: the button pressed says which (CSRF only here)."""


class LinkAccountForm(BaseForm):
    """The user name of the person's Digital ID account, as the users' page shows it."""

    username = StringField(_l("User name of the officer's Digital ID account"),
                           validators=[DataRequired(message=_l("Give the user name of the account.")), Length(max=80)])
