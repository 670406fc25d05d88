"""Delayed applications over the API: record one (its first notice goes out), read it with its notices, record
the decision. The record is checked by the same form as the page's (dates, e-mail, phone, an address to write to),
after the request model has checked its shape."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from app.core import api
from app.core.api import ApiError, ErrorBody
from app.core.extensions import db
from app.core.types import utcnow
from app.licensing.services import delays, licensing
from app.org.models import Agency
from forms.api import Day, Id, Line, Request, RequiredLine, RequiredText, Text
from forms.delays import DelayDecisionForm, DelayRecordForm
from workflows.calendar import BANGKOK

bp = api.blueprint("delays", __name__)

RECORD_FIELDS = ("reference", "applicant_name", "applicant_address", "applicant_email", "applicant_phone",
                 "process_id", "promised_days", "received_on", "reason", "expected_decision_on")


class NewDelay(Request):
    """A delayed application. Dates: ISO (2026-12-04) or วว/ดด/ปปปป, a Buddhist-era year taken as such."""

    reference: RequiredLine = Field(max_length=64)
    applicant_name: RequiredLine = Field(max_length=255)
    applicant_address: Text | None = Field(None, max_length=1000, description="an address or an e-mail is needed")
    applicant_email: Line | None = Field(None, max_length=255)
    applicant_phone: Line | None = Field(None, max_length=32)
    process_id: Id
    promised_days: int = Field(ge=1, le=3650)
    received_on: Day
    reason: RequiredText = Field(max_length=2000)
    expected_decision_on: Day


class Decision(Request):
    decision: Literal["approved", "refused", "withdrawn"]
    note: Text | None = Field(None, max_length=2000)


class Notice(BaseModel):
    number: int
    kind: str
    reason: str
    decision: str | None
    expected_decision_on: date | None
    issued_at: datetime
    emailed_to: str | None
    posted_at: datetime | None


class Delay(BaseModel):
    id: int
    agency_id: int
    reference: str
    process_id: int
    received_on: date
    expected_decision_on: date
    reason: str
    status: str
    decision: str | None
    decided_at: datetime | None
    instance_id: int | None
    notices: list[Notice]


def _delay(delay) -> Delay:
    return Delay(id=delay.id, agency_id=delay.agency_id, reference=delay.reference, process_id=delay.process_id,
                 received_on=delay.received_on, expected_decision_on=delay.expected_decision_on, reason=delay.reason,
                 status=delay.status, decision=delay.decision, decided_at=delay.decided_at,
                 instance_id=delay.instance_id,
                 notices=[Notice(number=n.number, kind=n.kind, reason=n.reason, decision=n.decision,
                                 expected_decision_on=n.expected_decision_on, issued_at=n.issued_at,
                                 emailed_to=n.emailed_to, posted_at=n.posted_at) for n in delays.notices_of(delay)])


def _checked_by_form(form_class, values: dict, **kwargs):
    """The page's form over the request's values: its own rules, its own messages (422)."""
    pairs = [(name, value.isoformat() if isinstance(value, date) else str(value))
             for name, value in values.items() if value is not None]
    return form_class(formdata=MultiDict(pairs), meta={"csrf": False}, **kwargs)


def _refused(exc: delays.DelayError) -> ApiError:
    return ApiError(404) if exc.code == "not_allowed" else api.refusal(409, exc)


@bp.post("/delays/points/<int:agency_id>")
@api.operation("licensing:write", resp={"HTTP_201": Delay, "HTTP_409": ErrorBody})
def record_delay(agency_id: int, json: NewDelay):
    """Record a delayed application at a service point (its first notice is issued)"""
    user = api.current_user_of_token()
    agency = db.session.get(Agency, agency_id)
    if agency is None or not licensing.can_enter(user, agency):
        raise ApiError(404)
    form = _checked_by_form(DelayRecordForm, json.model_dump(), today=utcnow().astimezone(BANGKOK).date())
    form.process_id.choices = [SelectChoice(p.id, p.name_th) for p in licensing.processes_for(agency)]
    if not form.validate():
        raise ApiError(422, fields={name: [str(e) for e in errors] for name, errors in form.errors.items()})
    try:
        delay = delays.record(user, agency, delays.DelayInput(**{name: form[name].data for name in RECORD_FIELDS}))
        db.session.commit()
    except delays.DelayError as exc:
        raise _refused(exc) from None
    return _delay(delay), 201


def _delay_or_404(delay_id: int):
    delay = delays.get_for(api.current_user_of_token(), delay_id)
    if delay is None:
        raise ApiError(404)
    return delay


@bp.get("/delays/<int:delay_id>")
@api.operation("licensing:read", resp={"HTTP_200": Delay})
def get_delay(delay_id: int):
    """A delayed application with its notices"""
    return _delay(_delay_or_404(delay_id))


@bp.post("/delays/<int:delay_id>/decision")
@api.operation("licensing:write", resp={"HTTP_200": Delay, "HTTP_409": ErrorBody})
def decide(delay_id: int, json: Decision):
    """Record the decision on a delayed application (the final notice is issued)"""
    delay = _delay_or_404(delay_id)
    form = _checked_by_form(DelayDecisionForm, json.model_dump())
    if not form.validate():
        raise ApiError(422, fields={name: [str(e) for e in errors] for name, errors in form.errors.items()})
    try:
        delays.decide(api.current_user_of_token(), delay, form.decision.data, (form.note.data or "").strip() or None)
        db.session.commit()
    except delays.DelayError as exc:
        raise _refused(exc) from None
    return _delay(delay)
