"""The JSON API under ``/api/v1``: what every capability's endpoints share.

- A capability declares its API blueprints (``Capability.api_blueprints``, made with ``blueprint``) and writes each
  endpoint with ``operation(scope, ...)``: the request's query and body are validated by the pydantic models in the
  view's annotations (``query: TaskQuery``, ``json: NewManual``), and the OpenAPI document is generated from the
  same models (spectree), so what is documented is what is checked.
- A personal access token (``Authorization: Bearer …``) carries scopes, ``<capability>:read`` and
  ``<capability>:write``; an operation names the one it needs (403 without it). The token is found by the hash of
  the token (one indexed query); the capability that keeps tokens gives the lookup (``use_token_loader``).
- The administration's operations (people, role tokens, the agency tree, the catalogue, the calendar, letters) need
  ``admin:read`` or ``admin:write``, which only an administrator may give a token (``scopes_of``).
- Each token has its own rate limits (reads and writes), counted in the shared limiter's store, so every server
  process counts together; operations open to anyone are counted per address.
- An error is ``{"error": {"code", "message" (Thai), "message_en", "reason"?, "fields"?}}``, whatever refused it.
- A path with an id has one method: where two methods share one, Werkzeug answers an id no column holds with 405
  instead of 404.
"""

from __future__ import annotations

import copy
import functools
import time
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, current_app, g, jsonify, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from limits import parse
from pydantic import BaseModel
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData

from app.core import capabilities
from app.core.extensions import csrf, db, limiter

PREFIX = "/api/v1"
DOCUMENT_KEY = "ratchaflow.openapi"
LOADER_KEY = "ratchaflow.api_token_loader"
CAPABILITY_SCOPES = ("read", "write")
ADMIN = "admin"  # the administration's scopes: offered to administrators only
INT_MAX = 2**31 - 1  # an id is a positive INTEGER column value; the URL converter refuses anything else

MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("A valid personal access token is required."),
    403: _l("You do not have permission to do this."),
    404: _l("The page you asked for does not exist, or you cannot see it."),
    409: _l("Someone else changed this at the same time. Reload and try again."),
    422: _l("Some fields are not valid."),
    429: _l("Too many requests. Please wait a minute and try again."),
}


# --- the error body ------------------------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: int
    message: str
    message_en: str
    reason: str | None = None
    fields: dict[str, list[str]] | None = None


class ErrorBody(BaseModel):
    """Every refusal: the message in Thai and in English; ``fields``: what is wrong with each field."""

    error: ErrorDetail


def in_both_languages(message: Any) -> tuple[str, str]:
    """A message (a lazy text, or a function giving the text in the current language) in Thai and in English."""
    texts = []
    for language in ("th", "en"):
        with force_locale(language):
            texts.append(str(message() if callable(message) else message))
    return texts[0], texts[1]


def error_body(code: int, message: Any = None, *, reason: str | None = None,
               fields: Mapping[str, list[str]] | None = None) -> dict:
    thai, english = in_both_languages(message if message is not None else MESSAGES.get(code, MESSAGES[400]))
    error: dict[str, Any] = {"code": code, "message": thai, "message_en": english}
    if reason:
        error["reason"] = reason
    if fields:
        error["fields"] = dict(fields)
    return {"error": error}


class ApiError(Exception):
    """Raised in an endpoint: answered as the error body, with ``status``."""

    def __init__(self, status: int, message: Any = None, *, reason: str | None = None,
                 fields: Mapping[str, list[str]] | None = None, headers: Mapping[str, str] | None = None):
        super().__init__(status)
        self.status, self.message, self.reason, self.fields = status, message, reason, fields
        self.headers = dict(headers or {})

    def response(self):
        response = jsonify(error_body(self.status, self.message, reason=self.reason, fields=self.fields))
        response.status_code = self.status
        response.headers.update(self.headers)
        return response


def refusal(status: int, exc: Exception) -> ApiError:
    """A service's refusal, with the message its capability declared for it."""
    from app.core import messages

    return ApiError(status, lambda: messages.for_error(exc), reason=getattr(exc, "code", None))


def committed(action: Callable[[], Any], refusals: Mapping[type[Exception], int]) -> Any:
    """``action()``'s answer once its changes are committed; a service's refusal named in ``refusals`` (the first
    class that matches, in order) rolls everything back and answers with its status (404: no hint it exists)."""
    try:
        answer = action()
        db.session.commit()
    except tuple(refusals) as exc:
        db.session.rollback()
        status = next(code for kind, code in refusals.items() if isinstance(exc, kind))
        raise (ApiError(404) if status == 404 else refusal(status, exc)) from None
    return answer


# --- the spec and the blueprints -----------------------------------------------------------------------------------


