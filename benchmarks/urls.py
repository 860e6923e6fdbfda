"""URLconf for benchmark runs: the project's URLs plus the bare insert view.

Only benchmarks.wsgi points ROOT_URLCONF here, and only when the
ECOGRID_BENCH_VIEWS setting is on; config.urls (what production serves) never
includes it, so the bare view cannot be reached in production.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns

from . import views

if not settings.ECOGRID_BENCH_VIEWS:
    raise ImproperlyConfigured("benchmarks.urls needs ECOGRID_BENCH_VIEWS=1 (benchmark runs only)")

urlpatterns = [
    path("__bench__/insert/", views.bare_insert, name="bench_insert"),
    *project_urlpatterns,
]
