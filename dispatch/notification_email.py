"""E-mail of inbox messages: one queued message sent, claimed first (dispatch/tasks.py runs it)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from .models import Notification
from .timeline import in_zh


def notification_email_deliver(*, notification_id: int) -> str:
    """Send one queued notification by email; claimed first so a redelivered task sends nothing twice."""
    from django.core.mail import send_mail

    claimed = Notification.objects.filter(pk=notification_id, email_status=Notification.EmailStatus.QUEUED).update(
        email_status=Notification.EmailStatus.SENDING
    )
    if not claimed:
        return "skipped"
    notification = Notification.objects.select_related("recipient", "case").get(pk=notification_id)
    subject = in_zh(lambda: _("[EcoGrid] %(kind)s")) % {"kind": in_zh(lambda: str(Notification.Kind(notification.kind).label))}
    try:
        send_mail(subject, notification.text, settings.DEFAULT_FROM_EMAIL, [notification.recipient.email])
    except Exception as exc:
        Notification.objects.filter(pk=notification_id).update(
            email_status=Notification.EmailStatus.QUEUED, email_error=str(exc)[:255]
        )
        raise
    Notification.objects.filter(pk=notification_id).update(email_status=Notification.EmailStatus.SENT, email_error="")
    return "sent"


def notification_email_failed(*, notification_id: int, error: str) -> None:
    """After the last retry: show the failure in the recipient's inbox."""
    Notification.objects.filter(pk=notification_id).exclude(email_status=Notification.EmailStatus.SENT).update(
        email_status=Notification.EmailStatus.FAILED, email_error=error[:255]
    )
