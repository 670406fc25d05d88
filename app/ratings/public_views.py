"""The citizen's rating page (``/rate/<code>``), on the public site: no sign-in, phone first, no script.

These routes join the public blueprint (before it is registered), so that they are open to anyone as the rest of
the public site is. Limits per device (a random cookie) and per address, in the shared limiter's store; a counter
tablet opened with its kiosk link rates under its own, higher limit and is never flagged as a duplicate.
"""

from __future__ import annotations

import secrets

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from app.core import messages as refusal_messages
from app.core.extensions import db, limiter
from app.public.views import public
from app.ratings.services import points, submissions
from app.ratings.services.errors import (
    InvalidAnswers,
    NoQuestionSet,
    PointHidden,
    PointNotFound,
    QuestionsChanged,
)
from app.ratings.texts import ANSWER_MESSAGES
from forms.ratings import rating_form

bp = public.bp
DEVICE_COOKIE = "rf_rater"
KIOSK_COOKIE = "rf_kiosk"
COOKIE_DAYS = 400
KIOSK_RESET_SECONDS = 8


def _limit(name: str):
    return lambda: current_app.config[name]  # set by the capability (capability.SETTINGS)


def _locale() -> str:
    return str(get_locale() or "th")


def _kiosk_token(code: str) -> str | None:
    """The kiosk token this device holds for the point in the address, when it holds one."""
    value = request.cookies.get(KIOSK_COOKIE, "")
    kept_code, _sep, token = value.partition(":")
    return token if token and points.normalised_code(kept_code) == points.normalised_code(code) else None


def _is_kiosk() -> bool:
    """Whether this request comes from the point's counter tablet (its current kiosk token), once per request."""
    key = "ratchaflow.rating_kiosk"  # kept on the request (flask.g may outlive it: the tests share one context)
    if key not in request.environ:
        code = (request.view_args or {}).get("code", "")
        token = _kiosk_token(code)
        matched = False
        if token:
            try:
                point, _agency = points.by_code(code)
                matched = points.kiosk_matches(point, token)
            except (PointNotFound, PointHidden):
                matched = False
        request.environ[key] = matched
    return request.environ[key]


def _device_key() -> str:
    return "rating-device:" + (request.cookies.get(DEVICE_COOKIE) or get_remote_address())[:64]


def _kiosk_key() -> str:
    return "rating-kiosk:" + (points.normalised_code((request.view_args or {}).get("code", "")) or "-")


_device_limit = limiter.limit(_limit("RATELIMIT_RATING_DEVICE"), key_func=_device_key, methods=["POST"],
                              exempt_when=_is_kiosk)
_address_limit = limiter.limit(_limit("RATELIMIT_RATING_ADDRESS"), methods=["POST"], exempt_when=_is_kiosk)
_kiosk_limit = limiter.limit(_limit("RATELIMIT_RATING_KIOSK"), key_func=_kiosk_key, methods=["POST"],
                             exempt_when=lambda: not _is_kiosk())


