"""WSGI entry point for the submission benchmark: ``gunicorn benchmarks.wsgi:application``.

The project's application with DEBUG off and ROOT_URLCONF = benchmarks.urls (the
project's URLs plus the bare insert view). Refuses to start unless
ECOGRID_BENCH_VIEWS is on, so it cannot be served by accident.
"""

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ["DJANGO_DEBUG"] = "0"

application = get_wsgi_application()

from django.conf import settings  # noqa: E402

if not settings.ECOGRID_BENCH_VIEWS:
    raise ImproperlyConfigured("benchmarks.wsgi serves the bare benchmark view: set ECOGRID_BENCH_VIEWS=1 (benchmark runs only)")
settings.DEBUG = False
settings.ROOT_URLCONF = "benchmarks.urls"
