"""dispatch's messages: the inbox entries (and their e-mail) a dispatch step sends."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from cases.models import Case

from .models import Notification


def notification_send(*, users: Iterable, kind: str, case: Case | None = None, text: str) -> list[Notification]:
    """Put a message in each user's inbox (and email those with an address, after commit).

    For other apps too: ``notification_send(users=[…], kind=Notification.Kind.OTHER, case=case, text="…")``.
    """
    recipients = {u.pk: u for u in users if u is not None and getattr(u, "is_active", True)}
    if not recipients:
        return []
    if kind not in Notification.Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    items = [
        Notification(
            recipient_id=pk, kind=kind, case=case, text=text[:500],
            email_status=Notification.EmailStatus.QUEUED if user.email else Notification.EmailStatus.NONE,
        )
        for pk, user in recipients.items()
    ]
    created = Notification.objects.bulk_create(items)  # PostgreSQL and SQLite ≥ 3.35 return the ids
    to_email = [n.pk for n in created if n.email_status == Notification.EmailStatus.QUEUED]
    if to_email:
        from .tasks import notification_email

        transaction.on_commit(lambda: [notification_email.delay(pk) for pk in to_email])
    return created


def notification_mark_read(*, user, notification: Notification) -> None:
    if notification.recipient_id == user.pk and notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def notification_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
