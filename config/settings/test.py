"""Tests: the same code path; PostgreSQL + Redis when DATABASE_URL / CELERY_BROKER_URL are set."""

from .base import *  # noqa: F401,F403
from .base import DATABASES, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Several test runs may share one PostgreSQL server: let each pick its database name.
DATABASES["default"].setdefault("TEST", {})["NAME"] = env("TEST_DATABASE_NAME", default=None)
import tempfile  # noqa: E402

MEDIA_ROOT = tempfile.mkdtemp(prefix="ecogrid-test-media-")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests decide themselves when a real worker runs a task; by default run them in-process.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
AXES_FAILURE_LIMIT = 3