def _validation_failed(_request, response, error, _instance, _adapter) -> None:
    """spectree's hook: a request that does not match its model is answered in the API's error body."""
    if error is None or response is None:
        return
    fields: dict[str, list[str]] = {}
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"]) or "body"
        fields.setdefault(name, []).append(_field_message(item))
    response.set_data(current_app.json.dumps(error_body(422, fields=fields)))
    response.mimetype = "application/json"


def _field_message(item: Mapping[str, Any]) -> str:
    """Pydantic's message for one field, in the reader's language where we have it."""
    kind = item.get("type", "")
    if kind == "missing":
        return str(_l("This field is required."))
    if kind == "extra_forbidden":
        return str(_l("This field is not known here."))
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return str(_l("Enter a whole number."))
    if kind in ("string_type", "string_too_long", "string_too_short"):
        return str(item["msg"]) if kind != "string_too_long" else str(
            _l("At most %(max)d characters.", max=item.get("ctx", {}).get("max_length", 0)))
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return str(_l("The number is out of range."))
    if kind in ("literal_error", "enum"):
        return str(_l("Not one of the choices."))
    return str(item.get("msg", ""))


_NAMED: dict[str, type] = {}


def _model_name(model: type) -> str:
    """The model's own name in the document, which names one model only: a second model of the same name would
    silently document (and check) the answers of the first one."""
    known = _NAMED.setdefault(model.__name__, model)
    if known is not model and f"{known.__module__}.{known.__qualname__}" != f"{model.__module__}.{model.__qualname__}":
        raise TypeError(f"Two API models are named {model.__name__}: {known.__module__} and {model.__module__}")
    return model.__name__


spec = SpecTree(
    "flask",
    mode="strict",  # only the operations below are documented: the rest of the app is pages
    title="RatchaFlow API",
    version="1",
    openapi_version="3.1.0",
    description="Everything a person does in the back office, and the public IR Online and chat actions. "
                "Authenticate with a personal access token (My account › API tokens) as "
                "`Authorization: Bearer <token>`; each operation names the scope it needs. Errors carry a Thai "
                "`message` and an English `message_en`.",
    security_schemes=[SecurityScheme(name="bearerAuth", data=SecuritySchemeData(type="http", scheme="bearer"))],
    validation_error_status=422,
    validation_error_model=ErrorBody,
    before=_validation_failed,
    # Models are named as written (``TaskPage``), nested ones too: each name is used by one model only.
    naming_strategy=lambda model: _model_name(model),
    nested_naming_strategy=lambda _parent, child: child,
)


def blueprint(name: str, import_name: str) -> Blueprint:
    """A capability's API blueprint, under ``/api/v1`` (token-authenticated: no session, no CSRF form token)."""
    bp = Blueprint(f"{name}_api", import_name, url_prefix=PREFIX)
    csrf.exempt(bp)
    return bp


@dataclass(frozen=True)
class Caller:
    """Who calls, through which token: the user the token acts for, and what the token may do."""

    user: Any
    token_id: int
    scopes: frozenset[str]
    touched: bool = False  # the lookup recorded the token's use (at most once a minute): commit it


def use_token_loader(app: Flask, loader: Callable[[str], Caller | None]) -> None:
    """The function that finds a token's caller from the token itself (declared by the accounts capability)."""
    app.extensions[LOADER_KEY] = loader


FILE = "file"  # ``resp={"HTTP_200": FILE}``: the answer is a file (its own type), not a JSON model
_STANDARD_ERRORS = {"HTTP_400": ErrorBody, "HTTP_401": ErrorBody, "HTTP_403": ErrorBody, "HTTP_404": ErrorBody,
                    "HTTP_429": ErrorBody}


def operation(scope: str | None, *, resp: Mapping[str, Any], tag: str | None = None,
              writes: bool | None = None, limit: str | None = None) -> Callable:
    """An endpoint: ``scope`` the token needs (None: open to anyone, counted per address); ``resp`` its answers by
    status (``{"HTTP_200": TaskPage, "HTTP_409": ErrorBody}``; ``FILE``: a file); the request models come from the view's
    annotations (``query``, ``json``). ``writes``: counted against the write limit (default: not a GET).
    ``limit``: the setting of a further limit per address that the same action has on its page (e.g. new reports)."""

    def decorate(view: Callable) -> Callable:
        capability_name = tag or (scope.split(":")[0] if scope else view.__module__.split(".")[1])
        responses = {**_STANDARD_ERRORS, **resp} if scope else {**_STANDARD_ERRORS, **resp, "HTTP_401": None}
        files = [code for code, model in responses.items() if model == FILE]
        validated = spec.validate(
            resp=Response(*files, **{code: model for code, model in responses.items()
                                     if model is not None and model != FILE}),
            tags=[capability_name],
            security={"bearerAuth": [scope]} if scope else {},
            operation_id=f"{capability_name}.{view.__name__}",
        )(_sent_as_file(view) if files else view)
        wants_json = "json" in getattr(view, "__annotations__", {})

        @wraps(validated)
        def guarded(*args, **kwargs):
            counts_as_write = writes if writes is not None else request.method != "GET"
            if limit is not None:
                _within_limit(limit, request.remote_addr or "?", counts_as_write, setting=limit)
            if scope is None:
                _within_limit("public", request.remote_addr or "?", counts_as_write)
            else:
                caller = _authenticate()
                if scope not in caller.scopes:
                    raise ApiError(403, _l("This token does not have the scope %(scope)s.", scope=scope),
                                   reason="missing_scope")
                _within_limit("token", str(caller.token_id), counts_as_write)
                g.api_caller = caller
            if wants_json and not (request.is_json and isinstance(request.get_json(silent=True), dict)):
                raise ApiError(400, _l("Send a JSON object (Content-Type: application/json)."), reason="not_json")
            answer = validated(*args, **kwargs)
            return g.pop("api_file", answer)

        return guarded

    return decorate


