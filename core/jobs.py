"""Background jobs: one model (``core.models.Job``) for every task a user starts or waits for.

The database row is the truth and Redis only carries the wake-up:

- ``start_job`` writes a *pending* row and sends the Celery message **on commit**. When the
  broker is down the send is logged and the row stays pending; nothing the user did is lost
  and no error page is shown.
- The worker *claims* the row with a conditional UPDATE (``pending → running``, attempt + 1).
  A redelivered message (``acks_late``) finds it running and does nothing, so a job never runs
  twice at once.
- While it runs, ``progress.advance()`` moves the bar and beats the heart. Every write the run
  makes is conditional on its own attempt number: a run that was given up (a worker that froze
  and came back) can no longer touch the row, so a job *finishes* exactly once.
- ``sweep_jobs`` (Celery beat, every minute, ``config/schedules.py``) re-sends jobs left pending
  (the broker was down) and puts running jobs whose heartbeat stopped (the worker was killed)
  back to pending, or fails them after ``max_attempts``.

A capability declares its handlers in ``<app>/jobs.py`` (imported at start-up)::

    from core.jobs import JobFailed, job_handler

    @job_handler("forms_fill.fill")
    def fill(job, progress):
        progress.total(len(keys))
        ...
        progress.advance(500)
        progress.save_file("filled.xlsx", path)    # served only through the checked view
        return {"filled": 9_998, "not_found": 2}   # kept on job.result

and starts them from a view with ``start_job(...)``; the page then shows
``{% include "core/job_progress.html" with job=job %}`` or redirects to ``job.get_absolute_url()``.
Handlers must be idempotent: after a worker dies the whole handler runs again.
"""

from __future__ import annotations

import logging
import os
import shutil
import traceback
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Job

log = logging.getLogger(__name__)

HANDLERS: dict[str, Callable] = {}

# Seconds without a heartbeat after which a running job is taken to be dead.
HEARTBEAT_TIMEOUT = getattr(settings, "ECOGRID_JOB_HEARTBEAT_TIMEOUT", 120)
# Seconds a pending job may wait for a worker before the sweep sends it again.
PENDING_RESEND_AFTER = getattr(settings, "ECOGRID_JOB_PENDING_RESEND", 60)
# Days a result file is kept (results may hold personal data: keep them short-lived).
RESULT_DAYS = getattr(settings, "ECOGRID_JOB_RESULT_DAYS", 7)
# Progress is written at most this often (seconds), so a tight loop does not hammer the row.
PROGRESS_EVERY = 0.5


class JobFailed(Exception):
    """Raised by a handler to fail the job at once with a message meant for the user."""


def job_handler(kind: str):
    """Register ``fn(job, progress) -> dict | None`` as the handler of ``kind``."""

    def register(fn):
        if kind in HANDLERS and HANDLERS[kind] is not fn:
            raise RuntimeError(f"job kind {kind!r} registered twice")
        HANDLERS[kind] = fn
        return fn

    return register


# ------------------------------------------------------------------------------------ start

