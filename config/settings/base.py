"""Settings, read from environment variables with safe local defaults.

Every variable is listed, with its default, in the README. With DEBUG off the settings refuse
the development secret key and switch on the deployment protections `check --deploy` asks for.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import pghistory
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

# Refused below when DEBUG is off.
DEVELOPMENT_SECRET_KEY = "django-insecure-local-development-key-do-not-use-when-debug-is-off"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off "
        "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "leaflet",
    "rest_framework",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rest_framework_api_key",
    "axes",
    "actors",
    "incidents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Attributes every database write of a request to its user, in the history tables.
    "pghistory.middleware.HistoryMiddleware",
    # Refuses sign-ins from a username and address after repeated failures (django-axes); last,
    # as its documentation asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sahel")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
        engine="django.contrib.gis.db.backends.postgis",
    )
}
# PostgreSQL's JIT compiles a query whose estimated cost is high, which the map's aggregates
# often are; compiling costs 50-100 ms where running the query costs 20. The app's queries are
# short, so the app's connections go without it.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "sahel",
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "incidents:map"
LOGOUT_REDIRECT_URL = "login"
# Sign-in throttling against password guessing (django-axes): after AXES_FAILURE_LIMIT failed
# attempts for one username from one address, that pair is refused for AXES_COOLOFF_MINUTES (an
# admin can lift it sooner in the admin, "Access attempts", or with `manage.py axes_reset`).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failed sign-in kept, for the admins to read
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # no banner on every manage.py command; sign-ins are still logged
# Behind a proxy, REMOTE_ADDR is the proxy's: AXES_IP_HEADERS names the request header(s) it sets,
# as Django spells them (e.g. HTTP_X_FORWARDED_FOR).
AXES_IPWARE_META_PRECEDENCE_ORDER = env_list("AXES_IP_HEADERS", ["REMOTE_ADDR"])
# A session ends a working day after sign-in (seconds): a shared field-office computer left
# signed in does not stay so overnight.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Numbers in pages follow the language: 12,345.5 in English, 12 345,5 in French. Identifiers
# shown in templates (incident numbers, UCDP GED ids) go through |unlocalize.
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Celery: Redis as broker. Tasks are acknowledged after they finish, so a worker killed mid-task
# leaves its task to be delivered again rather than losing it.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 3600}
CELERY_TIMEZONE = TIME_ZONE

# Where setup loads GeoNames dumps and boundary files from (laid out as geonames/ and
# boundaries/); empty means the project's small built-in set.
REFERENCE_DATA_DIR = env_str("REFERENCE_DATA_DIR", "")

# The map works offline: no tile server by default; admin boundaries are the base layer.
# MAP_TILES_URL may name a tile server the deployment runs itself.
MAP_TILES_URL = env_str("MAP_TILES_URL", "")
MAP_TILES_ATTRIBUTION = env_str("MAP_TILES_ATTRIBUTION", "")
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (15.0, -1.0),
    "DEFAULT_ZOOM": 5,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 17,
    "RESET_VIEW": False,
    "TILES": [("Tiles", MAP_TILES_URL, {"attribution": MAP_TILES_ATTRIBUTION})]
    if MAP_TILES_URL
    else [],
    "ATTRIBUTION_PREFIX": "Sahel Incident Monitor",
    "PLUGINS": {
        # The offline base layer: on every map page, and in the admin's geometry widgets.
        "sahel-basemap": {"js": ["incidents/basemap.js"], "auto-include": True},
        "forms": {"js": ["incidents/basemap.js"], "auto-include": False},
    },
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Signed-in users of the site (their role's visibility), then partner keys (incidents/api).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "incidents.api.access.APIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Session users and anonymous callers (when API_ANONYMOUS_READ is on); each partner key has
    # its organisation's rate. Counted in the cache (Redis).
    "DEFAULT_THROTTLE_RATES": {
        "user": env_str("API_USER_RATE", "5000/hour"),
        "anon": env_str("API_ANONYMOUS_RATE", "1000/hour"),
    },
}
# Off: only partner keys and signed-in users read the API. On: anyone reads the published data
# (no personal data, like a partner with exact coordinates).
API_ANONYMOUS_READ = env_bool("API_ANONYMOUS_READ", False)
SPECTACULAR_SETTINGS = {
    "TITLE": "Sahel Incident Monitor API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Security incidents in the central Sahel (Mali, Burkina Faso, Niger), as published by "
        "the Sahel Incident Monitor.\n\n"
        "**Authentication**: `Authorization: Api-Key <key>` (or `?key=<key>`; ACLED clients' "
        "`email` is accepted and ignored).\n\n"
        "**Sync your copy**: pull `/api/v1/incidents/?updated_since=<last sync>&ordering=updated` "
        "(follow `next` to the end) and upsert by `id`; then pull "
        "`/api/v1/deleted/?deleted_since=<last sync>` and delete those ids. Start the next sync "
        "from the time this one started, less a few minutes (applying a row twice is harmless). "
        "See docs/api.md."
    ),
    # Swagger UI from the local static files (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
}

PGHISTORY_ADMIN_MODEL = "pghistory.MiddlewareEvents"
# Only requests that may write open a history context: a GET neither writes nor needs the user
# looked up (which would fail while the database is down, turning /healthz's 503 into a 500).
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# History is read per record (pgh_obj) and per change (pgh_context), both still indexed; the copies
# of the tracked tables' foreign-key indexes would only slow every write down.
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(db_index=False)
PGHISTORY_OBJ_FIELD = pghistory.ObjForeignKey(db_index=True)
PGHISTORY_CONTEXT_FIELD = pghistory.ContextForeignKey(db_index=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # One handler: Django's own console handler would print every line twice.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
    },
}

# Deployment protections (DEBUG off). Behind a TLS-terminating proxy, set
# SECURE_PROXY_SSL_HEADER=1 so Django trusts X-Forwarded-Proto.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Debian 12 ships GDAL 3.6, which cannot block file/network access from crafted spatial
# references (gis.W001). The project never hands spatial-reference text from users or files to
# GDAL: loaders drop GeoJSON "crs" members and every geometry is parsed as SRID 4326.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# Ingestion (incidents/ingest/, docs/ingestion.md). Each kind of work has its own Celery queue
# (feeds, extraction, imports), so a burst of one cannot starve another; a worker consumes
# them all unless it is started with -Q for some. INGEST_QUEUE_PREFIX names them apart (tests).
INGEST_QUEUE_PREFIX = env_str("INGEST_QUEUE_PREFIX", "")
CELERY_TASK_ROUTES = ("incidents.ingest.tasks.route",)
INGEST_MAX_RETRIES = env_int("INGEST_MAX_RETRIES", 5)
INGEST_RETRY_BACKOFF_SECONDS = env_int("INGEST_RETRY_BACKOFF_SECONDS", 30)
INGEST_HTTP_TIMEOUT = env_int("INGEST_HTTP_TIMEOUT", 20)
INGEST_USER_AGENT = env_str("INGEST_USER_AGENT", "SahelIncidentMonitor/1.0 (feed reader)")
# The largest file an editor may upload (a report, or an ACLED or UCDP export), in bytes.
INGEST_UPLOAD_MAX_BYTES = env_int("INGEST_UPLOAD_MAX_BYTES", 100 * 1024 * 1024)

# Partner API downloads (incidents/api/exports.py): a CSV or GeoJSON download of more incidents
# than this is prepared by a Celery task (202 and a job URL) instead of streamed; the files go to
# API_EXPORT_DIR and are kept API_EXPORT_KEEP_HOURS.
API_EXPORT_BACKGROUND_ROWS = env_int("API_EXPORT_BACKGROUND_ROWS", 200_000)
API_EXPORT_DIR = env_str("API_EXPORT_DIR", str(BASE_DIR / "var" / "exports"))
API_EXPORT_KEEP_HOURS = env_int("API_EXPORT_KEEP_HOURS", 24)
# How long the write API remembers an Idempotency-Key (incidents/api/idempotency.py).
API_IDEMPOTENCY_KEEP_HOURS = env_int("API_IDEMPOTENCY_KEEP_HOURS", 24)
# Task modules outside an app's tasks.py, for the worker to load.
CELERY_IMPORTS = ("incidents.api.tasks",)
