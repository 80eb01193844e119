"""SoleFlip settings: one module, every value from the environment, loud on bad values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from soleflip.db import embedded
from soleflip.db.schemas import SEARCH_PATH
from soleflip.env import env_bool, env_int, env_list, env_str, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
# The test suite's settings module (soleflip/settings_test.py) sets SOLEFLIP_TESTING=1:
# a fixed, throw-away secret and encryption key, and a fast password hasher.
TESTING = env_bool("SOLEFLIP_TESTING", default=False)

_secret = env_str("SECRET_KEY")
if not _secret:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off. `make run` sets DEBUG=1 for local use."
        )
    _secret = "insecure-development-key-only-for-debug-and-tests"
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Unfold restyles contrib.admin and must come before it.
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.simple_history",
    "unfold.contrib.import_export",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "pgtrigger",
    "procrastinate.contrib.django",
    "simple_history",
    "import_export",
    "axes",
    # Cross-cutting code and its operations commands (backup, restore, partitions, ...).
    "soleflip.apps.SoleflipConfig",
    # Demo and benchmark data (seed_demo); it writes through the apps' services.
    "demo",
    "accounts",
    "catalog",
    "pricing",
    "transactions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "soleflip.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "soleflip.middleware.ActingUserMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns lockouts into a clear response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked-out username+IP pairs before checking
    "django.contrib.auth.backends.ModelBackend",
]
# Lock out a username from one IP after repeated failures (review 7.2; not the whole IP,
# so one office's NAT does not lock out colleagues).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0, minimum=0)

ROOT_URLCONF = "soleflip.urls"
WSGI_APPLICATION = "soleflip.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "soleflip" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL, else the embedded server under var/ (started by `make run`/`make test`
# or `python -m soleflip.db.embedded start`).
_database_url = env_str("DATABASE_URL") or embedded.running_url()
if not _database_url:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set and the embedded PostgreSQL under var/ is not running. "
        "Use `make run` / `make test`, start it with `.venv/bin/python -m soleflip.db.embedded start`, "
        "or set DATABASE_URL=postgresql://USER:PASSWORD@HOST:PORT/DBNAME."
    )
_database = parse_database_url(_database_url)
_options = dict(_database.pop("OPTIONS"))  # type: ignore[call-overload]
# Every connection sees public first (Django's own tables), then the app schemas, so models
# keep bare table names while their tables live in the review's schemas (docs/adr/0001).
_options["options"] = f"-c search_path={','.join(SEARCH_PATH)}"
# A feed import stages each pass (up to 50,000 rows, ~150 MB) in temporary tables, which
# live in the session's temporary buffers: PostgreSQL's 8 MB default sends them through temp
# files, re-read by every step of the pass. Only a session using temporary tables takes the
# memory, as it fills them; the setting must be made before its first temporary table.
_options["options"] += " -c temp_buffers=256MB"
# Every pgtrigger trigger first reads ``pgtrigger.ignore`` inside an exception block; unset,
# the read raises, and the caught error rolls back a subtransaction, for which PostgreSQL
# walks every deferred trigger event still pending in the transaction. With the pair checks
# deferred to commit that made big transactions quadratic (18,000 generated pairs: 116-162 s
# of checks; with the setting: 5 s). An empty list, "ignore no trigger", reads without error.
_options["options"] += " -c pgtrigger.ignore={}"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        **_database,
        "OPTIONS": _options,
        "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
        "ATOMIC_REQUESTS": True,
        "TEST": {"NAME": env_str("DATABASE_TEST_NAME") or f"test_{_database['NAME']}"},
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/admin/login/"
LOGIN_REDIRECT_URL = "/admin/"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests create many users and test behaviour, not hashing.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "Europe/Berlin") or "UTC"
USE_I18N = True
USE_TZ = True

# Amounts are integer cents with a currency; the base currency is what FX rates convert into.
BASE_CURRENCY = env_str("BASE_CURRENCY", "EUR") or "EUR"
if len(BASE_CURRENCY) != 3 or not BASE_CURRENCY.isupper():
    raise ImproperlyConfigured(f"BASE_CURRENCY={BASE_CURRENCY!r} is not an ISO 4217 code like EUR.")

# Import and export each need their own permission, not just "change" (docs/stack-facts.md, trap 1).
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True

# Imports from the admin: uploads above the first size are refused (use the command), above
# the second they run in the background worker after their preview.
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 200 * 1024 * 1024, minimum=1024)
IMPORT_SYNC_MAX_BYTES = env_int("IMPORT_SYNC_MAX_BYTES", 5 * 1024 * 1024, minimum=0)
# An upload waits this long for its confirmation, then it is deleted (docs/gdpr.md).
IMPORT_UPLOAD_HOURS = env_int("IMPORT_UPLOAD_HOURS", 24, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # bigger uploads stream to a temporary file, not memory

# GDPR: how long a deletion request waits (to be withdrawn or for open orders), log retention.
GDPR_DELETION_GRACE_DAYS = env_int("GDPR_DELETION_GRACE_DAYS", 30, minimum=0)
LOG_RETENTION_MONTHS = env_int("LOG_RETENTION_MONTHS", 12, minimum=1)
GDPR_CONTROLLER = env_str("GDPR_CONTROLLER", "SoleFlip") or "SoleFlip"

# History is evidence: no revert button (a revert could restore erased personal data).
SIMPLE_HISTORY_REVERT_DISABLED = True

UNFOLD = {
    "SITE_TITLE": "SoleFlip",
    "SITE_HEADER": "SoleFlip back office",
    "SITE_SUBHEADER": "Buy low, sell high, know why",
    "SITE_SYMBOL": "steps",
    "SHOW_HISTORY": True,
    "DASHBOARD_CALLBACK": "transactions.dashboard.dashboard_callback",
    "ENVIRONMENT": "transactions.dashboard.environment_label",
}

# Field encryption keys (Fernet), newest first; see soleflip/db/crypto.py and docs/security/key-rotation.md.
FIELD_ENCRYPTION_KEYS = [k.strip() for k in (env_str("FIELD_ENCRYPTION_KEYS") or "").split(",") if k.strip()]
if not FIELD_ENCRYPTION_KEYS:
    if TESTING:
        from cryptography.fernet import Fernet

        FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    elif DEBUG:
        FIELD_ENCRYPTION_KEYS = [embedded.development_encryption_key(BASE_DIR / "var")]
    else:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS (or FIELD_ENCRYPTION_KEYS_FILE) must be set when DEBUG is off: "
            "a comma-separated list of Fernet keys, newest first."
        )

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")) or "")

# HTTPS and session safety: on by default outside development and tests.
_PRODUCTION = not DEBUG and not TESTING
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=_PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if _PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=_PRODUCTION)
if env_bool("BEHIND_TLS_PROXY", default=False):
    # The proxy terminates TLS and says so; only trust this header behind such a proxy.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=_PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=_PRODUCTION)
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # The job queue announces every task registration at INFO on each start.
    "loggers": {
        "procrastinate": {"level": env_str("PROCRASTINATE_LOG_LEVEL", "WARNING")},
        "axes": {"level": "WARNING"},  # lockouts and repeated failures only, not its start banner
    },
}

# Index names: Django caps them at 30 characters for Oracle's sake; PostgreSQL allows 63 and
# the review's own names (idx_inventory_product_size_status) are longer than 30.
SILENCED_SYSTEM_CHECKS = ["models.E034"]
