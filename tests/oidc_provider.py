"""A real OpenID Connect provider for the tests, built with Authlib's server side.

It is a small Flask app of its own (in-memory people, clients, codes and tokens; an RSA key made at
start) served over HTTP on 127.0.0.1 by Werkzeug in a daemon thread, so the app under test talks to
it exactly as it talks to DGA's Digital ID: discovery, a sign-in page a browser fills in, the token
endpoint (server to server, client secret + PKCE), JWKS and userinfo.

    provider = OidcProvider.start()
    provider.add_person("somchai", "pw", sub="123", given_name="สมชาย", family_name="ใจดี", email="s@x.th")
    provider.register_client("ratchaflow", "secret", ["http://127.0.0.1:5000/login/digital-id/callback"])
    ... provider.issuer ...
    provider.stop()
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from html import escape

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError, OAuth2Error
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify, request
from joserfc.jwk import RSAKey
from werkzeug.serving import WSGIRequestHandler, make_server

CODE_LIFETIME_SECONDS = 600


@dataclass
class Person:
    username: str
    password: str
    sub: str
    given_name: str | None = None
    family_name: str | None = None
    name: str | None = None
    email: str | None = None
    citizen_id: str | None = None
    email_verified: bool | None = None  # sent as the email_verified claim when set

    def get_user_id(self) -> str:
        return self.sub


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    scope: str = "openid profile email"

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope):
        if not scope:
            return ""
        allowed = set(self.scope.split())
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    person: Person
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def is_expired(self):
        return time.time() > self.auth_time + CODE_LIFETIME_SECONDS

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return ["pwd"]


class RequiredS256Challenge(CodeChallenge):
    """PKCE for every client, confidential ones too, and only with S256.

    Authlib's ``CodeChallenge(required=True)`` insists on it for public clients only; Digital ID
    expects it from every client, and so does this provider.
    """

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: missing 'code_challenge'")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE is required with 'code_challenge_method=S256'")
        return super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant, result):
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'")
        return super().validate_code_verifier(grant, result)


class OidcProvider:
    def __init__(self) -> None:
        self.people: dict[str, Person] = {}
        self.clients: dict[str, Client] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.tokens: dict[str, dict] = {}
        self.used_nonces: set[str] = set()
        self.token_requests: list[dict] = []  # what the token endpoint was sent, for the tests to inspect
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-" + secrets.token_hex(4), "use": "sig",
                                                         "alg": "RS256"}, private=True)
        # Signs ID tokens instead of ``key`` while ``sign_with_foreign_key`` is set: a forged token.
        self.foreign_key = RSAKey.generate_key(2048, parameters={"kid": self.key.kid}, private=True)
        self.sign_with_foreign_key = False
        # Misbehaviours for the tests of the client's checks: another audience, a token already expired.
        self.audience_override: str | None = None
        self.id_token_lifetime = 3600
        self._lock = threading.Lock()
        self._server = None
        self._thread = None
        self.issuer = ""
        self.app = self._build_app()

    # ------------------------------------------------------------------ public API

    @classmethod
    def start(cls) -> OidcProvider:
        provider = cls()

        class QuietHandler(WSGIRequestHandler):
            def log_request(self, *args, **kwargs):
                pass

        provider._server = make_server("127.0.0.1", 0, provider.app, threaded=True, request_handler=QuietHandler)
        provider.issuer = f"http://127.0.0.1:{provider._server.server_port}"
        provider._thread = threading.Thread(target=provider._server.serve_forever, name="oidc-provider", daemon=True)
        provider._thread.start()
        return provider

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None

    def add_person(self, username: str, password: str, *, sub: str, given_name: str | None = None,
                   family_name: str | None = None, name: str | None = None, email: str | None = None,
                   citizen_id: str | None = None, email_verified: bool | None = None) -> Person:
        person = Person(username, password, sub, given_name, family_name, name, email, citizen_id, email_verified)
        with self._lock:
            self.people[username] = person
        return person

    def register_client(self, client_id: str, client_secret: str, redirect_uris: list[str]) -> Client:
        client = Client(client_id, client_secret, list(redirect_uris))
        with self._lock:
            self.clients[client_id] = client
        return client

    # ------------------------------------------------------------------ the provider app

    def _build_app(self) -> Flask:
        provider = self
        app = Flask("oidc_provider")
        app.config.update(SECRET_KEY=secrets.token_hex(16), OAUTH2_TOKEN_EXPIRES_IN={"authorization_code": 3600})

        def save_token(token, oauth_request):
            with provider._lock:
                provider.tokens[token["access_token"]] = {"person": oauth_request.user, "scope": token.get("scope", ""),
                                                          "expires_at": time.time() + token.get("expires_in", 3600)}

        server = AuthorizationServer(app, query_client=lambda client_id: provider.clients.get(client_id),
                                     save_token=save_token)

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code, oauth_request):
                data = oauth_request.payload.data
                item = AuthorizationCode(
                    code=code, client_id=oauth_request.client.client_id,
                    redirect_uri=oauth_request.payload.redirect_uri, scope=oauth_request.scope or "",
                    person=oauth_request.user, nonce=data.get("nonce"), code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"))
                with provider._lock:
                    provider.codes[code] = item
                    if item.nonce:
                        provider.used_nonces.add(item.nonce)
                return item

            def query_authorization_code(self, code, client):
                item = provider.codes.get(code)
                if item and item.client_id == client.client_id and not item.is_expired():
                    return item
                return None

            def delete_authorization_code(self, authorization_code):
                with provider._lock:
                    provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.person

        class IdToken(OpenIDCode):
            def exists_nonce(self, nonce, oauth_request):
                # A nonce already bound to a code is a replay; showing the sign-in page twice is not.
                return nonce in provider.used_nonces

            def resolve_client_private_key(self, client):
                return provider.foreign_key if provider.sign_with_foreign_key else provider.key

            def get_client_algorithm(self, client):
                return "RS256"

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": provider.key.kid}

            def get_client_claims(self, client):
                now = int(time.time())
                return {"iss": provider.issuer, "aud": [provider.audience_override or client.get_client_id()],
                        "iat": min(now, now + provider.id_token_lifetime), "exp": now + provider.id_token_lifetime}

            def generate_user_info(self, user, scope):
                return provider._claims(user, scope)

        server.register_grant(CodeGrant, [IdToken(require_nonce=True), RequiredS256Challenge(required=True)])

        @app.get("/.well-known/openid-configuration")
        def discovery():
            base = provider.issuer
            return jsonify({
                "issuer": base,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "userinfo_endpoint": f"{base}/userinfo",
                "jwks_uri": f"{base}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "profile", "email"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "code_challenge_methods_supported": ["S256"],
                "grant_types_supported": ["authorization_code"],
                "claims_supported": ["sub", "given_name", "family_name", "name", "email", "email_verified", "citizen_id"],
            })

        @app.get("/jwks")
        def jwks():
            return jsonify({"keys": [provider.key.as_dict(private=False)]})

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize():
            try:
                grant = server.get_consent_grant(end_user=None)
            except OAuth2Error as error:
                if error.redirect_uri:  # a known client and redirect: tell it, as the protocol says
                    return server.handle_error_response(None, error)
                return _page(f"<p id='error'>{escape(error.error)}: {escape(error.description or '')}</p>"), 400
            if "deny" in request.values or "cancel" in request.form:
                return server.create_authorization_response(grant_user=None, grant=grant)
            message = ""
            if request.method == "POST":
                person = provider.people.get(request.form.get("username", ""))
                if person and secrets.compare_digest(person.password, request.form.get("password", "")):
                    return server.create_authorization_response(grant_user=person, grant=grant)
                message = "<p id='error' style='color:#b00'>Wrong username or password.</p>"
            return _page(
                f"<h1>Test Digital ID</h1>{message}"
                "<form method='post'>"
                "<label>Username <input id='username' name='username' autocomplete='username'></label><br>"
                "<label>Password <input id='password' name='password' type='password'></label><br>"
                "<button type='submit' name='signin' value='1'>Sign in</button> "
                "<button type='submit' name='cancel' value='1' formnovalidate>Cancel</button>"
                "</form>")

        @app.post("/token")
        def token():
            with provider._lock:
                provider.token_requests.append(request.form.to_dict())
            return server.create_token_response()

        @app.route("/userinfo", methods=["GET", "POST"])
        def userinfo():
            header = request.headers.get("Authorization", "")
            entry = provider.tokens.get(header[7:]) if header.startswith("Bearer ") else None
            if entry is None or entry["expires_at"] < time.time():
                return jsonify({"error": "invalid_token"}), 401
            return jsonify(dict(provider._claims(entry["person"], entry["scope"])))

        return app

    @staticmethod
    def _claims(person: Person, scope: str) -> UserInfo:
        scopes = set((scope or "").split())
        info = UserInfo(sub=person.sub)
        if "profile" in scopes:
            for key in ("given_name", "family_name", "name", "citizen_id"):
                if getattr(person, key):
                    info[key] = getattr(person, key)
        if "email" in scopes and person.email:
            info["email"] = person.email
            if person.email_verified is not None:
                info["email_verified"] = person.email_verified
        return info


def _page(body: str) -> str:
    return f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Test Digital ID</title></head><body>{body}</body></html>"


# --------------------------------------------------------------------------- driving the flow from a test


def sign_in_at_provider(authorize_url: str, username: str | None, password: str | None = None, *,
                        cancel: bool = False) -> str:
    """Fill in the provider's sign-in page over real HTTP; returns where the provider sends the browser back."""
    import requests

    page = requests.get(authorize_url, timeout=10, allow_redirects=False)
    assert page.status_code == 200, (page.status_code, page.text[:500])
    assert "name='password'" in page.text
    data = {"cancel": "1"} if cancel else {"username": username, "password": password, "signin": "1"}
    answer = requests.post(authorize_url, data=data, timeout=10, allow_redirects=False)
    assert answer.status_code == 302, (answer.status_code, answer.text[:500])
    return answer.headers["Location"]


def app_path(url: str) -> str:
    """The path and query of an absolute URL, for the Flask test client."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sign_in_with_digital_id(client, username: str | None, password: str | None = None, *, cancel: bool = False,
                            next_path: str | None = None):
    """The whole flow with a Flask test client; returns the app's answer to the provider's redirect."""
    from urllib.parse import quote

    start = client.get("/login/digital-id" + (f"?next={quote(next_path)}" if next_path else ""))
    assert start.status_code == 302, start.get_data(as_text=True)[:500]
    back = sign_in_at_provider(start.headers["Location"], username, password, cancel=cancel)
    return client.get(app_path(back))
