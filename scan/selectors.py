"""Reads of the scan app; every queryset goes through ``grids.scoping.scope``."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from grids.models import Region
from grids.scoping import get_in_scope_or_404, scope

from .models import Scan, ScanBatch, ScanLink


def batch_get_for_user(*, user, uuid) -> ScanBatch:
    return get_in_scope_or_404(ScanBatch.objects.select_related("job", "started_by"), user, uuid=uuid)


def batch_scans(*, batch: ScanBatch) -> QuerySet[Scan]:
    return batch.scans.only("uuid", "position", "kind", "status", "original_name", "error", "recognition", "batch_id").order_by("position", "pk")


def scan_get_for_user(*, user, uuid) -> Scan:
    return get_in_scope_or_404(Scan.objects.select_related("batch", "started_by"), user, uuid=uuid)


def next_to_review(*, scan: Scan) -> Scan | None:
    """The next scan of the same batch waiting for confirmation (the review queue)."""
    return (
        Scan.objects.filter(batch_id=scan.batch_id, status=Scan.Status.RECOGNISED, position__gt=scan.position)
        .order_by("position").only("uuid").first()
    )


def recent_batches(*, user, limit: int = 20) -> QuerySet[ScanBatch]:
    return scope(ScanBatch.objects.filter(started_by=user), user).order_by("-created_at", "-id")[:limit]


def scan_search(*, user, query: str = "", limit: int = 50) -> QuerySet[Scan]:
    """Scans in the user's jurisdiction whose recognised text contains `query` (newest first)."""
    qs = scope(Scan.objects.all(), user).exclude(status=Scan.Status.DISCARDED)
    query = (query or "").strip()[:100]
    if query:
        qs = qs.filter(Q(text__icontains=query) | Q(links__label__icontains=query)).distinct()
    return qs.select_related("batch").order_by("-created_at", "-id")[:limit]


def links_for(*, user, target: str, object_id) -> QuerySet[ScanLink]:
    """Scans attached to one record, for that record's page."""
    return scope(ScanLink.objects.filter(target=target, object_id=str(object_id)), user).select_related("scan").order_by("-linked_at")


def grids_for(*, user) -> QuerySet[Region]:
    """Grids (level 4) a new person or enterprise may be placed in."""
    return scope(Region.objects.filter(level=4), user).order_by("path")


def grid_get_for_user(*, user, pk) -> Region:
    try:
        return get_in_scope_or_404(Region.objects.filter(level=4), user, pk=int(pk))
    except (TypeError, ValueError):
        raise Http404(_("Not found, or outside your jurisdiction.")) from None
