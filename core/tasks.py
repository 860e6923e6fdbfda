"""Celery tasks of the ground floor: run a job, sweep jobs (core/jobs.py)."""

from celery import shared_task

from . import jobs
from .outbox import send_email, sweep_outbox  # noqa: F401  (the outbox tasks: registered with the worker)


@shared_task(name="core.tasks.run_job", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int) -> str:
    return jobs.run(job_id)


@shared_task(name="core.tasks.sweep_jobs", ignore_result=True)
def sweep_jobs() -> dict:
    return jobs.sweep()
