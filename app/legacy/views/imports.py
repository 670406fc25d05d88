"""The administrators' legacy import: upload the export, dry run, run in the background with its progress, and
the officers no Digital ID sign-in has matched yet (a page and a CSV)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.accounts.services import legacy_accounts, policy
from app.core import paging, uploads
from app.core.extensions import db
from app.legacy.models import ImportMode, LegacyImportRun
from app.legacy.services import import_runs, import_uploads, unmatched_report
from app.legacy.services.legacy_import import FILES
from forms.legacy import ExportUploadForm, LinkAccountForm, StartRunForm

bp = Blueprint("legacy", __name__, url_prefix="/admin/legacy-import")
# The export's upload alone may exceed the app-wide request cap, up to the import's own cap.
uploads.allow_files(bp, ["legacy.upload"], lambda: current_app.config["LEGACY_IMPORT_MAX_BYTES"])
RECENT_RUNS = 20


@bp.before_request
@login_required
def _administrators_only():
    if not policy.is_admin(current_user):
        abort(403)


def recent_runs() -> list[LegacyImportRun]:
    return list(db.session.scalars(select(LegacyImportRun).order_by(LegacyImportRun.id.desc()).limit(RECENT_RUNS)))


@bp.get("/")
def index(form: ExportUploadForm | None = None, status: int = 200):
    return render_template("legacy/index.html", form=form or ExportUploadForm(), runs=recent_runs(), files=FILES,
                           counts=legacy_accounts.counts(),
                           limit_mb=round(current_app.config["LEGACY_IMPORT_MAX_BYTES"] / (1024 * 1024))), status


@bp.post("/")
def upload():
    form = ExportUploadForm()
    if not form.validate():
        return index(form, 400)
    files = [(storage.filename or "", storage.stream) for storage in request.files.getlist("files")]
    try:
        run = import_uploads.receive(files, current_user.id, str(get_locale() or "th"))
        db.session.commit()
    except import_uploads.UploadRefused as exc:
        db.session.rollback()
        form.files.errors = [str(exc.reason)]
        return index(form, exc.status)
    flash(_("The export is checked and kept. Start with a dry run: it shows what the import would do."), "success")
    return redirect(url_for("legacy.run_page", run_id=run.id), 303)


def _load(run_id: int) -> LegacyImportRun:
    run = db.session.get(LegacyImportRun, run_id)
    if run is None:
        abort(404)
    return run


@bp.get("/<int:run_id>")
def run_page(run_id: int):
    run = _load(run_id)
    return render_template("legacy/run.html", run=run, form=StartRunForm(), progress=import_runs.progress(run),
                           report=import_runs.report_of(run))


@bp.post("/<int:run_id>/start")
def start(run_id: int):
    run = _load(run_id)
    form = StartRunForm()
    mode = ImportMode.run if request.form.get("mode") == ImportMode.run else ImportMode.dry_run
    if not form.validate():
        abort(400)
    try:
        import_runs.queue(run.id, mode, current_user.id)
        db.session.commit()
    except import_runs.RunRefused as exc:
        db.session.rollback()
        flash(str(exc.reason), "warning")
        return redirect(url_for("legacy.run_page", run_id=run_id), 303)
    wake_the_job()
    return redirect(url_for("legacy.run_page", run_id=run_id), 303)


def wake_the_job() -> None:
    """Run the job now rather than at its next turn, when the scheduler runs in this process."""
    scheduler = current_app.extensions.get("scheduler")
    if scheduler is not None and scheduler.get_job(import_runs.JOB_NAME) is not None:
        scheduler.modify_job(import_runs.JOB_NAME, next_run_time=datetime.now(UTC))


@bp.get("/<int:run_id>/progress")
def progress(run_id: int):
    """What the run page polls while the job works: a few numbers, and the page's address once it is over."""
    run = _load(run_id)
    answer = import_runs.progress(run)
    answer["label"] = _("%(done)s of %(total)s lines", done=f"{answer['done']:,}", total=f"{answer['total']:,}")
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/unmatched")
def unmatched(form: LinkAccountForm | None = None, failed_id: int | None = None, status: int = 200):
    page = unmatched_report.page(paging.page_number(request.args.get("page")))
    return render_template("legacy/unmatched.html", page=page, counts=legacy_accounts.counts(),
                           form=form or LinkAccountForm(), failed_id=failed_id), status


LINK_REFUSALS = {
    "not_waiting": lambda: _("This officer's account has been matched already."),
    "no_such_user": lambda: _("There is no account with this user name."),
    "not_digital_id": lambda: _("This account has never signed in with Digital ID: the officer signs in first, "
                                "then give its user name."),
    "inactive": lambda: _("This account is disabled."),
}


@bp.post("/unmatched/<int:account_id>/link")
def link(account_id: int):
    """Give a waiting officer's roles to their Digital ID account, when no sign-in could tell them apart."""
    form = LinkAccountForm()
    if not form.validate():
        return unmatched(form, account_id, 422)
    try:
        user = legacy_accounts.link_by_administrator(account_id, form.username.data, current_user.id)
        db.session.commit()
    except legacy_accounts.LinkRefused as exc:
        db.session.rollback()
        form.username.errors = [LINK_REFUSALS[exc.reason]()]
        return unmatched(form, account_id, 409 if exc.reason == "not_waiting" else 422)
    flash(_("The roles now belong to %(name)s.", name=user.display_name), "success")
    return redirect(url_for("legacy.unmatched"), 303)


@bp.get("/unmatched.csv")
def unmatched_csv():
    body = unmatched_report.csv_text(unmatched_report.rows())
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=legacy-unmatched-officers.csv"})

