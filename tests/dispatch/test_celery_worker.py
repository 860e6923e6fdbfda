"""Escalation through a real Celery worker: messages go through the broker (Redis when
CELERY_BROKER_URL is set, as in CI; Celery's in-memory transport otherwise) and a worker
thread runs the task against the committed database, as beat + worker do in production.
"""

import datetime as dt

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from django.conf import settings

from cases.models import Case, Tier
from config.celery_app import app
from dispatch import tasks

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_worker():
    broker = settings.CELERY_BROKER_URL or "memory://"
    backend = broker if broker.startswith("redis") else "cache+memory://"
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=broker, result_backend=backend, task_always_eager=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        app.conf.update(saved)


def test_the_worker_escalates_an_overdue_case_once_even_when_the_scan_is_sent_twice(real_worker, report):
    case = report("0102")  # village tier, 1 working hour to be dispatched and accepted
    Case.objects.filter(pk=case.pk).update(accept_deadline=case.accept_deadline - dt.timedelta(days=3))
    # Beat firing twice (or a redelivery): two messages on the broker, one escalation.
    first = tasks.scan_deadlines.delay()
    second = tasks.scan_deadlines.delay()
    assert not isinstance(first, EagerResult) and not isinstance(second, EagerResult)  # really sent to the broker
    outcomes = sorted([first.get(timeout=60)["escalated"], second.get(timeout=60)["escalated"]])
    assert outcomes == [0, 1]
    case.refresh_from_db()
    assert case.tier == Tier.STREET and case.escalation_count == 1
    assert case.events.filter(action="escalate").count() == 1
