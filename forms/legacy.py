"""The administrators' legacy import screen: uploading the export, then asking for a dry run or a run."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import MultipleFileField

from forms.base import BaseForm


class ExportUploadForm(BaseForm):
    """The files are checked by the upload service (content, names, size); the form carries the CSRF token."""

    files = MultipleFileField(_l("The export: one zip file, or its CSV and JSON Lines files"))


class StartRunForm(BaseForm):
    """A dry run or a run of an uploaded export: the button pressed says which (CSRF only here)."""
