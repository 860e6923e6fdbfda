"""Background jobs of the credit app (core/jobs.py)."""

from core.jobs import job_handler

from . import services
from .models import CreditScoreHistory


@job_handler("credit.rescore")
def rescore(job, progress):
    """Full rescoring of every enterprise. Idempotent: a re-run after a dead worker writes only what changed."""
    trigger = job.params.get("trigger") or CreditScoreHistory.Trigger.NIGHTLY
    if trigger not in CreditScoreHistory.Trigger.values:
        trigger = CreditScoreHistory.Trigger.MANUAL
    result = services.rescore_all(trigger=trigger, progress=progress)
    return {"rated": result.rated, "changed": result.changed}
