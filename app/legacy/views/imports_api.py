"""The legacy import over the API, for administrators (``admin:read``, ``admin:write``), as its screen does it:
upload the export (its zip file, or its files), ask for a dry run or a run (the background job does it), follow its
progress and read its report, and give a waiting officer's roles to their Digital ID account when no sign-in could
tell them apart."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import current_app
from flask_babel import get_locale
from pydantic import BaseModel, Field

from app.accounts.services import legacy_accounts
from app.core import api, uploads
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.legacy.models import LegacyImportRun
from app.legacy.services import import_runs, import_uploads, unmatched_report
from app.legacy.views.imports import LINK_REFUSALS, recent_runs, wake_the_job
from forms.api import Files, PageNumber, Request, RequiredLine

bp = api.blueprint("legacy", __name__)
uploads.allow_files(bp, ["legacy_api.upload_export"], lambda: current_app.config["LEGACY_IMPORT_MAX_BYTES"])
TAG = "legacy"
READ, WRITE = "admin:read", "admin:write"


class Run(BaseModel):
    id: int
    created_at: datetime
    files: list[str] = Field(description="the export's files found")
    total_lines: int
    state: str = Field(description="uploaded, queued, running, done or failed")
    mode: str | None = Field(description="dry_run or run, once asked for")
    progress: dict[str, Any] = Field(description="done and total lines, percent, finished")
    report: dict[str, Any] | None = Field(description="the report, as the command line prints it, once done")
    error: str | None


class Runs(BaseModel):
    items: list[Run] = Field(description="the latest 20, newest first")
    officers: dict[str, int] = Field(description="officers moved in: waiting for their first sign-in, matched, "
                                                 "and waiting with more than one account that could be theirs")


class ExportUpload(Request):
    files: Files = Field(description="the export's zip file, or its CSV files")


class Start(Request):
    mode: Literal["dry_run", "run"] = Field(description="dry_run: what the import would do, nothing written")


class Unmatched(BaseModel):
    id: int
    legacy_ref: str
    name: str
    email: str | None
    has_citizen_id: bool
    roles: list[list[str]] = Field(description="[agency, role] pairs waiting for them")
    imported_at: datetime
    ambiguous_at: datetime | None


class UnmatchedPage(BaseModel):
    items: list[Unmatched]
    total: int
    page: int
    pages: int


class UnmatchedQuery(Request):
    page: PageNumber = 1


class Link(Request):
    username: RequiredLine = Field(max_length=150, description="the Digital ID account's user name")


def _run(run: LegacyImportRun) -> Run:
    return Run(id=run.id, created_at=run.created_at, files=[f for f in (run.files or "").split(",") if f],
               total_lines=run.total_lines, state=run.state, mode=run.mode, progress=import_runs.progress(run),
               report=import_runs.report_of(run), error=run.error)


def _load(run_id: int) -> LegacyImportRun:
    run = db.session.get(LegacyImportRun, run_id)
    if run is None:
        raise ApiError(404)
    return run


@bp.get("/legacy-imports")
@api.operation(READ, tag=TAG, resp={"HTTP_200": Runs})
def list_runs():
    """The latest imports and the officers moved in"""
    return Runs(items=[_run(run) for run in recent_runs()], officers=legacy_accounts.counts())


@bp.post("/legacy-imports")
@api.operation(WRITE, tag=TAG, resp={"HTTP_201": Run, "HTTP_413": ErrorBody})
def upload_export(form: ExportUpload):
    """Upload the export (multipart/form-data: files); it is checked and kept, nothing is imported yet"""
    if form is None:  # spectree reads a form only from a form body
        raise ApiError(400, reason="not_multipart")
    try:
        run = import_uploads.receive([(f.filename or "", f.stream) for f in form.files],
                                     api.current_user_of_token().id, str(get_locale() or "th"))
        db.session.commit()
    except import_uploads.UploadRefused as exc:
        raise ApiError(exc.status, exc.reason, fields={"files": [str(exc.reason)]}) from None
    return _run(run), 201


@bp.get("/legacy-imports/<int:run_id>")
@api.operation(READ, tag=TAG, resp={"HTTP_200": Run})
def get_run(run_id: int):
    """An import: its state, progress and report"""
    return _run(_load(run_id))


@bp.post("/legacy-imports/<int:run_id>/start")
@api.operation(WRITE, tag=TAG, resp={"HTTP_202": Run, "HTTP_409": ErrorBody})
def start_run(run_id: int, json: Start):
    """Ask the background job for a dry run or the run; follow it with GET"""
    run = _load(run_id)
    try:
        import_runs.queue(run.id, json.mode, api.current_user_of_token().id)
        db.session.commit()
    except import_runs.RunRefused as exc:
        raise ApiError(409, exc.reason, reason="run_refused") from None
    wake_the_job()
    db.session.refresh(run)
    return _run(run), 202


@bp.get("/legacy-imports/unmatched")
@api.operation(READ, tag=TAG, resp={"HTTP_200": UnmatchedPage})
def list_unmatched(query: UnmatchedQuery):
    """Officers moved in whom no Digital ID sign-in has matched yet"""
    return _unmatched(query.page)


def _unmatched(number: int) -> UnmatchedPage:
    page = unmatched_report.page(number)
    return UnmatchedPage(items=[Unmatched(id=r.id, legacy_ref=r.legacy_ref, name=r.name, email=r.email,
                                          has_citizen_id=r.has_citizen_id, roles=[list(pair) for pair in r.roles],
                                          imported_at=r.imported_at, ambiguous_at=r.ambiguous_at)
                                 for r in page.rows], total=page.total, page=page.page, pages=page.pages)


@bp.post("/legacy-imports/unmatched/<int:account_id>/link")
@api.operation(WRITE, tag=TAG, resp={"HTTP_200": UnmatchedPage, "HTTP_409": ErrorBody})
def link_account(account_id: int, json: Link):
    """Give a waiting officer's roles to their Digital ID account (audited)"""
    try:
        legacy_accounts.link_by_administrator(account_id, json.username, api.current_user_of_token().id)
        db.session.commit()
    except legacy_accounts.LinkRefused as exc:
        status = 409 if exc.reason == "not_waiting" else 422
        message = LINK_REFUSALS[exc.reason]
        raise ApiError(status, message, reason=exc.reason,
                       fields={"username": [message()]} if status == 422 else None) from None
    return _unmatched(1)
