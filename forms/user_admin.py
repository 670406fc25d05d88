"""Forms of "manage users" and of one's own profile. Choices are set by the view from the person's scope."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from forms.base import BaseForm

# The profile's "all my agencies" choice: act with every membership, as when nothing was chosen.
ALL_AGENCIES = ""


class ChangeRoleForm(BaseForm):
    # The service refuses a role the officer may not grant with its own message, so no choice check here.
    role = SelectField(_l("New role"), choices=[], validate_choice=False)

    def __init__(self, *args, roles: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = roles or []


class RemoveMembershipForm(BaseForm):
    """Only the CSRF token: the membership is in the URL, the confirmation on the page."""


class SwitchAgencyForm(BaseForm):
    # The view checks the person still belongs to the chosen agency.
    agency = SelectField(_l("Act for"), choices=[], validate_choice=False)

    def __init__(self, *args, agencies: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency.choices = [(ALL_AGENCIES, str(_l("All my agencies")))] + (agencies or [])
