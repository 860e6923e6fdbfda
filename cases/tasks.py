"""Background work of the cases app (thin: each task calls one service)."""

from celery import shared_task


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def sweep_pending_uploads() -> int:
    """Delete photos uploaded for report forms that were never submitted (older than a day).

    Idempotent: deleting what is already gone is a no-op.
    """
    from .services import pending_upload_sweep

    return pending_upload_sweep()
