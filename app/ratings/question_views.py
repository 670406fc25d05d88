"""Question sets (OPDC): the versions, a draft's editor, its publication from a day on."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core import messages
from app.core.extensions import db
from app.ratings.models import QuestionKind, SetStatus
from app.ratings.services import access, questions
from app.ratings.services.errors import (
    DraftExists,
    InvalidEffectiveDate,
    InvalidQuestions,
    RatingError,
    SetChangedMeanwhile,
    SetNotFound,
)
from app.ratings.texts import KIND_LABELS
from app.ratings.views import bp, locale
from forms import cleaning
from forms.ratings import ActionForm, PublishForm, QuestionSetForm

EXTRA_ROWS = 2  # empty rows under a draft's questions, for new ones


def _version(value) -> int:
    """The row version the form was made from; a missing or unreadable one (0) matches none: a conflict."""
    return cleaning.whole_number(value) or 0


def _require() -> None:
    if not access.can_manage_questions(current_user):
        abort(403)


def _set_or_404(set_id: int):
    try:
        return questions.get(set_id)
    except SetNotFound:
        abort(404)


@bp.get("/questions")
@login_required
def question_sets():
    _require()
    return render_template("ratings/question_sets.html", sets=questions.all_sets(), current=questions.current(),
                           today=questions.today(), action_form=ActionForm(formdata=None), locale=locale(),
                           can_manage_questions=True)


@bp.post("/questions/new")
@login_required
def new_question_set():
    _require()
    if not ActionForm().validate():
        abort(400)
    try:
        draft = questions.new_draft(current_user)
        db.session.commit()
    except DraftExists as exc:
        db.session.rollback()
        flash(_("A draft is already being prepared: continue it."), "info")
        return redirect(url_for("ratings.question_set", set_id=exc.set_id), 303)
    flash(_("A new draft copies the latest version: change it, then publish it from a day on."), "success")
    return redirect(url_for("ratings.question_set", set_id=draft.id), 303)


def _editor_form(question_set) -> QuestionSetForm:
    rows = [{"kind": q.kind, "text_th": q.text_th, "text_en": q.text_en, "required": q.required,
             "options_th": "\n".join(pair[0] for pair in q.options or []) if q.kind != QuestionKind.yes_no else "",
             "options_en": "\n".join(pair[1] if len(pair) > 1 else "" for pair in q.options or [])
             if q.kind != QuestionKind.yes_no else "", "key": q.key or ""} for q in question_set.questions]
    rows += [{"kind": "scale", "required": True}] * EXTRA_ROWS
    form = QuestionSetForm(formdata=None, data={"title_th": question_set.title_th, "title_en": question_set.title_en,
                                                "row_version": question_set.row_version, "questions": rows})
    return form


def _page(question_set, form, status: int = 200, publish_form=None):
    publish_form = publish_form or PublishForm(formdata=None, data={"row_version": question_set.row_version})
    return render_template("ratings/question_set.html", question_set=question_set, form=form,
                           publish_form=publish_form, action_form=ActionForm(formdata=None), locale=locale(),
                           kind_labels=KIND_LABELS,
                           today=questions.today(), can_manage_questions=True,
                           editable=question_set.status == SetStatus.draft), status


@bp.route("/questions/<int:set_id>", methods=["GET", "POST"])
@login_required
def question_set(set_id: int):
    _require()
    question_set = _set_or_404(set_id)
    if request.method == "POST":
        return _save(question_set)
    return _page(question_set, _editor_form(question_set))


def _conflict(question_set_id: int):
    db.session.rollback()
    flash(_("Someone else changed this question set at the same moment. Nothing you entered was saved: "
            "here is the set as it is now."), "warning")
    fresh = _set_or_404(question_set_id)
    return _page(fresh, _editor_form(fresh), 409)


def _save(question_set):
    """The draft's editor sent: the title and the questions replaced, or why not."""
    set_id = question_set.id
    if question_set.status != SetStatus.draft:
        flash(messages.for_error(questions.SetNotEditable(set_id)), "warning")
        return redirect(url_for("ratings.question_set", set_id=set_id), 303)
    form = QuestionSetForm()
    if not form.validate():
        return _page(question_set, form, 422)
    typed = form.rows()
    rows = [questions.QuestionInput(**values) for _number, values in typed]
    try:
        questions.save_draft(current_user, set_id, title_th=form.title_th.data, title_en=form.title_en.data,
                             questions=rows, expected_version=_version(form.row_version.data))
        db.session.commit()
    except SetChangedMeanwhile:
        return _conflict(set_id)
    except InvalidQuestions as exc:
        db.session.rollback()
        numbers = [0] + [number for number, _values in typed]  # the service counts the rows it was given
        form.set_errors = {numbers[row] if row < len(numbers) else 0: messages.for_error(InvalidQuestions({row: code}))
                           for row, code in exc.errors.items()}
        return _page(_set_or_404(set_id), form, 422)
    except RatingError as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
        return redirect(url_for("ratings.question_set", set_id=set_id), 303)
    flash(_("The draft is saved."), "success")
    return redirect(url_for("ratings.question_set", set_id=set_id), 303)


@bp.post("/questions/<int:set_id>/publish")
@login_required
def publish_question_set(set_id: int):
    _require()
    question_set = _set_or_404(set_id)
    form = PublishForm()
    if not form.validate():
        return _page(question_set, _editor_form(question_set), 422, publish_form=form)
    try:
        published = questions.publish(current_user, set_id, effective_from=form.effective_from.data,
                                      expected_version=_version(form.row_version.data))
        db.session.commit()
    except SetChangedMeanwhile:
        return _conflict(set_id)
    except InvalidEffectiveDate as exc:
        db.session.rollback()
        form.effective_from.errors = [messages.for_error(exc)]
        return _page(_set_or_404(set_id), _editor_form(_set_or_404(set_id)), 422, publish_form=form)
    except RatingError as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
        return redirect(url_for("ratings.question_set", set_id=set_id), 303)
    flash(_("Version %(version)s is published.", version=published.version), "success")
    return redirect(url_for("ratings.question_sets"), 303)


@bp.post("/questions/<int:set_id>/delete")
@login_required
def delete_question_set(set_id: int):
    _require()
    _set_or_404(set_id)
    if not ActionForm().validate():
        abort(400)
    try:
        questions.delete_draft(current_user, set_id,
                               expected_version=_version(request.form.get("row_version")))
        db.session.commit()
    except SetChangedMeanwhile:
        return _conflict(set_id)
    except RatingError as exc:
        db.session.rollback()
        flash(messages.for_error(exc), "warning")
        return redirect(url_for("ratings.question_set", set_id=set_id), 303)
    flash(_("The draft is deleted."), "success")
    return redirect(url_for("ratings.question_sets"), 303)
