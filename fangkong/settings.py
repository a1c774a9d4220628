"""Fangkong settings. All configuration comes from the environment (see docs/deployment.md).

FANGKONG_ENV=production turns on the hardened profile: DEBUG off, secure cookies, HSTS, a secret
key that must be given, and no demo shortcuts.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from fangkong.envconf import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("FANGKONG_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

FANGKONG_ENV = env_choice("FANGKONG_ENV", "development", {"development", "production"})
PRODUCTION = FANGKONG_ENV == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when FANGKONG_ENV=production")


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) is required in production")
    # Development: a per-checkout key kept in var/, created once with owner-only permissions.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required in production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "csp",
    "fangkong.core",
    "fangkong.places",
    "fangkong.people",
    "fangkong.alerts",
    "fangkong.checkpoints",
    "fangkong.observation",
    "fangkong.medical",
    "fangkong.surveys",
    "fangkong.bigdata",
    "fangkong.patrols",
    "fangkong.command",
    "fangkong.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and JSON compressed for phones on slow links (a town's area browser: 23 kB to about
    # 3). Below WhiteNoise, which serves static files compressed ahead of time. BREACH: see
    # docs/deployment.md (CSRF tokens are masked anew per response).
    "django.middleware.gzip.GZipMiddleware",
    "fangkong.core.middleware.SessionMiddleware",  # no session write on progress polls
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "fangkong.core.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

# A list filter left unset means "any": say so, not Django's "---------".
FILTERS_EMPTY_CHOICE_LABEL = gettext_lazy("Any")

# Content-Security-Policy (django-csp): everything is served from this origin (no CDN), so the
# policy is strict. No inline <script>, no on*= handlers, no style="" attributes: behaviour lives
# in static/fangkong/fangkong.js, styles in fangkong.css (Bootstrap's JavaScript sets styles
# through the CSSOM, which style-src does not govern). img-src allows data: for Bootstrap's
# inline SVG icons in its CSS. The API docs page (/api/v1/docs) keeps this policy too: its
# Swagger UI is served locally and configured through a JSON block, not inline code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

ROOT_URLCONF = "fangkong.urls"
WSGI_APPLICATION = "fangkong.wsgi.application"
ASGI_APPLICATION = "fangkong.asgi.application"
AUTH_USER_MODEL = "core.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "fangkong" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fangkong.core.context_processors.navigation",
            ],
            "builtins": ["fangkong.core.templatetags.fangkong"],
        },
    }
]

# Database: embedded SQLite (WAL) by default; PostgreSQL through DATABASE_URL.
# SQLite gets the same options however it is named: WAL so readers never wait for the writer,
# IMMEDIATE transactions and a busy timeout so concurrent writers queue instead of failing.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
    ),
}
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "fangkong.sqlite3"}
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env_str(
        "TEST_DATABASE_NAME", "test_fangkong"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Per-process memory cache, deliberately: nothing that must be shared between web workers or
# servers lives in a cache. The duplicate-ID check limit counts rows of the access log (one per
# duplicate hit, kept anyway), which every worker sees and which needs no extra table or service.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "fangkong.core.auth.RoleGrantBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout (MLPS level 3): 5 failures lock the account-and-address pair for 30 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Sessions expire after 30 minutes without a request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

# Demo users may skip two-factor login only by this explicit switch, which production refuses.
FANGKONG_DEMO_WAIVE_2FA = env_bool("FANGKONG_DEMO_WAIVE_2FA", not PRODUCTION)
if PRODUCTION and FANGKONG_DEMO_WAIVE_2FA:
    raise ImproperlyConfigured("FANGKONG_DEMO_WAIVE_2FA cannot be on in production")
OTP_TOTP_ISSUER = "Fangkong"

# Personal-data keys (AES-256-GCM + HMAC blind index). See fangkong/core/crypto.py.
FANGKONG_KEYS = env_str("FANGKONG_KEYS")  # JSON keyring, usually via FANGKONG_KEYS_FILE
FANGKONG_KEY_FILE = Path(env_str("FANGKONG_KEY_FILE", str(VAR_DIR / "keys.json")))

# Retention: audit and access logs are kept at least this long and never edited.
FANGKONG_LOG_RETENTION_DAYS = env_int("FANGKONG_LOG_RETENTION_DAYS", 365, minimum=180)
FANGKONG_SOFT_DELETE_RETENTION_DAYS = env_int(
    "FANGKONG_SOFT_DELETE_RETENTION_DAYS", 180, minimum=30
)
FANGKONG_IMPORT_MAX_BYTES = env_int("FANGKONG_IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
# Division codes python-stdnum does not list but which are in use (Datonghu's own 430971);
# numbers with other unlisted codes are accepted with a warning.
FANGKONG_EXTRA_REGION_CODES = frozenset(env_list("FANGKONG_EXTRA_REGION_CODES", ["430971"]))
# Duplicate-ID hits a user may get per hour (each says that a number is registered); above it
# registrations with an ID number are refused for the rest of the hour and a security event kept.
FANGKONG_DUPLICATE_CHECK_LIMIT = env_int("FANGKONG_DUPLICATE_CHECK_LIMIT", 30, minimum=1)
FANGKONG_EXPORT_INLINE_ROWS = env_int("FANGKONG_EXPORT_INLINE_ROWS", 5000, minimum=1)
# How long a batch write remembers the client ids it stored (a resend after that stores again).
FANGKONG_BATCH_RECEIPT_DAYS = env_int("FANGKONG_BATCH_RECEIPT_DAYS", 90, minimum=7)
# Background jobs: a running job's lease is renewed every HEARTBEAT seconds; one not renewed for
# LEASE seconds lost its worker and is marked failed. Job files (exports, rejected-rows reports,
# uploads of jobs that never ran) are deleted TTL hours after their job finished.
FANGKONG_JOB_HEARTBEAT_SECONDS = env_int("FANGKONG_JOB_HEARTBEAT_SECONDS", 15, minimum=1)
FANGKONG_JOB_LEASE_SECONDS = env_int("FANGKONG_JOB_LEASE_SECONDS", 120, minimum=1)
FANGKONG_JOB_FILE_TTL_HOURS = env_int("FANGKONG_JOB_FILE_TTL_HOURS", 24, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
# Thousands separators where templates ask for them (intcomma): figures, never IDs or years.
FORMAT_MODULE_PATH = ["fangkong.formats"]
LOCALE_PATHS = [BASE_DIR / "fangkong" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "fangkong" / "static"]
# Only collectstatic needs STATIC_ROOT; in development static files come from the finders.
_static_root = env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles") if PRODUCTION else None)
STATIC_ROOT = Path(_static_root) if _static_root else None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading binds every subdomain of the government domain to HTTPS for good: that is
        # the operator's decision (SECURE_HSTS_PRELOAD=1), not a default, so its nudge is off.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

NINJA_PAGINATION_PER_PAGE = 50

# Log lines never carry an ID number or a phone number: the redaction filter masks them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "fangkong.core.logging.RedactSensitiveFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"], "formatter": "plain"}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # axes logs every successful login and cleanup at INFO; failures reach SecurityEvent.
        "axes": {"level": "WARNING"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- Modules (each block belongs to its app; docs/deployment.md lists every setting) -------------
# observation: days of medical observation after the last exposure or arrival.
FANGKONG_OBSERVATION_DAYS = env_int("FANGKONG_OBSERVATION_DAYS", 14, minimum=1)
# people: district-wide lookups of a traveller's or patient's ID number per user per hour
# (checkpoints, fever clinics, pharmacies); each lookup is in the access log.
FANGKONG_PERSON_LOOKUP_LIMIT = env_int("FANGKONG_PERSON_LOOKUP_LIMIT", 600, minimum=1)
# checkpoints, observation, medical: a body temperature at or above this is a fever (°C).
FANGKONG_FEVER_THRESHOLD = env_str("FANGKONG_FEVER_THRESHOLD", "37.3")
# checkpoints, surveys, big-data lists: places of origin that make a traveller a key person.
FANGKONG_RISK_ORIGINS = tuple(env_list("FANGKONG_RISK_ORIGINS", ["武汉", "湖北"]))
# reports: the daily situation report and the dashboard (docs/deployment.md).
# Language the issued report (figures' labels, bulletin text, exports) is written in.
FANGKONG_REPORT_LANGUAGE = env_str("FANGKONG_REPORT_LANGUAGE", LANGUAGE_CODE)
# First day of the response: the earliest day a report can be issued for, the start of the
# "days in a row with zero cases" count and of the document numbers.
FANGKONG_REPORT_FIRST_DAY = env_str("FANGKONG_REPORT_FIRST_DAY", "2020-01-20")
# The issuing office and document-number prefix printed on the exported report.
FANGKONG_REPORT_OFFICE = env_str("FANGKONG_REPORT_OFFICE", "区疫情防控指挥部办公室")
FANGKONG_REPORT_DOC_PREFIX = env_str("FANGKONG_REPORT_DOC_PREFIX", "疫指办")
# A failed nightly run is tried again this many times, this many minutes apart.
FANGKONG_REPORT_RETRIES = env_int("FANGKONG_REPORT_RETRIES", 3, minimum=0)
FANGKONG_REPORT_RETRY_MINUTES = env_int("FANGKONG_REPORT_RETRY_MINUTES", 15, minimum=1)
# How often the dashboard refreshes itself (seconds).
FANGKONG_DASHBOARD_REFRESH_SECONDS = env_int("FANGKONG_DASHBOARD_REFRESH_SECONDS", 60, minimum=5)
# observation: hours after a half-day's checks close (12:00 / 24:00) before a missed check is
# raised to the village, and before it is raised to the town.
FANGKONG_MISSED_CHECK_VILLAGE_HOURS = env_int("FANGKONG_MISSED_CHECK_VILLAGE_HOURS", 0, minimum=0)
FANGKONG_MISSED_CHECK_TOWN_HOURS = env_int("FANGKONG_MISSED_CHECK_TOWN_HOURS", 6, minimum=0)
# observation: the issuing body printed on release notices (default: the district command).
FANGKONG_ISSUING_BODY = env_str("FANGKONG_ISSUING_BODY", "")
# checkpoints: how far ahead of the server a phone's clock may be when it sends the time of a
# passage (minutes); later times are refused as "in the future".
FANGKONG_PASSAGE_FUTURE_MINUTES = env_int("FANGKONG_PASSAGE_FUTURE_MINUTES", 5, minimum=0)
# medical: the article's treatment rules (規範流程抓診治), as lists of facility kinds
# (district_hospital, health_centre, village_clinic, private_clinic, pharmacy, designated).
# Where a fever patient back from Hubei may be triaged:
FANGKONG_HUBEI_FEVER_TRIAGE_AT = tuple(
    env_list("FANGKONG_HUBEI_FEVER_TRIAGE_AT", ["district_hospital"])
)
# Facilities that may not close a fever visit, only refer the patient:
FANGKONG_FEVER_REFER_ONLY = tuple(
    env_list("FANGKONG_FEVER_REFER_ONLY", ["village_clinic", "private_clinic"])
)
# Facilities that may not admit a suspected patient:
FANGKONG_NO_SUSPECTED_ADMISSION = tuple(
    env_list("FANGKONG_NO_SUSPECTED_ADMISSION", ["health_centre"])
)
# Hours within which the grid worker visits a buyer a pharmacy or clinic reported.
FANGKONG_HOME_VISIT_HOURS = env_int("FANGKONG_HOME_VISIT_HOURS", 24, minimum=1)
# alerts: minutes an open alert may wait for acknowledgement before it escalates one level up the
# area tree, per severity (0: never); the roles an escalation reaches by area level (2 town,
# 1 district); the SMS gateway (dotted path) and its HTTP settings; retries with backoff.
FANGKONG_ALERT_ESCALATION_MINUTES = {
    "urgent": env_int("FANGKONG_ALERT_ESCALATE_URGENT_MINUTES", 30, minimum=0),
    "warning": env_int("FANGKONG_ALERT_ESCALATE_WARNING_MINUTES", 240, minimum=0),
    "info": env_int("FANGKONG_ALERT_ESCALATE_INFO_MINUTES", 0, minimum=0),
}
FANGKONG_ALERT_ESCALATION_ROLES = {
    "1": ["district_commander", "command_office"],
    "2": ["town_officer"],
    "3": ["village_cadre"],
    "4": ["village_cadre"],
}
FANGKONG_SMS_GATEWAY = env_str(
    "FANGKONG_SMS_GATEWAY", "fangkong.alerts.gateways.DevelopmentGateway"
)
FANGKONG_SMS_HTTP_URL = env_str("FANGKONG_SMS_HTTP_URL", "")
FANGKONG_SMS_HTTP_TOKEN = env_str("FANGKONG_SMS_HTTP_TOKEN", "")
FANGKONG_SMS_HTTP_TIMEOUT = env_int("FANGKONG_SMS_HTTP_TIMEOUT", 10, minimum=1)
FANGKONG_SMS_MAX_ATTEMPTS = env_int("FANGKONG_SMS_MAX_ATTEMPTS", 8, minimum=1)
FANGKONG_SMS_RETRY_BASE_SECONDS = env_int("FANGKONG_SMS_RETRY_BASE_SECONDS", 60, minimum=1)
FANGKONG_SMS_RETRY_MAX_SECONDS = env_int("FANGKONG_SMS_RETRY_MAX_SECONDS", 3600, minimum=1)
FANGKONG_SMS_CLAIM_SECONDS = env_int("FANGKONG_SMS_CLAIM_SECONDS", 120, minimum=10)
# command: attachments of task progress notes (bytes), and the header's response level cache.
FANGKONG_TASK_ATTACHMENT_MAX_BYTES = env_int(
    "FANGKONG_TASK_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024, minimum=1024
)
TEMPLATES[0]["OPTIONS"]["context_processors"] += [
    "fangkong.alerts.context_processors.alerts",
    "fangkong.command.context_processors.response_level",
]
# surveys: seconds between refreshes of a campaign's coverage map (read from the kept counters).
FANGKONG_SURVEY_REFRESH_SECONDS = env_int("FANGKONG_SURVEY_REFRESH_SECONDS", 60, minimum=1)
# bigdata: carrier lists. Upload limit of one list file (bytes; carriers send 50 MB CSVs), hours
# a grid worker has to verify a lead before it is overdue, days of one task window (a person
# named again by the same source within the window gets no second task).
FANGKONG_BIGDATA_IMPORT_MAX_BYTES = env_int(
    "FANGKONG_BIGDATA_IMPORT_MAX_BYTES", 100 * 1024 * 1024, minimum=1024
)
FANGKONG_BIGDATA_DUE_HOURS = env_int("FANGKONG_BIGDATA_DUE_HOURS", 24, minimum=1)
FANGKONG_BIGDATA_WINDOW_DAYS = env_int("FANGKONG_BIGDATA_WINDOW_DAYS", 14, minimum=1)