def _refused(exc: Exception, status: int):
    response = make_response(render_template("ratings/public/refused.html", message=refusal_messages.for_error(exc)),
                             status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _with_cookies(response, kiosk: bool):
    response.headers["Cache-Control"] = "no-store"  # the form carries a CSRF token
    if not request.cookies.get(DEVICE_COOKIE) and not kiosk:
        response.set_cookie(DEVICE_COOKIE, secrets.token_urlsafe(16), max_age=COOKIE_DAYS * 86400, path="/rate",
                            httponly=True, samesite="Lax", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


def _layout(question_set) -> tuple:
    return tuple((q.position, q.kind, len(q.options or [])) for q in question_set.questions)


def _render(page, form, status: int = 200, errors: dict | None = None):
    if not page.services and request.method == "POST":  # a POST looks them up only when it must show the form
        page.services = submissions.services_of(page.agency)
    kiosk = _is_kiosk()
    response = make_response(render_template(
        "ratings/public/rate.html", page=page, form=form, locale=_locale(), kiosk=kiosk, errors=errors or {},
        answer_messages=ANSWER_MESSAGES,
        kiosk_expired=bool(_kiosk_token(page.point.code)) and not kiosk), status)
    return _with_cookies(response, kiosk)


@bp.get("/rate/")
def rate_start():
    """Typing the code printed under a poster's QR code."""
    code = (request.args.get("code") or "").strip()
    if code:
        normal = points.normalised_code(code)
        if normal:
            return redirect(url_for("public.rate", code=normal))
        flash(_("A service point's code has six letters and digits, such as 7KD4QX."), "warning")
    return render_template("ratings/public/start.html", code=code[:20]), (422 if code else 200)


@bp.route("/rate/<code>", methods=["GET", "POST"])
@_kiosk_limit
@_address_limit
@_device_limit
def rate(code: str):
    try:
        page = submissions.page(code, with_services=request.method == "GET")
    except PointNotFound as exc:
        return _refused(exc, 404)
    except PointHidden as exc:
        return _refused(exc, 410)
    except NoQuestionSet as exc:
        return _refused(exc, 503)
    form_class = rating_form(_layout(page.question_set))
    form = form_class()
    if request.method == "GET":
        form.set_id.data = page.question_set.id
        return _render(page, form)
    if not form.validate_on_submit():
        return _render(page, form, 422)
    data = submissions.RatingInput(
        code=code, set_id=_whole(form.set_id.data), answers=form.answers(), comment=form.comment.data,
        service=form.service.data or None, device=request.cookies.get(DEVICE_COOKIE), address=get_remote_address(),
        kiosk_token=_kiosk_token(code))
    try:
        rating = submissions.submit(data, secret=current_app.config["SECRET_KEY"], shown=page,
                                    duplicate_minutes=int(current_app.config["RATING_DUPLICATE_MINUTES"]))
        # Read before the commit expires them: two statements fewer than reading them back afterwards.
        kiosk, thanks = rating.channel == "kiosk", url_for("public.rate_thanks", code=page.point.code)
        db.session.commit()
    except InvalidAnswers as exc:
        db.session.rollback()
        return _render(page, form, 422, errors=exc.errors)
    except QuestionsChanged:
        db.session.rollback()
        flash(_("The questions have just changed. Please answer them again."), "warning")
        fresh = form_class(formdata=None)  # the page already holds the questions that apply now
        fresh.set_id.data = page.question_set.id
        return _render(page, fresh, 409)
    return _with_cookies(redirect(thanks, 303), kiosk)


def _whole(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


@bp.get("/rate/<code>/thanks")
def rate_thanks(code: str):
    try:
        _point, agency = points.by_code(code)
    except (PointNotFound, PointHidden) as exc:
        return _refused(exc, 404)
    kiosk = _is_kiosk()
    response = make_response(render_template("ratings/public/thanks.html", agency=agency, code=code, kiosk=kiosk,
                                             reset_seconds=KIOSK_RESET_SECONDS, locale=_locale()))
    if kiosk:  # the counter tablet goes back to an empty form for the next citizen
        response.headers["Refresh"] = f"{KIOSK_RESET_SECONDS}; url={url_for('public.rate', code=code)}"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/rate/<code>/kiosk/<token>")
@limiter.limit(_limit("RATELIMIT_RATING_DEVICE"), key_func=lambda: "rating-kiosk-open:" + get_remote_address(),
               deduct_when=lambda response: response.status_code == 404)
def rate_kiosk(code: str, token: str):
    """The counter tablet's link (shown once to the officer): it keeps the token in a cookie and opens the form."""
    try:
        point, _agency = points.by_code(code)
    except (PointNotFound, PointHidden) as exc:
        return _refused(exc, 404)
    if not points.kiosk_matches(point, token):
        abort(404)
    response = redirect(url_for("public.rate", code=point.code), 303)
    response.set_cookie(KIOSK_COOKIE, f"{point.code}:{token}", max_age=COOKIE_DAYS * 86400, path="/rate",
                        httponly=True, samesite="Lax", secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response
