"""Citizen manuals in the back office."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.extensions import db
from app.services import manual_revisions, manuals, policy
from app.views import messages
from forms.manual import NewManualForm, SubmitRevisionForm

bp = Blueprint("manuals", __name__, url_prefix="/manuals")


@bp.get("/")
@login_required
def index():
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    status = request.args.get("status") or None
    rows, total = manuals.list_manuals(current_user, page=page, status=status)
    return render_template("manuals/index.html", rows=rows, total=total, page=page, per_page=20, status=status,
                           can_create=bool(policy.author_agency_paths(current_user)))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    agencies = manuals.author_agencies(current_user)
    if not agencies:
        abort(403)
    form = NewManualForm()
    form.agency_id.choices = [SelectChoice(a.id, a.name(str(get_locale() or "th"))) for a in agencies]
    if form.validate_on_submit():
        try:
            manual = manuals.create_manual(current_user, title=form.title.data, agency_id=form.agency_id.data)
            db.session.commit()
        except manuals.ManualError as exc:
            db.session.rollback()
            flash(messages.for_error(exc), "danger")
        else:
            flash(_("Manual created. Write its first revision and submit it for approval."), "success")
            return redirect(url_for("manuals.show", manual_id=manual.id))
    return render_template("manuals/new.html", form=form), (422 if form.errors else 200)


def _load(manual_id: int):
    try:
        return manuals.get_manual(current_user, manual_id)
    except manuals.ManualNotFound:
        abort(404)


@bp.route("/<int:manual_id>", methods=["GET", "POST"])
@login_required
def show(manual_id: int):
    manual = _load(manual_id)
    can_submit = policy.can_author_manual(current_user, manual) and manual.status not in ("in_review", "returned")
    form = SubmitRevisionForm()
    if request.method == "GET":
        source = manual.published_revision
        form.title.data = source.title if source else manual.title
        form.body.data = source.body if source else ""
    elif not policy.can_author_manual(current_user, manual):
        abort(403)  # a revision already in review is the service's to explain
    elif form.validate():
        try:
            manual_revisions.submit(current_user, manual, title=form.title.data, body=form.body.data,
                                    change_note=form.change_note.data)
            db.session.commit()
        except manuals.ManualError as exc:
            db.session.rollback()
            flash(messages.for_error(exc), "warning")
        else:
            flash(_("Revision submitted for approval."), "success")
        return redirect(url_for("manuals.show", manual_id=manual_id))
    return render_template("manuals/show.html", manual=manual, revisions=manuals.revisions(manual), form=form,
                           can_submit=can_submit), (422 if form.errors else 200)
