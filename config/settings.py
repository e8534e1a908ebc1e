"""Settings, parsed strictly from the environment (docs/environment.md lists every variable).

Production-safe by default: DEBUG is off, a secret key is required, hosts must be listed.
`make run` and the test suite set the few variables they need; nothing else overrides this file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from certipro.certification.rules.config import RulesConfig
from config.env import env_bool, env_float, env_int, env_list, env_str

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
    "certipro.accounts",
    "certipro.directory",
    "certipro.referentiels",
    "certipro.certification",
    "certipro.actions",
    "certipro.declarations",
    "certipro.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
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
                "dsfr.context_processors.site_config",
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
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# French first. English arrives with the translated templates of the professional's space;
# until then the language is not negotiated, so that no page mixes the two.
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
