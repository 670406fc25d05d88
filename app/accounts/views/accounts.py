"""The signed-in user's account: personal access tokens for the API."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.accounts.services import accounts, policy
from app.core.extensions import db
from app.core.redirects import next_or
from forms.base import BaseForm

bp = Blueprint("accounts", __name__, url_prefix="/account")


class NewTokenForm(BaseForm):
    name = StringField(_l("Token name"), validators=[DataRequired(message=_l("Enter a name for the token.")),
                                                     Length(max=120)])


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = NewTokenForm()
    new_token = None
    if form.validate_on_submit():
        _row, new_token = accounts.create_api_token(current_user, form.name.data)
        db.session.commit()
        form = NewTokenForm(formdata=None)
    return render_template("accounts/tokens.html", form=form, tokens=accounts.api_tokens(current_user),
                           new_token=new_token, scopes=policy.scopes(current_user),
                           memberships=current_user.memberships), (422 if form.errors else 200)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    if accounts.revoke_api_token(current_user, token_id):
        db.session.commit()
        flash(_("Token revoked. It no longer works."), "success")
    return redirect(next_or(url_for("accounts.tokens")))
