"""Citizen manuals in the back office: list, create, read, and the draft editor."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.accounts.services import policy
from app.core import file_store, messages, paging, uploads
from app.core.extensions import db
from app.inbox.services import task_lists
from app.manuals.services import attachments, manual_content, manual_revisions, manuals
from app.org.services import catalogue
from forms import cleaning
from forms.manual import REPEATABLE, AttachmentForm, NewManualForm, RevisionEditorForm, editor_data

bp = Blueprint("manuals", __name__, url_prefix="/manuals")
PER_PAGE = 20
# Reading a revision (here and on the review task page) shows durations the same way.
bp.add_app_template_global(manual_content.format_duration, "format_duration")
bp.add_app_template_global(manual_content.total_time, "total_time")
# The sample-form upload alone may exceed the app-wide request cap, up to the attachment cap.
uploads.allow_files(bp, ["manuals.add_attachment"], lambda: current_app.config["MANUAL_ATTACHMENT_MAX_BYTES"])


def _locale() -> str:
    return str(get_locale() or "th")


@bp.get("/")
@login_required
def index():
    page = paging.page_number(request.args.get("page"))
    status = request.args.get("status") or None
    agency_id = request.args.get("agency_id", type=int)
    q = request.args.get("q") or None
    rows, total = manuals.list_manuals(current_user, page=page, per_page=PER_PAGE, status=status,
                                       agency_id=agency_id, q=q)
    return render_template("manuals/index.html", rows=rows, total=total, page=page, per_page=PER_PAGE,
                           status=status, agency_id=agency_id, q=q or "", statuses=manuals.LIST_STATUSES,
                           agencies=task_lists.filter_agencies(current_user),
                           can_create=bool(policy.author_agency_paths(current_user)))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    agencies = manuals.author_agencies(current_user)
    if not agencies:
        abort(403)
    form = NewManualForm()
    form.agency_id.choices = [SelectChoice(a.id, a.name(_locale())) for a in agencies]
    form.process_id.choices = [SelectChoice(0, _("— none —"))] + [
        SelectChoice(p.id, p.name(_locale())) for p in manuals.author_processes(current_user)]
    if form.validate_on_submit():
        try:
            draft = manual_revisions.start_manual(current_user, title=form.title.data, agency_id=form.agency_id.data,
                                                  process_id=form.process_id.data or None)
            db.session.commit()
        except manuals.ManualError as exc:
            db.session.rollback()
            flash(messages.for_error(exc), "danger")
        else:
            flash(_("Manual created. Write its first revision and submit it for approval."), "success")
            return redirect(url_for("manuals.edit_draft", manual_id=draft.manual_id))
    return render_template("manuals/new.html", form=form), (422 if form.errors else 200)


def _load(manual_id: int):
    try:
        return manuals.get_manual(current_user, manual_id)
    except manuals.ManualNotFound:
        abort(404)


@bp.get("/<int:manual_id>")
@login_required
def show(manual_id: int):
    manual = _load(manual_id)
    can_author = policy.can_author_manual(current_user, manual)
    draft = manual_revisions.current_draft(manual)
    return render_template("manuals/show.html", manual=manual, revisions=manuals.revisions(manual), draft=draft,
                           can_author=can_author, names=catalogue.labels(_locale()),
                           can_add_revision=can_author and draft is None and manual.status != "in_review")


@bp.get("/<int:manual_id>/revisions/<int:revision_id>")
@login_required
def revision(manual_id: int, revision_id: int):
    manual = _load(manual_id)
    chosen = next((r for r in manuals.revisions(manual) if r.id == revision_id), None)
    if chosen is None:
        abort(404)
    return render_template("manuals/revision.html", manual=manual, revision=chosen, names=catalogue.labels(_locale()))


@bp.post("/<int:manual_id>/revisions")
@login_required
def add_revision(manual_id: int):
    manual = _load(manual_id)
    try:
        manual_revisions.new_draft(current_user, manual)
        db.session.commit()
    except manual_revisions.DraftExists:
        db.session.rollback()
    except manuals.ManualError as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
        return redirect(url_for("manuals.show", manual_id=manual_id))
    return redirect(url_for("manuals.edit_draft", manual_id=manual_id))


def _editor(manual, draft, form, status: int = 200, attachment_form=None):
    form.category_ids.choices = [SelectChoice(i, label) for i, label in catalogue.choices("category", _locale())]
    form.user_group_ids.choices = [SelectChoice(i, label) for i, label in catalogue.choices("user_group", _locale())]
    computed = manual_content.as_duration(manual_content.total_minutes(
        [{"duration": e.form.duration.data, "duration_unit": e.form.duration_unit.data} for e in form.steps
         if _is_number(e.form.duration.data)]))
    return render_template("manuals/edit.html", manual=manual, draft=draft, form=form,
                           computed_total=manual_content.format_duration(computed),
                           attachment_form=attachment_form or AttachmentForm(formdata=None),
                           section_errors=getattr(form, "section_errors", {})), status


def _is_number(text) -> bool:
    try:
        return float(str(text).replace(",", "")) >= 0
    except (TypeError, ValueError):
        return False


def _authors_draft(manual):
    """The manual's draft (or None); only its authors may open the editor."""
    if not policy.can_author_manual(current_user, manual):
        abort(403)
    return manual_revisions.current_draft(manual)


