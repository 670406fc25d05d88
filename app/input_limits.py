"""The request as every view reads it: numbers that fit a database column, JSON of a sane size and depth.

- ``<int:...>`` in a URL matches 1 to 2**31-1 only (an INTEGER column): a larger id is a 404, like any page
  that does not exist.
- ``<name>`` in a URL (a report number, a secret link) with a control character matches no route either.
- ``request.args.get(name, type=int)`` (and ``request.form``) gives the default for a number no column holds,
  as it already does for one that is not a number; query-string values lose their control characters (a search
  box has no place for an error, and no database compares text with NUL).
- A JSON body is at most ``JSON_MAX_BYTES`` (413) and nests at most ``cleaning.JSON_MAX_DEPTH`` levels (400, with
  a message); a body nested beyond Python's recursion limit is refused the same way instead of failing.

Forms clean their fields with ``forms.base``; this is the part of the same rules that comes before any form.
"""

from __future__ import annotations

from flask import Flask, Request, current_app
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage, ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, UnicodeConverter, ValidationError
from werkzeug.utils import cached_property

from forms import cleaning


class IdConverter(IntegerConverter):
    """``<int:...>``: a positive integer that fits a database column; anything else matches no route."""

    def __init__(self, map, fixed_digits=0, min=1, max=cleaning.MAX_INT, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str):
        if len(value) > len(str(cleaning.MAX_INT)):  # also spares int() a number thousands of digits long
            raise ValidationError()
        return super().to_python(value)


class TextConverter(UnicodeConverter):
    """``<name>``: one path segment without control characters."""

    def to_python(self, value: str):
        if cleaning.has_control_characters(value, multi_line=False):
            raise ValidationError()
        return value


class InputParameters(ImmutableMultiDict):
    """Query-string and form values whose ``get(..., type=int)`` refuses a number no column holds."""

    def get(self, key, default=None, type=None):
        return super().get(key, default, cleaning.bounded_int if type is int else type)


class JSONTooDeep(BadRequest):
    """A JSON body nested deeper than any form needs."""

    def message(self) -> str:
        return str(_l("The JSON is nested too deeply (at most %(depth)s levels).", depth=cleaning.JSON_MAX_DEPTH))


class JSONProvider(DefaultJSONProvider):
    @staticmethod
    def default(o):
        if isinstance(o, FileStorage):  # an upload that a request model refused, echoed with the refusal: its name
            return o.filename or ""
        return DefaultJSONProvider.default(o)

    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise JSONTooDeep() from None
        if cleaning.json_depth_exceeds(value):
            raise JSONTooDeep()
        return value


class InputRequest(Request):
    parameter_storage_class = InputParameters

    @cached_property
    def args(self) -> InputParameters:
        parsed = Request.args.fget(self)  # werkzeug's parsing, without its cache
        return InputParameters((key, cleaning.without_control_characters(value))
                               for key, value in parsed.items(multi=True))

    @property
    def max_content_length(self) -> int | None:
        limit = Request.max_content_length.fget(self)
        if self._max_content_length is None and self.is_json:
            json_limit = current_app.config["JSON_MAX_BYTES"]
            return json_limit if limit is None else min(limit, json_limit)
        return limit

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value


def register(app: Flask) -> None:
    """Before any blueprint: the converter is looked up when a route is added."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = TextConverter
    app.request_class = InputRequest
    app.json = JSONProvider(app)
