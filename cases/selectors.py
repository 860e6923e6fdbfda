"""Reads of cases; every queryset that reaches a user goes through grids.scoping.scope."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from django.http import Http404
from django.utils.translation import gettext as _

from grids.scoping import scope

from .models import Case, CaseCategory

LIST_RELATED = ("category", "grid", "department")


def case_queryset_for_user(*, user, verb: str = "view") -> QuerySet[Case]:
    """Cases in the user's jurisdiction, plus the cases they reported themselves."""
    base = Case.objects.all()
    scoped = scope(base, user, verb=verb)
    if getattr(user, "is_authenticated", False):
        scoped = scoped | base.filter(reporter=user)
    return scoped


def case_list(*, user, filters: dict | None = None) -> QuerySet[Case]:
    filters = filters or {}
    qs = case_queryset_for_user(user=user).select_related(*LIST_RELATED)
    if status := filters.get("status"):
        qs = qs.filter(status__in=status if isinstance(status, (list, tuple, set)) else [status])
    if category := filters.get("category"):
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if filters.get("mine"):
        qs = qs.filter(reporter=user)
    return qs.order_by("-created_at", "-id")


def case_get_for_user(*, user, number: str) -> Case:
    """One case by number, or Http404 when it does not exist or is out of scope."""
    case = case_queryset_for_user(user=user).filter(number=number).select_related(*LIST_RELATED, "reporter", "merged_into").first()
    if case is None:
        # Same answer for missing and out-of-scope (no existence leak).
        raise Http404(_("Not found, or outside your jurisdiction."))
    return case


def category_choices() -> QuerySet[CaseCategory]:
    return CaseCategory.objects.filter(parent__isnull=False, is_active=True).select_related("parent").order_by("code")
