"""The administrators' jobs page over the API (``admin:read``/``admin:write``): each scheduled job's last run,
last success and failures; the e-mail given up on, and sending one again."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, Field

from app.core import api, capabilities
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.inbox.views.jobs import readable_result
from notifications import mail
from notifications.models import OutboxMessage
from tasks import jobs

bp = api.blueprint("jobs", __name__)
TAG = "admin"


class JobRun(BaseModel):
    started_at: datetime
    finished_at: datetime | None
    outcome: str = Field(description="running | ok | failed")
    result: dict[str, str] = Field(description="what the run counted, labelled in the caller's language")
    error: str | None


class JobItem(BaseModel):
    name: str
    description: str
    last_run: JobRun | None
    last_ok_at: datetime | None
    failures: int = Field(description="failed runs in the kept history")


class JobList(BaseModel):
    items: list[JobItem]


class FailedMail(BaseModel):
    id: int
    to_address: str | None
    subject: str
    attempts: int
    last_error: str | None
    created_at: datetime
    failed_at: datetime | None = Field(description="when it was given up on")


class FailedMailList(BaseModel):
    items: list[FailedMail]


class Retried(BaseModel):
    id: int
    status: str


@bp.get("/admin/jobs")
@api.operation("admin:read", tag=TAG, resp={"HTTP_200": JobList})
def list_jobs():
    """Each scheduled job: its last run, last success and failures"""
    declared = capabilities.current().jobs
    rows, _failures = jobs.overview(list(declared))
    items = []
    for row in rows:
        job, run = declared[row["name"]], row["last"]
        last_run = None if run is None else JobRun(
            started_at=run.started_at, finished_at=run.finished_at, outcome=run.outcome, error=run.error,
            result=dict(readable_result(run.result, job.result_labels)))
        items.append(JobItem(name=row["name"], description=str(job.description), last_run=last_run,
                             last_ok_at=row["last_ok"], failures=row["failures"]))
    return JobList(items=items)


@bp.get("/admin/outbox/failed")
@api.operation("admin:read", tag=TAG, resp={"HTTP_200": FailedMailList})
def failed_mail():
    """The latest e-mail given up on, newest failure first"""
    return FailedMailList(items=[FailedMail(id=row.id, to_address=row.to_address, subject=row.subject,
                                            attempts=row.attempts, last_error=row.last_error,
                                            created_at=row.created_at, failed_at=row.failed_at)
                                 for row in mail.failed()])


@bp.post("/admin/outbox/<int:message_id>/retry")
@api.operation("admin:write", tag=TAG, resp={"HTTP_200": Retried, "HTTP_409": ErrorBody})
def retry_mail(message_id: int):
    """Send a failed e-mail again at the outbox job's next run"""
    if db.session.get(OutboxMessage, message_id) is None:
        raise ApiError(404)
    row = mail.retry(message_id, api.current_user_of_token().id)
    if row is None:
        db.session.rollback()
        raise ApiError(409, _l("This e-mail is not waiting to be sent again: it was sent again already, or there is "
                               "no such e-mail."), reason="not_failed")
    answer = Retried(id=row.id, status=row.status)
    db.session.commit()
    return answer
