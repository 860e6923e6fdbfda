"""Background work of the dashboard (thin: each task calls one function of dashboard.rollup)."""

from celery import shared_task


@shared_task
def refresh_rollups() -> int:
    """Apply the case steps since the last run to the dashboard's rollups.

    Idempotent (a case's contribution is compared with the stored one) and safe to run
    concurrently (the refresh state row is claimed with SKIP LOCKED).
    """
    from .rollup import refresh

    total = 0
    for _ in range(20):  # at most 20 batches a run; the next run continues
        done = refresh()
        if not done:
            break
        total += done
    return total
