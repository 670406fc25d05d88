"""Delegation while away over the API, as its page does it: who may act for me, the delegations I gave and
received that have not ended, naming an acting officer for a period (dates ISO or วว/ดด/ปปปป in the Buddhist era),
and cancelling one I gave."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from app.core import api
from app.core.api import ErrorBody
from app.inbox.services import delegations
from app.inbox.views.task_tools_api import Colleague
from forms.api import Day, Id, Request

bp = api.blueprint("delegations", __name__)


class Delegation(BaseModel):
    id: int
    starts_on: date
    ends_on: date
    person: Colleague = Field(description="given: the acting officer; received: the absent officer")


class Delegations(BaseModel):
    colleagues: list[Colleague] = Field(description="who may act for me: my roles at my agencies")
    given: list[Delegation]
    received: list[Delegation]


class NewDelegation(Request):
    acting_id: Id = Field(description="one of my colleagues")
    starts_on: Day
    ends_on: Day


def _person(user) -> Colleague:
    return Colleague(id=user.id, display_name=user.display_name)


def _delegations(user) -> Delegations:
    given, received = delegations.given_and_received(user)
    return Delegations(
        colleagues=[_person(person) for person in delegations.colleagues(user)],
        given=[Delegation(id=d.id, starts_on=d.starts_on, ends_on=d.ends_on, person=_person(p)) for d, p in given],
        received=[Delegation(id=d.id, starts_on=d.starts_on, ends_on=d.ends_on, person=_person(p))
                  for d, p in received])


@bp.get("/delegations")
@api.operation("inbox:read", resp={"HTTP_200": Delegations})
def list_delegations():
    """Who may act for me, and the delegations I gave and received"""
    return _delegations(api.current_user_of_token())


@bp.post("/delegations")
@api.operation("inbox:write", resp={"HTTP_200": Delegations, "HTTP_422": ErrorBody})
def create_delegation(json: NewDelegation):
    """Name an acting officer for a period (both days included; at most a year)"""
    user = api.current_user_of_token()

    def create() -> Delegations:
        delegations.create(user, json.acting_id, json.starts_on, json.ends_on)
        return _delegations(user)

    return api.committed(create, {delegations.DelegationRefused: 422})


@bp.post("/delegations/<int:delegation_id>/cancel")
@api.operation("inbox:write", resp={"HTTP_200": Delegations})
def cancel_delegation(delegation_id: int):
    """End a delegation I gave, now"""
    user = api.current_user_of_token()

    def cancel() -> Delegations:
        delegations.cancel(user, delegation_id)
        return _delegations(user)

    return api.committed(cancel, {delegations.DelegationNotFound: 404})