@bp.route("/<int:manual_id>/draft", methods=["GET", "POST"])
@login_required
def edit_draft(manual_id: int):
    manual = _load(manual_id)
    draft = _authors_draft(manual)
    if draft is None:
        flash(_("There is no draft of this manual. Add a revision first."), "info")
        return redirect(url_for("manuals.show", manual_id=manual_id))
    if request.method == "GET":
        form = RevisionEditorForm(formdata=None, data=editor_data(draft.title, draft.change_note, draft.content,
                                                                  draft.row_version))
        return _editor(manual, draft, form)
    form = RevisionEditorForm()
    action = request.form.get("action", "save")
    if action.split(":")[0] in ("add", "remove", "up", "down"):
        return _editor(manual, draft, _with_rows_changed(form, action))
    title_ok = form.validate()
    content, errors = manual_content.clean(form.raw_content())
    errors |= manual_content.catalogue_errors(content)
    if action == "submit" and not errors:
        errors = manual_content.validate_for_submission(content)
    if errors or not title_ok:
        form.show_errors(errors)
        flash(_("Please correct the highlighted fields."), "danger")
        return _editor(manual, draft, form, 422)
    row_version = cleaning.whole_number(form.row_version.data)
    try:
        manual_revisions.save_draft(current_user, draft, title=form.title.data, content=content,
                                    change_note=form.change_note.data, row_version=row_version)
        if action == "submit":
            manual_revisions.submit_draft(current_user, draft)
        db.session.commit()
    except manual_revisions.ManualChangedMeanwhile as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
        return _editor(manual, draft, form, 409)
    except (manuals.ManualError, manual_revisions.DraftNotReady) as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
        return redirect(url_for("manuals.show", manual_id=manual_id))
    if action == "submit":
        flash(_("Revision submitted for approval."), "success")
        return redirect(url_for("manuals.show", manual_id=manual_id))
    flash(_("Draft saved."), "success")
    return redirect(url_for("manuals.edit_draft", manual_id=manual_id))


def _with_rows_changed(form: RevisionEditorForm, action: str) -> RevisionEditorForm:
    """Add, remove or move a row without saving (the buttons that work without JavaScript)."""
    verb, _sep, rest = action.partition(":")
    key, _sep, position = rest.partition(":")
    if key not in REPEATABLE:
        abort(400)
    raw = form.raw_content()
    rows = list(raw[key])
    index = cleaning.whole_number(position)
    index = -1 if index is None else index
    if verb == "add":
        rows.append("" if key in ("common_names", "tags") else {})
    elif 0 <= index < len(rows):
        if verb == "remove":
            rows.pop(index)
        elif verb == "up" and index > 0:
            rows[index - 1], rows[index] = rows[index], rows[index - 1]
        elif verb == "down" and index < len(rows) - 1:
            rows[index + 1], rows[index] = rows[index], rows[index + 1]
    raw[key] = rows
    data = editor_data(form.title.data, form.change_note.data, raw, form.row_version.data)
    data[key] = rows or data[key]  # an emptied list keeps one blank row to type into
    data.update(total_time_value=form.total_time_value.data, total_time_unit=form.total_time_unit.data,
                statistics_average=form.statistics_average.data, statistics_highest=form.statistics_highest.data,
                statistics_lowest=form.statistics_lowest.data)
    return RevisionEditorForm(formdata=None, data=data)


@bp.post("/<int:manual_id>/draft/attachments")
@login_required
def add_attachment(manual_id: int):
    manual = _load(manual_id)
    draft = _authors_draft(manual)
    if draft is None:
        abort(404)
    form = AttachmentForm()
    upload = request.files.get("file")
    if not form.validate() or upload is None or not upload.filename:
        if upload is None or not upload.filename:
            form.file.errors = [_("Choose a file.")]
        flash(_("Please correct the highlighted fields."), "danger")
        return _attachment_error(manual, draft, form)
    try:
        attachments.add(current_user, draft, label=form.label.data, filename=upload.filename, stream=upload.stream)
        db.session.commit()
    except (attachments.WrongFileType, attachments.FileTooLarge) as exc:
        db.session.rollback()
        form.file.errors = [messages.for_error(exc)]
        return _attachment_error(manual, draft, form)
    except manuals.ManualError as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
    else:
        flash(_("Sample form attached."), "success")
    return redirect(url_for("manuals.edit_draft", manual_id=manual_id) + "#attachments")


def _attachment_error(manual, draft, attachment_form):
    form = RevisionEditorForm(formdata=None, data=editor_data(draft.title, draft.change_note, draft.content,
                                                              draft.row_version))
    return _editor(manual, draft, form, 422, attachment_form)


@bp.post("/<int:manual_id>/draft/attachments/<int:attachment_id>/delete")
@login_required
def remove_attachment(manual_id: int, attachment_id: int):
    manual = _load(manual_id)
    draft = _authors_draft(manual)
    if draft is None:
        abort(404)
    try:
        attachments.remove(current_user, draft, attachment_id)
        db.session.commit()
    except manuals.ManualNotFound:
        db.session.rollback()
        abort(404)
    except manuals.ManualError as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
    else:
        flash(_("Sample form removed."), "success")
    return redirect(url_for("manuals.edit_draft", manual_id=manual_id) + "#attachments")


@bp.get("/<int:manual_id>/attachments/<int:attachment_id>")
@login_required
def download_attachment(manual_id: int, attachment_id: int):
    manual = _load(manual_id)
    try:
        attachment = attachments.for_download(current_user, manual, attachment_id)
    except manuals.ManualNotFound:
        abort(404)
    return send_file(attachments.open_file(attachment), mimetype=attachment.content_type,
                     download_name=file_store.safe_name(attachment.filename, attachment.content_type),
                     as_attachment=attachment.content_type == "application/pdf")
