"""IR Online, the reporter's side: report a problem with the e-GP system and follow it. Reporter accounts' pages
(sign-up, sign-in, password, profile) are in ``ir_accounts``, on the same blueprint."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.core import file_store, paging, uploads
from app.core.extensions import db, limiter
from app.core.i18n import localized_title
from app.helpdesk.models import MessageKind, TicketStatus
from app.helpdesk.services import (
    helpdesk,
    helpdesk_conversation,
    helpdesk_files,
    helpdesk_intake,
    helpdesk_lifecycle,
    helpdesk_merged,
    reporter_accounts,
)
from forms.ir_online import (
    SPAM_MESSAGES,
    ConfirmForm,
    RatingForm,
    ReopenForm,
    ReplyForm,
    ReportForm,
)

bp = Blueprint("ir", __name__, url_prefix="/ir")

def locale_code() -> str:
    return str(get_locale() or "th")


def fresh_form(form):
    """A form as it is shown: stamped now (the time trap counts from here)."""
    form.restamp()
    return form


def spam_refusal(form) -> str | None:
    reason = form.spam_reason()
    return str(SPAM_MESSAGES[reason]) if reason else None


@bp.get("/")
def index():
    return render_template("ir/index.html")


# --- reports ------------------------------------------------------------------------------------------------


@bp.get("/follow")
def follow_lookup():
    """The landing page's box: a pasted follow-up link (or just its token) opens the follow-up page."""
    pasted = (request.args.get("link") or "").strip().rstrip("/")
    token = pasted.rsplit("/", 1)[-1] if pasted else ""
    if not token:
        return redirect(url_for("ir.index"))
    return redirect(url_for("ir.follow", token=token))


STATUS_LABELS = {
    TicketStatus.new: _l("Received, waiting to be triaged"),
    TicketStatus.open: _l("Assigned to an officer"),
    TicketStatus.in_progress: _l("Being worked on"),
    TicketStatus.waiting_reporter: _l("Waiting for your answer"),
    TicketStatus.resolved: _l("Resolved"),
    TicketStatus.closed: _l("Closed"),
    TicketStatus.merged: _l("Merged into another report"),
}
STATUS_HELP = {
    TicketStatus.new: _l("Your report is waiting to be reviewed and passed to the right officer."),
    TicketStatus.open: _l("An officer has been given your report and will answer here."),
    TicketStatus.in_progress: _l("An officer is working on your report."),
    TicketStatus.waiting_reporter: _l("The officer asked you something: answer below so that the work can go on."),
    TicketStatus.resolved: _l("The officer has answered. Confirm that the problem is solved, or reopen the report."),
    TicketStatus.closed: _l("This report is closed. If the problem comes back, reopen it and a new report is "
                            "opened, linked to this one."),
    TicketStatus.merged: _l("This report was merged into another one about the same problem."),
}
STATUS_COLOURS = {TicketStatus.new: "secondary", TicketStatus.open: "info", TicketStatus.in_progress: "primary",
                  TicketStatus.waiting_reporter: "warning", TicketStatus.resolved: "success",
                  TicketStatus.closed: "dark", TicketStatus.merged: "dark"}
# The report a merged one went into, as its reporter sees it: not theirs, so never "waiting for your answer".
SURVIVING_LABELS = STATUS_LABELS | {TicketStatus.waiting_reporter: _l("Waiting for information from its reporter")}
AUTHOR_LABELS = {MessageKind.reporter: _l("Reporter"), MessageKind.public_reply: _l("Officer"),
                 MessageKind.system: _l("Notice")}
_SENT = "ir_sent"


def _labels() -> dict:
    return {"status_labels": STATUS_LABELS, "status_help": STATUS_HELP, "status_colours": STATUS_COLOURS,
            "author_labels": AUTHOR_LABELS, "surviving_labels": SURVIVING_LABELS, "max_files": _max_files(), "max_mb": _max_mb()}


def _max_files() -> int:
    return helpdesk_files.attachment_limits()[0]


def _max_mb():
    return helpdesk_files.attachment_limits_mb()


# Reports and replies carry files: their requests may exceed the app-wide cap, up to the channel's limit.
uploads.allow_files(bp, ["ir.new", "ir.reply"], helpdesk_files.attachments_bytes)


def _refusal_on(form, exc) -> None:
    """Put the service's reason on the form field it is about (files on the file field), else flash it."""
    name = {"files": "attachments"}.get(exc.field or "", exc.field or "")
    target = form[name] if name and name in form else None
    if target is None:
        flash(str(exc.message), "danger")
    else:
        target.errors = [*target.errors, str(exc.message)]


