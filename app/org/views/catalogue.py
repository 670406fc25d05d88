"""The service catalogue lists and tags, managed by administrators; tag suggestions for every officer."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.accounts.services import policy
from app.core import messages, paging
from app.core.extensions import db
from app.org.models import CatalogueEntry, CatalogueKind
from app.org.services import catalogue
from forms.catalogue import EntryForm, MergeTagForm, RenameEntryForm, RenameTagForm

bp = Blueprint("catalogue", __name__, url_prefix="/admin/catalogue")


def _require_admin() -> None:
    if not policy.can_manage_catalogue(current_user):
        abort(403)


def _kind() -> str:
    kind = request.values.get("kind") or CatalogueKind.category
    if kind not in CatalogueKind.ALL:
        abort(404)
    return kind


def _locale() -> str:
    return str(get_locale() or "th")


def _entry_form(kind: str, formdata=None) -> EntryForm:
    form = EntryForm(formdata=formdata) if formdata is not None else EntryForm(kind=kind)
    form.parent_id.choices = [SelectChoice(0, _("Main entry"))] + [
        SelectChoice(main.id, _("Under: %(name)s", name=main.name(_locale()))) for main in catalogue.main_entries(kind)]
    return form


def _render_index(kind: str, form: EntryForm, status: int = 200):
    return render_template("catalogue/index.html", kind=kind, tree=catalogue.tree(kind), form=form), status


@bp.get("/")
@login_required
def index():
    _require_admin()
    kind = _kind()
    return _render_index(kind, _entry_form(kind))


@bp.post("/entries")
@login_required
def add_entry():
    _require_admin()
    kind = _kind()
    form = _entry_form(kind, request.form)
    if not form.validate():
        return _render_index(kind, form, 422)
    try:
        catalogue.add_entry(current_user, kind=kind, name_th=form.name_th.data, name_en=form.name_en.data,
                            parent_id=form.parent_id.data or None)
        db.session.commit()
    except catalogue.InvalidEntry as exc:
        db.session.rollback()
        form[exc.field].errors = [messages.for_error(exc)]
        return _render_index(kind, form, 422)
    flash(_("Entry added."), "success")
    return redirect(url_for("catalogue.index", kind=kind))


def _load_entry(entry_id: int) -> CatalogueEntry:
    entry = db.session.get(CatalogueEntry, entry_id)
    if entry is None:
        abort(404)
    return entry


@bp.route("/entries/<int:entry_id>", methods=["GET", "POST"])
@login_required
def edit_entry(entry_id: int):
    _require_admin()
    entry = _load_entry(entry_id)
    form = RenameEntryForm(obj=entry) if request.method == "GET" else RenameEntryForm()
    if form.validate_on_submit():
        try:
            catalogue.rename_entry(current_user, entry.id, name_th=form.name_th.data, name_en=form.name_en.data)
            db.session.commit()
        except catalogue.InvalidEntry as exc:
            db.session.rollback()
            form[exc.field].errors = [messages.for_error(exc)]
        else:
            flash(_("Entry renamed."), "success")
            return redirect(url_for("catalogue.index", kind=entry.kind))
    return render_template("catalogue/edit.html", entry=entry, form=form), (422 if form.errors else 200)


@bp.post("/entries/<int:entry_id>/move")
@login_required
def move_entry(entry_id: int):
    _require_admin()
    entry = _load_entry(entry_id)
    catalogue.move_entry(current_user, entry.id, request.form.get("direction", ""))
    db.session.commit()
    return redirect(url_for("catalogue.index", kind=entry.kind))


@bp.post("/entries/<int:entry_id>/active")
@login_required
def set_active(entry_id: int):
    _require_admin()
    entry = _load_entry(entry_id)
    active = request.form.get("active") == "1"
    catalogue.set_entry_active(current_user, entry.id, active)
    db.session.commit()
    flash(_("Entry shown in the choices again.") if active
          else _("Entry deactivated: it is no longer offered, and keeps its place where it is already used."),
          "success")
    return redirect(url_for("catalogue.index", kind=entry.kind))


# --- tags -------------------------------------------------------------------------------------------------


@bp.get("/tags")
@login_required
def tag_suggestions():
    """Suggestions while typing a tag: {"tags": [...]}, prefix matches first, at most ten."""
    return jsonify({"tags": catalogue.suggest_tags(request.args.get("q", ""))})


@bp.get("/tag-list")
@login_required
def tags():
    _require_admin()
    page = paging.page_number(request.args.get("page"))
    query = request.args.get("q", "")
    rows, total = catalogue.list_tags(query, page=page)
    return render_template("catalogue/tags.html", tags=rows, total=total, page=page, per_page=50, q=query)


@bp.route("/tag-list/<int:tag_id>", methods=["GET", "POST"])
@login_required
def edit_tag(tag_id: int):
    _require_admin()
    tag = catalogue.get_tag(tag_id)
    if tag is None:
        abort(404)
    rename_form = RenameTagForm(prefix="rename")
    merge_form = MergeTagForm(prefix="merge")
    if request.method == "GET":
        rename_form.name.data = tag.name
    action = request.form.get("action")
    form = rename_form if action == "rename" else merge_form if action == "merge" else None
    if form is not None and form.validate_on_submit():
        try:
            if action == "rename":
                catalogue.rename_tag(current_user, tag.id, rename_form.name.data)
            else:
                catalogue.merge_tags(current_user, tag.id, merge_form.target.data)
            db.session.commit()
        except (catalogue.InvalidEntry, catalogue.TagNameTaken) as exc:
            db.session.rollback()
            field = rename_form.name if action == "rename" else merge_form.target
            field.errors = [messages.for_error(exc)]
        else:
            flash(_("Tag renamed.") if action == "rename" else _("Tags merged."), "success")
            return redirect(url_for("catalogue.tags"))
    failed = bool(rename_form.errors or merge_form.errors)
    return render_template("catalogue/tag.html", tag=tag, rename_form=rename_form,
                           merge_form=merge_form), (422 if failed else 200)
