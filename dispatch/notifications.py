"""dispatch's messages, sent through the one inbox (core/inbox.py): which kind, which title,
and where opening the message leads each recipient (the page where they act on it)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from core.inbox import notify
from core.models import Notification
from grids.models import StaffProfile

from . import selectors
from .models import RectificationNotice

R = StaffProfile.Role


class NotificationKind(models.TextChoices):
    """What dispatch tells people; the label is the message's title in the inbox."""

    DISPATCHED = "dispatched", _("New dispatch")  # 新派遣
    RETURNED = "returned", _("Returned case")  # 退单
    DEADLINE_WARNING = "deadline_warning", _("Deadline approaching")  # 即将超时
    OVERDUE = "overdue", _("Overdue")  # 已超时
    ESCALATED = "escalated", _("Escalated")  # 升级
    VERIFY_NEEDED = "verify_needed", _("Verification needed")  # 待核查
    CONSULTATION = "consultation", _("Consultation invitation")  # 会商邀请
    FOLLOW_UP = "follow_up", _("Follow-up check due")  # 整改复查
    OTHER = "other", _("Other")


def target_url(*, kind: str, case: Case | None, user) -> str:
    """Where opening a message leads this user: the page where they act on it."""
    K = NotificationKind
    if case is None:
        return ""
    if kind == K.CONSULTATION:
        consultation = selectors.consultation_list(user=user).filter(case=case).order_by("-id").first()
        if consultation is not None:
            return reverse("dispatch:consultation", args=[consultation.pk])
    if kind == K.FOLLOW_UP:
        notice = selectors.notice_queryset(user=user).filter(case=case, status=RectificationNotice.Status.ISSUED).order_by("-id").first()
        if notice is not None:
            return reverse("dispatch:notice", args=[notice.pk])
    role = selectors.role_of(user)
    if kind == K.VERIFY_NEEDED and role in (R.GRID_WORKER, R.VILLAGE_STAFF):
        return reverse("cases:verify", args=[case.number])
    if role == R.DEPARTMENT_STAFF:
        return reverse("dispatch:case", args=[case.number])
    return reverse("cases:detail", args=[case.number])


def notification_send(*, users: Iterable, kind: str, case: Case | None = None, text: str) -> list[Notification]:
    """Put a dispatch message in each user's inbox (and e-mail those with an address, after commit)."""
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    with translation.override(settings.LANGUAGE_CODE):
        title = str(NotificationKind(kind).label)
    return notify(
        users, kind=kind, title=title, body=text, about=f"case:{case.number}" if case is not None else "",
        url=lambda user: target_url(kind=kind, case=case, user=user),
    )


# Kept for callers of the old dispatch API.
from core.inbox import mark_all_read as notification_mark_all_read  # noqa: E402
from core.inbox import mark_read as notification_mark_read  # noqa: E402
