"""One inbox for every app (站内消息), with e-mail through the outbox (core/outbox.py).

From any app::

    from core.inbox import notify

    notify(users, kind="credit.rescored", title=_("Credit rating changed"),
           body="…", url=reverse("credit:enterprise", args=[pk]), email=True)

- ``users``: users (or None, skipped); inactive users and duplicates are skipped.
- ``kind``: the sending app's word (free text, ≤ 40 chars); the inbox colours a few
  (``overdue``/``returned`` red, ``deadline_warning`` yellow), the rest blue.
- ``title``/``body`` are stored as given: pass text already in the deployment's language
  (``translation.override(settings.LANGUAGE_CODE)``), not the request's.
- ``url``: where opening the message leads (a path of this site); the page it names
  checks jurisdiction itself. A callable ``url(user)`` gives each recipient their own.
- ``about``: what it is about, "<what>:<key>" (e.g. ``f"case:{case.number}"``), so the
  sending app can find its messages again (never shown).
- ``email``: also e-mail those with an address — an outbox row written in the caller's
  transaction and sent after commit; a broker that is down never fails the caller.

The inbox page, its unread badge and mark-read live in core (core/inbox_views.py,
``core:inbox``, ``core:inbox_badge``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import outbox
from .models import Notification, OutboxEmail

PAGE_SIZE = 50
TITLE_MAX, BODY_MAX, URL_MAX = 120, 1000, 500


def email_subject(title: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("[EcoGrid] %(title)s") % {"title": title}


@transaction.atomic
def notify(
    users: Iterable, *, kind: str, title: str, body: str = "", url: str | Callable = "", email: bool = True, about: str = "",
) -> list[Notification]:
    recipients = {u.pk: u for u in users if u is not None and getattr(u, "is_active", True)}
    if not recipients:
        return []
    title, body, kind = str(title)[:TITLE_MAX], str(body)[:BODY_MAX], str(kind)[:40]
    items = []
    emails = []
    for user in recipients.values():
        mail = None
        if email and user.email:
            mail = OutboxEmail(to=user.email, subject=email_subject(title), body=body or title)
            emails.append(mail)
        items.append((user, mail))
    OutboxEmail.objects.bulk_create(emails)  # PostgreSQL and SQLite ≥ 3.35 return the ids
    created = Notification.objects.bulk_create([
        Notification(recipient=user, kind=kind, title=title, body=body,
                     url=(url(user) if callable(url) else url)[:URL_MAX], email=mail, about=about[:80])
        for user, mail in items
    ])
    outbox.enqueue_on_commit([m.pk for m in emails])
    return created


def mark_read(*, user, notification: Notification) -> None:
    if notification.recipient_id == user.pk and notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def inbox_page(*, user, unread_only: bool = False, before: int | None = None, size: int = PAGE_SIZE) -> list[Notification]:
    """One page of the user's messages, newest first (keyset on id); size + 1 rows tell if there is more."""
    qs = Notification.objects.filter(recipient=user).select_related("email")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    if before:
        qs = qs.filter(id__lt=before)
    return list(qs.order_by("-id")[: size + 1])


def unread_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def get_for_user(*, user, pk: int) -> Notification:
    """Only the recipient opens a message; anyone else gets 404."""
    notification = Notification.objects.filter(recipient=user, pk=pk).first()
    if notification is None:
        raise Http404(_("Not found, or outside your jurisdiction."))
    return notification
