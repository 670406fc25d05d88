"""The signed-in user's account: personal access tokens for the API."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.accounts.services import accounts, policy
from app.core import api
from app.core.extensions import db
from app.core.redirects import next_or
from forms.base import BaseForm

bp = Blueprint("accounts", __name__, url_prefix="/account")


class NewTokenForm(BaseForm):
    name = StringField(_l("Token name"), validators=[DataRequired(message=_l("Enter a name for the token.")),
                                                     Length(max=120)])
    scopes = SelectMultipleField(_l("What the token may do"),
                                 validators=[DataRequired(message=_l("Choose at least one thing the token may do."))])


def _token_form(**kwargs) -> NewTokenForm:
    form = NewTokenForm(**kwargs)
    form.scopes.choices = [SelectChoice(scope, _scope_label(scope, label))
                           for scope, label in api.scopes_of(current_app,
                                                             administrator=policy.is_admin(current_user)).items()]
    return form


def _scope_label(scope: str, capability_label) -> str:
    if scope.endswith(":write"):
        return _("%(capability)s: read and act", capability=capability_label)
    return _("%(capability)s: read", capability=capability_label)


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = _token_form()
    new_token = None
    if form.validate_on_submit():
        # Acting implies reading what one acts on.
        chosen = set(form.scopes.data) | {s.replace(":write", ":read") for s in form.scopes.data}
        _row, new_token = accounts.create_api_token(current_user, form.name.data, chosen)
        db.session.commit()
        form = _token_form(formdata=None)
    return render_template("accounts/tokens.html", form=form, tokens=accounts.api_tokens(current_user),
                           new_token=new_token, scopes=policy.scopes(current_user),
                           scope_labels={choice.value: choice.label for choice in form.scopes.choices},
                           memberships=current_user.memberships), (422 if form.errors else 200)


def api_caller(plain: str) -> api.Caller | None:
    """The API's token lookup (``app.core.api``): who calls and what the token may do."""
    found = accounts.api_token_in_use(plain)
    if found is None:
        return None
    row, user, touched = found
    scopes = row.scope_set
    administration = {scope for scope in scopes if scope.startswith(f"{api.ADMIN}:")}
    if administration and not policy.is_admin(user):  # no longer an administrator: the token no longer is either
        scopes = scopes - administration
    return api.Caller(user=user, token_id=row.id, scopes=scopes, touched=touched)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    if accounts.revoke_api_token(current_user, token_id):
        db.session.commit()
        flash(_("Token revoked. It no longer works."), "success")
    return redirect(next_or(url_for("accounts.tokens")))
