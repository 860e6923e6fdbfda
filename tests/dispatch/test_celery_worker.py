"""Escalation through a real Celery worker: messages go through Redis (CELERY_BROKER_URL,
as in CI, or the local Redis at redis://127.0.0.1:6379/15) and a worker thread runs the
task against the committed database, as beat + worker do in production.
"""

import datetime as dt

import pytest
from celery.result import EagerResult
from django.db import connection

from cases.models import Case, Tier
from dispatch import tasks
from tests.worker import new_queue, worker_thread

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    # The worker thread needs the test database through its own connection, as a real
    # worker process has; CI runs this on PostgreSQL + Redis (SQLite's in-memory test
    # database is not shared reliably with a worker thread).
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL, as production workers do"),
]


@pytest.fixture
def real_worker():
    # A queue of this run's own (tests/worker.py): two runs sharing one Redis must not
    # steal each other's messages.
    with worker_thread(new_queue()) as worker_app:
        yield worker_app


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
