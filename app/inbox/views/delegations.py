"""Delegation while away: name an acting officer for a period, see who acts for whom, cancel."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core import messages
from app.core.extensions import db
from app.inbox.services import delegations

bp = Blueprint("delegations", __name__, url_prefix="/tasks/delegations")


@bp.before_request
@login_required
def _signed_in():
    return None


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _page(form, status: int = 200):
    given, received = delegations.given_and_received(current_user)
    return render_template("inbox/delegations.html", given=given, received=received,
                           colleagues=delegations.colleagues(current_user), today=delegations.today(),
                           form=form), status


@bp.get("/")
def index():
    return _page(request.args)


@bp.post("/")
def create():
    try:
        acting = delegations.create(current_user, request.form.get("acting", type=int),
                                    _day(request.form.get("starts_on")), _day(request.form.get("ends_on")))
        db.session.commit()
    except delegations.DelegationRefused as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
        return _page(request.form, 422)
    flash(_("%(name)s will act for you on your tasks for the period you gave.", name=acting.display_name),
          "success")
    return redirect(url_for("delegations.index"), 303)


@bp.post("/<int:delegation_id>/cancel")
def cancel(delegation_id: int):
    try:
        delegations.cancel(current_user, delegation_id)
        db.session.commit()
        flash(_("The delegation has ended: your tasks are yours alone again."), "success")
    except delegations.DelegationNotFound as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
    return redirect(url_for("delegations.index"), 303)