def signed_in_reporter():
    """The signed-in reporter account, or None (anonymous, or a staff member reporting like anyone else)."""
    return current_user if reporter_accounts.profile_of(current_user) is not None else None


def _report_form() -> ReportForm:
    form = ReportForm()
    form.category_id.choices = [(c.id, localized_title(c.name_th, c.name_en)) for c in helpdesk.categories()]
    return form


def _too_many_files(form, files: list) -> bool:
    if len(files) > _max_files():
        form.attachments.errors = [*form.attachments.errors, _(
            "At most %(count)d files can be attached; you chose %(chosen)d.", count=_max_files(), chosen=len(files))]
        return True
    return False


def _report_page(form, status: int = 200):
    return render_template("ir/new.html", form=fresh_form(form), signed_in=signed_in_reporter() is not None,
                           **_labels()), status


@bp.route("/new", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_IR_REPORT"], methods=["POST"])
def new():
    reporter = signed_in_reporter()
    form = _report_form()
    if request.method == "GET":
        if reporter is not None:
            profile = reporter_accounts.profile_of(reporter)
            form.reporter_type.data = profile.reporter_type
            form.contact_name.data = reporter.display_name
            form.contact_email.data = reporter.email
        return _report_page(form)
    files = form.files()
    if not form.validate_on_submit() or _too_many_files(form, files):
        flash(_("Nothing was sent. Correct the highlighted fields."), "danger")
        return _report_page(form, 422)
    if (message := spam_refusal(form)) is not None:
        flash(message, "danger")
        return _report_page(form, 422)
    data = helpdesk_intake.ReportInput(
        reporter_type=form.reporter_type.data, category_id=form.category_id.data, subject=form.subject.data.strip(),
        description=form.description.data.strip(), project_number=form.project_number.data or None,
        contact_name=(form.contact_name.data or "").strip() or None,
        contact_email=(form.contact_email.data or "").strip() or None,
        contact_phone=(form.contact_phone.data or "").strip() or None, files=files)
    try:
        ticket, token = helpdesk_intake.report(data, reporter)
        db.session.commit()
    except helpdesk.HelpdeskError as exc:
        db.session.rollback()
        flash(_("Nothing was sent. Correct the highlighted fields."), "danger")
        _refusal_on(form, exc)
        return _report_page(form, 422)
    # The secret link travels in the session, never in this page's address, and is shown once.
    session[_SENT] = {"number": ticket.number, "token": token, "emailed": bool(ticket.contact_email)}
    return redirect(url_for("ir.sent", number=ticket.number))


@bp.get("/sent/<number>")
def sent(number: str):
    kept = session.get(_SENT)
    link = emailed = None
    if kept and kept.get("number") == number:
        session.pop(_SENT)
        link = url_for("ir.follow", token=kept["token"], _external=True)
        emailed = kept.get("emailed")
    return render_template("ir/sent.html", number=number[:32], link=link, emailed=emailed)


@bp.get("/mine")
def mine():
    if not current_user.is_authenticated:
        return redirect(url_for("ir.login", next=url_for("ir.mine")))
    if signed_in_reporter() is None:
        abort(404)
    page = helpdesk_conversation.reports_of(current_user, paging.page_number(request.args.get("page")))
    return render_template("ir/mine.html", page=page, follow_url=helpdesk.follow_up_url, **_labels())


# --- following a report with its secret link ----------------------------------------------------------------

_follow_limit = limiter.limit(lambda: current_app.config["RATELIMIT_IR_FOLLOW"],
                              deduct_when=lambda response: response.status_code == 404)
# Everything sent with a right link counts too, all four actions in one count per address.
_follow_write_limit = limiter.shared_limit(lambda: current_app.config["RATELIMIT_IR_FOLLOW_WRITE"],
                                           scope="ir-follow-write")


def _ticket_or_404(token: str):
    ticket = helpdesk.ticket_by_follow_up(token)
    if ticket is None:
        abort(404)  # a wrong link and a missing report look the same
    return ticket


def _follow_page(token: str, ticket, status: int = 200, **forms):
    forms = {"reply_form": ReplyForm(formdata=None), "confirm_form": ConfirmForm(formdata=None),
             "reopen_form": ReopenForm(formdata=None), "rating_form": RatingForm(formdata=None)} | forms
    progress = helpdesk_merged.progress(ticket) if ticket.status == TicketStatus.merged else None
    return render_template("ir/follow.html", ticket=ticket, token=token, messages=helpdesk_conversation.public_messages(ticket),
                           progress=progress, **forms, **_labels()), status


def _back(token: str, message: str, category: str = "success"):
    flash(message, category)
    return redirect(url_for("ir.follow", token=token), 303)


def _acted(token: str, action, done: str, form=None, form_name: str = ""):
    """Run one reporter action on the ticket; commit once; a refusal is explained and changes nothing."""
    try:
        result = action()
        db.session.commit()
    except helpdesk.HelpdeskError as exc:
        db.session.rollback()
        status = 422 if isinstance(exc, helpdesk.InvalidReport) else 409
        if form is None:
            flash(str(exc.message), "danger")
        else:
            _refusal_on(form, exc)
        return _follow_page(token, _ticket_or_404(token), status, **({form_name: form} if form else {}))
    return result if done is None else _back(token, done)


@bp.get("/follow/<token>")
@_follow_limit
def follow(token: str):
    return _follow_page(token, _ticket_or_404(token))


@bp.post("/follow/<token>/reply")
@_follow_limit
@_follow_write_limit
def reply(token: str):
    ticket = _ticket_or_404(token)
    form = ReplyForm()
    files = form.files()
    if not form.validate_on_submit() or _too_many_files(form, files):
        flash(_("Nothing was sent. Correct the highlighted fields."), "danger")
        return _follow_page(token, ticket, 422, reply_form=form)
    return _acted(token, lambda: helpdesk_lifecycle.reporter_reply(ticket, form.body.data, files, signed_in_reporter()),
                  _("Your message was sent."), form, "reply_form")


@bp.post("/follow/<token>/confirm")
@_follow_limit
@_follow_write_limit
def confirm(token: str):
    ticket = _ticket_or_404(token)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _acted(token, lambda: helpdesk_lifecycle.confirm(ticket, signed_in_reporter()),
                  _("Thank you. The report is closed as solved."))


@bp.post("/follow/<token>/reopen")
@_follow_limit
@_follow_write_limit
def reopen(token: str):
    ticket = _ticket_or_404(token)
    form = ReopenForm()
    if not form.validate_on_submit():
        flash(_("Nothing was sent. Correct the highlighted fields."), "danger")
        return _follow_page(token, ticket, 422, reopen_form=form)

    def reopened_page():
        reopened = helpdesk_lifecycle.reopen(ticket, signed_in_reporter(), form.reason.data)
        if reopened.id == ticket.id:
            return _back(token, _("The report is open again. An officer will look at it."))
        # Reopened after it closed (or after the report it was merged into got its outcome): a new report, linked
        # to this one, with its own link.
        if ticket.status == TicketStatus.merged:
            flash(_("Your report had been merged, so a new report %(number)s of your own was opened and linked to "
                    "it. This page is its follow-up page: keep its address.", number=reopened.number), "success")
        else:
            flash(_("The report was closed, so a new report %(number)s was opened and linked to it. This page is "
                    "its follow-up page: keep its address.", number=reopened.number), "success")
        return redirect(url_for("ir.follow", token=helpdesk.follow_up_token(reopened)), 303)

    return _acted(token, reopened_page, None, form, "reopen_form")


@bp.post("/follow/<token>/rate")
@_follow_limit
@_follow_write_limit
def rate(token: str):
    ticket = _ticket_or_404(token)
    form = RatingForm()
    if not form.validate_on_submit():
        flash(_("Nothing was sent. Correct the highlighted fields."), "danger")
        return _follow_page(token, ticket, 422, rating_form=form)
    return _acted(token, lambda: helpdesk_lifecycle.rate(ticket, signed_in_reporter(), int(form.rating.data),
                                               (form.comment.data or "").strip() or None),
                  _("Thank you for your rating."), form, "rating_form")


@bp.get("/follow/<token>/files/<int:attachment_id>")
@_follow_limit
def attachment(token: str, attachment_id: int):
    found = helpdesk_files.attachment_for_reporter(_ticket_or_404(token), attachment_id)
    if found is None:
        abort(404)
    return send_file(helpdesk_files.open_attachment(found), mimetype=found.content_type,
                     download_name=file_store.safe_name(found.filename, found.content_type),
                     as_attachment=found.content_type == "application/pdf")


# --- errors inside IR Online keep its layout ----------------------------------------------------------------


def _error(code: int, message: str):
    return render_template("ir/error.html", code=code, message=message), code


@bp.errorhandler(404)
def _not_found(_exc):
    return _error(404, _("There is no such report, or this link is not correct. Check that you copied the whole "
                         "link."))


@bp.errorhandler(413)
def _too_large(_exc):
    return _error(413, _("What you sent is too large: at most %(count)d files of %(size)s MB each. Nothing was "
                         "saved; go back and attach fewer or smaller files.",
                         count=_max_files(), size=_max_mb()))


@bp.errorhandler(429)
def _too_many(_exc):
    return _error(429, _("Too many attempts from your connection. Nothing was saved; please wait and try again "
                         "later."))
