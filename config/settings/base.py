"""Settings shared by every environment.

Everything that differs between environments is an environment variable read
here, once, through one django-environ ``env``. With no variables set the
project runs embedded: SQLite, eager Celery, DEBUG on (see local.py).
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me-0123456789abcdefghijklmnop")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "core.thirdparty.AxesConfig",  # django-axes, with a Chinese section name in the admin
    "django_htmx",
    "csp",  # django-csp: the Content-Security-Policy header (Django 5.2 has none built in)
    "core",
    "grids",
    "dispatch",
    "cases",
    "inspections",
    "credit",
    "forms_fill",
    "volunteers",
    "open311",  # Open311 GeoReport v2 API (/open311/v2/)
    "dashboard",  # 数读 and the map base layers
    "scan",  # 扫一扫: OCR of ID cards, licences and documents (tesseract)
    "benchmarks",  # only its commands: manage.py bench, manage.py seed_scale (no models)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Refuses NUL / control characters in the path, GET, POST and JSON before any view runs
    # (a translated 400; nothing written). After authentication so the page has its menu.
    "open311.middleware.Open311InputMiddleware",  # the same refusals, in Open311's error format, for /open311/ only
    "core.hostile_input.HostileInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it sees the outcome of authentication (django-axes docs).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Persistent connections double list-page throughput (shared/reference/performance-notes.md).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

# --- Auth -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # django-axes must come first so that locked-out users are refused early.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id first (OWASP's recommendation); the others still verify older hashes, which
# Django upgrades to Argon2 at the next log-in. https://docs.djangoproject.com/en/5.2/topics/auth/passwords/
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# --- Sessions and browser security headers ------------------------------------------
# A session lasts one working day at most and ends when the browser closes (shared
# office PCs). https://docs.djangoproject.com/en/5.2/ref/settings/#sessions
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE_SECONDS", default=10 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # pages send the token from <meta name="csrf-token">, never from the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True  # X-Content-Type-Options: nosniff
SECURE_REFERRER_POLICY = "same-origin"  # case numbers in URLs never leave the site
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp 4): scripts only from our own static files — no inline
# scripts, no inline event handlers, no eval (tests/security/test_headers.py keeps templates
# honest). <script type="application/json"> data blocks are not scripts and need no exception.
# Inline style *attributes* are still allowed (style-src-attr; they cannot run code), <style>
# elements are not. https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],  # fallback for browsers without -elem/-attr
        "style-src-elem": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# https://django-guardian.readthedocs.io/en/stable/configuration.html
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# https://django-axes.readthedocs.io/en/latest/4_configuration.html
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# --- i18n / time -------------------------------------------------------------------
# Stored in UTC, shown in Asia/Shanghai; the UI speaks zh-hans first.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------
# Assets are vendored into static/ (government intranets have no internet) and
# served by whitenoise. https://whitenoise.readthedocs.io/
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Evidence is private: MEDIA_ROOT is never served directly, only through views
# that check jurisdiction. There is deliberately no MEDIA_URL route.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media-not-served/"
EVIDENCE_MAX_IMAGE_MB = env.int("EVIDENCE_MAX_IMAGE_MB", default=10)
EVIDENCE_MAX_VIDEO_MB = env.int("EVIDENCE_MAX_VIDEO_MB", default=50)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# 扫一扫 batch mode: a village uploads its ID-card photos at once (Django's default is 100 files).
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("DATA_UPLOAD_MAX_NUMBER_FILES", default=300)

# --- Celery -------------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/django/first-steps-with-django.html
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None) or None
# Embedded mode: no broker configured, so tasks run in-process.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {}  # filled in config/schedules.py (one place for periodic tasks)

# --- Cache -------------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- Email -------------------------------------------------------------------
# e.g. EMAIL_URL=smtp+tls://user:password@smtp.example.gov.cn:587 ; console by default.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="ecogrid@localhost")
# Every SMTP step (connect, each command) gives up after this many seconds, so a hung mail
# server cannot hold a worker forever; the outbox sweep re-sends what was not sent (core/outbox.py).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# --- Domain -------------------------------------------------------------------
# The root of this deployment's region tree (Chancheng district).
ECOGRID_DISTRICT_CODE = env("ECOGRID_DISTRICT_CODE", default="440604")
# Working time for deadlines, "HH:MM-HH:MM,…" (dispatch.workcalendar).
ECOGRID_WORKING_PERIODS = env("ECOGRID_WORKING_PERIODS", default="08:30-12:00,14:00-17:30")
# Self-handled (发现即办) cases must close within this many minutes.
ECOGRID_SELF_HANDLE_MINUTES = env.int("ECOGRID_SELF_HANDLE_MINUTES", default=30)
# Radius for duplicate hints while reporting.
ECOGRID_DUPLICATE_RADIUS_M = env.int("ECOGRID_DUPLICATE_RADIUS_M", default=100)
# Map base layer (dashboard.maps, every map): a tile URL template — an intranet tile server or
# 天地图 with its key, e.g. https://t{s}.tianditu.gov.cn/vec_w/wmts?…&tk=KEY with subdomains
# 01234567 — or empty: grid boundaries (and the uploaded GeoJSON overlays) on a plain background.
ECOGRID_MAP_TILE_URL = env("ECOGRID_MAP_TILE_URL", default="")
ECOGRID_MAP_TILE_ATTRIBUTION = env("ECOGRID_MAP_TILE_ATTRIBUTION", default="")
ECOGRID_MAP_TILE_SUBDOMAINS = env("ECOGRID_MAP_TILE_SUBDOMAINS", default="abc")
ECOGRID_MAP_TILE_MAX_ZOOM = env.int("ECOGRID_MAP_TILE_MAX_ZOOM", default=18)
if ECOGRID_MAP_TILE_URL:  # the tile server's images must pass the CSP
    from urllib.parse import urlsplit as _urlsplit

    _tiles = _urlsplit(ECOGRID_MAP_TILE_URL)
    _host = ".".join("*" if "{s}" in label else label for label in _tiles.netloc.split("."))
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"{_tiles.scheme}://{_host}")
# The benchmark's bare insert view (benchmarks/urls.py) exists only when this is on and
# gunicorn serves benchmarks.wsgi; never set it in production (docs/performance.md).
ECOGRID_BENCH_VIEWS = env.bool("ECOGRID_BENCH_VIEWS", default=False)

# The one jurisdiction-scoping function (core reaches it through this path: core/jurisdiction.py).
ECOGRID_SCOPE_FUNCTION = "grids.scoping.scope"
# Background jobs (core/jobs.py): a running job without a heartbeat for this many seconds is
# taken to be dead; a pending one is re-sent after this many; result files are kept this many days.
ECOGRID_JOB_HEARTBEAT_TIMEOUT = env.int("ECOGRID_JOB_HEARTBEAT_TIMEOUT", default=120)
ECOGRID_JOB_PENDING_RESEND = env.int("ECOGRID_JOB_PENDING_RESEND", default=60)
ECOGRID_JOB_RESULT_DAYS = env.int("ECOGRID_JOB_RESULT_DAYS", default=7)

# --- Volunteers (兼职网格员, volunteers app) ---------------------------------------------
# Cumulative points needed for 1–5 stars (评星定级).
VOLUNTEER_STAR_THRESHOLDS = (0, 10, 30, 60, 100)
# The public report page (no login): reports per phone / per IP address per hour, and photo
# uploads per IP per hour. A community centre's Wi-Fi puts many residents behind one IP.
VOLUNTEER_REPORTS_PER_PHONE_HOUR = env.int("VOLUNTEER_REPORTS_PER_PHONE_HOUR", default=10)
VOLUNTEER_REPORTS_PER_IP_HOUR = env.int("VOLUNTEER_REPORTS_PER_IP_HOUR", default=30)
VOLUNTEER_UPLOADS_PER_IP_HOUR = env.int("VOLUNTEER_UPLOADS_PER_IP_HOUR", default=120)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

from config.schedules import CELERY_BEAT_SCHEDULE  # noqa: E402,F811
