"""Settings from environment variables; ``instance/config.py`` may override any of them."""

import os


def _bool(name: str, default: bool | None) -> bool | None:
    value = os.environ.get(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")  # filled from instance/secret_key when unset
    # The key of the citizen ids' HMAC (officers moved in from the legacy system); SECRET_KEY when unset. Changing
    # it (or SECRET_KEY without it) means officers not yet matched are matched by e-mail only, until re-imported.
    CITIZEN_ID_HASH_KEY = os.environ.get("CITIZEN_ID_HASH_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # default: SQLite in instance/
    # Each statement's SQL is compiled once and kept (SQLAlchemy's compiled cache): the inbox alone has some 320
    # shapes (tab, sort, filters, words searched), counted over 1,200 varied pages; the default 500 for the whole
    # app would compile again what it dropped.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "query_cache_size": 2000}
    # SQLite (in WAL mode) waits for the disk at each commit (FULL): a committed form survives a power cut. NORMAL
    # survives the app's crash but may lose the last commits to a power cut; OFF is for throwaway databases only.
    SQLITE_SYNCHRONOUS = os.environ.get("SQLITE_SYNCHRONOUS", "FULL")
    # PostgreSQL's JIT compiles a query it estimates as costly, which the reports' sums over many rows are: the
    # compiling took 30–40 ms of a national monthly satisfaction report's 90 (1,000,000 ratings). Off by default on
    # the app's connections; 1 turns it back on (the server's own setting then decides).
    POSTGRES_JIT = _bool("POSTGRES_JIT", False)
    # How passwords are hashed: scrypt with N=2^14, r=8, p=1 (16 MiB of memory and about 50 ms of one core per
    # sign-in on a 2-core server; werkzeug's default, N=2^15, takes twice both). Hashes made with other
    # parameters keep working and are made again with these at the next sign-in.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt:16384:8:1")

    # Capabilities plugged in besides the factory's own (module names, each with a capability.py): a deployment's
    # own, or a test's. instance/config.py may set it.
    EXTRA_CAPABILITIES: tuple[str, ...] = ()

    BABEL_DEFAULT_LOCALE = "th"
    BABEL_DEFAULT_TIMEZONE = "Asia/Bangkok"
    LANGUAGES = ("th", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Cookies sent over HTTPS only: on by default when BASE_URL starts with https:// (see derive_settings);
    # SESSION_COOKIE_SECURE / REMEMBER_COOKIE_SECURE = 0 or 1 decide instead.
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", None)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("REMEMBER_COOKIE_SECURE", None)
    # The Strict-Transport-Security header: "max-age=31536000" (a year) by default when BASE_URL starts with
    # https://, none otherwise; set it to another value, or to "off" to send none.
    STRICT_TRANSPORT_SECURITY = os.environ.get("STRICT_TRANSPORT_SECURITY")
    # How many reverse proxies stand in front of the app (nginx alone: 1). Their X-Forwarded-For and
    # X-Forwarded-Proto then give each visitor's own address (rate limits count per address) and the scheme.
    # 0 (the default, no proxy): those headers are ignored, since anyone can send them.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
    # A Server-Timing header on every response (SQL, rendering, the app's time: app.core.server_timing); it tells
    # anyone how long the database took, so it is for measuring, not for a public server.
    SERVER_TIMING = _bool("SERVER_TIMING", False)
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 4 * 1024 * 1024))  # a long manual is < 1 MB
    # A JSON body (the API): the longest form, every field at its limit in escaped Thai, is well under this.
    JSON_MAX_BYTES = int(os.environ.get("JSON_MAX_BYTES", 256 * 1024))
    # A sample form (PDF/PNG/JPEG) may be this large; only its upload request is allowed past MAX_CONTENT_LENGTH.
    MANUAL_ATTACHMENT_MAX_BYTES = int(os.environ.get("MANUAL_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))
    # A legacy export uploaded by an administrator (a zip, or the files themselves), and what a zip may unpack to.
    LEGACY_IMPORT_MAX_BYTES = int(os.environ.get("LEGACY_IMPORT_MAX_BYTES", 50 * 1024 * 1024))
    LEGACY_IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("LEGACY_IMPORT_MAX_UNPACKED_BYTES", 500 * 1024 * 1024))
    # How often the background job looks for imports started on the screen (at once in the web process's scheduler).
    LEGACY_IMPORT_POLL_SECONDS = int(os.environ.get("LEGACY_IMPORT_POLL_SECONDS", 30))

    # Where rate-limit counts live. Every web worker must see the same counts, so production sets REDIS_URL
    # (redis://host:6379/0); RATELIMIT_STORAGE_URI, when set, names another store. With neither, each process
    # counts alone in its memory: right for one development server only.
    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI")  # default: REDIS_URL, else memory://
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "ratchaflow")
    # While Redis cannot be reached, each process counts in memory rather than refuse every request.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute")
    # Agencies from a CSV file (the administrators' page and the API), per address.
    RATELIMIT_AGENCY_UPLOAD = os.environ.get("RATELIMIT_AGENCY_UPLOAD", "30 per hour")
    # The public status lookup of delayed applications, per address: enough for a person, too few to guess codes.
    RATELIMIT_STATUS_LOOKUP = os.environ.get("RATELIMIT_STATUS_LOOKUP", "20 per minute")
    # Wrong role tokens, per signed-in person (successful redemptions are not counted).
    RATELIMIT_TOKEN = os.environ.get("RATELIMIT_TOKEN", "5 per minute")

    # The JSON API, per token (reads and writes counted apart), and per address for what anyone may call.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")
    API_WRITE_RATE_LIMIT = os.environ.get("API_WRITE_RATE_LIMIT", "120 per minute")
    API_PUBLIC_RATE_LIMIT = os.environ.get("API_PUBLIC_RATE_LIMIT", "60 per minute")

    # IR Online, per address: new reports, reporter sign-ups, and wrong follow-up links (right ones are not counted).
    RATELIMIT_IR_REPORT = os.environ.get("RATELIMIT_IR_REPORT", "10 per hour")
    RATELIMIT_IR_SIGNUP = os.environ.get("RATELIMIT_IR_SIGNUP", "5 per hour")
    RATELIMIT_IR_FOLLOW = os.environ.get("RATELIMIT_IR_FOLLOW", "20 per minute")
    # What is sent with a follow-up link (replies with their files, confirm, reopen, rating), per address, all
    # together: a person answering an officer never needs more; a script filling the desk and the disk stops here.
    RATELIMIT_IR_FOLLOW_WRITE = os.environ.get("RATELIMIT_IR_FOLLOW_WRITE", "30 per hour")
    # A public IR form sent sooner than this after it was shown is refused (people take longer; scripts do not).
    IR_FORM_MIN_SECONDS = int(os.environ.get("IR_FORM_MIN_SECONDS", 3))
    # A reporter's e-mail verification link works once, within this many hours.
    REPORTER_VERIFY_HOURS = int(os.environ.get("REPORTER_VERIFY_HOURS", 48))
    # A reporter's password-reset link works once, within this many hours; requests for one, per address.
    REPORTER_RESET_HOURS = int(os.environ.get("REPORTER_RESET_HOURS", 2))
    RATELIMIT_IR_PASSWORD = os.environ.get("RATELIMIT_IR_PASSWORD", "5 per hour")

    # One-time role tokens expire after this many days when nobody redeems them.
    ROLE_TOKEN_DAYS = int(os.environ.get("ROLE_TOKEN_DAYS", 14))

    # Sign-in. The local password form is the embedded default; Digital ID (any OpenID Connect provider,
    # found by discovery at <OIDC_ISSUER>/.well-known/openid-configuration) is on when OIDC_ISSUER is set.
    PASSWORD_LOGIN_ENABLED = _bool("PASSWORD_LOGIN_ENABLED", True)
    DIGITAL_ID_ENABLED = _bool("DIGITAL_ID_ENABLED", True)
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET")
    OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid profile email")
    OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "Digital ID")
    # The callback URL registered at the provider; by default built from the request's host.
    OIDC_REDIRECT_URI = os.environ.get("OIDC_REDIRECT_URI")

    # Manual review deadlines, in working days.
    REVIEW_REMIND_AFTER_DAYS = int(os.environ.get("REVIEW_REMIND_AFTER_DAYS", 3))
    REVIEW_ESCALATE_AFTER_DAYS = int(os.environ.get("REVIEW_ESCALATE_AFTER_DAYS", 2))

    # Licence-issuance reports: a month closes on this day of the next month (end of day, Bangkok time).
    REPORT_CLOSE_DAY = int(os.environ.get("REPORT_CLOSE_DAY", 10))
    # Unlock requests, in working days: the window an approval opens, and OPDC's reminder and escalation.
    UNLOCK_WINDOW_DAYS = int(os.environ.get("UNLOCK_WINDOW_DAYS", 5))
    UNLOCK_REMIND_AFTER_DAYS = int(os.environ.get("UNLOCK_REMIND_AFTER_DAYS", 2))
    UNLOCK_ESCALATE_AFTER_DAYS = int(os.environ.get("UNLOCK_ESCALATE_AFTER_DAYS", 2))
    # The unlock approval letter's reference prefix (the sender's address and footer are set in
    # instance/config.py as lists of lines: LETTER_SENDER_ADDRESS, LETTER_FOOTER).
    LETTER_REFERENCE_PREFIX = os.environ.get("LETTER_REFERENCE_PREFIX", "นร 1200")

    INBOX_PAGE_SIZE = 20

    # IR Online: attachments per report or reply and the size of each; the department whose staff run the helpdesk.
    HELPDESK_MAX_ATTACHMENTS = int(os.environ.get("HELPDESK_MAX_ATTACHMENTS", 5))
    HELPDESK_MAX_ATTACHMENT_BYTES = int(os.environ.get("HELPDESK_MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024))
    HELPDESK_AGENCY_CODE = os.environ.get("HELPDESK_AGENCY_CODE", "cgd")
    HELPDESK_PAGE_SIZE = 25

    # Scheduler: run inside the web process (``make run``) or alone (``flask scheduler run``).
    SCHEDULER_IN_PROCESS = _bool("SCHEDULER_IN_PROCESS", False)
    SCHEDULER_TIMER_INTERVAL_SECONDS = int(os.environ.get("SCHEDULER_TIMER_INTERVAL_SECONDS", 30))
    SCHEDULER_OUTBOX_INTERVAL_SECONDS = int(os.environ.get("SCHEDULER_OUTBOX_INTERVAL_SECONDS", 15))
    TIMER_BATCH_SIZE = 100

    # E-mail: sent only when MAIL_SERVER is set.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "RatchaFlow <no-reply@ratchaflow.local>")
    OUTBOX_MAX_ATTEMPTS = 8

    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")


def derive_settings(config) -> None:
    """Fill the settings whose defaults follow from others, once every source (environment, instance/config.py,
    the factory's overrides) has been read."""
    if not config.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = config.get("REDIS_URL") or "memory://"
    https = str(config.get("BASE_URL") or "").lower().startswith("https://")
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if config.get(key) is None:
            config[key] = https
    uri = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    if uri.startswith("postgresql"):
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        if not config.get("POSTGRES_JIT"):
            connect_args["options"] = f"{connect_args.get('options', '')} -c jit=off".strip()
        # psycopg prepares a statement at its fifth use and forgets them all at a ROLLBACK (one more round trip,
        # DEALLOCATE ALL), which ends every request: each request paid to prepare again what it could not keep,
        # 0.1-0.5 ms. Never prepared, each statement is planned for its own values, as it was.
        connect_args.setdefault("prepare_threshold", None)
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options | {"connect_args": connect_args}
    hsts = config.get("STRICT_TRANSPORT_SECURITY")
    if hsts is None:
        hsts = "max-age=31536000" if https else ""
    config["STRICT_TRANSPORT_SECURITY"] = "" if hsts.strip().lower() in {"", "0", "off", "no", "false"} else hsts
