"""Event-driven rescoring: when an inspection, case or rectification notice completes, rescore
the enterprise it is about.

The receivers only *enqueue* (on commit, no query in the request): the other apps' services
stay untouched and their query counts unchanged; the task finds the enterprise (usually
none) and rescores it. A broker that is down is logged and skipped: the nightly full
rescoring catches up.
"""

from __future__ import annotations

import logging

from django.db import transaction

log = logging.getLogger(__name__)

# Case statuses at which a case about an enterprise counts (or stops counting).
CASE_COMPLETE_STATUSES = {"registered", "self_handled", "handled", "verified", "closed", "rejected", "cancelled", "merged"}


def _enqueue(kind: str, pk: int) -> None:
    from .tasks import rescore_after

    def send():
        try:
            rescore_after.apply_async(args=[kind, pk], retry=False)
        except Exception:  # broker down, or the eager run failed: the nightly run catches up
            log.warning("credit: rescoring after %s %s not sent", kind, pk, exc_info=True)

    transaction.on_commit(send)


def inspection_saved(sender, instance, created, update_fields=None, **kwargs):
    if instance.status == "submitted" and (update_fields is None or "status" in update_fields):
        _enqueue("inspection", instance.pk)


def case_saved(sender, instance, created, update_fields=None, **kwargs):
    if created:
        # A new case cannot be about an enterprise yet: the link is made afterwards
        # (services.enterprise_link_case, which rescores then). Skipping it keeps every report
        # — the grid worker's hot path — free of a broker message that would find nothing.
        return
    if instance.status in CASE_COMPLETE_STATUSES and (update_fields is None or "status" in update_fields):
        _enqueue("case", instance.pk)


def notice_saved(sender, instance, created, update_fields=None, **kwargs):
    if update_fields is None or "status" in update_fields:
        _enqueue("notice", instance.pk)


def connect() -> None:
    from django.db.models.signals import post_save

    from cases.models import Case
    from dispatch.models import RectificationNotice
    from inspections.models import Inspection

    post_save.connect(inspection_saved, sender=Inspection, dispatch_uid="credit.inspection_saved")
    post_save.connect(case_saved, sender=Case, dispatch_uid="credit.case_saved")
    post_save.connect(notice_saved, sender=RectificationNotice, dispatch_uid="credit.notice_saved")
