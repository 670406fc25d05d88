"""IR Online agent desk: queues, a ticket's page and its actions, standard answers, categories, SLA targets, teams."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.core import file_store, paging, uploads
from app.core.extensions import db
from app.helpdesk.models import MessageKind, StandardAnswer, TicketAttachment, TicketCategory
from app.helpdesk.services import helpdesk, helpdesk_conversation, helpdesk_desk, helpdesk_files, helpdesk_sla, helpdesk_staff
from forms.helpdesk import (
    PRIORITY_CHOICES,
    AnswerForm,
    AssignForm,
    CategoryForm,
    MergeForm,
    PriorityForm,
    ReplyForm,
    SaveAsAnswerForm,
    SlaTargetForm,
    TeamForm,
)

bp = Blueprint("helpdesk", __name__, url_prefix="/helpdesk")

QUEUE_LABELS = {
    "unassigned": _l("Unassigned"),
    "mine": _l("Mine"),
    "team": _l("My team"),
    "waiting": _l("Waiting on the reporter"),
    "breached": _l("Breached"),
    "all": _l("All reports"),
}
STATUS_LABELS = {
    "new": _l("New, awaiting triage"),
    "open": _l("Open"),
    "in_progress": _l("In progress"),
    "waiting_reporter": _l("Waiting on the reporter"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
    "merged": _l("Merged"),
}
REPORTER_TYPE_LABELS = {"agency": _l("Government agency"), "vendor": _l("Vendor"), "public": _l("General public")}
KIND_LABELS = {MessageKind.reporter: _l("Reporter"), MessageKind.public_reply: _l("Public reply"),
               MessageKind.internal_note: _l("Internal note"), MessageKind.system: _l("System")}
ACTION_LABELS = {
    "ticket.reported": _l("Reported"), "ticket.triage_saved": _l("Triage saved"), "ticket.triaged": _l("Triaged"),
    "ticket.replied": _l("Public reply"), "ticket.note_added": _l("Internal note"),
    "ticket.reporter_asked": _l("Reporter asked"), "ticket.reporter_replied": _l("Reporter replied"),
    "ticket.reporter_reminded": _l("Reporter reminded"), "ticket.resolved": _l("Resolved"),
    "ticket.confirmed": _l("Confirmed by the reporter"), "ticket.reopened": _l("Reopened by the reporter"),
    "ticket.reopened_as_new": _l("Reopened as a new report"), "ticket.closed": _l("Closed"),
    "ticket.rated": _l("Rated"), "ticket.assigned": _l("Assigned"), "ticket.priority_changed": _l("Priority changed"),
    "ticket.merged": _l("Merged into another report"), "ticket.merged_in": _l("A duplicate merged in"),
    "ticket.sla_warning": _l("SLA warning"), "ticket.sla_breached": _l("SLA breached, supervisors told"),
    "ticket.sla_moved": _l("Due times moved by a calendar change"),
}
DONE = {"reply": _l("Your reply was sent to the reporter."), "note": _l("The internal note was added."),
        "ask": _l("The question was sent; the report waits on the reporter and its clock is paused."),
        "resolve": _l("The report is resolved; the reporter may confirm or reopen it.")}


def labels() -> dict:
    count, _each = helpdesk_files.attachment_limits()
    return {"queue_labels": QUEUE_LABELS, "ticket_status_labels": STATUS_LABELS, "kind_labels": KIND_LABELS,
            "priority_labels": dict(PRIORITY_CHOICES), "reporter_type_labels": REPORTER_TYPE_LABELS,
            "action_labels": ACTION_LABELS, "max_files": count, "max_mb": helpdesk_files.attachment_limits_mb()}


@bp.before_request
@login_required
def _staff_only():
    if not helpdesk_staff.is_agent(current_user):
        abort(403)


def _supervisor_only() -> None:
    if not helpdesk_staff.is_supervisor(current_user):
        abort(403)


@bp.get("/")
def index():
    queue = request.args.get("queue", "unassigned")
    queue = queue if queue in helpdesk_desk.QUEUES else "unassigned"
    q = (request.args.get("q") or "").strip()
    page = paging.page_number(request.args.get("page"))
    rows = helpdesk_desk.list_tickets(current_user, queue, q, page, current_app.config["HELPDESK_PAGE_SIZE"])
    return render_template("helpdesk/index.html", page=rows, queue=queue, q=q,
                           counts=helpdesk_desk.queue_counts(current_user),
                           supervisor=helpdesk_staff.is_supervisor(current_user), **labels())


def _ticket_or_404(number: str):
    try:
        return helpdesk_staff.ticket_for(current_user, number)
    except helpdesk.HelpdeskError:
        abort(404)


def _people_choices(form: AssignForm) -> None:
    form.assignee_id.choices = [(0, _("Nobody"))] + [(a.id, a.display_name) for a in helpdesk_staff.agents()]
    form.team_id.choices = [(0, _("No team"))] + [(t.id, t.name) for t in helpdesk_staff.teams()]


def _render_ticket(ticket, reply_form=None, status=200, **forms):
    assign_form = forms.get("assign_form") or AssignForm(assignee_id=ticket.assignee_id or 0,
                                                         team_id=ticket.team_id or 0)
    _people_choices(assign_form)
    reply_form = reply_form or ReplyForm()
    answer_id = request.args.get("answer", type=int)
    if answer_id and request.method == "GET":
        chosen = db.session.get(StandardAnswer, answer_id)
        if chosen is not None and chosen.active:
            reply_form.body.data = helpdesk_staff.render_answer(chosen, ticket, current_user)
    return render_template(
        "helpdesk/ticket.html", ticket=ticket, messages=helpdesk_conversation.messages_of(ticket, public_only=False),
        history=helpdesk_desk.history(ticket), merged=helpdesk_desk.merged_into_this(ticket),
        minutes_left=helpdesk_sla.time_left(ticket), triage_task=helpdesk_desk.triage_task(ticket),
        answers=helpdesk_staff.answers(category_id=ticket.category_id), reply_form=reply_form,
        assign_form=assign_form, priority_form=forms.get("priority_form") or PriorityForm(priority=ticket.priority),
        merge_form=forms.get("merge_form") or MergeForm(), save_answer_form=SaveAsAnswerForm(),
        follow_url=helpdesk.follow_up_url(ticket), **labels()), status


@bp.get("/tickets/<number>")
def ticket(number: str):
    return _render_ticket(_ticket_or_404(number))


def _failed(exc: helpdesk.HelpdeskError, number: str):
    db.session.rollback()
    flash(str(exc.message), "danger")
    return redirect(url_for("helpdesk.ticket", number=number)), 303


# A reply carries files as a reporter's message does: IR Online's one upload limit, not the app-wide cap.
uploads.allow_files(bp, ["helpdesk.post_message"], helpdesk_files.attachments_bytes)


@bp.post("/tickets/<number>/messages")
def post_message(number: str):
    ticket = _ticket_or_404(number)
    form = ReplyForm()
    if not form.validate_on_submit():
        flash(_("Nothing was saved. Correct the highlighted fields."), "danger")
        return _render_ticket(ticket, reply_form=form, status=422)
    action = helpdesk_desk.MESSAGE_ACTIONS[form.action.data]
    try:
        action(current_user, ticket, form.body.data, form.chosen_files())
        db.session.commit()
    except helpdesk.InvalidReport as exc:
        # A refused file (or text): the page again with what was typed, the reason on its field.
        db.session.rollback()
        target = form[exc.field] if exc.field in ("files", "body") else None
        if target is None:
            return _failed(exc, number)
        target.errors = [*target.errors, str(exc.message)]
        flash(_("Nothing was saved. Correct the highlighted fields."), "danger")
        return _render_ticket(_ticket_or_404(number), reply_form=form, status=422)
    except helpdesk.HelpdeskError as exc:
        return _failed(exc, number)
    flash(str(DONE[form.action.data]), "success")
    return redirect(url_for("helpdesk.ticket", number=number))


def _commit(number: str, action, done_message):
    """Run one desk action on the report, commit it and go back to the report; a refusal says why, saves nothing."""
    try:
        action()
        db.session.commit()
    except helpdesk.HelpdeskError as exc:
        return _failed(exc, number)
    flash(str(done_message), "success")
    return redirect(url_for("helpdesk.ticket", number=number))


@bp.post("/tickets/<number>/assign")
def assign(number: str):
    ticket = _ticket_or_404(number)
    form = AssignForm()
    _people_choices(form)
    if not form.validate_on_submit():
        flash(_("Nothing was saved. Correct the highlighted fields."), "danger")
        return _render_ticket(ticket, status=422, assign_form=form)
    return _commit(number, lambda: helpdesk_desk.assign(current_user, ticket, form.assignee_id.data,
                                                        form.team_id.data), _l("The assignment is saved."))


@bp.post("/tickets/<number>/priority")
def priority(number: str):
    ticket = _ticket_or_404(number)
    form = PriorityForm()
    if not form.validate_on_submit():
        return _render_ticket(ticket, status=422, priority_form=form)
    return _commit(number, lambda: helpdesk_desk.change_priority(current_user, ticket, form.priority.data),
                   _l("The priority is changed and the due times recomputed."))


@bp.post("/tickets/<number>/merge")
def merge(number: str):
    ticket = _ticket_or_404(number)
    form = MergeForm()
    if not form.validate_on_submit():
        flash(_("Nothing was saved. Correct the highlighted fields."), "danger")
        return _render_ticket(ticket, status=422, merge_form=form)
    try:
        target = helpdesk_desk.merge(current_user, ticket, form.target.data)
        db.session.commit()
    except helpdesk.HelpdeskError as exc:
        return _failed(exc, number)
    flash(_("Report %(number)s was merged into this one and its reporter was told.", number=number), "success")
    return redirect(url_for("helpdesk.ticket", number=target.number))


@bp.post("/tickets/<number>/save-answer")
def save_as_answer(number: str):
    _ticket_or_404(number)
    form = SaveAsAnswerForm()
    if not form.validate_on_submit():
        flash(_("Give the answer a title."), "danger")
        return redirect(url_for("helpdesk.ticket", number=number)), 303
    return _commit(number, lambda: helpdesk_staff.save_reply_as_answer(current_user, form.message_id.data,
                                                                      form.title.data),
                   _l("The reply is saved as a standard answer."))


@bp.errorhandler(413)
def _too_large(_exc):
    count, _each = helpdesk_files.attachment_limits()
    return render_template("errors/error.html", code=413, message=_(
        "What you sent is too large: at most %(count)d files of %(size)s MB each. Nothing was saved; go back and "
        "attach fewer or smaller files.", count=count, size=helpdesk_files.attachment_limits_mb())), 413


@bp.get("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    found = db.session.get(TicketAttachment, attachment_id)
    if found is None:
        abort(404)
    return send_file(helpdesk_files.open_attachment(found), mimetype=found.content_type, as_attachment=True,
                     download_name=file_store.safe_name(found.filename, found.content_type))


# --- standard answers --------------------------------------------------------------------------------------------


def _category_choices(form) -> None:
    form.category_id.choices = [(0, _("Any category"))] + [(c.id, c.name_th)
                                                            for c in helpdesk.categories(active_only=False)]


def _save_entry(form, action, done_message, endpoint: str):
    """Save one entry of a managed list (answers, categories, teams) and go back to the list; when refused, roll
    back, put the reason on its field (or at the top) and return None so that the page shows again."""
    try:
        action()
        db.session.commit()
    except helpdesk.HelpdeskError as exc:
        db.session.rollback()
        if exc.field and hasattr(form, exc.field):
            getattr(form, exc.field).errors.append(exc.message)
        else:
            flash(str(exc.message), "danger")
        return None
    flash(str(done_message), "success")
    return redirect(url_for(f"helpdesk.{endpoint}"))


@bp.route("/answers", methods=["GET", "POST"])
def answers():
    form = AnswerForm()
    _category_choices(form)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            saved = _save_entry(form, lambda: helpdesk_staff.save_answer(
                current_user, form.title.data, form.body.data, form.category_id.data, form.active.data,
                answer_id=request.form.get("answer_id", type=int)), _l("The standard answer is saved."), "answers")
            if saved:
                return saved
        status = 422
    edit = db.session.get(StandardAnswer, request.args.get("edit", type=int) or 0)
    if edit is not None and request.method == "GET":
        form = AnswerForm(obj=edit, category_id=edit.category_id or 0)
        _category_choices(form)
    return render_template("helpdesk/answers.html", form=form, edit=edit,
                           answers=helpdesk_staff.answers(active_only=False),
                           supervisor=helpdesk_staff.is_supervisor(current_user)), status


# --- categories, SLA targets, teams (supervisors) ----------------------------------------------------------------------


@bp.route("/categories", methods=["GET", "POST"])
def categories():
    _supervisor_only()
    form = CategoryForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            saved = _save_entry(form, lambda: helpdesk_staff.save_category(
                current_user, form.name_th.data, form.name_en.data, form.position.data or 0, form.active.data,
                category_id=request.form.get("category_id", type=int)), _l("The category is saved."), "categories")
            if saved:
                return saved
        status = 422
    edit = db.session.get(TicketCategory, request.args.get("edit", type=int) or 0)
    if edit is not None and request.method == "GET":
        form = CategoryForm(obj=edit)
    return render_template("helpdesk/categories.html", form=form, edit=edit,
                           categories=helpdesk.categories(active_only=False)), status


@bp.route("/sla", methods=["GET", "POST"])
def sla():
    _supervisor_only()
    form = SlaTargetForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            helpdesk_sla.set_target(current_user, form.priority.data, form.first_response_minutes.data,
                                    form.resolution_minutes.data)
            db.session.commit()
            flash(_("The target is saved; reports from now on use it."), "success")
            return redirect(url_for("helpdesk.sla"))
        flash(_("Nothing was saved. Correct the highlighted fields."), "danger")
        status = 422
    page = render_template("helpdesk/sla.html", form=form, targets=helpdesk_sla.targets(), **labels())
    db.session.commit()  # defaults written on first sight; after the page, which would read each row again
    return page, status


@bp.route("/teams", methods=["GET", "POST"])
def teams():
    _supervisor_only()
    form = TeamForm()
    form.member_ids.choices = [(a.id, a.display_name) for a in helpdesk_staff.agents()]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            saved = _save_entry(form, lambda: helpdesk_staff.save_team(
                current_user, form.name.data, form.member_ids.data or [],
                team_id=request.form.get("team_id", type=int), active=form.active.data), _l("The team is saved."),
                "teams")
            if saved:
                return saved
        status = 422
    return render_template("helpdesk/teams.html", form=form, teams=helpdesk_staff.teams(active_only=False),
                           members=helpdesk_staff.team_members()), status
