"""E-mail as an outbox: a row written in the transaction of the action that causes it.

- ``queue_email(to, subject, body)`` writes the row (status *queued*) and, once the
  transaction commits, enqueues ``core.outbox.send_email``. If the broker is down the
  enqueueing error is logged and swallowed: the user's action is committed and must not
  answer 500; the row stays queued and the sweep sends it later.
- ``deliver(email_id)`` claims the row with a conditional UPDATE (queued → sending), so a
  redelivered or doubly enqueued task sends nothing twice, then sends it with
  ``EMAIL_TIMEOUT`` (settings) bounding every SMTP step.
- ``sweep()`` (beat, config/schedules.py) re-enqueues rows still queued after
  ``RESEND_AFTER`` and puts back rows stuck in *sending* past ``SENDING_TIMEOUT`` (the
  worker died mid-send) — again a conditional UPDATE, so one sweep wins.

Delivery is at least once: a worker killed after the SMTP server accepted the message but
before the row was marked sent would send it again; a worker killed before that (the
usual case: blocked in the SMTP conversation) does not lose it and does not double it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import OutboxEmail

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(minutes=2)  # a queued row older than this was not picked up (broker down)


def sending_timeout() -> timedelta:
    """A send takes at most a few EMAIL_TIMEOUT-bounded SMTP steps; past this the sender is dead."""
    return timedelta(seconds=max(60, 5 * int(getattr(settings, "EMAIL_TIMEOUT", None) or 30)))


def queue_email(*, to: str, subject: str, body: str) -> OutboxEmail:
    email = OutboxEmail.objects.create(to=to, subject=subject[:200], body=body)
    enqueue_on_commit([email.pk])
    return email


def enqueue_on_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(lambda: enqueue(ids))


def enqueue(ids: list[int]) -> int:
    """Send tasks for these rows; a broker failure is logged, never raised (the sweep retries)."""
    sent = 0
    for pk in ids:
        try:
            send_email.delay(pk)
            sent += 1
        except Exception:  # broker down, DNS, timeouts: the row stays queued for the sweep
            log.warning("could not enqueue outbox email %s; the sweep will send it", pk, exc_info=True)
            break  # the broker is down for the others too
    return sent


def deliver(email_id: int, *, now=None) -> str:
    now = now or timezone.now()
    claimed = OutboxEmail.objects.filter(pk=email_id, status=OutboxEmail.Status.QUEUED).update(
        status=OutboxEmail.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"  # sent, being sent, or failed for good
    email = OutboxEmail.objects.get(pk=email_id)
    try:
        connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None))
        send_mail(email.subject, email.body, settings.DEFAULT_FROM_EMAIL, [email.to], connection=connection)
    except Exception as exc:
        final = email.attempts >= MAX_ATTEMPTS
        OutboxEmail.objects.filter(pk=email_id, status=OutboxEmail.Status.SENDING).update(
            status=OutboxEmail.Status.FAILED if final else OutboxEmail.Status.QUEUED,
            queued_at=timezone.now(), claimed_at=None, last_error=f"{type(exc).__name__}: {exc}"[:255],
        )
        if final:
            return "failed"
        raise
    OutboxEmail.objects.filter(pk=email_id).update(status=OutboxEmail.Status.SENT, sent_at=timezone.now(), last_error="")
    return "sent"


def sweep(*, now=None, limit: int = 500) -> dict:
    """Re-send what the broker or a dead worker left behind; safe to run concurrently."""
    now = now or timezone.now()
    cutoff = now - sending_timeout()
    revived = []
    for pk in OutboxEmail.objects.filter(status=OutboxEmail.Status.SENDING, claimed_at__lt=cutoff).values_list("pk", flat=True)[:limit]:
        # Conditional: only the sweep that moves it back from *sending* re-sends it.
        if OutboxEmail.objects.filter(pk=pk, status=OutboxEmail.Status.SENDING, claimed_at__lt=cutoff).update(
            status=OutboxEmail.Status.QUEUED, queued_at=now, claimed_at=None,
        ):
            revived.append(pk)
    waiting = []
    for pk in OutboxEmail.objects.filter(status=OutboxEmail.Status.QUEUED, queued_at__lt=now - RESEND_AFTER).order_by("id").values_list("pk", flat=True)[:limit]:
        # Stamped now, so that a concurrent or the next sweep does not enqueue it again meanwhile.
        if OutboxEmail.objects.filter(pk=pk, status=OutboxEmail.Status.QUEUED, queued_at__lt=now - RESEND_AFTER).update(queued_at=now):
            waiting.append(pk)
    ids = revived + waiting
    return {"revived": len(revived), "waiting": len(waiting), "enqueued": enqueue(ids) if ids else 0}


@shared_task(name="core.outbox.send_email", bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_ATTEMPTS)
def send_email(self, email_id: int) -> str:
    """Send one outbox row; SMTP trouble is retried with backoff (and by the sweep)."""
    try:
        return deliver(email_id)
    except Exception as exc:
        raise self.retry(exc=exc, countdown=min(900, 30 * 2 ** self.request.retries)) from exc


@shared_task(name="core.outbox.sweep_outbox", ignore_result=True)
def sweep_outbox() -> dict:
    return sweep()
