"""Celery application.

With no CELERY_BROKER_URL set, tasks run eagerly in-process (the embedded demo);
in production they go to Redis and are run by `celery -A config worker`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("ecogrid")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