def _sent_as_file(view: Callable) -> Callable:
    """The view for spectree to check the request of; its file is kept aside and sent as it is (spectree would
    read it whole to check it against a model it has not: a streamed export would not stream)."""

    @wraps(view)
    def keeping_the_file(*args, **kwargs):
        g.api_file = view(*args, **kwargs)
        return current_app.response_class(status=200)

    # The annotations resolved where the view was written: spectree reads them in the wrapper's module otherwise.
    keeping_the_file.__annotations__ = typing.get_type_hints(view)
    return keeping_the_file


def caller() -> Caller:
    return g.api_caller


def current_user_of_token():
    return g.api_caller.user


def _authenticate() -> Caller:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    loader = current_app.extensions.get(LOADER_KEY)
    found = loader(token) if loader and scheme.lower() == "bearer" and token else None
    if found is None:
        raise ApiError(401, headers={"WWW-Authenticate": 'Bearer realm="ratchaflow"'})
    if found.touched:
        db.session.commit()  # the token's last use, written at most once a minute
    return found


def _within_limit(kind: str, key: str, counts_as_write: bool, setting: str | None = None) -> None:
    if not limiter.enabled:
        return
    if setting is None:
        setting = "API_WRITE_RATE_LIMIT" if counts_as_write else "API_RATE_LIMIT"
        if kind == "public":
            setting = "API_PUBLIC_RATE_LIMIT"
    item = _parsed(current_app.config[setting])
    bucket = "write" if counts_as_write else "read"
    if limiter.limiter.hit(item, "api", kind, bucket, key):
        return
    reset, _remaining = limiter.limiter.get_window_stats(item, "api", kind, bucket, key)
    raise ApiError(429, reason="rate_limited", headers={"Retry-After": str(max(1, int(reset - time.time())))})


@functools.lru_cache(maxsize=64)
def _parsed(limit: str):
    return parse(limit)  # a setting read on every call: parsed once


# --- the document --------------------------------------------------------------------------------------------------


def document(app: Flask) -> dict:
    """The OpenAPI document of ``app``'s API, generated once per app from the operations' models."""
    built = app.extensions.get(DOCUMENT_KEY)
    if built is None:
        built = app.extensions[DOCUMENT_KEY] = _generate()
    return built


def _generate() -> dict:
    saved = copy.deepcopy(spec.models)  # generating moves nested models out of spec.models: keep them for the next app
    try:
        generated = spec._generate_spec()  # for the current app (spectree's cached ``spec`` is for one app only)
    finally:
        spec.models = saved
    paths = {}
    for path, item in generated["paths"].items():
        for operation_ in item.values():
            for parameter in operation_.get("parameters", []):
                if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                    parameter["schema"].update(minimum=1, maximum=INT_MAX)
                if not parameter.get("description"):
                    parameter.pop("description", None)
            if not operation_.get("description"):
                operation_.pop("description", None)
        paths[path.removeprefix(PREFIX)] = item
    generated["paths"] = paths
    generated["servers"] = [{"url": PREFIX}]
    generated["security"] = [{"bearerAuth": []}]
    if not generated.get("tags"):
        generated.pop("tags", None)
    return generated


def scopes_of(app: Flask, *, administrator: bool = False) -> dict[str, Any]:
    """The scopes a token may be given: ``<capability>:read`` and ``:write``, by capability, with its label; and
    for an ``administrator``, ``admin:read`` and ``admin:write``."""
    registry = capabilities.of(app)
    labels = dict(registry.api_capabilities)
    if administrator:
        labels[ADMIN] = _l("Administration: people, role tokens, agencies, the catalogue and the calendar")
    return {f"{name}:{kind}": label for name, label in labels.items() for kind in CAPABILITY_SCOPES}


def init_app(app: Flask) -> None:
    core = Blueprint("api", __name__, url_prefix=PREFIX)

    @core.get("/openapi.json")
    def openapi():
        return jsonify(document(current_app))

    app.register_blueprint(core)

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        db.session.rollback()  # nothing half-saved
        return exc.response()
