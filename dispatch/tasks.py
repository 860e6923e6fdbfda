"""Dispatch's background work. Tasks are thin: re-fetch by id, call one service.

Each service claims its work with a conditional update, so a redelivered or doubly
scheduled task changes nothing more.
"""

from celery import shared_task

from .escalation import deadlines_scan
from .notices import notices_followup_scan


@shared_task(
    bind=True, autoretry_for=(Exception,), retry_backoff=30, retry_backoff_max=600, retry_jitter=True, max_retries=3,
    acks_late=True,
)
def scan_deadlines(self):
    """Warn at 80 % of running deadlines, escalate one tier at 100 % (config/schedules.py)."""
    result = deadlines_scan()
    return {"warned": len(result.warned), "escalated": len(result.escalated), "overdue": len(result.overdue)}


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=60, retry_backoff_max=900, max_retries=3, acks_late=True)
def notice_followups(self):
    """Rectification notices whose deadline has come: the follow-up check falls due."""
    return {"due": len(notices_followup_scan())}
