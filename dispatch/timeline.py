"""What every dispatch write shares: the timeline events dispatch records (and their labels),
the row lock, the conditional update of a locked case, the error type, and stored texts
written in the deployment's language."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case, CaseEvent
from cases.services import CaseActionError, case_lock

# Timeline actions dispatch records (status unchanged), for the case page's labels.
EVENT_LABELS = {
    "escalate": gettext_lazy("Escalated"),
    "deadline_warning": gettext_lazy("Deadline approaching"),
    "overdue": gettext_lazy("Overdue"),
    "consultation": gettext_lazy("Consultation scheduled"),
    "consultation_decision": gettext_lazy("Consultation decision"),
    "rectification_notice": gettext_lazy("Rectification notice issued"),
    "followup_due": gettext_lazy("Follow-up check due"),
    "rectification_checked": gettext_lazy("Follow-up check"),
}


class DispatchError(CaseActionError):
    """A dispatch action that is not allowed; the message says why."""


def in_zh(func, *args, **kwargs):
    """Stored texts (notifications) are written in the deployment's language, whatever the
    language of the request that caused them."""
    with translation.override(settings.LANGUAGE_CODE):
        return func(*args, **kwargs)


def local_text(moment: dt.datetime | None) -> str:
    if moment is None:
        return "—"
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def actor_label(actor) -> str:
    if actor is None:
        return in_zh(lambda: _("System"))
    profile = getattr(actor, "profile", None)
    return profile.full_name if profile is not None else actor.get_username()


def record_event(*, case: Case, actor, action: str, note: str = "", data: dict | None = None) -> CaseEvent:
    """A timeline event that does not change the status (escalation, consultation …)."""
    return CaseEvent.objects.create(
        case=case,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label(actor),
        action=action,
        from_status=case.status,
        to_status=case.status,
        note=note,
        data=data or {},
    )


def lock_case(case: Case, expected_version: int | None = None) -> Case:
    return case_lock(case=case, expected_version=expected_version)


def update_locked_case(case: Case, **fields) -> bool:
    """Conditional update of a locked case (claim on its version), bumping the version."""
    fields = {**fields, "version": case.version + 1, "updated_at": timezone.now()}
    done = Case.objects.filter(pk=case.pk, version=case.version).update(**fields) == 1
    if done:
        for name, value in fields.items():
            setattr(case, name, value)
    return done


def describe(case: Case) -> str:
    return f"{case.number} {case.category.name}（{case.grid.name if case.grid_id else ''}）"