def start_job(kind: str, *, user=None, region_path: str = "", params: dict | None = None, label: str = "",
              total: int | None = None, sensitive: bool = False, max_attempts: int = 3) -> Job:
    """Write a pending job and send it to a worker once the surrounding transaction commits."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler for job kind {kind!r} (is it declared in <app>/jobs.py?)")
    job = Job.objects.create(
        uuid=uuid.uuid4(), kind=kind, label=str(label)[:200], started_by=user if getattr(user, "pk", None) else None,
        region_path=region_path or "", params=params or {}, progress_total=total, sensitive=sensitive,
        max_attempts=max_attempts,
    )
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(job_id: int, *, countdown: float | None = None) -> bool:
    """Send the wake-up; a broker that is down is logged, never raised (the sweep re-sends)."""
    Job.objects.filter(pk=job_id).update(enqueued_at=timezone.now())
    try:
        run_job.apply_async(args=[job_id], countdown=countdown, retry=False)
    except Exception:  # kombu OperationalError, redis ConnectionError, …
        log.warning("job %s: broker unavailable, left pending for the sweep", job_id, exc_info=True)
        return False
    return True


# ------------------------------------------------------------------------------------ run

class Progress:
    """What a handler reports through: the bar, the heartbeat and the result file."""

    def __init__(self, job: Job):
        self.job = job
        self._done = job.progress_done
        self._last_write = 0.0

    def _mine(self):
        return Job.objects.filter(pk=self.job.pk, status=Job.Status.RUNNING, attempts=self.job.attempts)

    def total(self, n: int | None) -> None:
        self.job.progress_total = n
        self._mine().update(progress_total=n, heartbeat_at=timezone.now())

    def advance(self, k: int = 1) -> None:
        self.set(self._done + k)

    def set(self, done: int, *, force: bool = False) -> None:
        import time

        self._done = done
        now = time.monotonic()
        if force or now - self._last_write >= PROGRESS_EVERY:
            self._last_write = now
            if not self._mine().update(progress_done=done, heartbeat_at=timezone.now()):
                raise JobLost()

    def beat(self) -> None:
        """Heartbeat without progress (a long single step)."""
        self.set(self._done, force=True)

    def save_file(self, name: str, content) -> None:
        """Store the result: ``content`` is bytes, a path, or an open binary file."""
        job = self.job
        if job.result_file:
            job.result_file.delete(save=False)
        if isinstance(content, bytes):
            job.result_file.save(name, ContentFile(content), save=False)
        elif isinstance(content, (str, os.PathLike)):
            with open(content, "rb") as fh:
                job.result_file.save(name, File(fh), save=False)
        else:
            job.result_file.save(name, File(content), save=False)
        job.result_name = name
        self._mine().update(result_file=job.result_file.name, result_name=name, heartbeat_at=timezone.now())


class JobLost(Exception):
    """This run no longer owns the job (it was swept after a lost heartbeat)."""


def claim(job_id: int) -> Job | None:
    """pending → running, attempt + 1, in one conditional UPDATE; None if someone else has it."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.PENDING).update(
        status=Job.Status.RUNNING, attempts=F("attempts") + 1, started_at=now, heartbeat_at=now, error="",
        progress_done=0,  # a handler runs whole again after a crash: so does its bar
    )
    if not claimed:
        return None
    return Job.objects.select_related("started_by").get(pk=job_id)


def run(job_id: int) -> str:
    """Claim and run one job; returns what happened (for logs and tests)."""
    job = claim(job_id)
    if job is None:
        return "not claimed"
    handler = HANDLERS.get(job.kind)
    progress = Progress(job)
    mine = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, attempts=job.attempts)
    if handler is None:
        mine.update(status=Job.Status.FAILED, error=_("This kind of job is not known to the server."),
                    finished_at=timezone.now())
        return "failed"
    try:
        result = handler(job, progress) or {}
    except JobLost:
        log.warning("job %s attempt %s: lost its claim, stopping", job.pk, job.attempts)
        return "lost"
    except JobFailed as exc:
        mine.update(status=Job.Status.FAILED, error=str(exc), finished_at=timezone.now())
        _finished(job.pk)
        return "failed"
    except Exception:
        log.exception("job %s (%s) attempt %s crashed", job.pk, job.kind, job.attempts)
        detail = traceback.format_exc(limit=3)
        if job.attempts < job.max_attempts:
            if mine.update(status=Job.Status.PENDING, error=detail[-2000:]):
                enqueue(job.pk, countdown=min(300, 5 * 2 ** job.attempts))
            return "retry"
        mine.update(status=Job.Status.FAILED, finished_at=timezone.now(),
                    error=_("The job failed after %(n)s attempts. Please try again or contact the administrator.")
                    % {"n": job.attempts})
        _finished(job.pk)
        return "failed"
    total = progress.job.progress_total
    done = mine.update(
        status=Job.Status.DONE, result=result, finished_at=timezone.now(), heartbeat_at=timezone.now(),
        progress_done=max(total or 0, progress._done),
    )
    if not done:
        return "lost"
    _finished(job.pk)
    return "done"


