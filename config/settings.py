"""Settings, parsed strictly from the environment (docs/environment.md lists every variable).

Production-safe by default: DEBUG is off, a secret key is required, hosts must be listed.
`make run` and the test suite set the few variables they need; nothing else overrides this file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from certipro.accounts.psc.config import provider_settings as psc_provider_settings
from certipro.certification.rules.config import RulesConfig
from config.env import env_bool, env_choice, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("CERTIPRO_DEBUG", False)
SECRET_KEY = env_str("CERTIPRO_SECRET_KEY", "insecure-dev-only-key" if DEBUG else None)
if not DEBUG and len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("CERTIPRO_SECRET_KEY must be at least 32 characters long")
ALLOWED_HOSTS = env_list("CERTIPRO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "widget_tweaks",
    "dsfr",
    "certipro.audit",
    "certipro.accounts",
    "certipro.directory",
    "certipro.referentiels",
    "certipro.certification",
    "certipro.actions",
    "certipro.declarations",
    "certipro.web",
    # Django's Tasks API (the django-tasks backport, database backend): see TASKS below.
    "django_tasks",
    "django_tasks_db",
    # certipro.space comes before allauth so that its templates dress allauth's pages in the DSFR.
    "certipro.space",
    "certipro.devidp",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "certipro.notifications",
    "certipro.demo",
    "certipro.cli",
    "certipro.staff",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # French for everyone unless the language selector chose otherwise (never Accept-Language).
    "certipro.web.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "certipro.web.context_processors.site_config",
            ],
        },
    },
]

# SQLite by default: `make run` needs no other service. PostgreSQL in CI and production.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'certipro.sqlite3'}"),
        conn_max_age=env_int("CERTIPRO_DB_CONN_MAX_AGE", 0, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a command writes; the timeout avoids "database is locked".
    # IMMEDIATE: a transaction takes the write lock when it begins, so that two writers (a request
    # and a background task's thread in `make run`) wait for each other instead of failing on the
    # upgrade of a read lock, which SQLite refuses at once, whatever the timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# French first: the source language of every message (msgids), and every visitor's language until
# they pick English in the header's selector (a cookie, read by certipro.web.middleware). The
# English catalogue is locale/en/LC_MESSAGES (`make messages`).
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("CERTIPRO_STATIC_ROOT", str(BASE_DIR / "var" / "static")))
MEDIA_ROOT = Path(env_str("CERTIPRO_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))

SESSION_COOKIE_SECURE = env_bool("CERTIPRO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The language chosen in the header's selector: read by the server only (certipro/web/middleware.py).
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("CERTIPRO_LOG_LEVEL", "WARNING")},
}

# The cache holds the API's rate-limit counters: Redis in production (shared by every process).
REDIS_URL = env_str("CERTIPRO_REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# The declaration API: 5,000 declarations of a few hundred bytes fit well under this.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CERTIPRO_MAX_BODY_BYTES", 16 * 1024 * 1024, minimum=1024)
CERTIPRO_API_RATE = env_str("CERTIPRO_API_RATE", "600/min")
# D-34: a declarant declaring at least this many actions ending on one day is flagged for review.
CERTIPRO_MASS_CLAIM_THRESHOLD = env_int("CERTIPRO_MASS_CLAIM_THRESHOLD", 1000, minimum=2)

# --- Rules of the domain that are decisions, not law (domain.md): configuration, not code. ---
# The dates of the initial period are law (R13); the rest are the project's decisions.
CERTIPRO_RULES = RulesConfig(
    initial_start=date(2023, 1, 1),
    initial_end=date(2031, 12, 31),
    standard_years=6,
    interruption_threshold_days=env_int("CERTIPRO_INTERRUPTION_THRESHOLD_DAYS", 1095, minimum=1),
    default_minimum_per_axis=env_int("CERTIPRO_DEFAULT_MINIMUM_PER_AXIS", 2, minimum=0),
    pace_tolerance=env_float("CERTIPRO_PACE_TOLERANCE", 0.10),
    at_risk_days_per_slot=env_int("CERTIPRO_AT_RISK_DAYS_PER_SLOT", 60, minimum=1),
)
# D-42: aggregates shown without individual access hide cells below this size.
CERTIPRO_MIN_CELL_SIZE = env_int("CERTIPRO_MIN_CELL_SIZE", 11, minimum=1)

# --- Sign-in, and the declarants' portal (uploads processed in the background) ---
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
CERTIPRO_UPLOAD_MAX_BYTES = env_int("CERTIPRO_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)

# Django's Tasks API (the django-tasks backport). "database" needs `manage.py db_worker` beside the
# web server: the production setting. "thread" runs tasks in the web process, so that `make run`
# needs no other process (development only). "immediate" runs them inline (tests).
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "thread": "certipro.declarations.portal.backends.ThreadBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS = {
    "default": {
        "BACKEND": env_choice("CERTIPRO_TASKS_BACKEND", _TASK_BACKENDS, "thread" if DEBUG else "database")
    }
}

# --- Sign-in: Pro Santé Connect (OpenID Connect through django-allauth), and the professional's space. ---
# The second one checks the way back from Pro Santé Connect's sign-out (certipro/accounts/psc/logout.py).
MIDDLEWARE += [
    "allauth.account.middleware.AccountMiddleware",
    "certipro.accounts.psc.logout.LogoutReturnMiddleware",
]
# Passwords for staff and declarants, never for professionals (PSC only). allauth's own backend
# is not needed: with SOCIALACCOUNT_ONLY it has no password form to serve.
AUTHENTICATION_BACKENDS = ["certipro.accounts.psc.backends.PasswordBackend"]
# LOGIN_URL stays the site's; the professional's space sends people to its own PSC page, and the
# account adapter sends a professional to their space after signing in.
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "certipro.accounts.psc.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "certipro.accounts.psc.adapter.PSCAdapter"
# Professionals have no local password: they sign in through PSC only, and nothing is keyed on
# an e-mail address (PSC rarely sends one, and never a verified one: C5).
SOCIALACCOUNT_ONLY = True
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGIN_METHODS = {"username"}
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_QUERY_EMAIL = False
SOCIALACCOUNT_STORE_TOKENS = False  # P8: tokens live 60-120 s; our own session takes over
SOCIALACCOUNT_LOGIN_ON_GET = False  # the sign-in button posts a form (CSRF-protected)

# The built-in identity provider that behaves like PSC (certipro/devidp, decision 0002): for
# development and the demo only, refused outside debug so that production can never trust it.
CERTIPRO_DEV_PSC = env_bool("CERTIPRO_DEV_PSC", False)
if CERTIPRO_DEV_PSC and not DEBUG:
    raise ImproperlyConfigured(
        "CERTIPRO_DEV_PSC=1 switches on a fake Pro Santé Connect that lets anyone sign in as any "
        "demo professional: it is refused unless CERTIPRO_DEBUG=1 (development only)"
    )
CERTIPRO_DEV_PSC_IDENTITIES = 5  # the demo professionals offered as test identities (web/demo.py)
_DEV_ORIGINS = ["http://127.0.0.1:8000", "http://localhost:8000"]
CERTIPRO_DEV_PSC_REDIRECT_URIS = env_list(
    "CERTIPRO_DEV_PSC_REDIRECT_URIS", [f"{o}/accounts/oidc/psc/login/callback/" for o in _DEV_ORIGINS]
)
# P12: where the built-in provider may send the browser back after signing out.
CERTIPRO_DEV_PSC_POST_LOGOUT_REDIRECT_URIS = env_list(
    "CERTIPRO_DEV_PSC_POST_LOGOUT_REDIRECT_URIS", [f"{o}/" for o in _DEV_ORIGINS]
)
CERTIPRO_PSC_METADATA_URL = env_str(
    "CERTIPRO_PSC_METADATA_URL",
    f"{_DEV_ORIGINS[0]}/dev-psc/.well-known/wallet-openid-configuration" if CERTIPRO_DEV_PSC else "",
)
CERTIPRO_PSC_CLIENT_ID = env_str("CERTIPRO_PSC_CLIENT_ID", "certipro-dev" if CERTIPRO_DEV_PSC else "")
CERTIPRO_PSC_CLIENT_SECRET = env_str(
    "CERTIPRO_PSC_CLIENT_SECRET",
    # Required as soon as a real client id is given; the built-in provider has its own.
    "certipro-dev-secret" if CERTIPRO_DEV_PSC else ("" if not CERTIPRO_PSC_CLIENT_ID else None),
)
# P12: where PSC sends the browser back after signing out (registered with ANS, like the redirect
# URI). Required as soon as a real client id is given outside debug.
CERTIPRO_PSC_POST_LOGOUT_REDIRECT_URI = env_str(
    "CERTIPRO_PSC_POST_LOGOUT_REDIRECT_URI",
    f"{_DEV_ORIGINS[0]}/" if DEBUG else ("" if not CERTIPRO_PSC_CLIENT_ID else None),
)
# P6: at least eidas1; sandbox tokens have shown eidas3 (CPS card).
CERTIPRO_PSC_ACCEPTED_ACR = env_list("CERTIPRO_PSC_ACCEPTED_ACR", ["eidas1", "eidas2", "eidas3"])
SOCIALACCOUNT_PROVIDERS = psc_provider_settings(
    metadata=CERTIPRO_PSC_METADATA_URL, client_id=CERTIPRO_PSC_CLIENT_ID, secret=CERTIPRO_PSC_CLIENT_SECRET
)

# --- Evidence (justificatifs, D-35) uploaded in the professional's space: stored under MEDIA_ROOT. ---
# A scanned attestation is well under 10 MB; the web server's own body limit should sit just above.
CERTIPRO_EVIDENCE_MAX_BYTES = env_int("CERTIPRO_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)

# The professional's documents (certipro/space/requests.py): the supporting document of a request
# to change the dates of a period (D-16), a PDF, JPEG or PNG checked by content, at most this size.
CERTIPRO_DATE_REQUEST_DOCUMENT_MAX_BYTES = env_int(
    "CERTIPRO_DATE_REQUEST_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024
)

# Support of a CNP (R38, certipro/accounts/grants.py): the longest a professional may open their
# account to their CNP in one grant, in days; they may revoke it at any moment.
CERTIPRO_SUPPORT_GRANT_MAX_DAYS = env_int("CERTIPRO_SUPPORT_GRANT_MAX_DAYS", 90, minimum=1)

# --- Notifications (domain §7, certipro/notifications): in the account, and by e-mail. ---
# Links in e-mails point here. Default: the first allowed host over HTTPS (the dev server in debug).
CERTIPRO_SITE_URL = env_str(
    "CERTIPRO_SITE_URL",
    "http://127.0.0.1:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0]}" if ALLOWED_HOSTS else "",
).rstrip("/")
# "smtp" in production; in debug the messages are written to files under var/mail, so that
# `make run` needs no mail server (open them to see what a professional would receive).
_EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
}
EMAIL_BACKEND = env_choice("CERTIPRO_EMAIL_BACKEND", _EMAIL_BACKENDS, "file" if DEBUG else "smtp")
EMAIL_FILE_PATH = BASE_DIR / "var" / "mail"
EMAIL_HOST = env_str("CERTIPRO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("CERTIPRO_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("CERTIPRO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("CERTIPRO_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("CERTIPRO_EMAIL_STARTTLS", False)
EMAIL_TIMEOUT = env_int("CERTIPRO_EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("CERTIPRO_EMAIL_FROM", "CertiPro <ne-pas-repondre@certipro.localhost>")
# Reminders when a period is incomplete, in months before its end (domain §7).
_reminder_months = env_list("CERTIPRO_REMINDER_MONTHS", ["36", "24", "12", "6", "3"])
if not all(m.isdigit() and 0 < int(m) <= 120 for m in _reminder_months):
    raise ImproperlyConfigured(
        f"CERTIPRO_REMINDER_MONTHS must list whole numbers of months from 1 to 120, not {_reminder_months!r}"
    )
CERTIPRO_REMINDER_MONTHS = sorted({int(m) for m in _reminder_months}, reverse=True)
# A support grant's owner is told this many days before it ends.
CERTIPRO_GRANT_EXPIRY_NOTICE_DAYS = env_int("CERTIPRO_GRANT_EXPIRY_NOTICE_DAYS", 7, minimum=1)
# The owner's dashboard is kept rendered in the cache while its data are unchanged
# (certipro/space/dashboard_cache.py); this bounds only what its data cannot tell (labels, DSFR
# site configuration). 0 renders every visit.
CERTIPRO_DASHBOARD_CACHE_SECONDS = env_int("CERTIPRO_DASHBOARD_CACHE_SECONDS", 900, minimum=0)


def _git_commit() -> str:
    """The checked-out commit, read from .git without running git; "" outside a work tree."""
    try:
        head = (BASE_DIR / ".git" / "HEAD").read_text().strip()
        if head.startswith("ref: "):
            ref = head[5:]
            loose = BASE_DIR / ".git" / ref
            if loose.exists():
                return loose.read_text().strip()[:12]
            packed = (BASE_DIR / ".git" / "packed-refs").read_text().splitlines()
            return next((line.split()[0][:12] for line in packed if line.endswith(" " + ref)), "")
        return head[:12]
    except OSError:
        return ""


# What is deployed: part of every kept page's version, so that no page rendered by the previous
# code or templates is served after a deploy (docs/environment.md).
CERTIPRO_RELEASE = env_str("CERTIPRO_RELEASE", "") or _git_commit() or "dev"
