"""Background work of the volunteers app (thin: each task calls one service)."""

import datetime as dt

from celery import shared_task
from django.utils import timezone


@shared_task
def sync_report_outcomes() -> int:
    """Record outcomes (and points) of volunteer reports decided on the cases pages. Idempotent."""
    from .services import reports_sync_pending

    return reports_sync_pending()


@shared_task
def award_monthly_activity() -> int:
    """+1 (rule 月度活跃) for last month's active volunteers. Idempotent: run daily, awards once."""
    from .services import monthly_activity_award

    first = timezone.localdate().replace(day=1)
    return monthly_activity_award(month=(first - dt.timedelta(days=1)).replace(day=1))
