"""Cercanía settings: one file, every value from the environment.

Every variable is documented in README.md. Helpers fail loudly on a malformed value
instead of silently falling back, so a typo in production is a startup error.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from cercania.lib.crypto import generate_hash_key, generate_key_entry
from cercania.lib.logformat import LOG_FORMATS, audit_copy_handler, console_logging

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CERCANIA_VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def envchoice(name: str, default: str, choices: set[str]) -> str:
    raw = os.environ.get(name) or default
    if raw not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {sorted(choices)}, got {raw!r}")
    return raw


def secret_key_is_weak(key: str) -> bool:
    # The same thresholds as Django's security.W009 check.
    return len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-")


def local_secret(name: str, make: Callable[[], str]) -> str:
    """A per-checkout development secret kept in var/, created on first use, mode 600."""
    path = VAR_DIR / name
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
            handle.write(make() + "\n")
    return path.read_text().strip()


DEBUG = envbool("CERCANIA_DEBUG", True)

SECRET_KEY = os.environ.get("CERCANIA_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "CERCANIA_SECRET_KEY is not set. With CERCANIA_DEBUG off a secret key is required: "
            'generate one with: python3 -c "import secrets; print(secrets.token_urlsafe(64))"'
        )
    SECRET_KEY = local_secret("secret_key", lambda: secrets.token_urlsafe(64))
elif not DEBUG and secret_key_is_weak(SECRET_KEY):
    raise ImproperlyConfigured(
        "CERCANIA_SECRET_KEY is too weak: use at least 50 random characters "
        '(python3 -c "import secrets; print(secrets.token_urlsafe(64))").'
    )

# Field encryption: a key ring separate from SECRET_KEY, newest key first
# ("key_id:base64url", comma-separated). Back it up apart from the database: without
# it the case files cannot be read. See docs/security.md for rotation.
FIELD_ENCRYPTION_KEYS = envlist("CERCANIA_FIELD_KEYS", [])
FIELD_HASH_KEY = os.environ.get("CERCANIA_FIELD_HASH_KEY", "")
if not FIELD_ENCRYPTION_KEYS or not FIELD_HASH_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "CERCANIA_FIELD_KEYS and CERCANIA_FIELD_HASH_KEY are required with CERCANIA_DEBUG off: "
            "generate them with `cercania generate_keys`."
        )
    FIELD_ENCRYPTION_KEYS = (
        FIELD_ENCRYPTION_KEYS
        or local_secret("field_keys", lambda: generate_key_entry("dev1")).split()
    )
    FIELD_HASH_KEY = FIELD_HASH_KEY or local_secret("field_hash_key", generate_hash_key)

# Backups (`cercania backup`, docs/backup.md) have their own key, apart from the field
# ring and SECRET_KEY: whoever holds the archives cannot open them, and a leaked field
# key opens no archive. "key_id:base64url", newest first; older ids only to restore
# older archives. Not needed to run the app; the backup commands refuse without it.
BACKUP_KEYS = envlist("CERCANIA_BACKUP_KEY", [])
if not BACKUP_KEYS and DEBUG:
    BACKUP_KEYS = local_secret("backup_key", lambda: generate_key_entry("devbackup1")).split()

ALLOWED_HOSTS = envlist(
    "CERCANIA_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = envlist("CERCANIA_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "cercania.accounts",
    "cercania.institute",
    "cercania.partners",
    "cercania.operations",
    "cercania.privacy",
    "cercania.cases",
    "cercania.scheduling",
    "cercania.notifications",
    "cercania.api",
    "cercania.reports",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # django-otp's framework only: its TOTP and static plugins store seeds and codes
    # in plain text; cercania.accounts has its own devices (encrypted seed, hashed codes).
    "django_otp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "django_htmx",
    "template_partials",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # WhiteNoise answers static files before the middlewares below see them, so
    # static responses stay cacheable while every dynamic page gets no-store.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cercania.privacy.middleware.RequestContextMiddleware",
    "cercania.operations.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cercania.operations.middleware.SpanishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "cercania.operations.middleware.NullOriginMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "cercania.operations.middleware.UnchangedCsrfCookieMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cercania.urls"
WSGI_APPLICATION = "cercania.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cercania.institute.context_processors.institute",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Persistent connections, checked before reuse: after PostgreSQL restarts (an
    # outage, a failover) a stale connection is replaced instead of failing her next
    # request (cercania/operations/tests/test_database_outage.py). The check is a
    # SELECT 1 at the first query of each request: about 0.1 ms of CPU, some 3 % of a
    # booking question (bench/pagecost.py --no-health-checks), kept for that.
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "cercania.sqlite3"),
            "OPTIONS": {
                # WAL lets readers go on while one writer holds the lock; IMMEDIATE
                # takes the write lock at BEGIN so two bookings serialise instead of
                # failing with "database is locked" halfway through.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # Tests use a file, not Django's shared-cache in-memory database, whose
            # table locks ignore the busy timeout: concurrency tests must see the
            # same locking as production SQLite. One file per process: runs never collide.
            "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # The institute's, its town's and the system's names (ASVS 6.2.11).
    {"NAME": "cercania.accounts.passwords.ContextWordsValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out user+IP before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"

# Staff authentication (ASVS V6/V7): a second factor for everyone, throttled logins,
# idle and absolute session limits.
LOGIN_COOLOFF_MINUTES = envint("CERCANIA_LOGIN_COOLOFF_MINUTES", 15)
AXES_FAILURE_LIMIT = envint("CERCANIA_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = LOGIN_COOLOFF_MINUTES / 60  # hours; a float keeps minute precision
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A try during the cool-off is refused but does not restart it: the lock page can
# promise a fixed wait.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # one row per failed login, kept for review
# How long its failure, attempt and access logs are kept (`cercania purge_audit`).
LOGIN_LOG_RETENTION_DAYS = envint("CERCANIA_LOGIN_LOG_RETENTION_DAYS", 90)
AXES_LOCKOUT_CALLABLE = "cercania.accounts.views.locked_out"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False  # its log lines mask the email and IP (AXES_SENSITIVE_PARAMETERS)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
OTP_TOTP_ISSUER = os.environ.get("CERCANIA_OTP_ISSUER", "Cercanía")
SESSION_IDLE_TIMEOUT_MINUTES = envint("CERCANIA_SESSION_IDLE_MINUTES", 30)
SESSION_ABSOLUTE_HOURS = envint("CERCANIA_SESSION_ABSOLUTE_HOURS", 10)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 3600
# Django's database sessions (server-side, for staff and for her booking answers),
# read with a plain SELECT instead of the ORM (cercania/lib/sessions.py).
SESSION_ENGINE = "cercania.lib.sessions"
# Enforces the two limits above on the server, and ends the sessions of a disabled
# user or of one ended from her sessions page. It needs request.user, its OTP device
# and messages, so it goes right after MessageMiddleware.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "cercania.accounts.middleware.StaffSessionMiddleware",
)
# A reset link is a password: short-lived. Resetting never signs in (the second
# factor is still asked at login).
PASSWORD_RESET_TIMEOUT = envint("CERCANIA_PASSWORD_RESET_MINUTES", 60) * 60
EMAIL_BACKEND = os.environ.get(
    "CERCANIA_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)

# Language and time: Spanish (Mexico) first. TIME_ZONE is the institute's zone: every
# date shown and every rule about opening hours uses it; the database keeps UTC.
LANGUAGE_CODE = "es-mx"
LANGUAGES = [("es-mx", "Español (México)"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("CERCANIA_TIME_ZONE", "America/Chihuahua")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("CERCANIA_STATIC_ROOT", VAR_DIR / "staticfiles"))
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "cercania.lib.static_storage.ManifestStaticStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Security. Behind a TLS-terminating proxy in production (see docs/deploy.md).
HTTPS = envbool("CERCANIA_HTTPS", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
# Until the browser closes, as the language cookie (Django's default keeps it a year): a
# phone someone else looks at keeps no lasting trace of this site. Not sent again while
# unchanged (UnchangedCsrfCookieMiddleware). A form sent after it is gone gets
# csrf_failure's page, which offers the same page again.
CSRF_COOKIE_AGE = None
CSRF_FAILURE_VIEW = "cercania.operations.views.csrf_failure"
# "__Host-" cookies are bound to this exact host and path, over HTTPS only.
SESSION_COOKIE_NAME = "__Host-sessionid" if HTTPS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if HTTPS else "csrftoken"
LANGUAGE_COOKIE_NAME = "__Host-lang" if HTTPS else "django_language"
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    }
}
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "interest-cohort=(), browsing-topics=()"
)

# Booking rules (see docs and issue 4): minimum notice before a session and how far
# ahead she can book.
BOOKING_MIN_NOTICE_MINUTES = envint("CERCANIA_BOOKING_MIN_NOTICE_MINUTES", 120)
BOOKING_HORIZON_DAYS = envint("CERCANIA_BOOKING_HORIZON_DAYS", 30)
# How many database connections one report (the dashboard) reads with at once, on
# PostgreSQL: its queries are independent and each runs on one core. 1 reads them one
# after another. See cercania/lib/analytic.py.
REPORT_QUERY_CONNECTIONS = max(1, envint("CERCANIA_REPORT_QUERY_CONNECTIONS", 2))

# Video sessions: "manual" (the advisor's fixed room link), "zoom" or "jitsi".
MEETING_PROVIDER = os.environ.get("CERCANIA_MEETING_PROVIDER", "manual")
ZOOM_ACCOUNT_ID = os.environ.get("CERCANIA_ZOOM_ACCOUNT_ID", "")
ZOOM_CLIENT_ID = os.environ.get("CERCANIA_ZOOM_CLIENT_ID", "")
ZOOM_CLIENT_SECRET = os.environ.get("CERCANIA_ZOOM_CLIENT_SECRET", "")
ZOOM_API_BASE = os.environ.get("CERCANIA_ZOOM_API_BASE", "https://api.zoom.us/v2")
ZOOM_OAUTH_URL = os.environ.get("CERCANIA_ZOOM_OAUTH_URL", "https://zoom.us/oauth/token")
JITSI_BASE_URL = os.environ.get("CERCANIA_JITSI_BASE_URL", "")
JITSI_APP_ID = os.environ.get("CERCANIA_JITSI_APP_ID", "")
JITSI_SECRET = os.environ.get("CERCANIA_JITSI_SECRET", "")
JITSI_AUDIENCE = os.environ.get("CERCANIA_JITSI_AUDIENCE", "jitsi")
# Public pages that take a secret in the path (her manage link) are rate-limited.
MANAGE_LINK_LOOKUPS_PER_HOUR = envint("CERCANIA_MANAGE_LINK_LOOKUPS_PER_HOUR", 60)

# A cache shared by every process (rate limits must count across gunicorn workers):
# the database by default, Redis when CERCANIA_REDIS_URL is set.
REDIS_URL = os.environ.get("CERCANIA_REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cercania_cache"}
}

# Where rate limits count (cercania/lib/ratelimit.py): Redis when there is one, else
# one atomic upsert per hit in the database (operations.RateLimitWindow).
RATE_LIMIT_STORE = "cache" if REDIS_URL else "database"

# Background tasks (django-tasks, database backend), run by `cercania worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# /healthz calls the worker stale when its newest heartbeat (one every 30 s) is older.
WORKER_STALE_SECONDS = envint("CERCANIA_WORKER_STALE_SECONDS", 300)

# Outgoing messages. The console backend prints emails in development.
EMAIL_BACKEND = os.environ.get(
    "CERCANIA_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("CERCANIA_EMAIL_HOST", "localhost")
EMAIL_PORT = envint("CERCANIA_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("CERCANIA_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CERCANIA_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("CERCANIA_EMAIL_USE_TLS", False)
# A neutral sender: never the institute's name (a shared inbox must not reveal it).
DEFAULT_FROM_EMAIL = os.environ.get("CERCANIA_EMAIL_FROM", "Citas <citas@localhost>")
SMS_BACKEND = os.environ.get("CERCANIA_SMS_BACKEND", "console")  # console | file | twilio
TWILIO_ACCOUNT_SID = os.environ.get("CERCANIA_TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("CERCANIA_TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = os.environ.get("CERCANIA_TWILIO_FROM_NUMBER", "")
TWILIO_WHATSAPP_FROM = os.environ.get("CERCANIA_TWILIO_WHATSAPP_FROM", "")
TWILIO_API_BASE = os.environ.get("CERCANIA_TWILIO_API_BASE", "https://api.twilio.com")
REMINDER_HOURS_BEFORE = [int(h) for h in envlist("CERCANIA_REMINDER_HOURS_BEFORE", ["24", "1"])]
STAFF_AGENDA_EMAIL_HOUR = envint("CERCANIA_STAFF_AGENDA_EMAIL_HOUR", 18)
# Absolute links in messages (manage link, join link) start with this.
PUBLIC_BASE_URL = os.environ.get("CERCANIA_PUBLIC_BASE_URL", "http://127.0.0.1:8000")

# Public API v1: browser origins allowed to call it, and rate limits.
API_CORS_ORIGINS = envlist("CERCANIA_API_CORS_ORIGINS", [])
API_RATE_BOOKINGS_PER_HOUR = envint("CERCANIA_API_RATE_BOOKINGS_PER_HOUR", 10)
API_RATE_TOKEN_LOOKUPS_PER_HOUR = envint("CERCANIA_API_RATE_TOKEN_LOOKUPS_PER_HOUR", 60)
API_RATE_SLOTS_PER_MINUTE = envint("CERCANIA_API_RATE_SLOTS_PER_MINUTE", 120)

AUDIT_RETENTION_DAYS = envint("CERCANIA_AUDIT_RETENTION_DAYS", 3650)
# ARCO deadlines in business days (closed days count as non-business days). Defaults
# from the 2025 federal law as read in DOMAIN.md: to confirm with the local authority.
ARCO_ANSWER_BUSINESS_DAYS = envint("CERCANIA_ARCO_ANSWER_BUSINESS_DAYS", 20)
ARCO_EXTENSION_BUSINESS_DAYS = envint("CERCANIA_ARCO_EXTENSION_BUSINESS_DAYS", 10)
ARCO_EXECUTION_BUSINESS_DAYS = envint("CERCANIA_ARCO_EXECUTION_BUSINESS_DAYS", 15)
ARCO_ALERT_BUSINESS_DAYS = envint("CERCANIA_ARCO_ALERT_BUSINESS_DAYS", 3)

# The exit button leaves for a neutral site. Only these addresses are ever used,
# whatever a request says, so the button cannot be turned into an open redirect.
EXIT_URL = os.environ.get("CERCANIA_EXIT_URL", "https://www.google.com/search?q=clima")
EXIT_ALLOWED_URLS = envlist("CERCANIA_EXIT_ALLOWED_URLS", [EXIT_URL])
if EXIT_URL not in EXIT_ALLOWED_URLS:
    raise ImproperlyConfigured("CERCANIA_EXIT_URL must be one of CERCANIA_EXIT_ALLOWED_URLS")

# "json": one object per line for a log collector (cercania/lib/logformat.py).
LOG_FORMAT = envchoice("CERCANIA_LOG_FORMAT", "text", set(LOG_FORMATS))
# Where every audit row is copied as it commits, off this server's database:
# "syslog" (rsyslog forwards it, deploy/rsyslog/), "file:/path", or empty for none
# (cercania/privacy/audit_copy.py; `cercania audit_verify` compares a copy back).
AUDIT_COPY = os.environ.get("CERCANIA_AUDIT_COPY", "").strip()
try:
    audit_copy_handler(AUDIT_COPY)
except ValueError as error:
    raise ImproperlyConfigured(f"CERCANIA_AUDIT_COPY: {error}") from None
LOGGING = console_logging(
    audit_copy=AUDIT_COPY,
    log_format=LOG_FORMAT,
    level=os.environ.get("CERCANIA_LOG_LEVEL", "INFO"),
    loggers={
        # Without Django's own handlers (a console one in DEBUG, mail_admins): its
        # records go up to ours, which redact; Django's printed them unredacted.
        "django": {"handlers": [], "propagate": True},
        # Request lines carry paths and query strings: keep them out of the logs.
        "django.server": {"level": "WARNING"},
        # One INFO line per login is noise; failures (WARNING) are still logged.
        "axes": {"level": "WARNING"},
    },
)
