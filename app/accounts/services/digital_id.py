"""Digital ID sign-in: OpenID Connect authorization-code flow with PKCE (S256), state and nonce.

Works with any provider found by discovery at ``<OIDC_ISSUER>/.well-known/openid-configuration``
(DGA's Digital ID is one). The view keeps the per-attempt secrets (state, nonce, PKCE verifier) in the
person's session and hands them back here; this module talks to the provider server to server, checks
the ID token (signature against the provider's JWKS, iss, aud, nonce, expiry) and finds or creates the
local user. It never reads the request itself.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from dataclasses import dataclass

from authlib.integrations.base_client import BaseApp, FrameworkIntegration, OAuth2Mixin, OAuthError, OpenIDMixin
from authlib.integrations.requests_client import OAuth2Session
from joserfc.errors import JoseError
from requests import RequestException
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.accounts.services import legacy_accounts
from app.core.extensions import db
from app.core.types import utcnow
from app.core.workflow import record_audit

log = logging.getLogger(__name__)

HTTP_TIMEOUT_SECONDS = 10
METADATA_MAX_AGE_SECONDS = 3600  # keys and endpoints are read again after this, or at once on an unknown key id


class DigitalIdError(Exception):
    """A sign-in that cannot go on. ``reason`` is one of REASONS; the view turns it into a message."""

    REASONS = ("cancelled", "bad_state", "unavailable", "invalid_token", "disabled_account", "provider_error")

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Settings:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def password_login_enabled(config) -> bool:
    return bool(config.get("PASSWORD_LOGIN_ENABLED", True))


def settings(config) -> Settings | None:
    """The provider settings, or None when Digital ID sign-in is off."""
    issuer = (config.get("OIDC_ISSUER") or "").strip()
    if not issuer or not config.get("DIGITAL_ID_ENABLED", True):
        return None
    return Settings(issuer=issuer, client_id=config.get("OIDC_CLIENT_ID") or "",
                    client_secret=config.get("OIDC_CLIENT_SECRET") or "",
                    scopes=config.get("OIDC_SCOPES") or "openid profile email")


def enabled(config) -> bool:
    return settings(config) is not None


class _Client(OAuth2Mixin, OpenIDMixin, BaseApp):
    """Authlib's framework-neutral OpenID client over ``requests``."""

    client_cls = OAuth2Session

    def load_server_metadata(self):
        loaded_at = self.server_metadata.get("_loaded_at")
        if loaded_at is not None and time.time() - loaded_at > METADATA_MAX_AGE_SECONDS:
            self.server_metadata.clear()
        return super().load_server_metadata()


_clients: dict[Settings, _Client] = {}
_clients_lock = threading.Lock()


def _client(conf: Settings) -> _Client:
    # One client per configuration, so discovery and JWKS are fetched once, not on every sign-in.
    with _clients_lock:
        client = _clients.get(conf)
        if client is None:
            client = _Client(FrameworkIntegration("digital_id"), "digital_id", client_id=conf.client_id,
                             client_secret=conf.client_secret, server_metadata_url=conf.discovery_url,
                             client_kwargs={"scope": conf.scopes, "code_challenge_method": "S256",
                                            "default_timeout": HTTP_TIMEOUT_SECONDS})
            _clients[conf] = client
        return client


def begin(conf: Settings, redirect_uri: str) -> tuple[str, dict]:
    """The provider's authorization URL, and what the caller must keep for ``finish``.

    The kept dict holds state, nonce, the PKCE verifier and the redirect URI.
    """
    client = _client(conf)
    _issuer(client, conf)
    try:
        rv = client.create_authorization_url(redirect_uri)
    except (RequestException, ValueError, RuntimeError, OAuthError) as exc:
        log.warning("Digital ID provider unreachable at %s: %s", conf.issuer, exc)
        raise DigitalIdError("unavailable", str(exc)) from exc
    kept = {"state": rv["state"], "nonce": rv["nonce"], "code_verifier": rv["code_verifier"],
            "redirect_uri": redirect_uri}
    return rv["url"], kept


