"""The outgoing-letter register over the API, as its page shows it: one Buddhist-era year, optionally one kind of
letter, newest first, in the caller's scope (central officers their subtree, OPDC and administrators all)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, BeforeValidator, Field

from app.core import api
from app.core.api import ApiError
from app.org.services import letter_register
from forms import cleaning
from forms.api import Line, PageNumber, Request, refuse

bp = api.blueprint("letters", __name__)
TAG = "org"


def _be_year(value):
    """A year as typed (``letter_register.year_typed``); none: this year."""
    if value is None or str(value).strip() == "":
        return letter_register.current_year()
    year = letter_register.year_typed(cleaning.arabic_digits(str(value)))
    if year is None:
        raise refuse(_l("Enter a year of the Buddhist era, such as %(year)s.", year=letter_register.current_year()))
    return year


class RegisterQuery(Request):
    year: Annotated[int | None, BeforeValidator(_be_year)] = Field(
        None, description="Buddhist era (2569) or Gregorian (2026); default: this year", validate_default=True)
    kind: Line | None = Field(None, max_length=32, description="one kind of letter; unknown kinds: every kind")
    page: PageNumber = 1


class Letter(BaseModel):
    id: int
    be_year: int
    number: int
    reference: str = Field(description="as printed: the prefix and the number in the year")
    kind: str
    subject: str
    addressee: str
    agency_id: int = Field(description="the agency whose register numbered it")
    sender_id: int
    issued_at: datetime


class LetterPage(BaseModel):
    year: int
    kinds: list[str]
    items: list[Letter]
    total: int
    page: int
    per_page: int


@bp.get("/letters")
@api.operation("org:read", tag=TAG, resp={"HTTP_200": LetterPage})
def register(query: RegisterQuery):
    """The outgoing-letter register of one year"""
    user = api.current_user_of_token()
    if not letter_register.can_view(user):
        raise ApiError(403)
    kinds = letter_register.kinds()
    filters = letter_register.RegisterFilter(year=query.year, kind=query.kind if query.kind in kinds else None,
                                             page=query.page)
    page = letter_register.entries(user, filters)
    return LetterPage(
        year=filters.year, kinds=list(kinds), total=page.total, page=page.page, per_page=page.per_page,
        items=[Letter(id=e.id, be_year=e.be_year, number=e.number, reference=letter_register.reference(e), kind=e.kind,
                      subject=e.subject, addressee=e.addressee, agency_id=e.agency_id, sender_id=e.sender_id,
                      issued_at=e.issued_at) for e in page.rows])