# Called with the job id once a job is done or failed (e.g. to notify its starter).
FINISHED_HOOKS: list[Callable[[Job], None]] = []


def _finished(job_id: int) -> None:
    if not FINISHED_HOOKS:
        return
    job = Job.objects.select_related("started_by").get(pk=job_id)
    for hook in FINISHED_HOOKS:
        try:
            hook(job)
        except Exception:
            log.exception("job %s: finished hook %r failed", job_id, hook)


# ------------------------------------------------------------------------------------ sweep

def sweep(now=None) -> dict:
    """Re-send jobs left pending, revive or fail jobs whose worker died, drop old result files."""
    now = now or timezone.now()
    counts = {"resent": 0, "revived": 0, "failed": 0, "expired": 0}
    dead = now - timedelta(seconds=HEARTBEAT_TIMEOUT)
    for job in Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=dead).only("pk", "attempts", "max_attempts"):
        stale = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, attempts=job.attempts, heartbeat_at__lt=dead)
        if job.attempts >= job.max_attempts:
            counts["failed"] += stale.update(
                status=Job.Status.FAILED, finished_at=now,
                error=_("The worker running this job stopped %(n)s times. Please try again or contact the administrator.")
                % {"n": job.attempts},
            )
            _finished(job.pk)
        elif stale.update(status=Job.Status.PENDING, error=_("The worker stopped; the job was started again.")):
            counts["revived"] += 1
            enqueue(job.pk)
    waiting = now - timedelta(seconds=PENDING_RESEND_AFTER)
    for pk in Job.objects.filter(status=Job.Status.PENDING, enqueued_at__lt=waiting).values_list("pk", flat=True):
        counts["resent"] += enqueue(pk)
    for pk in Job.objects.filter(status=Job.Status.PENDING, enqueued_at__isnull=True, created_at__lt=waiting).values_list("pk", flat=True):
        counts["resent"] += enqueue(pk)
    old = now - timedelta(days=RESULT_DAYS)
    for job in Job.objects.filter(finished_at__lt=old).exclude(result_file=""):
        directory = Path(settings.MEDIA_ROOT) / "jobs" / str(job.uuid)
        job.result_file.delete(save=False)
        shutil.rmtree(directory, ignore_errors=True)
        Job.objects.filter(pk=job.pk).update(result_file="")
        counts["expired"] += 1
    return counts


# ------------------------------------------------------------------------------------ tasks
# Declared here, beside what they run, under the names beat and the broker know; core/tasks.py
# hands them to Celery's autodiscovery.

@shared_task(name="core.tasks.run_job", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int) -> str:
    return run(job_id)


@shared_task(name="core.tasks.sweep_jobs", ignore_result=True)
def sweep_jobs() -> dict:
    return sweep()


# ------------------------------------------------------------------------------------ read

def visible_jobs(user):
    """Jobs the user started, while the user's jurisdiction still covers the job's region.

    A result is the starter's: another officer of the same street may hold other departments'
    need-to-know, so results are not shared even inside one jurisdiction. A job with no region
    (an unrestricted superuser's) is its starter's alone.
    """
    from django.db.models import Q

    from .jurisdiction import scope

    if not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    mine = Job.objects.filter(started_by=user)
    in_scope = scope(mine.exclude(region_path=""), user, path_field="region_path")
    return mine.filter(Q(pk__in=in_scope.values("pk")) | Q(region_path=""))


# ------------------------------------------------------------------------------------ self-test

@job_handler("core.selftest")
def selftest(job, progress):
    """A harmless job that counts to ``steps`` (``delay`` seconds each) and writes a small file.

    Administrators start it to see that workers are alive; the tests use it to kill a worker
    mid-job and watch the sweep finish the job exactly once.
    """
    import time

    steps = int(job.params.get("steps", 5))
    delay = float(job.params.get("delay", 0.2))
    progress.total(steps)
    for _step in range(steps):
        time.sleep(delay)
        progress.advance(1)
    progress.save_file("selftest.txt", f"{job.uuid} attempt {job.attempts}: {steps} steps\n".encode())
    return {"steps": steps, "attempt": job.attempts, "pid": os.getpid()}
