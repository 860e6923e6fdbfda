"""Celery tasks of the credit app: thin wrappers that take ids and call one service."""

import logging

from celery import shared_task

from . import scoring, services
from .models import CreditScoreHistory

log = logging.getLogger(__name__)


@shared_task(name="credit.tasks.nightly_rescore", ignore_result=True)
def nightly_rescore() -> int:
    """Beat: start the full rescoring as a core Job (progress and result visible to officers)."""
    job = services.rescore_job_start(trigger=CreditScoreHistory.Trigger.NIGHTLY)
    return job.pk


@shared_task(name="credit.tasks.rescore_after", ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def rescore_after(kind: str, pk: int) -> int:
    """An inspection, case or notice completed: rescore the enterprise(s) it is about (usually none or one)."""
    ids = scoring.enterprises_for(kind=kind, pk=pk)
    if not ids:
        return 0
    return services.rescore_enterprises(ids=ids, trigger=CreditScoreHistory.Trigger.EVENT).changed