def finish(conf: Settings, kept: dict | None, params: dict) -> dict:
    """Exchange the code from the provider's redirect for verified ID-token claims.

    ``params`` are the callback's query parameters; ``kept`` what ``begin`` returned (None when the
    session has none). Raises DigitalIdError; never returns unverified claims.
    """
    error = params.get("error")
    if error:
        raise DigitalIdError("cancelled" if error == "access_denied" else "provider_error",
                             f"{error} {params.get('error_description') or ''}".strip())
    state = params.get("state") or ""
    if not kept or not kept.get("state") or not hmac.compare_digest(str(kept["state"]), state):
        raise DigitalIdError("bad_state")
    code = params.get("code")
    if not code:
        raise DigitalIdError("provider_error", "no code")
    client = _client(conf)
    try:
        token = client.fetch_access_token(redirect_uri=kept["redirect_uri"], code=code,
                                          code_verifier=kept["code_verifier"])
    except RequestException as exc:
        raise DigitalIdError("unavailable", str(exc)) from exc
    except OAuthError as exc:  # the provider refused the code, the secret or the PKCE verifier
        raise DigitalIdError("provider_error", f"{exc.error} {exc.description or ''}".strip()) from exc
    if not token.get("id_token"):
        raise DigitalIdError("invalid_token", "no id_token in the token response")
    issuer = _issuer(client, conf)
    # Authlib alone lets a token whose aud is someone else's pass when azp names us; ask for both exactly.
    options = {"iss": {"essential": True, "value": issuer}, "aud": {"essential": True, "value": conf.client_id},
               "sub": {"essential": True}}
    try:
        claims = client.parse_id_token(token, nonce=kept["nonce"], claims_options=options, leeway=60)
    except RequestException as exc:
        raise DigitalIdError("unavailable", str(exc)) from exc
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise DigitalIdError("invalid_token", f"{type(exc).__name__}: {exc}") from exc
    if not claims or not claims.get("sub"):
        raise DigitalIdError("invalid_token", "no sub")
    return dict(claims)


def _issuer(client: _Client, conf: Settings) -> str:
    """The issuer discovery names, which must be the configured one (OpenID Connect Discovery 1.0 §4.3)."""
    try:
        metadata = client.load_server_metadata()
    except (RequestException, ValueError) as exc:
        raise DigitalIdError("unavailable", str(exc)) from exc
    issuer = metadata.get("issuer") or ""
    if issuer.rstrip("/") != conf.issuer.rstrip("/"):
        raise DigitalIdError("invalid_token", f"discovery names issuer {issuer!r}, configured {conf.issuer!r}")
    return issuer


# --------------------------------------------------------------------------- the local user


def _display_name(claims: dict) -> str:
    given = (claims.get("given_name") or "").strip()
    family = (claims.get("family_name") or "").strip()
    full = " ".join(part for part in (given, family) if part)
    return (full or (claims.get("name") or "").strip() or (claims.get("email") or "").strip())[:255]


def _username_for(issuer: str, subject: str) -> str:
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()
    for length in (10, 16, 24, 64):  # a clash of 10 hex digits is unlikely; longer prefixes settle it
        candidate = f"did-{digest[:length]}"
        if db.session.scalar(select(User.id).where(User.username == candidate)) is None:
            return candidate
    raise RuntimeError("no free user name")  # pragma: no cover - needs a SHA-256 collision


def _find(issuer: str, subject: str) -> User | None:
    return db.session.scalar(select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject))


def user_for_claims(claims: dict) -> tuple[User, bool]:
    """The local user for verified claims, created on first sign-in; returns (user, created).

    Name and e-mail follow the provider on every sign-in. ``citizen_id`` and any other claim are
    deliberately not stored: the back office has no use for them (the citizen id only serves, hashed, to find an
    officer's account moved in from the legacy system). Flushes, never commits.
    """
    issuer, subject = claims["iss"], str(claims["sub"])
    name = _display_name(claims)
    email = (claims.get("email") or "").strip()[:255] or None
    user = _find(issuer, subject)
    created = False
    if user is None:
        # An officer moved in from the legacy system signs in for the first time: their account, with its roles.
        user = legacy_accounts.claim_for_sign_in(claims)
    if user is None:
        try:
            # Two first sign-ins of one person at once: the unique (issuer, subject) lets one insert win.
            with db.session.begin_nested():
                username = _username_for(issuer, subject)
                user = User(username=username, display_name=name or username, email=email, password_hash=None,
                            oidc_issuer=issuer, oidc_subject=subject)
                db.session.add(user)
                db.session.flush()
            created = True
        except IntegrityError:
            user = _find(issuer, subject)
            if user is None:
                raise
    if not user.active:
        raise DigitalIdError("disabled_account")
    if created:
        record_audit("user.created_by_digital_id", actor_id=user.id, object_type="user", object_id=user.id,
                     after={"username": user.username, "display_name": user.display_name, "email": user.email})
    else:
        before = {"display_name": user.display_name, "email": user.email}
        if name and user.display_name != name:
            user.display_name = name
        if email and user.email != email:
            user.email = email
        after = {"display_name": user.display_name, "email": user.email}
        if after != before:
            record_audit("user.updated_by_digital_id", actor_id=user.id, object_type="user", object_id=user.id,
                         before=before, after=after)
    user.last_login_at = utcnow()
    return user, created


def has_active_membership(user: User) -> bool:
    return bool(user.memberships)  # the relationship holds active memberships only
