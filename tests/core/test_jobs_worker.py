"""Jobs through a real broker and real worker processes (PostgreSQL + Redis, as in production).

- the broker is down when a job is started: the user's request still succeeds, the job stays
  pending, and the sweep sends it once the broker is back;
- a worker is SIGKILLed in the middle of a job: the sweep revives it and it completes exactly once.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core import jobs
from core.models import Job
from tests.worker import WorkerProcess, new_queue, producer, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="worker processes need the PostgreSQL test database"),
]

CLOSED_PORT_BROKER = "redis://127.0.0.1:9/0"  # nothing listens on the discard port


def _job(pk):
    return Job.objects.get(pk=pk)


def test_a_job_started_while_the_broker_is_down_runs_after_it_returns(users, tree):
    queue = new_queue()
    with producer(queue, broker=CLOSED_PORT_BROKER):
        job = jobs.start_job("core.selftest", user=users["village_staff"], region_path=tree["v1"].path,
                             params={"steps": 2, "delay": 0})  # autocommit: sent (and failing) at once
    job.refresh_from_db()
    assert job.status == Job.Status.PENDING and job.attempts == 0
    with producer(queue), WorkerProcess(queue):
        # the broker is back; the sweep (beat, every minute) finds the job waiting too long
        counts = jobs.sweep(now=timezone.now() + timedelta(seconds=jobs.PENDING_RESEND_AFTER + 1))
        assert counts["resent"] == 1
        done = wait_for(lambda: _job(job.pk).status == Job.Status.DONE and _job(job.pk), timeout=90)
    assert done.attempts == 1 and done.result["steps"] == 2 and done.result_file


def test_a_worker_killed_mid_job_leaves_a_job_that_completes_exactly_once(users, tree):
    queue = new_queue()
    with producer(queue):
        first = WorkerProcess(queue)
        first.wait_ready()
        try:
            job = jobs.start_job("core.selftest", user=users["village_staff"], region_path=tree["v1"].path,
                                 params={"steps": 40, "delay": 0.25})
            # progress is visible while it runs
            wait_for(lambda: _job(job.pk).status == Job.Status.RUNNING and _job(job.pk).progress_done >= 3, timeout=90)
            first.kill()
        finally:
            first.stop()
        killed = _job(job.pk)
        assert killed.status == Job.Status.RUNNING and 3 <= killed.progress_done < 40 and killed.attempts == 1
        with WorkerProcess(queue) as second:
            # acks_late + reject_on_worker_lost may redeliver the message: it finds the job running
            # and leaves it alone. The sweep sees the dead heartbeat and starts it again, once.
            later = timezone.now() + timedelta(seconds=jobs.HEARTBEAT_TIMEOUT + 1)
            assert jobs.sweep(now=later)["revived"] == 1
            # A second sweep finds nothing to revive. (Now, not `later`: by then the second worker
            # may have claimed the job, and its fresh heartbeat would look dead from `later`.)
            assert jobs.sweep()["revived"] == 0
            done = wait_for(lambda: _job(job.pk).status == Job.Status.DONE and _job(job.pk), timeout=120)
            pid = second.proc.pid
    assert done.attempts == 2 and done.result["attempt"] == 2 and done.result["pid"] == pid
    assert done.progress_done == 40
    assert done.result_file.read().decode().startswith(f"{job.uuid} attempt 2")
