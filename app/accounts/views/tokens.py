"""One-time role tokens: central officers issue and refresh them; a new person redeems one on first sign-in."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from app.accounts.services import role_tokens
from app.core import paging
from app.core.extensions import db, limiter
from app.core.i18n import role_label
from app.core.types import utcnow
from forms.role_token import IssueTokenForm, RedeemTokenForm

bp = Blueprint("tokens", __name__)

REFUSED = {
    "wrong": _l("This token is not correct. Check it and try again."),
    "used": _l("This token has already been used. Ask the officer who gave it to you for a new one."),
    "refreshed": _l("This token was replaced by a newer one and no longer works. Use the newest token you were given."),
    "expired": _l("This token has expired. Ask the officer who gave it to you for a new one."),
    "reporter": _l("An IR Online reporter account cannot take a staff role. Sign in with your staff account."),
}

STATE_LABELS = {
    "waiting": _l("Waiting"),
    "used": _l("Used"),
    "refreshed": _l("Replaced by a new token"),
    "expired": _l("Expired"),
}


# --- issuing and the list ---------------------------------------------------------------------------------


def _issue_form() -> IssueTokenForm:
    form = IssueTokenForm()
    agencies, service_points = role_tokens.issuable_agencies(current_user)
    form.role.choices = [("", _("Choose…"))] + [(r, str(role_label(r))) for r in role_tokens.issuable_roles(current_user)]
    form.agency_id.choices = [("", _("Choose…"))] + [(str(a.id), _agency_label(a)) for a in agencies]
    form.service_point_id.choices = [("", "—")] + [(str(a.id), _agency_label(a)) for a in service_points]
    return form


def _language() -> str:
    return str(get_locale() or "th")


def _agency_label(agency) -> str:
    # Indented by depth, so the select reads like the agency tree.
    indent = "\u00a0\u00a0" * max(agency.depth - 1, 0) if agency.depth else ""
    return indent + agency.name(_language())


def _render(form: IssueTokenForm, *, new_token: str | None = None, new_row=None, status: int = 200):
    page = paging.page_number(request.args.get("page"))
    tokens, pages = role_tokens.list_tokens(current_user, page)
    page = min(max(page, 1), max(pages, 1))
    return render_template("tokens/index.html", form=form, tokens=tokens, page=page, pages=pages,
                           new_token=new_token, new_row=new_row, now=utcnow(), shown_state=role_tokens.shown_state,
                           state_labels=STATE_LABELS,
                           has_service_points=len(form.service_point_id.choices) > 1), status


def _require_issuer() -> None:
    if not role_tokens.can_manage_tokens(current_user):
        abort(403)


@bp.route("/admin/tokens", methods=["GET", "POST"])
@login_required
def index():
    _require_issuer()
    form = _issue_form()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _render(form, status=422)
        try:
            row, plain = role_tokens.issue(current_user, form.role.data, form.target_agency_id())
        except role_tokens.NotAllowed:
            db.session.rollback()
            if form.role.data not in role_tokens.NATIONWIDE_ISSUES or \
                    form.role.data not in role_tokens.issuable_roles(current_user):
                abort(403)
            form.agency_id.errors = [_("OPDC officers and administrators are given to an office, such as OPDC or "
                                       "DGA.")]
            return _render(form, status=422)
        db.session.commit()
        return _show_once(row, plain)
    new_token = session.pop(NEW_TOKEN_KEY, None)
    new_row = role_tokens.get(current_user, new_token["id"]) if new_token else None
    return _render(form, new_token=new_token["token"] if new_row else None, new_row=new_row)


NEW_TOKEN_KEY = "new_role_token"


def _show_once(row, plain: str):
    """Post, redirect, get: the next page shows the token once, and a reload neither shows it nor issues another."""
    session[NEW_TOKEN_KEY] = {"id": row.id, "token": plain}
    return redirect(url_for("tokens.index"))


@bp.post("/admin/tokens/<int:token_id>/refresh")
@login_required
def refresh(token_id: int):
    _require_issuer()
    try:
        row, plain = role_tokens.refresh(current_user, token_id)
    except role_tokens.NotAllowed:
        db.session.rollback()
        abort(404)
    except role_tokens.TokenRefused:
        db.session.rollback()
        flash(_("Only a token that is still waiting can be refreshed."), "warning")
        return redirect(url_for("tokens.index"))
    db.session.commit()
    return _show_once(row, plain)


# --- redeeming on first sign-in ----------------------------------------------------------------------------


def _per_person() -> str:
    # The person's id, not the session's (which changes at each sign-in): signing in again starts no new count.
    return f"role-token:{current_user.id if current_user.is_authenticated else get_remote_address()}"


@bp.route("/welcome/token", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_TOKEN"], key_func=_per_person, methods=["POST"],
               deduct_when=lambda response: response.status_code != 302)
def redeem():
    if current_user.memberships:
        return redirect(url_for("inbox.index"))
    form = RedeemTokenForm()
    if form.validate_on_submit():
        try:
            membership = role_tokens.redeem(current_user, form.token.data)
        except role_tokens.TokenRefused as refused:
            db.session.rollback()
            form.token.errors.append(REFUSED[refused.code])
        else:
            db.session.commit()
            flash(_("Welcome. You now work as %(role)s at %(agency)s.", role=role_label(membership.role),
                    agency=membership.agency.name(_language())), "success")
            return redirect(url_for("inbox.index"))
    return render_template("tokens/redeem.html", form=form), (422 if form.errors else 200)
