"""The API's input types: the same cleaning as the forms' (``forms.cleaning``), as pydantic types.

A request model is a ``Request`` (unknown fields refused) whose fields use these types; spectree validates the
request with it and the OpenAPI document shows it, so a rule written here is both checked and documented.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError
from spectree.model_adapter.pydantic_adapter import BaseFile

from forms import cleaning


class Request(BaseModel):
    """A request body or query: unknown fields are a mistake worth telling."""

    model_config = ConfigDict(extra="forbid")


def refuse(message) -> PydanticCustomError:
    """A field's refusal with this message (raised in a validator), answered as the API's 422."""
    return PydanticCustomError("refused", str(message).replace("{", "(").replace("}", ")"))


def _line(value: str) -> str:
    if cleaning.has_control_characters(value, multi_line=False):
        raise refuse(cleaning.CONTROL_MESSAGE)
    _within(value, cleaning.LINE_MAX)
    return value.strip()


def _text(value: str) -> str:
    if cleaning.has_control_characters(value, multi_line=True):
        raise refuse(cleaning.CONTROL_MESSAGE)
    _within(value, cleaning.TEXT_MAX)
    return value.strip()


def _within(value: str, most: int) -> None:
    """The type's own cap, checked here rather than as its ``max_length``: a field's ``Field(max_length=…)`` is
    then the one that applies (pydantic keeps the type's own when both are given)."""
    if len(value) > most:
        from flask_babel import lazy_gettext as _l

        raise refuse(_l("At most %(max)d characters.", max=most))


def _required(value: str) -> str:
    if cleaning.is_blank(value):
        raise refuse(_required_message())
    return value


def _required_message():
    from flask_babel import lazy_gettext as _l

    return _l("This field is required.")


def _whole_number(value):
    """A number as a person types it: Thai digits and thousands separators taken (๑,๒๐๐ is 1200)."""
    if isinstance(value, str):
        value = cleaning.arabic_digits(value).replace(",", "").strip()
    return value


def _amount(value) -> str:
    text = _whole_number(value if not isinstance(value, int | float) else str(value))
    try:
        number = Decimal(str(text))
    except (InvalidOperation, ValueError):
        raise refuse(cleaning.NUMBER_MESSAGE) from None
    if not number.is_finite() or number < 0 or number > 10**9:
        raise refuse(cleaning.NUMBER_MESSAGE)
    return str(number)


def _day(value):
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise refuse(_date_message())
    if cleaning.has_control_characters(value, multi_line=False):
        raise refuse(cleaning.CONTROL_MESSAGE)  # a line break or a NUL in a date is no typing slip
    try:
        return cleaning.parse_day(value) or _missing_day()
    except cleaning.DateRefused as refused:
        raise refuse(refused.message) from None


def _missing_day():
    raise refuse(_required_message())


def _date_message():
    from flask_babel import lazy_gettext as _l

    return _l("Enter the date as day/month/year, for example 04/12/2569.")


# One line of text (a title, a name): no control characters, no line break; trimmed.
Line = Annotated[str, AfterValidator(_line)]  # at most LINE_MAX characters, or its field's own max_length
RequiredLine = Annotated[Line, Field(min_length=1), AfterValidator(_required)]
# Text over several lines (a comment, a description): no control characters besides line breaks and tabs.
Text = Annotated[str, AfterValidator(_text)]  # at most TEXT_MAX characters, or its field's own max_length
RequiredText = Annotated[Text, Field(min_length=1), AfterValidator(_required)]
# A row id: what an INTEGER column holds.
Id = Annotated[int, Field(ge=1, le=cleaning.MAX_INT)]
# A count or a whole number typed by a person (Thai digits taken).
WholeNumber = Annotated[int, BeforeValidator(_whole_number), Field(ge=0, le=cleaning.MAX_INT)]
# Baht, as a decimal string ("1200.50"); Thai digits taken.
Amount = Annotated[str, BeforeValidator(_amount), WithJsonSchema({"type": "string", "pattern": r"^[0-9๐-๙,.]+$",
                                                                  "examples": ["1200.50"]})]
# A day: ISO (2026-12-04) or วว/ดด/ปปปป; a Buddhist-era year is taken as such (2569-12-04 is 4 December 2026).
Day = Annotated[date, BeforeValidator(_day), WithJsonSchema({"type": "string", "format": "date",
                                                             "examples": ["2026-12-04"]})]


# --- a list's query string: as lenient as the pages' (a list always answers, never a refusal) ------------------------


def _page(value) -> int:
    from app.core import paging

    return paging.page_number(value)


def _per_page(value):
    number = _query_int(value)
    return None if number is None else min(max(number, 1), 100)


def _query_int(value):
    """A number from a query string, or None when it is none or no column holds it (as ``request.args``)."""
    try:
        number = int(str(value).strip()) if value is not None and len(str(value)) <= 11 else None
    except ValueError:
        return None
    return number if number is not None and 1 <= number <= cleaning.MAX_INT else None


# The page asked for: 1 when missing or not a number, at most 100,000 (past the last page: an empty page).
PageNumber = Annotated[int, BeforeValidator(_page), Field(ge=1, le=100_000)]
# Rows a page: 1 to 100; anything else, the default.
PerPage = Annotated[Annotated[int, Field(ge=1, le=100)] | None, BeforeValidator(_per_page)]
# A filter by id: one that no column holds filters nothing.
QueryId = Annotated[Id | None, BeforeValidator(_query_int)]


# --- a task form's field, as JSON -------------------------------------------------------------------------------------

_SCALARS = (str, int, float, bool, type(None))


def _field_value(value):
    if isinstance(value, _SCALARS) or (isinstance(value, list) and all(isinstance(v, _SCALARS) for v in value)):
        return value
    from flask_babel import lazy_gettext as _l

    raise refuse(_l("Send text, a number, true or false, or a list of them."))


_SCALAR_SCHEMA = {"type": ["string", "number", "boolean", "null"]}
# Text, a number, true or false, null, or a list of them: the form behind the task cleans it as a page's field.
FieldValue = Annotated[Any, BeforeValidator(_field_value),
                       WithJsonSchema({"anyOf": [_SCALAR_SCHEMA, {"type": "array", "items": _SCALAR_SCHEMA}]})]


# --- files (multipart/form-data) ------------------------------------------------------------------------------------


def _one_or_more(value):
    return value if isinstance(value, list) else [value]


# The parts named "files": one or several (a form with one part gives it alone, not as a list).
Files = Annotated[list[BaseFile], BeforeValidator(_one_or_more),
                  Field(description="one or more PDF, PNG or JPEG files, each under its own 'files' part")]
